// Copying a snapshot into a backup set: the read side of the backup
// pipeline (requestor/backup_pipeline.h).
//
// The blocks to copy are planned as runs (every block of an image, or the
// changed blocks of a delta coalesced into runs of adjacent blocks), the
// runs packed into batches of at most one read buffer each. A reader
// thread (started through the Env) fills the buffers with Snapshot::Read,
// one read per run, while the calling thread hands the filled ones to the
// BackupSetWriter (which detects zero blocks, hashes, and writes on its own
// background thread): reading, hashing and writing overlap.
//
//   std::vector<CopyRun> runs = ImageRuns(snap->block_count(), 2048);
//   RETURN_IF_ERROR(CopyRuns(env, snap.get(), runs, copy_options, writer,
//                            [&](uint64_t bytes) { ... progress ... }));
//
// Thread safety: free functions; `snapshot` is read by the reader thread
// while `writer` is driven only by the calling thread.

#ifndef SHADOWSET_REQUESTOR_INTERNAL_SNAPSHOT_COPIER_H_
#define SHADOWSET_REQUESTOR_INTERNAL_SNAPSHOT_COPIER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "engine/backup/backup_set_writer.h"
#include "engine/env.h"
#include "engine/snapshot.h"

namespace shadowset::internal {

// Adjacent blocks [first_block, first_block + block_count).
struct CopyRun {
  uint64_t first_block = 0;
  uint64_t block_count = 0;

  friend bool operator==(const CopyRun&, const CopyRun&) = default;
};

// [0, block_count) in runs of at most `max_blocks` (>= 1).
std::vector<CopyRun> ImageRuns(uint64_t block_count, uint64_t max_blocks);

// `blocks` (ascending, distinct) coalesced into runs of adjacent blocks of
// at most `max_blocks` (>= 1) each.
std::vector<CopyRun> DeltaRuns(const std::vector<uint64_t>& blocks,
                               uint64_t max_blocks);

struct CopyOptions {
  // Bytes per read buffer; every run must fit in one. Default: 8 MiB.
  size_t buffer_bytes = 8 << 20;
  // Buffers in flight between the reader thread and the writer (>= 2).
  // Default: 3.
  size_t buffers = 3;
  // Stops the copy (kCancelled) before the next batch once it reads true.
  // Default: nullptr.
  const std::atomic<bool>* cancel = nullptr;
};

// Reads `runs` (ascending) of `snapshot` and adds each to `writer`'s open
// volume with AddBlocks; calls `on_bytes(n)` after each batch of n bytes.
// Errors: kInvalidArgument if a run does not fit in a buffer; the
// snapshot's read errors (kAborted if its set was deleted meanwhile,
// kDataLoss); the writer's errors; kCancelled once options.cancel is set. On error the reader thread is stopped
// and joined before returning; the writer is left for the caller to abort.
absl::Status CopyRuns(Env* env, Snapshot* snapshot,
                      const std::vector<CopyRun>& runs,
                      const CopyOptions& options, BackupSetWriter* writer,
                      absl::FunctionRef<void(uint64_t bytes)> on_bytes);

}  // namespace shadowset::internal

#endif  // SHADOWSET_REQUESTOR_INTERNAL_SNAPSHOT_COPIER_H_
