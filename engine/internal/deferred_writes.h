// DeferredWrites: new block contents held in memory while their pre-images
// become durable (DESIGN §2.2, "keep the new data in the engine's own
// buffer, visible to reads, acknowledge the write, and write it after the
// group sync").
//
// An entry exists only for a block preserved in the current epoch whose
// record is not yet known durable. A write inserts its preserved blocks as
// one shared extent (no per-block copies); the group commit takes the
// entries whose record is below the synced position, writes runs straight
// from their extents to the live device and retires each entry whose
// version did not change meanwhile. A later write to a pending block gets
// a private copy of that block first, so an extent handed to the group
// commit is never modified.
//
// Thread safety: safe for concurrent use.

#ifndef SHADOWSET_ENGINE_INTERNAL_DEFERRED_WRITES_H_
#define SHADOWSET_ENGINE_INTERNAL_DEFERRED_WRITES_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "engine/internal/aligned_buffer.h"
#include "engine/internal/catalog_records.h"

namespace shadowset::internal {

class DeferredWrites {
 public:
  explicit DeferredWrites(uint32_t block_size) : block_size_(block_size) {}

  bool empty() const { return count_.load(std::memory_order_acquire) == 0; }

  // For blocks [first, first + out.size()): out[i] = whether pending.
  void Pending(uint64_t first, std::vector<bool>* out);
  // If `block` is pending, applies `bytes` at `offset` within it and
  // returns true.
  bool Update(uint64_t block, uint32_t offset, absl::Span<const uint8_t> bytes);
  // If `block` is pending, copies its contents to `out` (one block).
  bool Read(uint64_t block, absl::Span<uint8_t> out);
  // Adds pending blocks: blocks[i]'s contents are block i of `extent`. The
  // caller holds their range lock and accounted for their budget.
  void Insert(const std::vector<uint64_t>& blocks, uint64_t epoch,
              DiffPos record_end, std::shared_ptr<const AlignedBuffer> extent);

  struct Ready {
    uint64_t block;
    uint64_t epoch;
    uint64_t version;
    std::shared_ptr<const AlignedBuffer> extent;
    size_t index;  // block index within the extent
    const uint8_t* data() const { return extent->data() + index * size; }
    uint32_t size;
  };
  // The entries whose record ends at or below `synced`, by block.
  std::vector<Ready> TakeReady(DiffPos synced);
  // Removes each entry whose version is unchanged since TakeReady, calling
  // `retired(block, epoch)` under the internal lock first. Returns the
  // number removed.
  size_t Retire(const std::vector<Ready>& ready,
                const std::function<void(uint64_t, uint64_t)>& retired);

 private:
  struct Entry {
    uint64_t epoch;
    DiffPos record_end;
    uint64_t version;
    std::shared_ptr<const AlignedBuffer> extent;
    size_t index;
  };

  const uint32_t block_size_;
  std::atomic<size_t> count_{0};
  absl::Mutex mu_;
  uint64_t next_version_ ABSL_GUARDED_BY(mu_) = 1;
  absl::flat_hash_map<uint64_t, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace shadowset::internal

#endif  // SHADOWSET_ENGINE_INTERNAL_DEFERRED_WRITES_H_
