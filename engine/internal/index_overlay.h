// IndexOverlay: exception-index entries not yet committed to LMDB
// (DESIGN §2.4, "batching lives above LMDB").
//
// A preserve publishes its entries here before its record is durable;
// readers and GC consult the overlay and then LMDB. A background commit moves
// entries whose records are durable (below the volume's synced position)
// into LMDB together with the volume's checkpoint, then removes them here.
//
// Capacity is bounded: a writer acquires room for its entries *before* it
// reserves diff-area space, so every reservation in flight can always
// publish, and the commit can always make progress.
//
// Thread safety: safe for concurrent use.

#ifndef SHADOWSET_ENGINE_INTERNAL_INDEX_OVERLAY_H_
#define SHADOWSET_ENGINE_INTERNAL_INDEX_OVERLAY_H_

#include <cstdint>
#include <optional>
#include <set>
#include <tuple>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/btree_map.h"
#include "absl/synchronization/mutex.h"
#include "engine/internal/catalog_records.h"

namespace shadowset::internal {

struct OverlayEntry {
  uint32_t volume = 0;
  uint64_t block = 0;
  uint64_t epoch = 0;
  IndexValue value;
  DiffPos record;  // where the record starts
};

class IndexOverlay {
 public:
  explicit IndexOverlay(size_t capacity) : capacity_(capacity) {}

  // Reserves room for `n` entries; false if it does not fit now.
  bool TryAcquire(size_t n);
  // Waits until room for `n` entries is free or `deadline`; false on timeout.
  bool AcquireWithDeadline(size_t n, absl::Time deadline);
  void Release(size_t n);

  // Publishes an entry (room already acquired). A key already present with a
  // lower record position wins (DESIGN I6); the newcomer's room is released.
  void Insert(const OverlayEntry& entry);

  // The entry of (volume, block) with the smallest epoch > `epoch`.
  std::optional<OverlayEntry> FirstAbove(uint32_t volume, uint64_t block,
                                         uint64_t epoch);
  // The largest epoch of (volume, block), 0 if none.
  uint64_t LargestEpoch(uint32_t volume, uint64_t block);
  // Every entry of `volume` with block in [first, last], ascending.
  std::vector<OverlayEntry> Range(uint32_t volume, uint64_t first,
                                  uint64_t last);
  // Blocks of `volume` with an entry whose epoch is in (lo, hi].
  void ChangedBlocks(uint32_t volume, uint64_t lo, uint64_t hi,
                     std::set<uint64_t>* out);

  // Up to `max` entries of `volume` whose record lies below `limit`, in
  // record order. *complete says whether that was all of them.
  std::vector<OverlayEntry> Batch(uint32_t volume, DiffPos limit, size_t max,
                                  bool* complete);
  // Removes committed entries and releases their room.
  void Remove(const std::vector<OverlayEntry>& entries);
  // Volumes with entries.
  std::vector<uint32_t> Volumes();
  size_t size();
  size_t capacity() const { return capacity_; }

 private:
  using Key = std::tuple<uint32_t, uint64_t, uint64_t>;  // volume, block, epoch
  using PosKey = std::tuple<uint32_t, uint64_t, uint64_t, uint32_t>;  // volume, seq, offset, entry

  const size_t capacity_;
  absl::Mutex mu_;
  size_t used_ ABSL_GUARDED_BY(mu_) = 0;
  absl::btree_map<Key, OverlayEntry> by_key_ ABSL_GUARDED_BY(mu_);
  absl::btree_map<PosKey, Key> by_pos_ ABSL_GUARDED_BY(mu_);
};

}  // namespace shadowset::internal

#endif  // SHADOWSET_ENGINE_INTERNAL_INDEX_OVERLAY_H_
