// The preserve path, cap deletions, group commit, the overlay commit and
// the background threads.

#include <algorithm>
#include <limits>

#include "absl/strings/str_format.h"
#include "engine/internal/coding.h"
#include "engine/internal/engine_impl.h"
#include "engine/internal/status_macros.h"

namespace shadowset::internal {
namespace {

constexpr uint64_t kMax64 = std::numeric_limits<uint64_t>::max();
// Entries per overlay commit transaction (keeps it near 10 ms).
constexpr size_t kOverlayBatch = 8192;

}  // namespace

// --- index lookups ----------------------------------------------------------
// Both consult the overlay first and LMDB second: an entry leaves the
// overlay only after its LMDB commit, so one of the two always shows it.

absl::StatusOr<uint64_t> EngineImpl::LargestKeyEpoch(uint32_t volume,
                                                     uint64_t block) {
  uint64_t best = overlay_->LargestEpoch(volume, block);
  ASSIGN_OR_RETURN(std::unique_ptr<Txn> txn, catalog_->BeginRead());
  ASSIGN_OR_RETURN(std::unique_ptr<Cursor> c, txn->OpenCursor(Db::kIndex));
  ASSIGN_OR_RETURN(bool found, c->Seek(IndexKey(volume, block, kMax64)));
  if (found) {
    uint32_t v;
    uint64_t b, e;
    DecodeIndexKey(c->key(), &v, &b, &e);
    if (v == volume && b == block) return std::max(best, e);
    ASSIGN_OR_RETURN(found, c->Prev());
  } else {
    ASSIGN_OR_RETURN(found, c->Last());
  }
  if (found) {
    uint32_t v;
    uint64_t b, e;
    DecodeIndexKey(c->key(), &v, &b, &e);
    if (v == volume && b == block) best = std::max(best, e);
  }
  return best;
}

absl::StatusOr<std::vector<Located>> EngineImpl::LookupRange(uint32_t volume,
                                                             uint64_t first,
                                                             uint64_t last,
                                                             uint64_t epoch) {
  std::map<uint64_t, Located> best;
  for (const OverlayEntry& e : overlay_->Range(volume, first, last)) {
    if (e.epoch <= epoch) continue;
    auto [it, inserted] = best.try_emplace(e.block, Located{e.block, e.epoch, e.value});
    if (!inserted && e.epoch < it->second.epoch) {
      it->second = Located{e.block, e.epoch, e.value};
    }
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Txn> txn, catalog_->BeginRead());
  ASSIGN_OR_RETURN(std::unique_ptr<Cursor> c, txn->OpenCursor(Db::kIndex));
  uint64_t b = first;
  while (b <= last) {
    // MDB_SET_RANGE lands on the first key >= (volume, b, epoch + 1); its
    // (volume, block) prefix must be checked.
    ASSIGN_OR_RETURN(bool found, c->Seek(IndexKey(volume, b, epoch + 1)));
    if (!found) break;
    uint32_t v;
    uint64_t kb, ke;
    DecodeIndexKey(c->key(), &v, &kb, &ke);
    if (v != volume || kb > last) break;
    if (kb == b) {
      ASSIGN_OR_RETURN(IndexValue value, DecodeIndexValue(c->value()));
      auto [it, inserted] = best.try_emplace(b, Located{b, ke, value});
      if (!inserted && ke < it->second.epoch) it->second = Located{b, ke, value};
      ++b;
    } else {
      b = kb;  // blocks before kb have no record above `epoch`
    }
  }
  std::vector<Located> out;
  out.reserve(best.size());
  for (auto& [block, l] : best) out.push_back(l);
  return out;
}

// --- preserving -------------------------------------------------------------

size_t EngineImpl::MaxBlocksPerRecord() const {
  return std::min<size_t>(
      kMaxEntriesPerRecord,
      (diff_->max_record_bytes() - kSlotSize) / block_size_);
}

absl::StatusOr<DiffPos> EngineImpl::AppendRecord(
    VolumeImpl* volume, uint64_t epoch, const std::vector<uint64_t>& blocks,
    AlignedBuffer& record) {
  const uint64_t bs = block_size_;
  RecordHeader header;
  header.volume = volume->id();
  header.epoch = epoch;
  header.block_size = block_size_;
  // Zero blocks keep only their header entry; later data moves down.
  size_t kept = 0;
  for (size_t i = 0; i < blocks.size(); ++i) {
    uint8_t* data = record.data() + kSlotSize + i * bs;
    RecordEntry e;
    e.block = blocks[i];
    if (!IsAllZero(absl::MakeConstSpan(data, bs))) {
      e.length = block_size_;
      e.data_hash = HashData(absl::MakeConstSpan(data, bs));
      if (kept != i) {
        std::memmove(record.data() + kSlotSize + kept * bs, data, bs);
      }
      ++kept;
    }
    header.entries.push_back(e);
  }
  header.data_slots = static_cast<uint32_t>(kept * bs / kSlotSize);
  const uint64_t record_bytes = kSlotSize + kept * bs;

  // Room in the overlay before a diff-area position: every reservation in
  // flight can then always publish, so the overlay commit always advances.
  const size_t n = blocks.size();
  while (!overlay_->TryAcquire(n)) {
    RETURN_IF_ERROR(CheckHealthy());
    if (inline_mode()) {
      RETURN_IF_ERROR(SyncRound({}));
      RETURN_IF_ERROR(FlushOverlay());
    } else {
      {
        absl::MutexLock l(&bg_mu_);
        flush_wanted_ = true;
      }
      KickCommitter();
      if (overlay_->AcquireWithDeadline(n, env_->Now() + absl::Seconds(1))) break;
    }
  }
  absl::StatusOr<DiffArea::Reservation> r =
      diff_->Reserve(volume->id(), record_bytes);
  if (!r.ok()) {
    overlay_->Release(n);
    if (absl::IsResourceExhausted(r.status())) return r.status();
    return Fail(r.status());
  }
  header.seq = r->seq;
  EncodeRecordHeader(header, r->salt, record.span().first(kSlotSize));
  absl::Status st = diff_->WriteRecord(*r, record.span().first(record_bytes));
  if (!st.ok()) {
    diff_->Complete(*r);  // abandoned: its slots stay invalid
    overlay_->Release(n);
    return Fail(st);
  }
  uint32_t data_offset = static_cast<uint32_t>(r->offset + kSlotSize);
  for (size_t i = 0; i < n; ++i) {
    const RecordEntry& e = header.entries[i];
    OverlayEntry entry;
    entry.volume = volume->id();
    entry.block = e.block;
    entry.epoch = epoch;
    entry.value.seq = r->seq;
    entry.value.header_offset = static_cast<uint32_t>(r->offset);
    entry.value.entry = static_cast<uint32_t>(i);
    entry.value.length = e.length;
    entry.value.data_hash = e.data_hash;
    if (e.length != 0) {
      entry.value.data_offset = data_offset;
      data_offset += e.length;
    }
    entry.record = DiffPos{r->seq, r->offset};
    overlay_->Insert(entry);
  }
  diff_->Complete(*r);
  KickCommitter();
  return DiffPos{r->seq, r->offset + r->size};
}

absl::Status EngineImpl::MakeRoom() {
  absl::MutexLock room(&room_mu_);
  if (diff_->HasRoom()) return absl::OkStatus();  // another writer made room
  {
    absl::MutexLock l(&sets_mu_);
    const LiveSet* oldest = nullptr;
    for (const auto& [id, set] : sets_) {
      if (oldest == nullptr || set.record.commit_seq < oldest->record.commit_seq) {
        oldest = &set;
      }
    }
    if (oldest != nullptr) {
      DiffAreaUsage u = diff_->Usage();
      RETURN_IF_ERROR(DeleteSetLocked(
          oldest->record.id, EventKind::kCapDeletion,
          absl::StrFormat("diff area full (%u of %u bytes): deleted the "
                          "oldest snapshot set",
                          u.allocated, u.cap)));
    }
  }
  return RunGc();
}

absl::Status EngineImpl::AcquireDeferred(size_t bytes) {
  const size_t max = options_.deferred_write_bytes;
  for (;;) {
    RETURN_IF_ERROR(CheckHealthy());
    {
      absl::MutexLock l(&deferred_mu_);
      if (deferred_bytes_ == 0 || deferred_bytes_ + bytes <= max) {
        deferred_bytes_ += bytes;
        return absl::OkStatus();
      }
      if (!inline_mode()) {
        KickCommitter();
        struct Args {
          size_t* used;
          size_t need, max;
        } args{&deferred_bytes_, bytes, max};
        bool fits = deferred_mu_.AwaitWithTimeout(
            absl::Condition(
                +[](Args* a) { return *a->used + a->need <= a->max; }, &args),
            absl::Seconds(1));
        if (fits) {
          deferred_bytes_ += bytes;
          return absl::OkStatus();
        }
        continue;
      }
    }
    RETURN_IF_ERROR(SyncRound({}));
  }
}

void EngineImpl::ReleaseDeferred(size_t bytes) {
  absl::MutexLock l(&deferred_mu_);
  deferred_bytes_ -= std::min(bytes, deferred_bytes_);
}

void EngineImpl::KickCommitter() {
  if (inline_mode()) return;
  absl::MutexLock l(&bg_mu_);
  commit_wanted_ = true;
}

// --- group commit -----------------------------------------------------------

absl::Status EngineImpl::ReleaseDeferredWrites(VolumeImpl* volume) {
  DiffPos synced = diff_->SyncedPos(volume->id());
  std::vector<DeferredWrites::Ready> ready =
      volume->deferred().TakeReady(synced);
  if (ready.empty()) return absl::OkStatus();
  const uint64_t bs = block_size_;
  // The pre-images are durable: now the live blocks may reach the disk.
  // Runs of blocks adjacent on the volume and in one extent go out in one
  // write, straight from the extent.
  for (size_t i = 0; i < ready.size();) {
    size_t j = i + 1;
    while (j < ready.size() && ready[j].block == ready[j - 1].block + 1 &&
           ready[j].extent == ready[i].extent &&
           ready[j].index == ready[j - 1].index + 1) {
      ++j;
    }
    RETURN_IF_ERROR(volume->DeviceWrite(
        ready[i].block, absl::MakeConstSpan(ready[i].data(), (j - i) * bs)));
    i = j;
  }
  size_t removed = volume->deferred().Retire(
      ready, [volume](uint64_t block, uint64_t epoch) {
        volume->write_epochs().Set(block, epoch);
      });
  ReleaseDeferred(removed * bs);
  return absl::OkStatus();
}

absl::Status EngineImpl::SyncRound(const std::vector<VolumeImpl*>& flush) {
  absl::MutexLock l(&round_mu_);
  RETURN_IF_ERROR(CheckHealthy());
  for (uint32_t v : diff_->VolumesNeedingSync()) {
    absl::Status st = diff_->Sync(v).status();
    // Never retry a failed fdatasync: the kernel may have dropped the pages.
    if (!st.ok()) return Fail(st);
  }
  for (VolumeImpl* volume : AllVolumes()) {
    if (volume->deferred().empty()) continue;
    absl::Status st = ReleaseDeferredWrites(volume);
    if (!st.ok()) return Fail(st);
  }
  for (VolumeImpl* volume : flush) {
    absl::Status st = volume->device()->Flush();
    if (!st.ok()) return Fail(st);
  }
  return absl::OkStatus();
}

absl::Status EngineImpl::Flush() { return SyncRound(AllVolumes()); }

// --- overlay commit ---------------------------------------------------------

absl::Status EngineImpl::FlushOverlayVolume(uint32_t volume, bool* more) {
  *more = false;
  const DiffPos limit = diff_->SyncedPos(volume);
  bool complete = true;
  std::vector<OverlayEntry> batch =
      overlay_->Batch(volume, limit, kOverlayBatch, &complete);
  // Every record below the checkpoint is in LMDB after this commit.
  DiffPos checkpoint = complete ? limit : batch.back().record;
  DiffPos& persisted = persisted_checkpoint_[volume];
  if (batch.empty() && checkpoint <= persisted) return absl::OkStatus();
  std::map<uint64_t, int64_t> delta;
  absl::Status st = catalog_->Update([&](Txn& txn) -> absl::Status {
    delta.clear();
    for (const OverlayEntry& e : batch) {
      ASSIGN_OR_RETURN(bool inserted,
                       txn.Put(Db::kIndex, IndexKey(volume, e.block, e.epoch),
                               EncodeIndexValue(e.value), /*no_overwrite=*/true));
      if (!inserted) continue;  // I6: the lower position already holds it
      RETURN_IF_ERROR(
          txn.Put(Db::kChanges, ChangesKey(volume, e.epoch, e.block), "")
              .status());
      ++delta[e.value.seq];
    }
    for (const auto& [seq, d] : delta) {
      SegRecord seg{volume, 0};
      ASSIGN_OR_RETURN(std::optional<absl::string_view> old,
                       txn.Get(Db::kSegs, SegKey(seq)));
      if (old) {
        ASSIGN_OR_RETURN(seg, DecodeSegRecord(*old));
      }
      seg.live += static_cast<uint64_t>(d);
      RETURN_IF_ERROR(
          txn.Put(Db::kSegs, SegKey(seq), EncodeSegRecord(seg)).status());
    }
    ASSIGN_OR_RETURN(std::optional<absl::string_view> raw,
                     txn.Get(Db::kVolumes, VolumeKey(volume)));
    if (raw) {
      ASSIGN_OR_RETURN(VolumeRecord record, DecodeVolumeRecord(*raw));
      record.checkpoint = std::max(record.checkpoint, checkpoint);
      RETURN_IF_ERROR(txn.Put(Db::kVolumes, VolumeKey(volume),
                              EncodeVolumeRecord(record))
                          .status());
    }
    return absl::OkStatus();
  });
  if (!st.ok()) return Fail(st);
  for (const auto& [seq, d] : delta) diff_->AddLive(seq, d);
  diff_->SetCheckpoint(volume, checkpoint);
  overlay_->Remove(batch);
  persisted = checkpoint;
  *more = !complete;
  return absl::OkStatus();
}

absl::Status EngineImpl::FlushOverlay() {
  absl::MutexLock l(&flush_mu_);
  RETURN_IF_ERROR(CheckHealthy());
  for (VolumeImpl* volume : AllVolumes()) {
    bool more = true;
    while (more) RETURN_IF_ERROR(FlushOverlayVolume(volume->id(), &more));
  }
  return absl::OkStatus();
}

// --- background -------------------------------------------------------------

absl::Status EngineImpl::RunBackgroundWork() {
  RETURN_IF_ERROR(SyncRound({}));
  RETURN_IF_ERROR(FlushOverlay());
  return RunGc();
}

void EngineImpl::StartBackground() {
  {
    absl::MutexLock l(&bg_mu_);
    gc_wanted_ = true;  // resume any GC queued before the last shutdown
  }
  if (inline_mode()) return;
  threads_.push_back(env_->StartThread("ss-commit", [this] { CommitterLoop(); }));
  threads_.push_back(env_->StartThread("ss-overlay", [this] { FlusherLoop(); }));
  threads_.push_back(env_->StartThread("ss-gc", [this] { GcLoop(); }));
  threads_.push_back(
      env_->StartThread("ss-prepare", [this] { PreparerLoop(); }));
}

void EngineImpl::StopBackground() {
  {
    absl::MutexLock l(&bg_mu_);
    stop_ = true;
  }
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

void EngineImpl::CommitterLoop() {
  for (;;) {
    {
      absl::MutexLock l(&bg_mu_);
      bg_mu_.AwaitWithTimeout(
          absl::Condition(
              +[](EngineImpl* e) ABSL_NO_THREAD_SAFETY_ANALYSIS {
                return e->stop_ || e->commit_wanted_;
              },
              this),
          absl::Milliseconds(20));
      if (stop_) return;
      commit_wanted_ = false;
    }
    if (failed_.load()) continue;
    bool work = !diff_->VolumesNeedingSync().empty();
    if (!work) {
      for (VolumeImpl* v : AllVolumes()) work |= !v->deferred().empty();
    }
    if (work) SyncRound({}).IgnoreError();  // errors are sticky in Fail()
  }
}

void EngineImpl::FlusherLoop() {
  for (;;) {
    {
      absl::MutexLock l(&bg_mu_);
      bg_mu_.AwaitWithTimeout(
          absl::Condition(
              +[](EngineImpl* e) ABSL_NO_THREAD_SAFETY_ANALYSIS {
                return e->stop_ || e->flush_wanted_;
              },
              this),
          options_.overlay_commit_interval);
      if (stop_) return;
      flush_wanted_ = false;
    }
    if (!failed_.load()) FlushOverlay().IgnoreError();
  }
}

void EngineImpl::GcLoop() {
  for (;;) {
    {
      absl::MutexLock l(&bg_mu_);
      bg_mu_.AwaitWithTimeout(
          absl::Condition(
              +[](EngineImpl* e) ABSL_NO_THREAD_SAFETY_ANALYSIS {
                return e->stop_ || e->gc_wanted_;
              },
              this),
          absl::Seconds(1));
      if (stop_) return;
      if (!gc_wanted_) continue;
      gc_wanted_ = false;
    }
    if (!failed_.load()) RunGc().IgnoreError();
  }
}

void EngineImpl::PreparerLoop() {
  for (;;) {
    {
      absl::MutexLock l(&bg_mu_);
      bg_mu_.AwaitWithTimeout(
          absl::Condition(
              +[](EngineImpl* e) ABSL_NO_THREAD_SAFETY_ANALYSIS {
                return e->stop_ || e->prepare_wanted_;
              },
              this),
          absl::Milliseconds(20));
      if (stop_) return;
      prepare_wanted_ = false;
    }
    if (failed_.load()) continue;
    absl::Status st = diff_->PrepareSpares();
    if (!st.ok()) Fail(st).IgnoreError();
  }
}

}  // namespace shadowset::internal
