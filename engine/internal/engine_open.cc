// Engine::Init, Engine::Open with crash recovery, volumes and events.

#include <unistd.h>

#include <algorithm>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/codes.h"
#include "engine/internal/coding.h"
#include "engine/internal/engine_impl.h"
#include "engine/internal/status_macros.h"

namespace shadowset {

using internal::Catalog;
using internal::CatalogOptions;
using internal::Db;
using internal::EngineImpl;
using internal::Txn;

namespace {

constexpr const char* kCatalogDir = "catalog";
constexpr const char* kDiffDir = "diff";
constexpr const char* kVolumesDir = "volumes";
constexpr const char* kLockFile = "LOCK";

bool IsPowerOfTwo(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

std::string DefaultHolder() {
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  return absl::StrFormat("pid %d on %s", getpid(), host);
}

}  // namespace

absl::Status Engine::Init(const std::string& dir, const InitOptions& options,
                          Env* env) {
  if (env == nullptr) env = Env::Default();
  const uint32_t bs = options.block_size;
  if (!IsPowerOfTwo(bs) || bs < 4096 || bs > (1u << 20)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "block size %u is not a power of two from 4096 (4 KiB) to 1048576 "
        "(1 MiB)",
        bs));
  }
  if (options.diff_area_max < MinDiffAreaMax(bs)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "diff-area maximum %u is below the minimum of %u bytes for %u-byte "
        "blocks (8 x (block size + %u-byte record header))",
        options.diff_area_max, MinDiffAreaMax(bs), bs, kRecordHeaderSize));
  }
  uint64_t segment_size =
      options.segment_size != 0
          ? options.segment_size
          : internal::ChooseSegmentSize(options.diff_area_max, bs);
  if (segment_size % internal::kSlotSize != 0 ||
      segment_size < 2 * uint64_t{internal::kSlotSize} + bs ||
      segment_size > options.diff_area_max) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "segment size %u must be a multiple of 4096 holding one record, "
        "within the cap",
        segment_size));
  }
  ASSIGN_OR_RETURN(FileType type, env->GetFileType(dir));
  if (type == FileType::kMissing) {
    RETURN_IF_ERROR(env->CreateDir(dir));
    RETURN_IF_ERROR(env->SyncDir(DirName(dir)));
  } else if (type != FileType::kDirectory) {
    return absl::FailedPreconditionError(
        absl::StrCat(dir, " exists and is not a directory"));
  } else {
    ASSIGN_OR_RETURN(std::vector<std::string> names, env->ListDir(dir));
    if (std::find(names.begin(), names.end(), kCatalogDir) != names.end()) {
      return absl::AlreadyExistsError(
          absl::StrCat(dir, " is already a shadowset data directory"));
    }
    if (!names.empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat(dir, " is not empty; init needs an empty directory"));
    }
  }
  ASSIGN_OR_RETURN(std::unique_ptr<FileLock> lock,
                   env->LockFile(JoinPath(dir, kLockFile), DefaultHolder()));
  for (const char* sub : {kDiffDir, kVolumesDir, kCatalogDir}) {
    RETURN_IF_ERROR(env->CreateDir(JoinPath(dir, sub)));
  }
  RETURN_IF_ERROR(env->SyncDir(dir));
  // The catalog's format record is written last: it is what makes the
  // directory a data directory.
  ASSIGN_OR_RETURN(std::unique_ptr<Catalog> catalog,
                   Catalog::Open(env, JoinPath(dir, kCatalogDir),
                                 /*create=*/true, CatalogOptions{}));
  RETURN_IF_ERROR(env->SyncDir(JoinPath(dir, kCatalogDir)));
  return catalog->Update([&](Txn& txn) -> absl::Status {
    std::string format;
    internal::PutBE32(&format, internal::kCatalogFormatMajor);
    internal::PutBE32(&format, internal::kCatalogFormatMinor);
    RETURN_IF_ERROR(txn.Put(Db::kMeta, internal::kMetaFormat, format).status());
    RETURN_IF_ERROR(txn.Put(Db::kMeta, internal::kMetaBlockSize,
                            internal::EncodeU64(bs)).status());
    RETURN_IF_ERROR(txn.Put(Db::kMeta, internal::kMetaDiffAreaMax,
                            internal::EncodeU64(options.diff_area_max))
                        .status());
    RETURN_IF_ERROR(txn.Put(Db::kMeta, internal::kMetaSegmentSize,
                            internal::EncodeU64(segment_size)).status());
    return absl::OkStatus();
  });
}

absl::StatusOr<std::unique_ptr<Engine>> Engine::Open(
    const std::string& dir, const EngineOptions& options) {
  return EngineImpl::OpenImpl(dir, options);
}

namespace internal {

EngineImpl::~EngineImpl() {
  StopBackground();
  if (opened_ && !failed_.load()) {
    // A clean close: auto-release sets end with the engine (DESIGN §2.5),
    // acknowledged writes become durable, the index is committed and queued
    // collection finishes; then the catalog records the clean close, so the
    // next open need not sweep.
    absl::Status st = [&]() -> absl::Status {
      {
        absl::MutexLock l(&sets_mu_);
        std::vector<SetId> auto_release;
        for (const auto& [id, set] : sets_) {
          if (!set.persistent) auto_release.push_back(id);
        }
        for (const SetId& id : auto_release) {
          RETURN_IF_ERROR(DeleteSetLocked(id, EventKind::kSetDeleted,
                                          "auto-release set ended with the "
                                          "engine"));
        }
      }
      RETURN_IF_ERROR(SyncRound(AllVolumes()));
      RETURN_IF_ERROR(RunGc());
      return catalog_->Update([](Txn& txn) {
        return txn.Put(Db::kMeta, kMetaOpen, EncodeU64(0)).status();
      });
    }();
    st.IgnoreError();  // the next open recovers whatever did not finish
  }
}

std::string EngineImpl::VolumePath(uint32_t id) const {
  return JoinPath(JoinPath(dir_, kVolumesDir), absl::StrFormat("%08u.vol", id));
}

absl::StatusOr<std::unique_ptr<Engine>> EngineImpl::OpenImpl(
    const std::string& dir, const EngineOptions& options) {
  Env* env = options.env != nullptr ? options.env : Env::Default();
  ASSIGN_OR_RETURN(FileType catalog_type,
                   env->GetFileType(JoinPath(dir, kCatalogDir)));
  if (catalog_type != FileType::kDirectory) {
    ASSIGN_OR_RETURN(FileType dir_type, env->GetFileType(dir));
    if (dir_type == FileType::kMissing) {
      return absl::NotFoundError(absl::StrCat(
          "data directory ", dir, " does not exist (run 'shadowset init')"));
    }
    return absl::NotFoundError(absl::StrCat(
        dir, " is not a shadowset data directory (run 'shadowset init')"));
  }
  std::unique_ptr<EngineImpl> engine(new EngineImpl(env, dir, options));
  ASSIGN_OR_RETURN(engine->lock_,
                   env->LockFile(JoinPath(dir, kLockFile),
                                 options.lock_holder.empty()
                                     ? DefaultHolder()
                                     : options.lock_holder));
  CatalogOptions catalog_options;
  catalog_options.map_size = options.catalog_map_size;
  ASSIGN_OR_RETURN(engine->catalog_,
                   Catalog::Open(env, JoinPath(dir, kCatalogDir),
                                 /*create=*/false, catalog_options));
  RETURN_IF_ERROR(engine->LoadMeta());
  RETURN_IF_ERROR(engine->Recover());
  engine->opened_ = true;
  engine->StartBackground();
  return std::unique_ptr<Engine>(std::move(engine));
}

absl::Status EngineImpl::LoadMeta() {
  // Never hold a read transaction while taking an engine lock.
  uint64_t next_volume = 0, next_commit = 0;
  {
    ASSIGN_OR_RETURN(std::unique_ptr<Txn> read, catalog_->BeginRead());
    RETURN_IF_ERROR(LoadMetaFrom(*read, &next_volume, &next_commit));
  }
  {
    absl::MutexLock l(&volumes_mu_);
    next_volume_id_ = static_cast<uint32_t>(std::max<uint64_t>(next_volume, 1));
  }
  absl::MutexLock l(&sets_mu_);
  next_commit_seq_ = std::max<uint64_t>(next_commit, 1);
  return absl::OkStatus();
}

absl::Status EngineImpl::LoadMetaFrom(Txn& txn, uint64_t* next_volume,
                                      uint64_t* next_commit) {
  ASSIGN_OR_RETURN(std::optional<absl::string_view> format,
                   txn.Get(Db::kMeta, kMetaFormat));
  if (!format || format->size() != 8) {
    return absl::DataLossError(absl::StrCat(
        "catalog of ", dir_,
        " has no format record: init did not finish; remove the directory "
        "and run init again"));
  }
  uint32_t major = LoadBE32(format->data());
  if (major > kCatalogFormatMajor) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "data directory %s has catalog format %u, newer than this build's %u",
        dir_, major, kCatalogFormatMajor));
  }
  auto meta = [&](absl::string_view key) -> absl::StatusOr<uint64_t> {
    ASSIGN_OR_RETURN(std::optional<absl::string_view> v, txn.Get(Db::kMeta, key));
    if (!v) return uint64_t{0};
    return DecodeU64(*v, key);
  };
  ASSIGN_OR_RETURN(uint64_t bs, meta(kMetaBlockSize));
  ASSIGN_OR_RETURN(diff_area_max_, meta(kMetaDiffAreaMax));
  ASSIGN_OR_RETURN(uint64_t segment_size, meta(kMetaSegmentSize));
  block_size_ = static_cast<uint32_t>(bs);
  if (block_size_ == 0 || segment_size == 0) {
    return absl::DataLossError("catalog meta lacks the block or segment size");
  }
  DiffAreaOptions diff_options;
  diff_options.cap = diff_area_max_;
  diff_options.segment_size = segment_size;
  diff_options.block_size = block_size_;
  diff_options.direct = options_.direct_io;
  ASSIGN_OR_RETURN(diff_, DiffArea::Open(env_, JoinPath(dir_, kDiffDir),
                                         diff_options));
  overlay_ = std::make_unique<IndexOverlay>(options_.overlay_max_entries);
  io_pool_ = std::make_unique<IoPool>(env_, inline_mode() ? 0 : 8);
  ASSIGN_OR_RETURN(*next_volume, meta(kMetaNextVolumeId));
  ASSIGN_OR_RETURN(*next_commit, meta(kMetaNextCommitSeq));
  ASSIGN_OR_RETURN(std::unique_ptr<Cursor> events, txn.OpenCursor(Db::kEvents));
  ASSIGN_OR_RETURN(bool any, events->Last());
  next_event_seq_ = any ? LoadBE64(events->key().data()) + 1 : 1;
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<BlockDevice>> EngineImpl::OpenDevice(
    const VolumeRecord& record, bool create, std::string* path) {
  *path = record.device_path.empty() ? VolumePath(record.id) : record.device_path;
  FileBlockDeviceOptions o;
  o.block_size = block_size_;
  o.block_count = record.block_count;
  o.create = create;
  o.direct = options_.direct_io;
  o.raw_device = !record.device_path.empty();
  ASSIGN_OR_RETURN(std::unique_ptr<FileBlockDevice> device,
                   FileBlockDevice::Open(env_, *path, o));
  return std::unique_ptr<BlockDevice>(std::move(device));
}

absl::Status EngineImpl::ReplayVolume(
    const VolumeRecord& record, const std::vector<DiffArea::SegmentInfo>& segs,
    uint64_t* max_epoch, uint64_t* records) {
  struct Pending {
    uint64_t block, epoch;
    IndexValue value;
  };
  std::vector<Pending> batch;
  auto commit = [&]() -> absl::Status {
    if (batch.empty()) return absl::OkStatus();
    RETURN_IF_ERROR(catalog_->Update([&](Txn& txn) -> absl::Status {
      std::map<uint64_t, int64_t> delta;
      for (const Pending& p : batch) {
        // I6: never overwrite; replay runs in position order, so the record
        // at the lower position wins.
        ASSIGN_OR_RETURN(bool inserted,
                         txn.Put(Db::kIndex,
                                 IndexKey(record.id, p.block, p.epoch),
                                 EncodeIndexValue(p.value),
                                 /*no_overwrite=*/true));
        if (!inserted) continue;
        RETURN_IF_ERROR(txn.Put(Db::kChanges,
                                ChangesKey(record.id, p.epoch, p.block), "")
                            .status());
        ++delta[p.value.seq];
      }
      for (const auto& [seq, d] : delta) {
        SegRecord seg{record.id, 0};
        ASSIGN_OR_RETURN(std::optional<absl::string_view> old,
                         txn.Get(Db::kSegs, SegKey(seq)));
        if (old) {
        ASSIGN_OR_RETURN(seg, DecodeSegRecord(*old));
      }
        seg.live += static_cast<uint64_t>(d);
        RETURN_IF_ERROR(
            txn.Put(Db::kSegs, SegKey(seq), EncodeSegRecord(seg)).status());
      }
      return absl::OkStatus();
    }));
    batch.clear();
    return absl::OkStatus();
  };
  for (const DiffArea::SegmentInfo& seg : segs) {
    if (seg.volume != record.id || seg.seq < record.checkpoint.seq) continue;
    uint64_t from = seg.seq == record.checkpoint.seq ? record.checkpoint.offset : 0;
    RETURN_IF_ERROR(diff_->ScanRecords(
        seg.seq, from,
        [&](const DiffArea::ScannedRecord& r) -> absl::Status {
          ++*records;
          *max_epoch = std::max(*max_epoch, r.header.epoch);
          for (size_t i = 0; i < r.header.entries.size(); ++i) {
            const RecordEntry& e = r.header.entries[i];
            if (e.block >= record.block_count) continue;
            IndexValue v;
            v.seq = seg.seq;
            v.header_offset = static_cast<uint32_t>(r.header_offset);
            v.entry = static_cast<uint32_t>(i);
            v.data_offset = r.data_offsets[i];
            v.length = e.length;
            v.data_hash = e.data_hash;
            batch.push_back({e.block, r.header.epoch, v});
          }
          if (batch.size() >= 4096) return commit();
          return absl::OkStatus();
        }));
  }
  return commit();
}

absl::Status EngineImpl::Recover() {
  std::vector<VolumeRecord> volume_records;
  std::vector<SetRecord> set_records;
  // Set while an engine has the directory open; cleared by a clean close.
  bool unclean = false;
  // A clean close committed every durable record's index entry and moved
  // each checkpoint to its volume's synced end (the destructor: SyncRound,
  // then RunGc's FlushOverlay, then the flag, each commit durable in
  // order), so there is nothing past a checkpoint to replay. Without the
  // flag (never recorded) replay anyway.
  bool replay = true;
  {
    ASSIGN_OR_RETURN(std::unique_ptr<Txn> txn, catalog_->BeginRead());
    ASSIGN_OR_RETURN(std::unique_ptr<Cursor> c, txn->OpenCursor(Db::kVolumes));
    ASSIGN_OR_RETURN(bool c_ok, c->First());
    while (c_ok) {
      ASSIGN_OR_RETURN(VolumeRecord r, DecodeVolumeRecord(c->value()));
      volume_records.push_back(std::move(r));
      ASSIGN_OR_RETURN(c_ok, c->Next());
    }
    ASSIGN_OR_RETURN(std::unique_ptr<Cursor> s, txn->OpenCursor(Db::kSets));
    ASSIGN_OR_RETURN(bool s_ok, s->First());
    while (s_ok) {
      ASSIGN_OR_RETURN(SetRecord r, DecodeSetRecord(s->key(), s->value()));
      set_records.push_back(std::move(r));
      ASSIGN_OR_RETURN(s_ok, s->Next());
    }
    ASSIGN_OR_RETURN(std::optional<absl::string_view> open_flag,
                     txn->Get(Db::kMeta, kMetaOpen));
    if (open_flag) {
      ASSIGN_OR_RETURN(uint64_t flag, DecodeU64(*open_flag, kMetaOpen));
      unclean = flag != 0;
      replay = unclean;
    }
  }

  // A restore that did not switch its staging volumes in is abandoned:
  // their records go first, then (as orphans) their files.
  std::vector<VolumeRecord> staged;
  for (auto it = volume_records.begin(); it != volume_records.end();) {
    if (it->staging) {
      staged.push_back(*it);
      it = volume_records.erase(it);
    } else {
      ++it;
    }
  }
  if (!staged.empty()) {
    RETURN_IF_ERROR(catalog_->Update([&](Txn& txn) -> absl::Status {
      for (const VolumeRecord& r : staged) {
        RETURN_IF_ERROR(txn.Delete(Db::kVolumes, VolumeKey(r.id)).status());
      }
      return absl::OkStatus();
    }));
  }

  // Orphan volume files (a crash inside CreateVolume) are removed.
  {
    std::string vdir = JoinPath(dir_, kVolumesDir);
    ASSIGN_OR_RETURN(std::vector<std::string> names, env_->ListDir(vdir));
    bool removed = false;
    for (const std::string& name : names) {
      bool known = false;
      for (const VolumeRecord& r : volume_records) {
        if (r.device_path.empty() && JoinPath(vdir, name) == VolumePath(r.id)) {
          known = true;
        }
      }
      if (!known) {
        RETURN_IF_ERROR(env_->RemoveFile(JoinPath(vdir, name)));
        removed = true;
      }
    }
    if (removed) RETURN_IF_ERROR(env_->SyncDir(vdir));
  }

  // 1. Replay every diff-area slot past each volume's checkpoint (after an
  // unclean shutdown: a clean close left none; scanning would read every
  // prepared spare segment whole on each open).
  std::vector<DiffArea::SegmentInfo> segs = diff_->RecoveredSegments();
  const uint64_t end_seq = segs.empty() ? 1 : segs.back().seq + 1;
  uint64_t replayed = 0;
  std::map<uint32_t, uint64_t> max_replayed;
  // After a clean close a volume resumes appending at its checkpoint; after
  // a crash (or if anything had to be replayed) at a fresh segment.
  std::map<uint32_t, DiffPos> resume;
  for (const VolumeRecord& r : volume_records) {
    uint64_t max_epoch = 0, records = 0;
    if (replay) RETURN_IF_ERROR(ReplayVolume(r, segs, &max_epoch, &records));
    max_replayed[r.id] = max_epoch;
    replayed += records;
    if (!unclean && records == 0 && r.checkpoint.seq != 0) {
      resume[r.id] = r.checkpoint;
    }
  }

  // 2. Epochs: C := max(C persisted, 1 + largest epoch in the index or the
  // replayed records, 1 + newest snapshot), so an epoch is never reused.
  std::map<uint32_t, uint64_t> max_key;
  std::map<uint64_t, uint64_t> live_counts;
  uint64_t gc_rows = 0;
  {
    ASSIGN_OR_RETURN(std::unique_ptr<Txn> txn, catalog_->BeginRead());
    ASSIGN_OR_RETURN(std::unique_ptr<Cursor> c, txn->OpenCursor(Db::kChanges));
    for (const VolumeRecord& r : volume_records) {
      ASSIGN_OR_RETURN(bool found, c->Seek(ChangesKey(r.id + 1, 0, 0)));
      if (found) {
        ASSIGN_OR_RETURN(found, c->Prev());
      } else {
        ASSIGN_OR_RETURN(found, c->Last());
      }
      if (found) {
        uint32_t v;
        uint64_t epoch, block;
        DecodeChangesKey(c->key(), &v, &epoch, &block);
        if (v == r.id) max_key[r.id] = epoch;
      }
    }
    ASSIGN_OR_RETURN(std::unique_ptr<Cursor> s, txn->OpenCursor(Db::kSegs));
    ASSIGN_OR_RETURN(bool s_ok, s->First());
    while (s_ok) {
      ASSIGN_OR_RETURN(SegRecord seg, DecodeSegRecord(s->value()));
      live_counts[LoadBE64(s->key().data())] = seg.live;
      ASSIGN_OR_RETURN(s_ok, s->Next());
    }
    ASSIGN_OR_RETURN(gc_rows, txn->Count(Db::kGc));
  }
  std::map<uint32_t, uint64_t> newest_persistent;
  std::map<uint32_t, uint64_t> newest_snapshot;
  for (const SetRecord& s : set_records) {
    for (const auto& [v, epoch] : s.snapshots) {
      newest_snapshot[v] = std::max(newest_snapshot[v], epoch);
      newest_persistent[v] = std::max(newest_persistent[v], epoch);
    }
  }
  for (VolumeRecord& r : volume_records) {
    r.epoch = std::max({r.epoch, max_key[r.id] + 1, max_replayed[r.id] + 1,
                        newest_snapshot[r.id] + 1});
    // Everything scanned is in the index.
    if (!resume.contains(r.id)) r.checkpoint = DiffPos{end_seq, 0};
  }

  // 3. Persist the recovered state; after an unclean shutdown queue a sweep
  // of every record (those only auto-release sets read, and any a racing
  // writer left behind).
  RETURN_IF_ERROR(catalog_->Update([&](Txn& txn) -> absl::Status {
    for (const VolumeRecord& r : volume_records) {
      RETURN_IF_ERROR(
          txn.Put(Db::kVolumes, VolumeKey(r.id), EncodeVolumeRecord(r)).status());
      if (unclean && (max_key[r.id] > 0 || max_replayed[r.id] > 0)) {
        // Sets that ended with the crash (auto-release ones, which are never
        // recorded) may have been the only readers of any record: sweep
        // them all against the sets that remain.
        RETURN_IF_ERROR(txn.Put(Db::kGc,
                                GcKey(r.id, 0,
                                      std::numeric_limits<uint64_t>::max()),
                                "")
                            .status());
      }
    }
    if (unclean) {
      RETURN_IF_ERROR(PutEvent(
          txn, EventKind::kRecovery, SetId(), "",
          absl::StrFormat("recovered from an unclean shutdown: %u diff-area "
                          "records replayed, %u garbage-collection ranges "
                          "resumed",
                          replayed, gc_rows)));
    }
    // Cleared again by a clean close.
    return txn.Put(Db::kMeta, kMetaOpen, EncodeU64(1)).status();
  }));

  // 4. Segments: referenced ones stay, the rest return to the pool.
  {
    ASSIGN_OR_RETURN(std::unique_ptr<Txn> txn, catalog_->BeginRead());
    ASSIGN_OR_RETURN(std::unique_ptr<Cursor> s, txn->OpenCursor(Db::kSegs));
    live_counts.clear();
    ASSIGN_OR_RETURN(bool s_ok, s->First());
    while (s_ok) {
      ASSIGN_OR_RETURN(SegRecord seg, DecodeSegRecord(s->value()));
      live_counts[LoadBE64(s->key().data())] = seg.live;
      ASSIGN_OR_RETURN(s_ok, s->Next());
    }
  }
  RETURN_IF_ERROR(diff_->FinishRecovery(live_counts, resume));

  // 5. In-memory state.
  for (const VolumeRecord& r : volume_records) {
    std::string path;
    ASSIGN_OR_RETURN(std::unique_ptr<BlockDevice> device,
                     OpenDevice(r, /*create=*/false, &path));
    auto volume = std::make_unique<VolumeImpl>(
        this, r, std::move(device), path, options_.direct_io,
        std::max(max_key[r.id], max_replayed[r.id]));
    diff_->SetCheckpoint(r.id, r.checkpoint);
    absl::MutexLock l(&volumes_mu_);
    volumes_by_id_[r.id] = volume.get();
    next_volume_id_ = std::max(next_volume_id_, r.id + 1);
    volumes_[r.name] = std::move(volume);
  }
  {
    absl::MutexLock l(&flush_mu_);
    for (const VolumeRecord& r : volume_records) {
      persisted_checkpoint_[r.id] = r.checkpoint;
    }
  }
  absl::MutexLock l(&sets_mu_);
  for (SetRecord& s : set_records) {
    for (const auto& [v, epoch] : s.snapshots) {
      if (VolumeImpl* vol = VolumeById(v)) vol->AddSnapshot(epoch, true);
    }
    next_commit_seq_ = std::max(next_commit_seq_, s.commit_seq + 1);
    LiveSet live;
    live.record = std::move(s);
    live.persistent = true;
    sets_.emplace(live.record.id, std::move(live));
  }
  // AddSnapshot raised C past each snapshot; restore the recovered C.
  for (const VolumeRecord& r : volume_records) {
    if (VolumeImpl* vol = VolumeById(r.id)) vol->SetCurrentEpoch(r.epoch);
  }
  return absl::OkStatus();
}

VolumeImpl* EngineImpl::VolumeById(uint32_t id) {
  absl::MutexLock l(&volumes_mu_);
  auto it = volumes_by_id_.find(id);
  return it == volumes_by_id_.end() ? nullptr : it->second;
}

absl::StatusOr<VolumeImpl*> EngineImpl::VolumeByName(const std::string& name) {
  absl::MutexLock l(&volumes_mu_);
  auto it = volumes_.find(name);
  if (it == volumes_.end()) {
    return MakeError(absl::StatusCode::kNotFound, kVssObjectNotFound,
                     absl::StrCat("no volume named '", name, "'"));
  }
  return it->second.get();
}

std::vector<VolumeImpl*> EngineImpl::AllVolumes() {
  absl::MutexLock l(&volumes_mu_);
  std::vector<VolumeImpl*> out;
  for (const auto& [id, v] : volumes_by_id_) out.push_back(v);
  std::sort(out.begin(), out.end(),
            [](VolumeImpl* a, VolumeImpl* b) { return a->id() < b->id(); });
  return out;
}

absl::StatusOr<std::unique_ptr<VolumeImpl>> EngineImpl::MakeVolume(
    const std::string& name, uint64_t size, const std::string& device_path,
    bool staging) {
  RETURN_IF_ERROR(CheckHealthy());
  bool name_ok = !name.empty() && name.size() <= 64 && name[0] != '.' &&
                 name[0] != '-';
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' &&
        c != '_' && c != '-') {
      name_ok = false;
    }
  }
  if (!name_ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        "bad volume name '", name,
        "': use 1-64 letters, digits, '.', '_' or '-', not starting with '.' "
        "or '-'"));
  }
  if (size == 0 || size % block_size_ != 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "volume size %u is not a positive multiple of the block size %u", size,
        block_size_));
  }
  VolumeRecord record;
  {
    absl::MutexLock l(&volumes_mu_);
    if (staging ? staging_.contains(name) : volumes_.contains(name)) {
      return absl::AlreadyExistsError(absl::StrCat(
          staging ? "a restore is already staging volume '"
                  : "a volume named '",
          name, staging ? "'" : "' already exists"));
    }
    record.id = next_volume_id_++;
  }
  record.name = name;
  record.block_count = size / block_size_;
  record.epoch = 1;
  record.device_path = device_path;
  record.created_us = static_cast<uint64_t>(absl::ToUnixMicros(env_->Now()));
  record.staging = staging;
  std::string path;
  ASSIGN_OR_RETURN(std::unique_ptr<BlockDevice> device,
                   OpenDevice(record, /*create=*/true, &path));
  if (device_path.empty()) {
    RETURN_IF_ERROR(env_->SyncDir(JoinPath(dir_, kVolumesDir)));
  }
  absl::Status st = catalog_->Update([&](Txn& txn) -> absl::Status {
    if (!staging) {
      ASSIGN_OR_RETURN(bool fresh, txn.Put(Db::kNames, name,
                                           VolumeKey(record.id), true));
      if (!fresh) {
        return absl::AlreadyExistsError(
            absl::StrCat("a volume named '", name, "' already exists"));
      }
    }
    RETURN_IF_ERROR(txn.Put(Db::kVolumes, VolumeKey(record.id),
                            EncodeVolumeRecord(record))
                        .status());
    RETURN_IF_ERROR(txn.Put(Db::kMeta, kMetaNextVolumeId,
                            EncodeU64(record.id + 1))
                        .status());
    if (staging) return absl::OkStatus();
    return PutEvent(txn, EventKind::kVolumeCreated, SetId(), name,
                    absl::StrFormat("%u bytes, %u-byte blocks, at %s", size,
                                    block_size_, path));
  });
  if (!st.ok()) {
    device.reset();
    if (device_path.empty()) env_->RemoveFile(path).IgnoreError();
    if (absl::IsAlreadyExists(st)) return st;
    return Fail(st);
  }
  return std::make_unique<VolumeImpl>(this, record, std::move(device), path,
                                      options_.direct_io, 0);
}

absl::StatusOr<VolumeInfo> EngineImpl::CreateVolume(
    const std::string& name, uint64_t size, const std::string& device_path) {
  ASSIGN_OR_RETURN(std::unique_ptr<VolumeImpl> volume,
                   MakeVolume(name, size, device_path, /*staging=*/false));
  VolumeInfo info;
  info.id = volume->id();
  info.name = name;
  info.size = size;
  info.block_size = block_size_;
  info.block_count = volume->block_count();
  info.path = volume->path();
  info.created = absl::FromUnixMicros(static_cast<int64_t>(volume->created_us()));
  absl::MutexLock l(&volumes_mu_);
  volumes_by_id_[info.id] = volume.get();
  volumes_[name] = std::move(volume);
  return info;
}

absl::StatusOr<Volume*> EngineImpl::GetVolume(const std::string& name) {
  ASSIGN_OR_RETURN(VolumeImpl * v, VolumeByName(name));
  return v;
}

std::vector<VolumeInfo> EngineImpl::ListVolumes() {
  std::vector<VolumeImpl*> named;
  {
    absl::MutexLock l(&volumes_mu_);
    for (const auto& [name, v] : volumes_) named.push_back(v.get());
  }
  std::sort(named.begin(), named.end(),
            [](VolumeImpl* a, VolumeImpl* b) { return a->id() < b->id(); });
  std::vector<VolumeInfo> out;
  for (VolumeImpl* v : named) {
    VolumeInfo info;
    info.id = v->id();
    info.name = v->name();
    info.size = v->size();
    info.block_size = v->block_size();
    info.block_count = v->block_count();
    info.path = v->path();
    info.live_snapshots = static_cast<uint32_t>(v->live_snapshots());
    info.created = absl::FromUnixMicros(static_cast<int64_t>(v->created_us()));
    out.push_back(std::move(info));
  }
  return out;
}

absl::Status EngineImpl::PutEvent(Txn& txn, EventKind kind, const SetId& set,
                                  const std::string& volume,
                                  const std::string& message) {
  Event e;
  e.time = env_->Now();
  e.kind = kind;
  e.set = set;
  e.volume = volume;
  e.message = message;
  uint64_t seq = next_event_seq_.fetch_add(1);
  return txn.Put(Db::kEvents, EncodeU64(seq), EncodeEvent(e)).status();
}

std::vector<Event> EngineImpl::Events(size_t limit) {
  std::vector<Event> out;
  absl::StatusOr<std::unique_ptr<Txn>> txn = catalog_->BeginRead();
  if (!txn.ok()) return out;
  absl::StatusOr<std::unique_ptr<Cursor>> c = (*txn)->OpenCursor(Db::kEvents);
  if (!c.ok()) return out;
  for (absl::StatusOr<bool> ok = (*c)->Last(); ok.ok() && *ok;
       ok = (*c)->Prev()) {
    absl::StatusOr<Event> e = DecodeEvent((*c)->key(), (*c)->value());
    if (e.ok()) out.push_back(std::move(*e));
    if (limit != 0 && out.size() >= limit) break;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

DiffAreaUsage EngineImpl::GetDiffAreaUsage() { return diff_->Usage(); }

absl::Status EngineImpl::CheckHealthy() {
  if (!failed_.load(std::memory_order_acquire)) return absl::OkStatus();
  absl::MutexLock l(&error_mu_);
  return absl::FailedPreconditionError(absl::StrCat(
      "the engine stopped after an I/O error and needs to be reopened: ",
      fatal_.message()));
}

absl::Status EngineImpl::Fail(absl::Status status) {
  if (status.ok()) return status;
  absl::MutexLock l(&error_mu_);
  if (fatal_.ok()) fatal_ = status;
  failed_.store(true, std::memory_order_release);
  return status;
}

}  // namespace internal
}  // namespace shadowset
