// SnapshotImpl: reads a volume as of a snapshot epoch S (DESIGN I2, §2.6).
//
// Block b reads the record of b with the smallest epoch K > S, else the
// live block. Live reads are optimistic: look up, read, look up again. An
// index entry is published before its live write is issued, so a second
// miss proves the live read came first. After its I/O every read checks
// that the set was not deleted meanwhile.
//
// Thread safety: safe for concurrent use.

#ifndef SHADOWSET_ENGINE_INTERNAL_SNAPSHOT_IMPL_H_
#define SHADOWSET_ENGINE_INTERNAL_SNAPSHOT_IMPL_H_

#include <atomic>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "engine/internal/engine_impl.h"
#include "engine/internal/io_pool.h"
#include "engine/snapshot.h"

namespace shadowset::internal {

class SnapshotImpl final : public Snapshot {
 public:
  SnapshotImpl(EngineImpl* engine, VolumeImpl* volume, SetId set,
               uint64_t epoch, std::shared_ptr<std::atomic<bool>> deleted)
      : engine_(engine),
        volume_(volume),
        set_(set),
        epoch_(epoch),
        deleted_(std::move(deleted)) {}

  const SetId& set_id() const override { return set_; }
  const std::string& volume_name() const override { return volume_->name(); }
  uint64_t epoch() const override { return epoch_; }
  uint64_t size() const override { return volume_->size(); }
  uint32_t block_size() const override { return volume_->block_size(); }
  uint64_t block_count() const override { return volume_->block_count(); }
  absl::Status Read(uint64_t offset, absl::Span<uint8_t> out) override;

 private:
  // The first record that failed verification during a read.
  struct Failure {
    absl::Mutex mu;
    bool found ABSL_GUARDED_BY(mu) = false;
    Located bad ABSL_GUARDED_BY(mu){};
    void Record(const Located& l) {
      absl::MutexLock lock(&mu);
      if (!found) bad = l;
      found = true;
    }
  };

  // Reads whole blocks [first, first + out.size()/bs) into `out`.
  absl::Status ReadBlocks(uint64_t first, absl::Span<uint8_t> out);
  // Tasks reading the records `found` (blocks within [first, ...]) into
  // `out`, grouped by diff-area position.
  std::vector<IoPool::Task> RecordTasks(uint64_t first,
                                        std::vector<Located> found,
                                        absl::Span<uint8_t> out,
                                        Failure* failure);
  absl::Status Deleted() const;

  EngineImpl* const engine_;
  VolumeImpl* const volume_;
  const SetId set_;
  const uint64_t epoch_;
  const std::shared_ptr<std::atomic<bool>> deleted_;
};

}  // namespace shadowset::internal

#endif  // SHADOWSET_ENGINE_INTERNAL_SNAPSHOT_IMPL_H_
