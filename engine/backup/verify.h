// VerifyBackupSet: checks a published backup set completely, as
// `shadowset backup verify` and every test that writes a set do.
//
//   ASSIGN_OR_RETURN(VerifyReport report,
//                    VerifyBackupSet(env, "/backups/b1", key, env->Now()));
//
// In order: the token and the manifest (as BackupSetReader::Open: every
// TokenError applies), that the directory holds exactly the files the
// manifest lists (plus manifest.json and token), every volume's structure
// (header, block map, footer, sums) and every data block's checksum, and
// every file's size and whole-file checksums (xxh3-64; SHA-256 when keyed).
// The first problem found is returned, naming the file and, for a block,
// the block.
//
// Thread safety: a free function; the set must not change while it runs.

#ifndef SHADOWSET_ENGINE_BACKUP_VERIFY_H_
#define SHADOWSET_ENGINE_BACKUP_VERIFY_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/env.h"

namespace shadowset {

struct VerifyReport {
  uint64_t files = 0;   // files checked, manifest.json and token included
  uint64_t bytes = 0;   // bytes of listed files read
  uint64_t blocks = 0;  // data blocks whose checksums were verified
};

// Errors: those of BackupSetReader::Open (token and manifest); kDataLoss
// for a missing, unlisted, damaged or altered file or block; I/O errors.
absl::StatusOr<VerifyReport> VerifyBackupSet(Env* env, const std::string& dir,
                                             absl::string_view key,
                                             absl::Time now);

}  // namespace shadowset

#endif  // SHADOWSET_ENGINE_BACKUP_VERIFY_H_
