#include "writers/registry.h"

#include <utility>

#include "engine/codes.h"
#include "writers/internal/writer_lane.h"

namespace shadowset {

WriterRegistry::BackupLease::BackupLease(BackupLease&& other) noexcept
    : registry_(std::exchange(other.registry_, nullptr)) {}

WriterRegistry::BackupLease& WriterRegistry::BackupLease::operator=(
    BackupLease&& other) noexcept {
  if (this != &other) {
    if (registry_ != nullptr) registry_->EndBackup();
    registry_ = std::exchange(other.registry_, nullptr);
  }
  return *this;
}

WriterRegistry::BackupLease::~BackupLease() {
  if (registry_ != nullptr) registry_->EndBackup();
}

WriterRegistry::WriterRegistry(Env* env)
    : env_(env != nullptr ? env : Env::Default()) {}

WriterRegistry::~WriterRegistry() {
  std::vector<Entry> entries;
  {
    absl::MutexLock l(&mu_);
    entries.swap(entries_);
  }
  for (Entry& entry : entries) entry.lane->Close();
}

absl::Status WriterRegistry::Register(Writer* writer) {
  if (writer == nullptr) {
    return absl::InvalidArgumentError("cannot register a null writer");
  }
  absl::MutexLock l(&mu_);
  for (const Entry& entry : entries_) {
    if (entry.writer == writer) {
      return absl::AlreadyExistsError("the writer is already registered");
    }
  }
  entries_.push_back({writer, std::make_shared<internal::WriterLane>(env_)});
  return absl::OkStatus();
}

absl::Status WriterRegistry::Unregister(Writer* writer) {
  std::shared_ptr<internal::WriterLane> lane;
  {
    absl::MutexLock l(&mu_);
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->writer == writer) {
        lane = std::move(it->lane);
        entries_.erase(it);
        break;
      }
    }
  }
  if (lane == nullptr) {
    return absl::NotFoundError("the writer is not registered");
  }
  lane->Close();  // outside mu_: may wait for a running call
  return absl::OkStatus();
}

std::vector<WriterRegistry::Entry> WriterRegistry::Entries() const {
  absl::MutexLock l(&mu_);
  return entries_;
}

size_t WriterRegistry::size() const {
  absl::MutexLock l(&mu_);
  return entries_.size();
}

absl::StatusOr<WriterRegistry::BackupLease> WriterRegistry::BeginBackup() {
  absl::MutexLock l(&mu_);
  if (backup_in_progress_) {
    return MakeError(absl::StatusCode::kUnavailable, kVssSnapshotSetInProgress,
                     "another backup is using these writers");
  }
  backup_in_progress_ = true;
  return BackupLease(this);
}

void WriterRegistry::EndBackup() {
  absl::MutexLock l(&mu_);
  backup_in_progress_ = false;
}

}  // namespace shadowset
