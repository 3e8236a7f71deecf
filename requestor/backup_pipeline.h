// RunBackup: one whole backup (DESIGN §2.7, §4; docs/backup-pipeline.md):
// the snapshot protocol with the writers, the copy of the snapshots into a
// backup set, its publication, the catalog record, BackupComplete, and the
// chain's snapshot sets.
//
//   BackupOptions o;
//   o.destination = "/backups";
//   o.type = BackupType::kIncremental;
//   ASSIGN_OR_RETURN(BackupOutcome b, RunBackup(engine, &writers, o));
//   // b.dir == "/backups/" + b.backup_id, published and recorded.
//
// The steps, in this order (the order after the copy is a MUST):
//   1. Remove stale <destination>/*.partial directories; release the
//      snapshot sets a crash left behind (ReleaseUnrecordedSets,
//      ReleaseUnneededChainSets in backup_chain.h).
//   2. Plan the chain: the base of an incremental or differential, or its
//      promotion to FULL (backup_chain.h).
//   3. Requestor: GatherWriterMetadata, StartSnapshotSet + AddToSnapshotSet
//      (the volumes), PrepareForBackup(requested type), DoSnapshotSet.
//      FULL, INCREMENTAL and DIFFERENTIAL commit a persistent set, COPY an
//      auto-release one.
//   4. For a delta: the changed blocks of every volume the base holds, then
//      a check that the base set is still alive (else: promoted to FULL).
//   5. Copy: every volume as an image or a delta, read from the snapshot in
//      large runs by a reader thread while the calling thread hashes and
//      the set writer writes; all-zero blocks become holes of the extent
//      map.
//   6. BackupSetWriter::Publish: payload fdatasync'ed, manifest + fsync,
//      token + fsync, directories fsynced bottom-up, rename, parent fsync.
//   7. Only then Engine::RecordBackup ("backup complete, base = S"), and
//      a kPromotedToFull event for a promoted backup.
//   8. Only then BackupComplete(succeeded) in the writers (log truncation).
//   9. Only then the snapshot set is released or kept as the next base:
//      the chain keeps the latest full's and incremental's sets and
//      releases the others (a COPY's auto-release set is deleted).
//  10. BackupShutdown.
// Every failure before step 7 aborts every writer, removes the .partial
// directory and deletes the new set (sets kept as chain bases stay). A
// crash at any point never leaves a directory that looks complete and is
// not, nor a catalog record of a backup that is not published.
//
// Run one backup per engine at a time (steps 1 and 9 assume no other
// backup is in flight on it); the registry refuses a second concurrent
// backup of its writers by itself.
//
// Thread safety: RunBackup is a free function; see above.

#ifndef SHADOWSET_REQUESTOR_BACKUP_PIPELINE_H_
#define SHADOWSET_REQUESTOR_BACKUP_PIPELINE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/backup/manifest.h"
#include "engine/engine.h"
#include "engine/env.h"
#include "engine/types.h"
#include "requestor/progress.h"
#include "writers/framework.h"
#include "writers/registry.h"
#include "writers/writer.h"

namespace shadowset {

struct BackupOptions {
  // The directory the set is published in, as <destination>/<backup id>.
  // Created (one level) if missing. Required.
  std::string destination;
  // FULL, INCREMENTAL, DIFFERENTIAL or COPY (LOG is refused). Writers are
  // told this type even when the backup is promoted to FULL.
  // Default: kFull.
  BackupType type = BackupType::kFull;
  // Volumes to back up. Default: empty = every volume of the engine, or,
  // when `writers` is given, the volumes of those writers.
  std::vector<std::string> volumes;
  // Writers (by name or instance id) whose volumes are added to the set.
  // Every registered writer with data on a volume of the set takes part
  // whether listed or not (its data must be consistent). Default: empty.
  std::vector<std::string> writers;
  // HMAC key (>= 16 bytes): SHA-256 per block and per file and a signed
  // token. Default: empty (xxh3-64 only; the token is marked unsigned).
  std::string key;
  // Shortens the expiry the writers' restore lifetimes allow (a longer
  // one is refused). Default: none.
  std::optional<absl::Duration> expires_in;
  // Called after each run of blocks copied (requestor/progress.h).
  // Default: none.
  ProgressCallback progress;
  // Cancels the backup once it reads true (e.g. set by a SIGINT handler):
  // checked before the snapshot, between read runs and before
  // publication, never after publication has begun. A cancelled backup
  // ends as a failed one: every writer aborted, the .partial directory
  // removed, the new set deleted; RunBackup returns kCancelled. Must
  // outlive the call. Default: nullptr (not cancellable).
  const std::atomic<bool>* cancel = nullptr;
  // Bytes per snapshot read (and per buffer between the reader thread and
  // the writer): a multiple of the block size. Default: 8 MiB.
  size_t read_run_size = 8 << 20;
  // Read buffers in flight (>= 2). Default: 3.
  size_t read_buffers = 3;
  // Bytes per write to a payload file (BackupSetOptions). Default: 4 MiB.
  size_t write_buffer_size = 4 << 20;
  // Write payload on the set writer's background thread
  // (BackupSetOptions::background_writes). Default: nullopt = only when
  // keyed: unkeyed, the pipeline's own reader thread already overlaps the
  // reads, and the set writer writes straight from the read buffers with
  // no extra copy (measured faster, bench/README.md); keyed, the SHA-256
  // work splits better with the writer's thread taking the whole-file
  // digests.
  std::optional<bool> background_writes;
  // Names the set (<destination>/<backup_id>). Default: empty = the start
  // time and a random suffix, "20240501T120000Z-1b4e28ba".
  std::string backup_id;
  // Bounds the whole backup (every writer event's deadline). Default:
  // InfiniteDuration (each event still has its own timeout).
  absl::Duration timeout = absl::InfiniteDuration();
  // The engine's hold timeout for the commit. Default: 10 s.
  absl::Duration hold_timeout = absl::Seconds(10);
  // The writers' event timeouts. Default: FrameworkOptions{}.
  FrameworkOptions framework;
  // Files, clock and threads. Default: Env::Default().
  Env* env = nullptr;
};

struct BackupVolumeOutcome {
  std::string name;
  VolumeFileKind kind = VolumeFileKind::kImage;
  uint64_t blocks_read = 0;  // blocks copied from the snapshot
  uint64_t bytes_read = 0;
};

struct WriterOutcome {
  std::string id;                             // as the manifest names it
  std::string name;                           // WriterMetadata::name
  WriterState state = WriterState::kUnknown;  // after BackupComplete
  // Freeze raised -> Thaw returned (WriterStatus::freeze_window).
  absl::Duration freeze_window;
};

// What RunBackup published.
struct BackupOutcome {
  std::string backup_id;
  std::string dir;  // <destination>/<backup_id>
  SetId set_id;
  absl::Time created;  // the set's commit instant
  absl::Time expires = absl::InfiniteFuture();
  BackupType requested = BackupType::kFull;
  BackupSetType type = BackupSetType::kFull;  // as written
  std::optional<BackupSetType> promoted_from;
  std::string promotion_reason;
  std::string base_backup_id;  // incremental / differential
  bool keyed = false;
  std::vector<BackupVolumeOutcome> volumes;
  std::vector<WriterOutcome> writers;  // the writers involved
  uint64_t bytes_read = 0;             // from the snapshots
  uint64_t bytes_written = 0;          // every file of the set
  // Timings: the engine's commit (the hold; Requestor::commit_time), the
  // whole DoSnapshotSet (PrepareSnapshot .. PostSnapshot), the copy, the
  // publication (manifest, token, fsyncs, rename), and everything.
  absl::Duration commit_time;
  absl::Duration snapshot_time;
  absl::Duration copy_time;
  absl::Duration publish_time;
  absl::Duration total_time;
  double copy_bytes_per_second = 0;  // bytes_read / copy_time
  bool set_kept = false;             // kept as the chain's next base
  std::vector<SetId> released_sets;  // deleted by the chain (step 9)
  // Problems after publication that did not undo it (a writer failing at
  // BackupComplete, a set that could not be released): the backup is
  // complete and recorded.
  std::vector<std::string> warnings;
};

// Runs one backup (see the banner). `writers` may be nullptr (no writers:
// plain volumes).
// Errors (nothing is published, every writer aborted, the new set
// deleted):
//   kInvalidArgument: no destination, LOG type, bad backup id, a
//     read_run_size that is not a positive multiple of the block size, an
//     expires_in that would lengthen the expiry, a short key;
//   kNotFound: an unknown volume or writer (ERROR_NOT_FOUND /
//     VSS_E_OBJECT_NOT_FOUND), or the destination's parent missing;
//   kFailedPrecondition: nothing to back up (no volumes);
//   kAlreadyExists: a backup of that id exists in the destination;
//   the Requestor's errors (writer failures with their codes, commit
//     errors, deadlines);
//   kAborted: the snapshot set was deleted while being copied (e.g. by the
//     diff-area cap): retry;
//   kCancelled: options.cancel was set;
//   I/O errors.
// After publication, a failure of RecordBackup is returned (the published
// set stays, complete but not part of the chain; the next backup releases
// its snapshot set).
absl::StatusOr<BackupOutcome> RunBackup(Engine* engine, WriterRegistry* writers,
                                        const BackupOptions& options);

// BackupType -> BackupSetType (kLog has none).
std::optional<BackupSetType> ToBackupSetType(BackupType type);

}  // namespace shadowset

#endif  // SHADOWSET_REQUESTOR_BACKUP_PIPELINE_H_
