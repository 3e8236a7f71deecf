// EngineImpl: the Engine behind the public interface.
//
// Sources, by concern:
//   engine_open.cc    Init, Open and crash recovery, volumes, events
//   engine_write.cc   preserve records, cap deletions, group commit,
//                     overlay commit, background threads
//   engine_sets.cc    snapshot-set commit and deletion, snapshots, GC
//   engine_check.cc   the scrub
//
// Lock order (outermost first): create_mu_ -> volume gates (ascending id) ->
// room_mu_ -> sets_mu_ -> gc_mu_ -> round_mu_ -> flush_mu_ -> catalog write;
// leaf locks (volumes_mu_, deferred_mu_, error_mu_, bg_mu_) are never held
// while taking another. A writer holds its volume's gate (shared) and range
// lock while a cap deletion takes room_mu_ and below; a commit closes gates
// before taking any of those.

#ifndef SHADOWSET_ENGINE_INTERNAL_ENGINE_IMPL_H_
#define SHADOWSET_ENGINE_INTERNAL_ENGINE_IMPL_H_

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "engine/engine.h"
#include "engine/env.h"
#include "engine/internal/catalog.h"
#include "engine/internal/catalog_records.h"
#include "engine/internal/diff_area.h"
#include "engine/internal/index_overlay.h"
#include "engine/internal/io_pool.h"
#include "engine/internal/volume_impl.h"

namespace shadowset::internal {

// A record found for a snapshot read: block's record with the smallest
// epoch above the snapshot's.
struct Located {
  uint64_t block;
  uint64_t epoch;
  IndexValue value;
};

class EngineImpl final : public Engine {
 public:
  ~EngineImpl() override;

  static absl::StatusOr<std::unique_ptr<Engine>> OpenImpl(
      const std::string& dir, const EngineOptions& options);

  // --- Engine ---
  uint32_t block_size() const override { return block_size_; }
  absl::StatusOr<VolumeInfo> CreateVolume(const std::string& name,
                                          uint64_t size,
                                          const std::string& device_path) override;
  absl::StatusOr<Volume*> GetVolume(const std::string& name) override;
  std::vector<VolumeInfo> ListVolumes() override;
  absl::StatusOr<SnapshotSetInfo> CreateSnapshotSet(
      const std::vector<std::string>& volumes,
      const SnapshotSetOptions& options) override;
  absl::Status DeleteSnapshotSet(const SetId& id) override;
  std::vector<SnapshotSetInfo> ListSnapshotSets() override;
  absl::StatusOr<SnapshotSetInfo> GetSnapshotSet(const SetId& id) override;
  absl::StatusOr<std::unique_ptr<Snapshot>> OpenSnapshot(
      const SetId& id, const std::string& volume) override;
  absl::StatusOr<std::vector<uint64_t>> ChangedBlocks(
      const SetId& older, const SetId& newer,
      const std::string& volume) override;
  absl::StatusOr<Volume*> CreateStagingVolume(const std::string& target,
                                              uint64_t size) override;
  absl::Status SwitchInStagingVolumes(
      const std::vector<std::string>& targets) override;
  absl::Status DropStagingVolumes() override;
  absl::Status RecordBackup(const BackupRecord& record) override;
  std::vector<BackupRecord> ListBackups() override;
  absl::StatusOr<BackupRecord> GetBackup(const std::string& id) override;
  absl::Status RecordEvent(EventKind kind, const SetId& set,
                           const std::string& volume,
                           const std::string& message) override;
  absl::Time ClockHighWater() override;
  absl::Status Flush() override;
  absl::StatusOr<CheckReport> Check() override;
  std::vector<Event> Events(size_t limit) override;
  DiffAreaUsage GetDiffAreaUsage() override;
  absl::Status RunBackgroundWork() override;

  // --- for VolumeImpl and SnapshotImpl ---
  Env* env() const { return env_; }
  bool inline_mode() const {
    return options_.background == BackgroundMode::kInline;
  }
  DiffArea* diff_area() { return diff_.get(); }
  IoPool* io_pool() { return io_pool_.get(); }

  // kFailedPrecondition once the engine has failed.
  absl::Status CheckHealthy();
  // Records the first fatal error (sticky) and returns `status`.
  absl::Status Fail(absl::Status status);

  // The largest epoch with an index entry for (volume, block), 0 if none.
  absl::StatusOr<uint64_t> LargestKeyEpoch(uint32_t volume, uint64_t block);
  // For blocks [first, last]: the records a snapshot at `epoch` reads
  // (ascending by block; blocks without one read the live device).
  absl::StatusOr<std::vector<Located>> LookupRange(uint32_t volume,
                                                   uint64_t first,
                                                   uint64_t last,
                                                   uint64_t epoch);

  // Appends one pre-image record for `blocks` in epoch `epoch`, publishes
  // its entries and returns the position just past it. `record` holds a
  // header slot followed by the blocks' old contents, one block each; it is
  // consumed (the header is written into it, zero blocks squeezed out).
  // kResourceExhausted: no diff-area space (the caller makes room and
  // re-evaluates).
  absl::StatusOr<DiffPos> AppendRecord(VolumeImpl* volume, uint64_t epoch,
                                       const std::vector<uint64_t>& blocks,
                                       AlignedBuffer& record);
  // Blocks (incl. header slots) of one record at most.
  size_t MaxBlocksPerRecord() const;
  // Diff area full: deletes the oldest snapshot set (an event) and collects
  // its records, unless space has appeared meanwhile.
  absl::Status MakeRoom();

  // Deferred-write budget: waits (or, inline, runs the group commit).
  absl::Status AcquireDeferred(size_t bytes);
  void ReleaseDeferred(size_t bytes);
  // Wakes the group commit: records were completed.
  void KickCommitter();

  // One group-commit round: syncs every chain with completed records,
  // writes the deferred blocks whose records became durable, then flushes
  // the live devices of `flush`. Serialised; an I/O error fails the engine.
  absl::Status SyncRound(const std::vector<VolumeImpl*>& flush);
  // Commits overlay entries whose records are durable, with checkpoints.
  absl::Status FlushOverlay();
  // Reports a record that failed verification: marks every set that needs
  // it corrupt and records an event.
  void ReportCorruption(uint32_t volume, uint64_t block, uint64_t epoch,
                        const absl::Status& why);
  bool SetIsCorrupt(const SetId& id);

 private:
  struct LiveSet {
    SetRecord record;
    bool persistent = true;
    std::shared_ptr<std::atomic<bool>> deleted =
        std::make_shared<std::atomic<bool>>(false);
  };

  EngineImpl(Env* env, std::string dir, const EngineOptions& options)
      : env_(env), dir_(std::move(dir)), options_(options) {}

  // engine_open.cc
  absl::Status Recover();
  absl::Status LoadMeta();
  absl::Status LoadMetaFrom(Txn& txn, uint64_t* next_volume,
                            uint64_t* next_commit);
  absl::StatusOr<std::unique_ptr<BlockDevice>> OpenDevice(
      const VolumeRecord& record, bool create, std::string* path);
  // Creates a volume's device and record (CreateVolume, CreateStagingVolume).
  absl::StatusOr<std::unique_ptr<VolumeImpl>> MakeVolume(
      const std::string& name, uint64_t size, const std::string& device_path,
      bool staging);
  std::string VolumePath(uint32_t id) const;
  absl::Status ReplayVolume(const VolumeRecord& record,
                            const std::vector<DiffArea::SegmentInfo>& segs,
                            uint64_t* max_epoch, uint64_t* records);
  void StartBackground();
  void StopBackground();
  absl::Status PutEvent(Txn& txn, EventKind kind, const SetId& set,
                        const std::string& volume, const std::string& message);
  VolumeImpl* VolumeById(uint32_t id);
  absl::StatusOr<VolumeImpl*> VolumeByName(const std::string& name);
  SnapshotSetInfo InfoFor(const LiveSet& set);

  // engine_sets.cc
  // CreateSnapshotSet once it holds create_mu_ (one creation at a time).
  absl::StatusOr<SnapshotSetInfo> CommitSetLocked(
      std::vector<VolumeImpl*> volumes, const SnapshotSetOptions& options)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(create_mu_);
  absl::Status DeleteSetLocked(const SetId& id, EventKind kind,
                               const std::string& why)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(sets_mu_);
  absl::Status RunGc();
  absl::Status CollectRange(uint32_t volume, uint64_t lo, uint64_t hi);
  absl::Status ReclaimSegments();

  // engine_write.cc
  absl::Status FlushOverlayVolume(uint32_t volume, bool* more)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(flush_mu_);
  absl::Status ReleaseDeferredWrites(VolumeImpl* volume);
  void CommitterLoop();
  void FlusherLoop();
  void GcLoop();
  void PreparerLoop();
  std::vector<VolumeImpl*> AllVolumes();

  // Constant after Open.
  Env* const env_;
  const std::string dir_;
  const EngineOptions options_;
  uint32_t block_size_ = 0;
  uint64_t diff_area_max_ = 0;
  bool opened_ = false;  // recovery finished
  std::unique_ptr<FileLock> lock_;
  std::unique_ptr<Catalog> catalog_;
  std::unique_ptr<DiffArea> diff_;
  std::unique_ptr<IndexOverlay> overlay_;
  // Snapshot reads at queue depth (no threads in inline mode).
  std::unique_ptr<IoPool> io_pool_;

  // Sticky error.
  std::atomic<bool> failed_{false};
  absl::Mutex error_mu_;
  absl::Status fatal_ ABSL_GUARDED_BY(error_mu_);

  // Volumes: created, never removed while open.
  absl::Mutex volumes_mu_;
  std::map<std::string, std::unique_ptr<VolumeImpl>> volumes_
      ABSL_GUARDED_BY(volumes_mu_);
  absl::flat_hash_map<uint32_t, VolumeImpl*> volumes_by_id_
      ABSL_GUARDED_BY(volumes_mu_);
  uint32_t next_volume_id_ ABSL_GUARDED_BY(volumes_mu_) = 1;
  // Restore staging volumes by target name (also in volumes_by_id_).
  std::map<std::string, std::unique_ptr<VolumeImpl>> staging_
      ABSL_GUARDED_BY(volumes_mu_);
  // Volumes replaced by a restore: kept (failing every call) until the
  // engine ends, since callers may still hold pointers.
  std::vector<std::unique_ptr<VolumeImpl>> retired_
      ABSL_GUARDED_BY(volumes_mu_);

  // Snapshot sets.
  absl::Mutex create_mu_;  // one creation at a time (TryLock)
  absl::Mutex room_mu_;    // cap deletions, one at a time
  absl::Mutex sets_mu_;
  std::map<SetId, LiveSet> sets_ ABSL_GUARDED_BY(sets_mu_);
  uint64_t next_commit_seq_ ABSL_GUARDED_BY(sets_mu_) = 1;
  std::atomic<uint64_t> next_event_seq_{1};

  absl::Mutex gc_mu_;
  absl::Mutex round_mu_;
  absl::Mutex flush_mu_;
  // Checkpoints persisted so far, per volume.
  std::map<uint32_t, DiffPos> persisted_checkpoint_ ABSL_GUARDED_BY(flush_mu_);

  // Deferred-write budget.
  absl::Mutex deferred_mu_;
  size_t deferred_bytes_ ABSL_GUARDED_BY(deferred_mu_) = 0;

  // Background threads.
  absl::Mutex bg_mu_;
  bool stop_ ABSL_GUARDED_BY(bg_mu_) = false;
  bool commit_wanted_ ABSL_GUARDED_BY(bg_mu_) = false;
  bool flush_wanted_ ABSL_GUARDED_BY(bg_mu_) = false;
  bool gc_wanted_ ABSL_GUARDED_BY(bg_mu_) = false;
  bool prepare_wanted_ ABSL_GUARDED_BY(bg_mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace shadowset::internal

#endif  // SHADOWSET_ENGINE_INTERNAL_ENGINE_IMPL_H_
