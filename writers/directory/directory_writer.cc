#include "writers/directory/directory_writer.h"

#include "absl/strings/str_cat.h"
#include "engine/codes.h"
#include "engine/internal/status_macros.h"

namespace shadowset {
namespace {

// OK stays OK.
absl::Status WithFailure(absl::Status status, WriterFailure failure) {
  return WithCode(std::move(status), static_cast<uint32_t>(failure));
}

}  // namespace

DirectoryWriter::~DirectoryWriter() {
  absl::MutexLock l(&mu_);
  ResumeLocked();
}

void DirectoryWriter::ResumeLocked() {
  if (!quiesced_) return;
  quiesced_ = false;
  service_->EndQuiesce();
}

std::optional<QuiescePoint> DirectoryWriter::frozen_at() {
  absl::MutexLock l(&mu_);
  return frozen_at_;
}

absl::StatusOr<WriterMetadata> DirectoryWriter::Identify() {
  WriterMetadata m;
  m.class_id = kDirectoryWriterClassId;
  m.instance_id = service_->instance_id().ToString();
  m.name = "NTDS";
  m.usage = UsageType::kSystemService;
  m.source = SourceType::kTransactedDb;
  m.supported_types = {BackupType::kFull, BackupType::kCopy};
  m.restore_method = RestoreMethod::kStopRestoreStart;
  Component c;
  c.type = ComponentType::kDatabase;
  c.name = kDirectoryComponent;
  c.logical_path = "directory";
  c.volumes = service_->VolumeNames();
  c.files = {"ntds.dit", "edb*.log"};
  m.components = {c};
  m.restore_lifetime = service_->TombstoneLifetime();
  return m;
}

absl::Status DirectoryWriter::PrepareBackup(const BackupContext& ctx) {
  absl::MutexLock l(&mu_);
  ResumeLocked();
  aborted_ = false;
  frozen_at_.reset();
  if (!service_->IsOnline()) {
    return WithFailure(
        absl::FailedPreconditionError(absl::StrCat(
            "the directory is offline: ", service_->OfflineReason().message())),
        WriterFailure::kRetryable);
  }
  return absl::OkStatus();
}

absl::Status DirectoryWriter::PrepareSnapshot(const BackupContext& ctx) {
  return WithFailure(service_->Flush(), WriterFailure::kRetryable);
}

absl::Status DirectoryWriter::Freeze(const BackupContext& ctx) {
  {
    absl::MutexLock l(&mu_);
    if (aborted_) {
      return WithFailure(absl::AbortedError("the backup was aborted"),
                         WriterFailure::kNonRetryable);
    }
    if (!quiesced_) {
      service_->BeginQuiesce();
      quiesced_ = true;
    }
  }
  // Outside the lock, so that Abort can end the quiesce meanwhile.
  absl::StatusOr<QuiescePoint> point = service_->AwaitQuiesced(ctx.deadline);
  absl::MutexLock l(&mu_);
  if (aborted_) {
    ResumeLocked();
    return WithFailure(absl::AbortedError("the backup was aborted during Freeze"),
                       WriterFailure::kNonRetryable);
  }
  if (!point.ok()) {
    ResumeLocked();
    return WithFailure(point.status(), absl::IsDeadlineExceeded(point.status())
                                           ? WriterFailure::kTimeout
                                           : WriterFailure::kRetryable);
  }
  frozen_at_ = *point;
  return absl::OkStatus();
}

absl::Status DirectoryWriter::Thaw(const BackupContext& ctx) {
  absl::MutexLock l(&mu_);
  ResumeLocked();
  return absl::OkStatus();
}

absl::Status DirectoryWriter::PostSnapshot(const BackupContext& ctx) {
  return absl::OkStatus();
}

absl::Status DirectoryWriter::Abort(const BackupContext& ctx) {
  absl::MutexLock l(&mu_);
  aborted_ = true;
  ResumeLocked();
  return absl::OkStatus();
}

absl::Status DirectoryWriter::BackupComplete(const BackupContext& ctx,
                                             const BackupResult& result) {
  std::optional<QuiescePoint> point;
  {
    absl::MutexLock l(&mu_);
    point = frozen_at_;
  }
  // Logs are truncated only after a successful, published FULL backup:
  // never for COPY (it must not change history), never after a failure.
  if (!result.succeeded || ctx.type != BackupType::kFull || !point) {
    return absl::OkStatus();
  }
  return WithFailure(service_->TruncateLogs(point->log_generation),
                     WriterFailure::kRetryable);
}

absl::Status DirectoryWriter::BackupShutdown(const BackupContext& ctx) {
  absl::MutexLock l(&mu_);
  ResumeLocked();
  return absl::OkStatus();
}

absl::Status DirectoryWriter::PreRestore(const RestoreContext& ctx) {
  return WithFailure(service_->TakeOffline(), WriterFailure::kRetryable);
}

absl::Status DirectoryWriter::PostRestore(const RestoreContext& ctx) {
  return WithFailure(service_->BringOnline(), WriterFailure::kRecoveryFailed);
}

}  // namespace shadowset
