// Set markers: a small durable file, <destination>/.<backup id>.set,
// naming the snapshot set a backup in progress committed. Written right
// after the commit and removed once the backup is recorded (or aborted),
// it lets the next backup release the persistent set of a backup that
// crashed before its record (ReleaseUnrecordedSets in backup_chain.h).
// Backup ids never start with '.', so a marker never collides with a set.
//
// Format: one line, "shadowset-set-marker 1 <set GUID>\n".
//
// Thread safety: free functions.

#ifndef SHADOWSET_REQUESTOR_INTERNAL_SET_MARKER_H_
#define SHADOWSET_REQUESTOR_INTERNAL_SET_MARKER_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/env.h"
#include "engine/types.h"

namespace shadowset::internal {

// Whether a destination entry's name is a set marker (or the temporary
// file of one whose write failed).
bool IsSetMarkerName(absl::string_view name);

// Writes the marker of `backup_id` atomically and durably.
absl::Status WriteSetMarker(Env* env, const std::string& destination,
                            const std::string& backup_id, const SetId& set);

// The set a marker file names; nullopt for a damaged marker.
absl::StatusOr<std::optional<SetId>> ReadSetMarker(Env* env,
                                                   const std::string& path);

// Removes the marker of `backup_id` and its temporary file (missing is
// fine). Not synced: a
// marker that survives a crash names a set that is recorded or already
// deleted, and the next backup just removes it.
absl::Status RemoveSetMarker(Env* env, const std::string& destination,
                             const std::string& backup_id);

}  // namespace shadowset::internal

#endif  // SHADOWSET_REQUESTOR_INTERNAL_SET_MARKER_H_
