// Snapshot-set commit (DESIGN §2.5), deletion and garbage collection
// (§2.6), snapshot views and changed blocks.

#include <algorithm>
#include <limits>
#include <thread>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/codes.h"
#include "engine/internal/engine_impl.h"
#include "engine/internal/snapshot_impl.h"
#include "engine/internal/status_macros.h"

namespace shadowset::internal {
namespace {

constexpr uint64_t kMax64 = std::numeric_limits<uint64_t>::max();
// Keys examined per GC transaction (keeps it near 10 ms).
constexpr size_t kGcBatch = 2048;

}  // namespace

SnapshotSetInfo EngineImpl::InfoFor(const LiveSet& set) {
  SnapshotSetInfo info;
  info.id = set.record.id;
  info.persistent = set.persistent;
  info.commit_seq = set.record.commit_seq;
  info.created = absl::FromUnixMicros(static_cast<int64_t>(set.record.created_us));
  info.corrupt = set.record.corrupt;
  for (const auto& [v, epoch] : set.record.snapshots) {
    SnapshotInfo s;
    s.volume_id = v;
    s.epoch = epoch;
    if (VolumeImpl* vol = VolumeById(v)) s.volume = vol->name();
    info.snapshots.push_back(std::move(s));
  }
  return info;
}

// Commit, in this order (DESIGN §2.5):
//  0. outside the hold, flush the live devices (persistent sets);
//  1. close every volume's write gate (ascending id), draining in-flight
//     writes and pending group commits;
//  2. flush the live devices, in parallel (persistent sets);
//  3. one synced catalog transaction records the set and C + 1
//     (persistent sets; an auto-release set needs none);
//  4. advance C in memory; reopen the gates.
// The hold timeout is checked before step 3 only. Once the transaction is
// issued the gates stay closed until its outcome is known; a late success
// is deleted again and reported as HOLD_WRITES_TIMEOUT.
absl::StatusOr<SnapshotSetInfo> EngineImpl::CreateSnapshotSet(
    const std::vector<std::string>& names, const SnapshotSetOptions& options) {
  RETURN_IF_ERROR(CheckHealthy());
  if (names.empty()) {
    return MakeError(absl::StatusCode::kInvalidArgument, kVssBadState,
                     "a snapshot set needs at least one volume");
  }
  if (names.size() > kMaxVolumesPerSet) {
    return MakeError(absl::StatusCode::kResourceExhausted,
                     kVssMaximumNumberOfVolumesReached,
                     absl::StrFormat("a snapshot set holds at most %u volumes, "
                                     "not %u",
                                     kMaxVolumesPerSet, names.size()));
  }
  std::vector<VolumeImpl*> volumes;
  for (const std::string& name : names) {
    ASSIGN_OR_RETURN(VolumeImpl * v, VolumeByName(name));
    if (std::find(volumes.begin(), volumes.end(), v) != volumes.end()) {
      return MakeError(absl::StatusCode::kInvalidArgument, kVssBadState,
                       absl::StrCat("volume '", name, "' is named twice"));
    }
    volumes.push_back(v);
  }
  if (!create_mu_.TryLock()) {
    return MakeError(absl::StatusCode::kUnavailable, kVssSnapshotSetInProgress,
                     "another snapshot set is being created");
  }
  absl::StatusOr<SnapshotSetInfo> info = CommitSetLocked(volumes, options);
  create_mu_.Unlock();
  return info;
}

absl::StatusOr<SnapshotSetInfo> EngineImpl::CommitSetLocked(
    std::vector<VolumeImpl*> volumes, const SnapshotSetOptions& options) {
  for (VolumeImpl* v : volumes) {
    if (v->live_snapshots() >= kMaxSnapshotsPerVolume) {
      return MakeError(
          absl::StatusCode::kResourceExhausted,
          kVssMaximumNumberOfSnapshotsReached,
          absl::StrFormat("volume '%s' already has %u snapshots", v->name(),
                          kMaxSnapshotsPerVolume));
    }
  }
  std::sort(volumes.begin(), volumes.end(),
            [](VolumeImpl* a, VolumeImpl* b) { return a->id() < b->id(); });

  // 0. Flush outside the hold, so the hold flushes little.
  if (options.persistent) RETURN_IF_ERROR(SyncRound(volumes));

  // 1. Close the gates.
  const absl::Time deadline = env_->Now() + options.hold_timeout;
  size_t closed = 0;
  absl::Cleanup reopen = [&] {
    for (size_t i = 0; i < closed; ++i) volumes[i]->gate().Open();
  };
  auto flush_timeout = [&](absl::string_view what) {
    return MakeError(absl::StatusCode::kDeadlineExceeded,
                     kVssFlushWritesTimeout,
                     absl::StrFormat("%s took longer than the hold timeout of %s",
                                     what,
                                     absl::FormatDuration(options.hold_timeout)));
  };
  for (VolumeImpl* v : volumes) {
    if (!v->gate().Close(deadline)) {
      return flush_timeout(
          absl::StrCat("draining writes to '", v->name(), "'"));
    }
    ++closed;
  }
  // Drain pending group commits: no preserved block may stay deferred
  // across the epoch change.
  for (;;) {
    bool pending = false;
    for (VolumeImpl* v : volumes) pending |= !v->deferred().empty();
    if (!pending) break;
    RETURN_IF_ERROR(SyncRound({}));
    if (env_->Now() > deadline) return flush_timeout("the group commit");
  }

  // 2. Flush the live devices in parallel (a persistent snapshot's live
  // blocks must be durable before the set is).
  if (options.persistent) {
    std::vector<absl::Status> results(volumes.size());
    std::vector<std::thread> threads;
    for (size_t i = 1; i < volumes.size(); ++i) {
      threads.push_back(env_->StartThread("ss-hold-flush", [&, i] {
        results[i] = volumes[i]->device()->Flush();
      }));
    }
    results[0] = volumes[0]->device()->Flush();
    for (std::thread& t : threads) t.join();
    for (const absl::Status& st : results) {
      if (!st.ok()) return Fail(st);
    }
  }
  if (env_->Now() > deadline) {
    return MakeError(absl::StatusCode::kDeadlineExceeded, kVssHoldWritesTimeout,
                     absl::StrFormat("the hold exceeded its timeout of %s before "
                                     "the commit",
                                     absl::FormatDuration(options.hold_timeout)));
  }

  // 3. Record the set.
  LiveSet set;
  set.persistent = options.persistent;
  set.record.id = SetId::Random();
  set.record.created_us = static_cast<uint64_t>(absl::ToUnixMicros(env_->Now()));
  for (VolumeImpl* v : volumes) {
    set.record.snapshots.emplace_back(v->id(), v->current_epoch());
  }
  absl::MutexLock sets_lock(&sets_mu_);
  set.record.commit_seq = next_commit_seq_++;
  const uint64_t next_commit_seq = next_commit_seq_;
  if (options.persistent) {
    absl::Status st = catalog_->Update([&](Txn& txn) -> absl::Status {
      RETURN_IF_ERROR(txn.Put(Db::kSets, set.record.id.bytes(),
                              EncodeSetRecord(set.record))
                          .status());
      for (const auto& [v, epoch] : set.record.snapshots) {
        ASSIGN_OR_RETURN(std::optional<absl::string_view> raw,
                         txn.Get(Db::kVolumes, VolumeKey(v)));
        if (!raw) return absl::InternalError("volume record vanished");
        ASSIGN_OR_RETURN(VolumeRecord record, DecodeVolumeRecord(*raw));
        record.epoch = std::max(record.epoch, epoch + 1);
        RETURN_IF_ERROR(txn.Put(Db::kVolumes, VolumeKey(v),
                                EncodeVolumeRecord(record))
                            .status());
      }
      RETURN_IF_ERROR(txn.Put(Db::kMeta, kMetaNextCommitSeq,
                              EncodeU64(next_commit_seq))
                          .status());
      RETURN_IF_ERROR(txn.Put(Db::kMeta, kMetaClockHighWater,
                              EncodeU64(set.record.created_us))
                          .status());
      return absl::OkStatus();
    });
    if (!st.ok()) {
      // The outcome on disk is unknown: burn the epochs and stop.
      for (VolumeImpl* v : volumes) v->SetCurrentEpoch(v->current_epoch() + 1);
      return Fail(st);
    }
  }

  // 4. Advance C; the gates reopen as we return.
  for (VolumeImpl* v : volumes) v->AddSnapshot(v->current_epoch(), set.persistent);
  // The first preserves should find a prepared segment.
  if (!inline_mode()) {
    for (VolumeImpl* v : volumes) diff_->RequestSpare(v->id());
    absl::MutexLock l(&bg_mu_);
    prepare_wanted_ = true;
  }
  SetId id = set.record.id;
  SnapshotSetInfo info = InfoFor(set);
  sets_.emplace(id, std::move(set));
  if (env_->Now() > deadline) {
    absl::Status st = DeleteSetLocked(id, EventKind::kSetDeleted,
                                      "commit outlasted the hold timeout");
    if (!st.ok()) return st;
    return MakeError(absl::StatusCode::kDeadlineExceeded, kVssHoldWritesTimeout,
                     absl::StrFormat("the commit outlasted the hold timeout of %s",
                                     absl::FormatDuration(options.hold_timeout)));
  }
  return info;
}

absl::Status EngineImpl::DeleteSetLocked(const SetId& id, EventKind kind,
                                         const std::string& why) {
  auto it = sets_.find(id);
  if (it == sets_.end()) {
    return MakeError(absl::StatusCode::kNotFound, kVssObjectNotFound,
                     absl::StrCat("no snapshot set ", id.ToString()));
  }
  LiveSet& set = it->second;
  // Records of (S, next live epoch] may die with S (DESIGN I2).
  std::vector<std::string> gc_keys;
  std::string volumes;
  for (const auto& [v, epoch] : set.record.snapshots) {
    uint64_t upper = kMax64;
    if (VolumeImpl* vol = VolumeById(v)) {
      for (uint64_t e : vol->LiveEpochs()) {
        if (e > epoch) {
          upper = e;
          break;
        }
      }
      absl::StrAppend(&volumes, volumes.empty() ? "" : ",", vol->name());
    }
    gc_keys.push_back(GcKey(v, epoch, upper));
  }
  absl::Status st = catalog_->Update([&](Txn& txn) -> absl::Status {
    if (set.persistent) {
      RETURN_IF_ERROR(txn.Delete(Db::kSets, id.bytes()).status());
    }
    for (const std::string& key : gc_keys) {
      RETURN_IF_ERROR(txn.Put(Db::kGc, key, "").status());
    }
    return PutEvent(txn, kind, id, volumes, why);
  });
  if (!st.ok()) return Fail(st);
  // Readers first: from here on no read of the set returns data.
  set.deleted->store(true, std::memory_order_seq_cst);
  for (const auto& [v, epoch] : set.record.snapshots) {
    if (VolumeImpl* vol = VolumeById(v)) vol->RemoveSnapshot(epoch);
  }
  sets_.erase(it);
  absl::MutexLock l(&bg_mu_);
  gc_wanted_ = true;
  return absl::OkStatus();
}

absl::Status EngineImpl::DeleteSnapshotSet(const SetId& id) {
  RETURN_IF_ERROR(CheckHealthy());
  absl::MutexLock l(&sets_mu_);
  return DeleteSetLocked(id, EventKind::kSetDeleted, "deleted on request");
}

std::vector<SnapshotSetInfo> EngineImpl::ListSnapshotSets() {
  absl::MutexLock l(&sets_mu_);
  std::vector<SnapshotSetInfo> out;
  for (const auto& [id, set] : sets_) out.push_back(InfoFor(set));
  std::sort(out.begin(), out.end(),
            [](const SnapshotSetInfo& a, const SnapshotSetInfo& b) {
              return a.commit_seq < b.commit_seq;
            });
  return out;
}

absl::StatusOr<SnapshotSetInfo> EngineImpl::GetSnapshotSet(const SetId& id) {
  absl::MutexLock l(&sets_mu_);
  auto it = sets_.find(id);
  if (it == sets_.end()) {
    return MakeError(absl::StatusCode::kNotFound, kVssObjectNotFound,
                     absl::StrCat("no snapshot set ", id.ToString()));
  }
  return InfoFor(it->second);
}

bool EngineImpl::SetIsCorrupt(const SetId& id) {
  absl::MutexLock l(&sets_mu_);
  auto it = sets_.find(id);
  return it != sets_.end() && it->second.record.corrupt;
}

absl::StatusOr<std::unique_ptr<Snapshot>> EngineImpl::OpenSnapshot(
    const SetId& id, const std::string& volume) {
  ASSIGN_OR_RETURN(VolumeImpl * vol, VolumeByName(volume));
  absl::MutexLock l(&sets_mu_);
  auto it = sets_.find(id);
  if (it == sets_.end()) {
    return MakeError(absl::StatusCode::kNotFound, kVssObjectNotFound,
                     absl::StrCat("no snapshot set ", id.ToString()));
  }
  for (const auto& [v, epoch] : it->second.record.snapshots) {
    if (v == vol->id()) {
      return std::unique_ptr<Snapshot>(
          new SnapshotImpl(this, vol, id, epoch, it->second.deleted));
    }
  }
  return MakeError(absl::StatusCode::kNotFound, kVssObjectNotFound,
                   absl::StrCat("volume '", volume, "' is not in snapshot set ",
                                id.ToString()));
}

absl::StatusOr<std::vector<uint64_t>> EngineImpl::ChangedBlocks(
    const SetId& older, const SetId& newer, const std::string& volume) {
  ASSIGN_OR_RETURN(VolumeImpl * vol, VolumeByName(volume));
  uint64_t lo = 0, hi = 0;
  {
    absl::MutexLock l(&sets_mu_);
    auto epoch_of = [&](const SetId& id, uint64_t* out)
        ABSL_EXCLUSIVE_LOCKS_REQUIRED(sets_mu_) -> absl::Status {
      auto it = sets_.find(id);
      if (it == sets_.end()) {
        return MakeError(absl::StatusCode::kNotFound, kVssObjectNotFound,
                         absl::StrCat("no snapshot set ", id.ToString()));
      }
      for (const auto& [v, epoch] : it->second.record.snapshots) {
        if (v == vol->id()) {
          *out = epoch;
          return absl::OkStatus();
        }
      }
      return MakeError(absl::StatusCode::kNotFound, kVssObjectNotFound,
                       absl::StrCat("volume '", volume,
                                    "' is not in snapshot set ", id.ToString()));
    };
    RETURN_IF_ERROR(epoch_of(older, &lo));
    RETURN_IF_ERROR(epoch_of(newer, &hi));
  }
  if (lo >= hi) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "snapshot set %s is not older than %s", older.ToString(),
        newer.ToString()));
  }
  // I5: blocks with a key in (lo, hi]. Overlay first, then LMDB.
  std::set<uint64_t> blocks;
  overlay_->ChangedBlocks(vol->id(), lo, hi, &blocks);
  ASSIGN_OR_RETURN(std::unique_ptr<Txn> txn, catalog_->BeginRead());
  ASSIGN_OR_RETURN(std::unique_ptr<Cursor> c, txn->OpenCursor(Db::kChanges));
  ASSIGN_OR_RETURN(bool found, c->Seek(ChangesKey(vol->id(), lo + 1, 0)));
  while (found) {
    uint32_t v;
    uint64_t epoch, block;
    DecodeChangesKey(c->key(), &v, &epoch, &block);
    if (v != vol->id() || epoch > hi) break;
    blocks.insert(block);
    ASSIGN_OR_RETURN(found, c->Next());
  }
  return std::vector<uint64_t>(blocks.begin(), blocks.end());
}

// --- garbage collection -----------------------------------------------------

// Examines every key of `volume` with epoch in (lo, hi] and deletes the dead
// ones: (b, K) is needed iff some live snapshot S has K_prev <= S < K, where
// K_prev is b's next smaller key (DESIGN I2). Deleting a dead key never
// changes what a live snapshot reads. Idempotent; bounded transactions.
absl::Status EngineImpl::CollectRange(uint32_t volume, uint64_t lo,
                                      uint64_t hi) {
  VolumeImpl* vol = VolumeById(volume);
  std::vector<uint64_t> live = vol != nullptr ? vol->LiveEpochs()
                                              : std::vector<uint64_t>();
  auto needed = [&](uint64_t k_prev, uint64_t k) {
    auto it = std::lower_bound(live.begin(), live.end(), k_prev);
    return it != live.end() && *it < k;
  };
  struct Dead {
    uint64_t seq, data_offset, length;
  };
  std::vector<Dead> punch;
  uint64_t next_epoch = lo == kMax64 ? lo : lo + 1;
  uint64_t next_block = 0;
  bool done = lo >= hi;
  while (!done) {
    std::map<uint64_t, int64_t> delta;
    std::vector<Dead> dead;
    uint64_t resume_epoch = next_epoch, resume_block = next_block;
    bool finished = false;
    absl::Status st = catalog_->Update([&](Txn& txn) -> absl::Status {
      delta.clear();
      dead.clear();
      finished = false;
      std::vector<std::pair<uint64_t, uint64_t>> keys;  // (epoch, block)
      {
        ASSIGN_OR_RETURN(std::unique_ptr<Cursor> c, txn.OpenCursor(Db::kChanges));
        ASSIGN_OR_RETURN(bool found,
                         c->Seek(ChangesKey(volume, next_epoch, next_block)));
        while (found && keys.size() < kGcBatch) {
          uint32_t v;
          uint64_t epoch, block;
          DecodeChangesKey(c->key(), &v, &epoch, &block);
          if (v != volume || epoch > hi) break;
          keys.emplace_back(epoch, block);
          ASSIGN_OR_RETURN(found, c->Next());
        }
        if (keys.size() < kGcBatch) {
          finished = true;
        } else {
          ASSIGN_OR_RETURN(found, c->Next());
          (void)found;
        }
      }
      ASSIGN_OR_RETURN(std::unique_ptr<Cursor> ic, txn.OpenCursor(Db::kIndex));
      for (const auto& [epoch, block] : keys) {
        std::string key = IndexKey(volume, block, epoch);
        ASSIGN_OR_RETURN(bool at, ic->Seek(key));
        if (!at || ic->key() != key) continue;  // already gone
        ASSIGN_OR_RETURN(IndexValue value, DecodeIndexValue(ic->value()));
        uint64_t k_prev = 0;
        ASSIGN_OR_RETURN(bool prev, ic->Prev());
        if (prev) {
          uint32_t pv;
          uint64_t pb, pe;
          DecodeIndexKey(ic->key(), &pv, &pb, &pe);
          if (pv == volume && pb == block) k_prev = pe;
        }
        if (needed(k_prev, epoch)) continue;
        RETURN_IF_ERROR(txn.Delete(Db::kIndex, key).status());
        RETURN_IF_ERROR(
            txn.Delete(Db::kChanges, ChangesKey(volume, epoch, block)).status());
        --delta[value.seq];
        if (value.length != 0) {
          dead.push_back({value.seq, value.data_offset, value.length});
        }
      }
      for (const auto& [seq, d] : delta) {
        ASSIGN_OR_RETURN(std::optional<absl::string_view> old,
                         txn.Get(Db::kSegs, SegKey(seq)));
        if (!old) continue;
        ASSIGN_OR_RETURN(SegRecord seg, DecodeSegRecord(*old));
        seg.live -= std::min<uint64_t>(seg.live, static_cast<uint64_t>(-d));
        if (seg.live == 0) {
          RETURN_IF_ERROR(txn.Delete(Db::kSegs, SegKey(seq)).status());
        } else {
          RETURN_IF_ERROR(
              txn.Put(Db::kSegs, SegKey(seq), EncodeSegRecord(seg)).status());
        }
      }
      if (!keys.empty()) {
        resume_epoch = keys.back().first;
        resume_block = keys.back().second + 1;
      }
      return absl::OkStatus();
    });
    if (!st.ok()) return Fail(st);
    for (const auto& [seq, d] : delta) diff_->AddLive(seq, d);
    punch.insert(punch.end(), dead.begin(), dead.end());
    next_epoch = resume_epoch;
    next_block = resume_block;
    done = finished;
  }
  // Space of dead records in segments that stay in use comes back as holes
  // (their index entries are durably gone); wholly dead segments are
  // reclaimed instead.
  std::sort(punch.begin(), punch.end(), [](const Dead& a, const Dead& b) {
    return std::tie(a.seq, a.data_offset) < std::tie(b.seq, b.data_offset);
  });
  for (size_t i = 0; i < punch.size();) {
    size_t j = i + 1;
    uint64_t end = punch[i].data_offset + punch[i].length;
    while (j < punch.size() && punch[j].seq == punch[i].seq &&
           punch[j].data_offset == end) {
      end += punch[j].length;
      ++j;
    }
    if (diff_->Live(punch[i].seq) > 0) {
      absl::Status st = diff_->PunchDead(punch[i].seq, punch[i].data_offset,
                                         end - punch[i].data_offset);
      if (!st.ok()) return Fail(st);
    }
    i = j;
  }
  return absl::OkStatus();
}

absl::Status EngineImpl::ReclaimSegments() {
  std::vector<uint64_t> seqs = diff_->ReclaimableSegments();
  if (seqs.empty()) return absl::OkStatus();
  absl::Status st = catalog_->Update([&](Txn& txn) -> absl::Status {
    for (uint64_t seq : seqs) {
      RETURN_IF_ERROR(txn.Delete(Db::kSegs, SegKey(seq)).status());
    }
    return absl::OkStatus();
  });
  if (!st.ok()) return Fail(st);
  st = diff_->Reclaim(seqs);
  if (!st.ok()) return Fail(st);
  return absl::OkStatus();
}

absl::Status EngineImpl::RunGc() {
  absl::MutexLock l(&gc_mu_);
  RETURN_IF_ERROR(CheckHealthy());
  // Every durable record's entry must be in LMDB before it is judged.
  RETURN_IF_ERROR(SyncRound({}));
  RETURN_IF_ERROR(FlushOverlay());
  std::vector<std::string> rows;
  {
    ASSIGN_OR_RETURN(std::unique_ptr<Txn> txn, catalog_->BeginRead());
    ASSIGN_OR_RETURN(std::unique_ptr<Cursor> c, txn->OpenCursor(Db::kGc));
    ASSIGN_OR_RETURN(bool found, c->First());
    while (found) {
      rows.emplace_back(c->key());
      ASSIGN_OR_RETURN(found, c->Next());
    }
  }
  for (const std::string& row : rows) {
    uint32_t volume;
    uint64_t lo, hi;
    DecodeGcKey(row, &volume, &lo, &hi);
    RETURN_IF_ERROR(CollectRange(volume, lo, hi));
    absl::Status st = catalog_->Update([&](Txn& txn) {
      return txn.Delete(Db::kGc, row).status();
    });
    if (!st.ok()) return Fail(st);
  }
  return ReclaimSegments();
}

void EngineImpl::ReportCorruption(uint32_t volume, uint64_t block,
                                  uint64_t epoch, const absl::Status& why) {
  // The sets that read this record: live S with K_prev <= S < K.
  uint64_t k_prev = 0;
  {
    absl::StatusOr<std::unique_ptr<Txn>> txn = catalog_->BeginRead();
    if (txn.ok()) {
      absl::StatusOr<std::unique_ptr<Cursor>> c = (*txn)->OpenCursor(Db::kIndex);
      if (c.ok()) {
        absl::StatusOr<bool> at = (*c)->Seek(IndexKey(volume, block, epoch));
        if (at.ok()) {
          absl::StatusOr<bool> prev = *at ? (*c)->Prev() : (*c)->Last();
          if (prev.ok() && *prev) {
            uint32_t v;
            uint64_t b, e;
            DecodeIndexKey((*c)->key(), &v, &b, &e);
            if (v == volume && b == block && e < epoch) k_prev = e;
          }
        }
      }
    }
  }
  std::string name;
  if (VolumeImpl* vol = VolumeById(volume)) name = vol->name();
  absl::MutexLock l(&sets_mu_);
  std::vector<LiveSet*> hit;
  for (auto& [id, set] : sets_) {
    for (const auto& [v, s] : set.record.snapshots) {
      if (v == volume && k_prev <= s && s < epoch && !set.record.corrupt) {
        hit.push_back(&set);
      }
    }
  }
  absl::Status st = catalog_->Update([&](Txn& txn) -> absl::Status {
    for (LiveSet* set : hit) {
      if (!set->persistent) continue;
      SetRecord record = set->record;
      record.corrupt = true;
      RETURN_IF_ERROR(txn.Put(Db::kSets, record.id.bytes(),
                              EncodeSetRecord(record))
                          .status());
    }
    return PutEvent(
        txn, EventKind::kCorruption, hit.empty() ? SetId() : hit[0]->record.id,
        name,
        absl::StrFormat("block %u epoch %u: %s; %u snapshot set(s) invalidated",
                        block, epoch, why.message(), hit.size()));
  });
  if (!st.ok()) {
    Fail(st).IgnoreError();
    return;
  }
  for (LiveSet* set : hit) set->record.corrupt = true;
}

}  // namespace shadowset::internal
