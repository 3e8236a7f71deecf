// RunRestore: restores the volumes of a published backup set into an
// engine (DESIGN §2.7, §2.8; docs/backup-pipeline.md "Restore"), the
// original data directory's or another one's.
//
//   RestoreOptions o;
//   o.backup_dir = "/backups/20240501T120000Z-1b4e28ba";
//   o.key = key;                                      // "" when none
//   ASSIGN_OR_RETURN(RestoreOutcome r, RunRestore(engine, &writers, o));
//
// The steps, in this order:
//   1. Refuse a clock earlier than the engine's ClockHighWater() (a clock
//      set back must not revive an expired backup).
//   2. Open the set: its token and manifest first (BackupSetReader::Open
//      with the key and the clock: missing, unreadable, unsigned-when-
//      keyed, tampered, foreign and expired tokens are refused, each with
//      its own TokenError), then resolve the chain of every volume
//      (OpenVolumeAt: each base's token and manifest, its manifest hash,
//      age and geometry) and refuse block-size or volume-size mismatches.
//      Nothing has been written so far.
//   3. PreRestore in the writers with data on the restored volumes.
//   4. Each volume is written into a staging volume
//      (Engine::CreateStagingVolume) while every block is verified against
//      its checksums before it is written (holes stay holes).
//   5. One SwitchInStagingVolumes: one catalog transaction puts every
//      staging volume in place (snapshots of the replaced volumes are
//      deleted, each an event), plus a kRestore event naming the backup.
//   6. after_switch_in (e.g. services reopen on the new volumes), then
//      PostRestore in the writers.
// Any failure in steps 4-5 drops the staging volumes: the engine's volumes
// are exactly as before. Writers that got PreRestore get PostRestore in
// every case (after a failure they resume on their unchanged data).
//
// Thread safety: a free function. Nothing else may write the restored
// volumes while it runs (the writers' PreRestore stops their services).

#ifndef SHADOWSET_REQUESTOR_RESTORE_PIPELINE_H_
#define SHADOWSET_REQUESTOR_RESTORE_PIPELINE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/backup/manifest.h"
#include "engine/engine.h"
#include "engine/env.h"
#include "requestor/progress.h"
#include "writers/framework.h"
#include "writers/registry.h"

namespace shadowset {

struct RestoreOptions {
  // The published backup set (<parent>/<backup id>); the bases of an
  // incremental or differential set are found beside it. Required.
  std::string backup_dir;
  // The key configured for restores: with one, unsigned tokens are refused
  // and MACs and SHA-256 checksums are checked. Default: empty.
  std::string key;
  // The time the token's expiry is judged against. Default: env->Now().
  std::optional<absl::Time> now;
  // The volumes to restore. Default: empty = every volume of the set.
  std::vector<std::string> volumes;
  // The engine data directory restored to, told to writers
  // (RestoreContext::data_dir). Default: "".
  std::string data_dir;
  // Runs right after the switch-in, before PostRestore, with the restored
  // volumes: services whose volumes were replaced must reopen them (their
  // Volume objects are retired) and re-register their writers; PostRestore
  // then goes to the writers registered after it returns. An error is
  // returned (the volumes stay restored). Default: none (the writers that
  // got PreRestore get PostRestore).
  std::function<absl::Status(const std::vector<std::string>& volumes)>
      after_switch_in;
  // Called after each run of blocks written (requestor/progress.h).
  // Default: none.
  ProgressCallback progress;
  // Cancels the restore once it reads true (e.g. set by a SIGINT
  // handler): checked between runs of blocks and before the switch-in,
  // not after it. A cancelled restore drops its staging volumes (the
  // engine's volumes are exactly as before), gives PostRestore to the
  // writers that got PreRestore, and returns kCancelled. Must outlive the
  // call. Default: nullptr (not cancellable).
  const std::atomic<bool>* cancel = nullptr;
  // Bytes per read from the backup set. Default: 8 MiB.
  size_t read_buffer_size = 8 << 20;
  // Bounds the writers' restore events. Default: InfiniteDuration (each
  // event still has its own timeout).
  absl::Duration timeout = absl::InfiniteDuration();
  // The writers' event timeouts. Default: FrameworkOptions{}.
  FrameworkOptions framework;
  // Files, clock and threads. Default: Env::Default().
  Env* env = nullptr;
};

struct RestoreVolumeOutcome {
  std::string name;
  uint64_t bytes = 0;        // the volume's size
  uint64_t data_blocks = 0;  // blocks written
  uint64_t zero_blocks = 0;  // holes
};

struct RestoreOutcome {
  std::string backup_id;
  SetId set_id;
  BackupSetType type = BackupSetType::kFull;
  absl::Time created;
  absl::Time expires = absl::InfiniteFuture();
  std::vector<std::string> chain;  // backup ids, the full image first
  std::vector<RestoreVolumeOutcome> volumes;
  std::vector<std::string> writers;  // names of the writers involved
  uint64_t bytes_written = 0;        // data written into staging volumes
  absl::Duration stage_time;         // steps 4 (verify and write)
  absl::Duration switch_time;        // step 5
  absl::Duration total_time;
};

// Restores a backup (see the banner). `writers` may be nullptr.
// Errors, with nothing changed unless said:
//   kInvalidArgument: no backup_dir; a token that is not a token
//     (TokenError kUnreadable);
//   kNotFound: no token (kMissing); a volume not in the set; a missing
//     base of the chain;
//   kPermissionDenied: kUnsigned, kTampered;
//   kFailedPrecondition: kForeign, kExpired, kNotYetValid; a clock earlier
//     than the engine's ClockHighWater(); a block-size or volume-size
//     mismatch; a base that does not match; a newer format;
//   kDataLoss: a damaged manifest, file or block (the staging volumes are
//     dropped);
//   a writer's failure at PreRestore (the others get PostRestore);
//   kCancelled: options.cancel was set before the switch-in;
//   I/O errors.
// After the switch-in, a failure of after_switch_in or of a writer's
// PostRestore is returned although the volumes are restored (the message
// says so).
absl::StatusOr<RestoreOutcome> RunRestore(Engine* engine,
                                          WriterRegistry* writers,
                                          const RestoreOptions& options);

}  // namespace shadowset

#endif  // SHADOWSET_REQUESTOR_RESTORE_PIPELINE_H_
