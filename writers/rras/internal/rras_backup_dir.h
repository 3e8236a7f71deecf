// The router configuration backup directory (docs/rras-format.md, "Backup
// directory"): router managers, interfaces and the phone book in three
// files, and a manifest with the size and xxh3-64 of each, written last.
//
//   <dir>/router-managers.bin   SSRRASRM + one record of PutTransport ops
//   <dir>/interfaces.bin        SSRRASIF + one record of PutInterface ops
//   <dir>/rasphone.pbk          the phone book, INI-like text
//   <dir>/rras-backup.manifest  text; names the three files
//
// Thread safety: the functions are safe for concurrent use on different
// directories.

#ifndef SHADOWSET_WRITERS_RRAS_INTERNAL_RRAS_BACKUP_DIR_H_
#define SHADOWSET_WRITERS_RRAS_INTERNAL_RRAS_BACKUP_DIR_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/env.h"
#include "writers/rras/internal/rras_state.h"

namespace shadowset::rras::internal {

inline constexpr char kManifestName[] = "rras-backup.manifest";

// Writes the backup of `state` (at sequence `seq`) into `dir`, creating it
// if needed. Each file is published atomically, the manifest last, so a
// directory whose manifest verifies is a whole backup.
absl::Status WriteRrasBackup(Env* env, const std::string& dir,
                             const RrasState& state, uint64_t seq);

// Reads a backup into `state` (transports, interfaces, phone book only).
// Returns the sequence number it was taken at. Errors: kInvalidArgument
// naming what makes `dir` not a compatible backup (missing manifest, a
// file missing, of the wrong size or checksum, or malformed); I/O errors.
absl::StatusOr<uint64_t> ReadRrasBackup(Env* env, const std::string& dir,
                                        RrasState* state);

// The phone book as rasphone.pbk text, and back.
std::string FormatPhonebook(const std::map<std::string, PhonebookEntry>& book);
absl::StatusOr<std::vector<PhonebookEntry>> ParsePhonebook(
    absl::string_view text);

}  // namespace shadowset::rras::internal

#endif  // SHADOWSET_WRITERS_RRAS_INTERNAL_RRAS_BACKUP_DIR_H_
