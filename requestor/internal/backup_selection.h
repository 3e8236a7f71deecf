// What a backup covers, decided before its snapshot set is committed: its
// id, its volumes (from the options and the writers' metadata), and
// whether the requested expiry is allowed. Part of the backup pipeline
// (requestor/backup_pipeline.h).
//
// Thread safety: free functions.

#ifndef SHADOWSET_REQUESTOR_INTERNAL_BACKUP_SELECTION_H_
#define SHADOWSET_REQUESTOR_INTERNAL_BACKUP_SELECTION_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/engine.h"
#include "writers/writer.h"

namespace shadowset::internal {

// "20240501T120000Z-1b4e28ba": `now` in UTC and 8 random hex digits.
std::string GenerateBackupId(absl::Time now);

// A backup id the set writer accepts: 1-128 letters, digits, '.', '_' or
// '-', not starting with '.' or '-', not ending in ".partial".
// kInvalidArgument (ERROR_INVALID_PARAMETER) naming the id otherwise.
absl::Status CheckNewBackupId(absl::string_view id);

// The volumes of a backup, in this order, each once: those of the writers
// named in `writer_names` (by name or instance id), then `volumes`; both
// empty: every volume of the engine.
// Errors: kNotFound (ERROR_NOT_FOUND) for a writer no metadata names;
// kNotFound (VSS_E_OBJECT_NOT_FOUND) for an unknown volume;
// kFailedPrecondition when there is nothing to back up.
absl::StatusOr<std::vector<std::string>> SelectVolumes(
    Engine* engine, const std::vector<WriterMetadata>& metadata,
    const std::vector<std::string>& volumes,
    const std::vector<std::string>& writer_names);

// Whether `expires_in` only shortens what the writers with data on
// `volumes` allow (the smallest restore lifetime). kInvalidArgument
// (ERROR_INVALID_PARAMETER) naming the limiting writer otherwise.
absl::Status CheckExpiresIn(const std::vector<WriterMetadata>& metadata,
                            const std::vector<std::string>& volumes,
                            std::optional<absl::Duration> expires_in);

}  // namespace shadowset::internal

#endif  // SHADOWSET_REQUESTOR_INTERNAL_BACKUP_SELECTION_H_
