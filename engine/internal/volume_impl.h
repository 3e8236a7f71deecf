// VolumeImpl: the copy-on-write write path (DESIGN §2.2).
//
// Write ordering for a block's first write after a snapshot (MUST):
//  1. enter the write gate; lock the blocks' range; read the old contents;
//  2. write the pre-image record into a prepared diff-area segment;
//  3. publish its index entries to the overlay;
//  4. the group commit makes the record durable (one fdatasync for many
//     requests);
//  5. only then is the new data written to the live device.
// The request is acknowledged after step 3 with its new data held in
// DeferredWrites (visible to reads); step 5 runs in the group commit. A
// preserve that no persistent snapshot needs (only auto-release sets, which
// do not survive a restart) skips the wait: its live write follows step 3.
//
// Epochs: C = current_epoch(); a block needs a preserve iff snapshots are
// live and w[b] <= S_max (DESIGN I1). w[b] is published (WriteEpochs::Set)
// only once the pre-image is durable.
//
// Thread safety: safe for concurrent use.

#ifndef SHADOWSET_ENGINE_INTERNAL_VOLUME_IMPL_H_
#define SHADOWSET_ENGINE_INTERNAL_VOLUME_IMPL_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "engine/block_device.h"
#include "engine/internal/catalog_records.h"
#include "engine/internal/deferred_writes.h"
#include "engine/internal/sync_primitives.h"
#include "engine/volume.h"

namespace shadowset::internal {

class EngineImpl;

struct EpochView {
  bool any_live = false;
  bool any_persistent = false;
  uint64_t s_max = 0;             // newest live snapshot epoch
  uint64_t s_max_persistent = 0;  // newest live persistent snapshot epoch
};

class VolumeImpl final : public Volume {
 public:
  VolumeImpl(EngineImpl* engine, const VolumeRecord& record,
             std::unique_ptr<BlockDevice> device, std::string path,
             bool direct_io, uint64_t max_key_epoch);

  uint32_t id() const override { return id_; }
  const std::string& name() const override { return name_; }
  uint64_t size() const override { return block_count_ * block_size_; }
  uint32_t block_size() const override { return block_size_; }
  uint64_t block_count() const override { return block_count_; }
  absl::Status Write(uint64_t offset, absl::Span<const uint8_t> data,
                     const WriteOptions& options) override;
  absl::Status Read(uint64_t offset, absl::Span<uint8_t> out) override;
  absl::Status Flush() override;

  // --- for the engine ---
  const std::string& path() const { return path_; }
  uint64_t created_us() const { return created_us_; }
  BlockDevice* device() { return device_.get(); }
  WriteGate& gate() { return gate_; }
  DeferredWrites& deferred() { return deferred_; }
  WriteEpochs& write_epochs() { return w_; }

  uint64_t current_epoch() const {
    return current_.load(std::memory_order_acquire);
  }
  // At open (gate irrelevant) or with the gate closed.
  void SetCurrentEpoch(uint64_t epoch);
  EpochView epoch_view() const;
  // Registers snapshot `epoch` (== current epoch) and advances the current
  // epoch. The gate must be closed.
  void AddSnapshot(uint64_t epoch, bool persistent);
  void RemoveSnapshot(uint64_t epoch);
  std::vector<uint64_t> LiveEpochs() const;
  size_t live_snapshots() const;

  // A restore replaced this volume: every later call fails.
  void Retire() { retired_.store(true, std::memory_order_release); }
  absl::Status CheckLive() const;

  // Whole-block device I/O honouring O_DIRECT alignment.
  absl::Status DeviceRead(uint64_t block, absl::Span<uint8_t> out);
  absl::Status DeviceWrite(uint64_t block, absl::Span<const uint8_t> data);

 private:
  enum class Kind : uint8_t { kDirect, kBuffered, kPreserve };

  absl::Status WriteLocked(uint64_t offset, absl::Span<const uint8_t> data,
                           uint64_t first, uint64_t last);
  // w[b], filled lazily from the index when unknown and it matters.
  absl::StatusOr<uint64_t> WriteEpoch(uint64_t block, const EpochView& view);
  // Writes blocks [first, last] of the new contents directly, composing
  // partial edge blocks with their current contents.
  absl::Status WriteDirect(uint64_t first, uint64_t last, uint64_t offset,
                           absl::Span<const uint8_t> data);
  // The new contents of `block` after this write, given its old contents.
  void Compose(uint64_t block, uint64_t offset, absl::Span<const uint8_t> data,
               absl::Span<uint8_t> contents) const;

  EngineImpl* const engine_;
  const uint32_t id_;
  const std::string name_;
  const uint32_t block_size_;
  const uint64_t block_count_;
  const uint64_t created_us_;
  const std::string path_;
  const bool direct_io_;
  // Largest index epoch at open: w[b] lookups are needed only above it.
  const uint64_t max_key_epoch_at_open_;
  const std::unique_ptr<BlockDevice> device_;

  WriteGate gate_;
  RangeLock range_lock_;
  WriteEpochs w_;
  DeferredWrites deferred_;

  std::atomic<uint64_t> current_{1};
  std::atomic<bool> retired_{false};
  mutable absl::Mutex epochs_mu_;
  std::map<uint64_t, bool> live_ ABSL_GUARDED_BY(epochs_mu_);  // epoch -> persistent
};

}  // namespace shadowset::internal

#endif  // SHADOWSET_ENGINE_INTERNAL_VOLUME_IMPL_H_
