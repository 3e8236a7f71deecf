// Validation of the names a backup set uses as file and directory names:
// backup ids, volume names, writer ids and writer file paths. Each is 1-N
// letters, digits, '.', '_' or '-', not starting with '.' or '-' (the
// engine's rule for volume names), so a name never escapes its directory.
//
// Every function returns kInvalidArgument with a message naming the value.
// Thread safety: free functions, no shared state.

#ifndef SHADOWSET_ENGINE_BACKUP_INTERNAL_NAMES_H_
#define SHADOWSET_ENGINE_BACKUP_INTERNAL_NAMES_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace shadowset::internal {

inline constexpr absl::string_view kPartialSuffix = ".partial";

// 1-128 characters; never ending in ".partial".
absl::Status CheckBackupId(absl::string_view id);
// 1-64 characters, as Engine::CreateVolume accepts.
absl::Status CheckVolumeName(absl::string_view name);
// 1-128 characters.
absl::Status CheckWriterId(absl::string_view id);
// 1-16 '/'-separated components of 1-255 characters each.
absl::Status CheckWriterFilePath(absl::string_view path);

}  // namespace shadowset::internal

#endif  // SHADOWSET_ENGINE_BACKUP_INTERNAL_NAMES_H_
