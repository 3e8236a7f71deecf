// Option structs of the engine, one per scope. Every field documents its
// default.

#ifndef SHADOWSET_ENGINE_OPTIONS_H_
#define SHADOWSET_ENGINE_OPTIONS_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/time/time.h"

namespace shadowset {

class Env;

// Fixed when a data directory is created (Engine::Init).
struct InitOptions {
  // Copy-on-write granularity: a power of two from 4 KiB to 1 MiB.
  // Default: 16 KiB (the Windows system provider's).
  uint32_t block_size = 16 * 1024;
  // Cap on the bytes the diff area may allocate, all segments counted.
  // Must be at least MinDiffAreaMax(block_size). Default: 1 GiB.
  uint64_t diff_area_max = uint64_t{1} << 30;
  // Segment size; 0 picks min(cap / 10, 64 MiB), never less than one
  // single-block record. Default: 0.
  uint64_t segment_size = 0;
};

// Size of the header slot that precedes every diff-area record.
inline constexpr uint32_t kRecordHeaderSize = 4096;

// 8 x (block size + record header): the smallest diff-area cap init accepts.
constexpr uint64_t MinDiffAreaMax(uint32_t block_size) {
  return 8 * (uint64_t{block_size} + kRecordHeaderSize);
}

// How background work runs.
enum class BackgroundMode {
  // Threads: group commit, index overlay flushing, GC and segment
  // preparation run on their own threads (production).
  kThreads,
  // Inline: no threads; the work runs when a caller needs it (Flush, a full
  // overlay, a commit) or when a test calls Engine::RunBackgroundWork().
  // Makes the sequence of I/O operations deterministic for crash tests.
  kInline,
};

struct EngineOptions {
  // All file, directory, clock and thread access. Default: Env::Default().
  Env* env = nullptr;
  // How background work runs. Default: kThreads.
  BackgroundMode background = BackgroundMode::kThreads;
  // Open volume devices and diff-area segments with O_DIRECT.
  // Default: false (buffered).
  bool direct_io = false;
  // Index entries held in memory before writers wait for the background
  // commit. Default: 65536.
  size_t overlay_max_entries = 65536;
  // The overlay is committed to LMDB at least this often. Default: 100 ms.
  absl::Duration overlay_commit_interval = absl::Milliseconds(100);
  // Bytes of new data held while their pre-images become durable (writes are
  // acknowledged before the live block is written). Default: 64 MiB.
  size_t deferred_write_bytes = 64 << 20;
  // Initial LMDB map size; grown on demand. Default: 1 GiB.
  size_t catalog_map_size = size_t{1} << 30;
  // Human-readable holder written into the data directory's lock file.
  // Default: "pid N on HOST".
  std::string lock_holder;
};

struct WriteOptions {
  // Return only when the written range is durable (as if Flush() followed).
  // Default: false: durable at the next Flush().
  bool sync = false;
};

struct SnapshotSetOptions {
  // Persistent sets survive restarts; auto-release sets (the backup
  // default) are deleted by their owner and at every engine open.
  // Default: true.
  bool persistent = true;
  // Longest time writes to the set's volumes may be held (gates closed to
  // the end of the commit). Default: 10 s.
  absl::Duration hold_timeout = absl::Seconds(10);
};

}  // namespace shadowset

#endif  // SHADOWSET_ENGINE_OPTIONS_H_
