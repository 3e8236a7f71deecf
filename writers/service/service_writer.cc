#include "writers/service/service_writer.h"

#include <utility>

#include "engine/codes.h"

namespace shadowset::service {

ServiceWriter::ServiceWriter(QuiescableService* service, ServiceWriterInfo info)
    : service_(service), info_(std::move(info)) {}

ServiceWriter::~ServiceWriter() {
  // Never leave the service blocked behind a writer that is gone.
  service_->Resume();
}

absl::StatusOr<WriterMetadata> ServiceWriter::Identify() {
  WriterMetadata m;
  m.class_id = info_.class_id;
  m.instance_id = info_.instance_id;
  m.name = info_.name;
  m.usage = info_.usage;
  m.source = info_.source;
  m.supported_types = {BackupType::kFull, BackupType::kCopy};
  m.restore_method = info_.restore_method;
  m.restore_lifetime = absl::InfiniteDuration();
  Component c;
  c.type = ComponentType::kDatabase;
  c.name = info_.component;
  c.logical_path = info_.logical_path;
  c.volumes = service_->volumes();
  m.components.push_back(std::move(c));
  return m;
}

absl::Status ServiceWriter::PrepareBackup(const BackupContext& ctx) {
  return absl::OkStatus();
}

absl::Status ServiceWriter::PrepareSnapshot(const BackupContext& ctx) {
  absl::Status s = service_->Flush();
  if (!s.ok()) {
    return WithCode(s, static_cast<uint32_t>(WriterFailure::kRetryable));
  }
  return s;
}

absl::Status ServiceWriter::Freeze(const BackupContext& ctx) {
  uint64_t aborts_at_start;
  {
    absl::MutexLock l(&mu_);
    aborts_at_start = aborts_;
  }
  absl::StatusOr<uint64_t> seq = service_->Quiesce();
  if (!seq.ok()) {
    return WithCode(seq.status(),
                    static_cast<uint32_t>(WriterFailure::kRetryable));
  }
  bool aborted;
  {
    absl::MutexLock l(&mu_);
    aborted = aborts_ != aborts_at_start;
    if (!aborted) {
      frozen_ = true;
      seq_at_freeze_ = *seq;
    }
  }
  if (aborted) {
    service_->Resume();
    return MakeError(absl::StatusCode::kAborted,
                     static_cast<uint32_t>(WriterFailure::kRetryable),
                     "aborted while freezing");
  }
  return absl::OkStatus();
}

absl::Status ServiceWriter::Thaw(const BackupContext& ctx) {
  {
    absl::MutexLock l(&mu_);
    frozen_ = false;
  }
  service_->Resume();
  return absl::OkStatus();
}

absl::Status ServiceWriter::PostSnapshot(const BackupContext& ctx) {
  return absl::OkStatus();
}

absl::Status ServiceWriter::Abort(const BackupContext& ctx) {
  {
    absl::MutexLock l(&mu_);
    ++aborts_;
    frozen_ = false;
  }
  service_->Resume();
  return absl::OkStatus();
}

absl::Status ServiceWriter::BackupComplete(const BackupContext& ctx,
                                           const BackupResult& result) {
  return absl::OkStatus();
}

absl::Status ServiceWriter::BackupShutdown(const BackupContext& ctx) {
  {
    absl::MutexLock l(&mu_);
    frozen_ = false;
  }
  service_->Resume();
  return absl::OkStatus();
}

absl::Status ServiceWriter::PreRestore(const RestoreContext& ctx) {
  absl::StatusOr<uint64_t> seq = service_->Quiesce();
  if (!seq.ok()) {
    return WithCode(seq.status(),
                    static_cast<uint32_t>(WriterFailure::kRetryable));
  }
  return absl::OkStatus();
}

absl::Status ServiceWriter::PostRestore(const RestoreContext& ctx) {
  absl::Status s = service_->Reload();
  service_->Resume();
  if (!s.ok()) {
    return WithCode(s, static_cast<uint32_t>(WriterFailure::kRecoveryFailed));
  }
  return s;
}

std::optional<uint64_t> ServiceWriter::sequence_at_freeze() const {
  absl::MutexLock l(&mu_);
  return seq_at_freeze_;
}

bool ServiceWriter::frozen() const {
  absl::MutexLock l(&mu_);
  return frozen_;
}

}  // namespace shadowset::service
