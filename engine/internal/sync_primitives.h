// Small synchronisation pieces of the volume write path:
//   RangeLock   - exclusive locks on block ranges, taken whole (no deadlock)
//   WriteGate   - writers pass shared; a snapshot commit closes it and drains
//   WriteEpochs - w[b], the epoch of each block's last write (DESIGN I4)
//
// Thread safety: all safe for concurrent use.

#ifndef SHADOWSET_ENGINE_INTERNAL_SYNC_PRIMITIVES_H_
#define SHADOWSET_ENGINE_INTERNAL_SYNC_PRIMITIVES_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace shadowset::internal {

class RangeLock {
 public:
  // Blocks until no held range overlaps [first, last], then holds it.
  void Lock(uint64_t first, uint64_t last);
  void Unlock(uint64_t first, uint64_t last);

 private:
  bool FreeLocked(uint64_t first, uint64_t last) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  std::vector<std::pair<uint64_t, uint64_t>> held_ ABSL_GUARDED_BY(mu_);
};

class WriteGate {
 public:
  // Waits while the gate is closed, then counts the caller in.
  void Enter();
  void Exit();
  // Closes the gate (new writers wait) and waits until every writer inside
  // has left. On timeout reopens it and returns false.
  bool Close(absl::Time deadline);
  void Open();

 private:
  absl::Mutex mu_;
  int inside_ ABSL_GUARDED_BY(mu_) = 0;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

// Paged array of 32-bit epochs: pages of 4096 entries appear on first
// write, so untouched regions cost one pointer per 4096 blocks. Values are
// saturated at 2^32-1, which only ever under-estimates (allowed by I4).
// Memory: 4 bytes per block in touched pages plus 8 bytes per 4096 blocks;
// a fully written 1 TiB volume costs 256 MiB at 16 KiB blocks, 1 GiB at 4 KiB.
class WriteEpochs {
 public:
  explicit WriteEpochs(uint64_t blocks);
  ~WriteEpochs();

  // 0 = unknown.
  uint64_t Get(uint64_t block) const;
  void Set(uint64_t block, uint64_t epoch);

 private:
  static constexpr uint64_t kPageShift = 12;
  static constexpr uint64_t kPageSize = uint64_t{1} << kPageShift;
  struct Page {
    std::atomic<uint32_t> e[kPageSize];
  };
  std::vector<std::atomic<Page*>> pages_;
};

}  // namespace shadowset::internal

#endif  // SHADOWSET_ENGINE_INTERNAL_SYNC_PRIMITIVES_H_
