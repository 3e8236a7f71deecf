// The DHCP backup file (docs/dhcp-format.md, "Backup file"): the whole
// database at one sequence number, as the records of a base, framed and
// checksummed. DhcpServerBackupDatabase writes it into the backup
// directory; DhcpServerRestoreDatabase reads it back.
//
// Thread safety: the functions are safe for concurrent use on different
// paths.

#ifndef SHADOWSET_WRITERS_DHCP_INTERNAL_DHCP_BACKUP_FILE_H_
#define SHADOWSET_WRITERS_DHCP_INTERNAL_DHCP_BACKUP_FILE_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/env.h"
#include "writers/dhcp/internal/dhcp_state.h"

namespace shadowset::dhcp::internal {

inline constexpr char kBackupFileName[] = "dhcp.bak";

struct BackupFileInfo {
  uint64_t seq = 0;
  absl::Time created;
};

// Creates directory `dir` if needed and publishes `dir`/dhcp.bak atomically
// (temporary file, fsync, rename, fsync of the directory). After an error
// any previous dhcp.bak in `dir` is intact.
absl::Status WriteBackupFile(Env* env, const std::string& dir,
                             const DhcpState& state, uint64_t seq,
                             absl::Time created);

// Reads `dir`/dhcp.bak into `state` (which should be empty).
// Errors: kNotFound if there is no backup file; kDataLoss if it is damaged
// (magic, checksum, truncation, malformed records); kFailedPrecondition for
// a newer format version.
absl::StatusOr<BackupFileInfo> ReadBackupFile(Env* env, const std::string& dir,
                                              DhcpState* state);

}  // namespace shadowset::dhcp::internal

#endif  // SHADOWSET_WRITERS_DHCP_INTERNAL_DHCP_BACKUP_FILE_H_
