// Restore support (DESIGN §2.7): staging volumes switched in with one
// catalog transaction; the backups catalog; events for the layers above.

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "engine/codes.h"
#include "engine/internal/engine_impl.h"
#include "engine/internal/status_macros.h"

namespace shadowset::internal {

absl::StatusOr<Volume*> EngineImpl::CreateStagingVolume(
    const std::string& target, uint64_t size) {
  ASSIGN_OR_RETURN(std::unique_ptr<VolumeImpl> volume,
                   MakeVolume(target, size, "", /*staging=*/true));
  absl::MutexLock l(&volumes_mu_);
  VolumeImpl* raw = volume.get();
  volumes_by_id_[raw->id()] = raw;
  staging_[target] = std::move(volume);
  return raw;
}

absl::Status EngineImpl::SwitchInStagingVolumes(
    const std::vector<std::string>& targets) {
  RETURN_IF_ERROR(CheckHealthy());
  std::vector<VolumeImpl*> staged;
  std::vector<VolumeImpl*> replaced;  // parallel to staged; may be null
  {
    absl::MutexLock l(&volumes_mu_);
    for (const std::string& t : targets) {
      auto it = staging_.find(t);
      if (it == staging_.end()) {
        return MakeError(absl::StatusCode::kNotFound, kVssObjectNotFound,
                         absl::StrCat("no staging volume for '", t, "'"));
      }
      staged.push_back(it->second.get());
      auto old = volumes_.find(t);
      replaced.push_back(old == volumes_.end() ? nullptr : old->second.get());
    }
  }
  // The staged data must be durable before the switch makes it current.
  RETURN_IF_ERROR(SyncRound(staged));

  // Snapshots of the volumes being replaced go first, each an event.
  {
    absl::MutexLock l(&sets_mu_);
    std::vector<SetId> doomed;
    for (const auto& [id, set] : sets_) {
      for (const auto& [v, epoch] : set.record.snapshots) {
        for (VolumeImpl* old : replaced) {
          if (old != nullptr && old->id() == v &&
              std::find(doomed.begin(), doomed.end(), id) == doomed.end()) {
            doomed.push_back(id);
          }
        }
      }
    }
    for (const SetId& id : doomed) {
      RETURN_IF_ERROR(DeleteSetLocked(
          id, EventKind::kSetDeleted,
          "a restore replaces a volume of this set"));
    }
  }

  absl::Status st = catalog_->Update([&](Txn& txn) -> absl::Status {
    for (size_t i = 0; i < staged.size(); ++i) {
      ASSIGN_OR_RETURN(std::optional<absl::string_view> raw,
                       txn.Get(Db::kVolumes, VolumeKey(staged[i]->id())));
      if (!raw) return absl::InternalError("staging volume record vanished");
      ASSIGN_OR_RETURN(VolumeRecord record, DecodeVolumeRecord(*raw));
      record.staging = false;
      RETURN_IF_ERROR(txn.Put(Db::kVolumes, VolumeKey(record.id),
                              EncodeVolumeRecord(record))
                          .status());
      RETURN_IF_ERROR(
          txn.Put(Db::kNames, targets[i], VolumeKey(record.id)).status());
      if (replaced[i] != nullptr) {
        RETURN_IF_ERROR(
            txn.Delete(Db::kVolumes, VolumeKey(replaced[i]->id())).status());
        // Every record of the replaced volume is dead now.
        RETURN_IF_ERROR(txn.Put(Db::kGc,
                                GcKey(replaced[i]->id(), 0,
                                      std::numeric_limits<uint64_t>::max()),
                                "")
                            .status());
      }
    }
    return PutEvent(txn, EventKind::kRestore, SetId(),
                    absl::StrJoin(targets, ","),
                    absl::StrFormat("restored %u volume(s) from staging",
                                    targets.size()));
  });
  if (!st.ok()) return Fail(st);

  std::vector<std::string> remove;
  {
    absl::MutexLock l(&volumes_mu_);
    for (size_t i = 0; i < staged.size(); ++i) {
      auto node = staging_.extract(targets[i]);
      if (replaced[i] != nullptr) {
        replaced[i]->Retire();
        volumes_by_id_.erase(replaced[i]->id());
        auto old = volumes_.extract(targets[i]);
        if (replaced[i]->path() == VolumePath(replaced[i]->id())) {
          remove.push_back(replaced[i]->path());
        }
        retired_.push_back(std::move(old.mapped()));
      }
      volumes_[targets[i]] = std::move(node.mapped());
    }
  }
  // The switch is committed: from here nothing may report failure (the
  // caller would take the volumes for unchanged). A replaced volume's file
  // that cannot be removed now is an orphan the next open removes.
  bool removed = false;
  for (const std::string& path : remove) {
    removed |= env_->RemoveFile(path).ok();
  }
  if (removed) env_->SyncDir(DirName(remove.front())).IgnoreError();
  absl::MutexLock l(&bg_mu_);
  gc_wanted_ = true;
  return absl::OkStatus();
}

absl::Status EngineImpl::DropStagingVolumes() {
  std::vector<VolumeImpl*> staged;
  {
    absl::MutexLock l(&volumes_mu_);
    for (const auto& [target, v] : staging_) staged.push_back(v.get());
  }
  if (staged.empty()) return absl::OkStatus();
  absl::Status st = catalog_->Update([&](Txn& txn) -> absl::Status {
    for (VolumeImpl* v : staged) {
      RETURN_IF_ERROR(txn.Delete(Db::kVolumes, VolumeKey(v->id())).status());
    }
    return absl::OkStatus();
  });
  if (!st.ok()) return Fail(st);
  std::vector<std::string> remove;
  {
    absl::MutexLock l(&volumes_mu_);
    for (VolumeImpl* v : staged) {
      v->Retire();
      volumes_by_id_.erase(v->id());
      remove.push_back(v->path());
    }
    for (auto& [target, v] : staging_) retired_.push_back(std::move(v));
    staging_.clear();
  }
  for (const std::string& path : remove) {
    RETURN_IF_ERROR(env_->RemoveFile(path));
  }
  return env_->SyncDir(DirName(remove.front()));
}

absl::Status EngineImpl::RecordBackup(const BackupRecord& record) {
  RETURN_IF_ERROR(CheckHealthy());
  if (record.id.empty()) return absl::InvalidArgumentError("backup id is empty");
  absl::Status st = catalog_->Update([&](Txn& txn) -> absl::Status {
    RETURN_IF_ERROR(
        txn.Put(Db::kBackups, record.id, EncodeBackupRecord(record)).status());
    return PutEvent(txn, EventKind::kBackup, record.set,
                    absl::StrJoin(record.volumes, ","),
                    absl::StrFormat("backup %s published at %s%s", record.id,
                                    record.path,
                                    record.base_id.empty()
                                        ? ""
                                        : absl::StrCat(" (base ", record.base_id,
                                                       ")")));
  });
  if (!st.ok()) return Fail(st);
  return absl::OkStatus();
}

std::vector<BackupRecord> EngineImpl::ListBackups() {
  std::vector<BackupRecord> out;
  absl::StatusOr<std::unique_ptr<Txn>> txn = catalog_->BeginRead();
  if (!txn.ok()) return out;
  absl::StatusOr<std::unique_ptr<Cursor>> c = (*txn)->OpenCursor(Db::kBackups);
  if (!c.ok()) return out;
  for (absl::StatusOr<bool> ok = (*c)->First(); ok.ok() && *ok;
       ok = (*c)->Next()) {
    absl::StatusOr<BackupRecord> r = DecodeBackupRecord((*c)->value());
    if (r.ok()) out.push_back(std::move(*r));
  }
  std::sort(out.begin(), out.end(),
            [](const BackupRecord& a, const BackupRecord& b) {
              return a.created < b.created;
            });
  return out;
}

absl::StatusOr<BackupRecord> EngineImpl::GetBackup(const std::string& id) {
  ASSIGN_OR_RETURN(std::unique_ptr<Txn> txn, catalog_->BeginRead());
  ASSIGN_OR_RETURN(std::optional<absl::string_view> raw,
                   txn->Get(Db::kBackups, id));
  if (!raw) return absl::NotFoundError(absl::StrCat("no backup ", id));
  return DecodeBackupRecord(*raw);
}

absl::Status EngineImpl::RecordEvent(EventKind kind, const SetId& set,
                                     const std::string& volume,
                                     const std::string& message) {
  absl::Status st = catalog_->Update([&](Txn& txn) {
    return PutEvent(txn, kind, set, volume, message);
  });
  if (!st.ok()) return Fail(st);
  return absl::OkStatus();
}

absl::Time EngineImpl::ClockHighWater() {
  absl::StatusOr<std::unique_ptr<Txn>> txn = catalog_->BeginRead();
  if (!txn.ok()) return absl::InfinitePast();
  absl::StatusOr<std::optional<absl::string_view>> raw =
      (*txn)->Get(Db::kMeta, kMetaClockHighWater);
  if (!raw.ok() || !raw->has_value()) return absl::InfinitePast();
  absl::StatusOr<uint64_t> us = DecodeU64(**raw, kMetaClockHighWater);
  if (!us.ok()) return absl::InfinitePast();
  return absl::FromUnixMicros(static_cast<int64_t>(*us));
}

}  // namespace shadowset::internal
