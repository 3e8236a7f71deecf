#include "requestor/requestor.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/codes.h"
#include "engine/internal/status_macros.h"

namespace shadowset {
namespace {

absl::string_view PhaseName(int phase) {
  static constexpr absl::string_view kNames[] = {
      "created",  "gathered", "set started", "prepared",
      "snapshotted", "completed", "aborted",  "shut down"};
  return kNames[phase];
}

bool PersistentFor(SetPersistence persistence, BackupType type) {
  switch (persistence) {
    case SetPersistence::kPersistent:
      return true;
    case SetPersistence::kAutoRelease:
      return false;
    case SetPersistence::kByType:
      break;
  }
  return type == BackupType::kFull || type == BackupType::kIncremental ||
         type == BackupType::kDifferential;
}

}  // namespace

Requestor::Requestor(Engine* engine, WriterRegistry* writers,
                     RequestorOptions options)
    : engine_(engine),
      registry_(writers),
      options_(std::move(options)),
      env_(options_.env != nullptr ? options_.env : Env::Default()),
      backup_id_(options_.backup_id.empty() ? SetId::Random().ToString()
                                            : options_.backup_id),
      deadline_(env_->Now() + options_.timeout),
      session_(writers, options_.framework, env_) {}

Requestor::~Requestor() {
  absl::MutexLock l(&mu_);
  if (phase_ != Phase::kShutdown) ShutdownLocked().IgnoreError();
}

absl::Status Requestor::BadState(absl::string_view call) const {
  return MakeError(absl::StatusCode::kFailedPrecondition, kVssBadState,
                   absl::StrCat(call, " is out of sequence: the backup is ",
                                PhaseName(static_cast<int>(phase_))));
}

BackupContext Requestor::Context() const {
  BackupContext ctx;
  ctx.backup_id = backup_id_;
  ctx.type = type_;
  if (set_.has_value()) ctx.set_id = set_->id;
  ctx.volumes = volumes_;
  ctx.deadline = deadline_;
  return ctx;
}

// --- 1. metadata ---

absl::StatusOr<std::vector<WriterMetadata>>
Requestor::GatherWriterMetadata() {
  absl::MutexLock l(&mu_);
  if (phase_ != Phase::kCreated && phase_ != Phase::kGathered) {
    return BadState("GatherWriterMetadata");
  }
  identify_attempted_ = true;
  absl::Status s = session_.Identify(deadline_);
  if (!s.ok()) {
    phase_ = Phase::kCreated;
    return s;
  }
  phase_ = Phase::kGathered;
  return session_.Metadata();
}

// --- 2. the set ---

absl::Status Requestor::StartSnapshotSet() {
  absl::MutexLock l(&mu_);
  if (phase_ != Phase::kGathered) return BadState("StartSnapshotSet");
  if (registry_ != nullptr) {
    ASSIGN_OR_RETURN(WriterRegistry::BackupLease lease,
                     registry_->BeginBackup());
    lease_.emplace(std::move(lease));
  }
  phase_ = Phase::kSetStarted;
  return absl::OkStatus();
}

absl::Status Requestor::AddToSnapshotSet(const std::string& volume) {
  absl::MutexLock l(&mu_);
  if (phase_ != Phase::kSetStarted) return BadState("AddToSnapshotSet");
  if (std::find(volumes_.begin(), volumes_.end(), volume) != volumes_.end()) {
    return MakeError(absl::StatusCode::kAlreadyExists, kVssObjectAlreadyExists,
                     absl::StrCat("volume '", volume,
                                  "' is already in the snapshot set"));
  }
  if (volumes_.size() >= kMaxVolumesPerSet) {
    return MakeError(
        absl::StatusCode::kResourceExhausted,
        kVssMaximumNumberOfVolumesReached,
        absl::StrCat("a snapshot set holds at most ", kMaxVolumesPerSet,
                     " volumes"));
  }
  RETURN_IF_ERROR(engine_->GetVolume(volume).status());
  volumes_.push_back(volume);
  return absl::OkStatus();
}

// --- 3. prepare ---

absl::Status Requestor::PrepareForBackup(BackupType type) {
  absl::MutexLock l(&mu_);
  if (phase_ != Phase::kSetStarted) return BadState("PrepareForBackup");
  if (BackupTypeName(type).empty()) {
    return MakeError(absl::StatusCode::kInvalidArgument,
                     kErrorInvalidParameter,
                     absl::StrCat("backup type ", static_cast<uint32_t>(type),
                                  " does not exist"));
  }
  if (volumes_.empty()) {
    return MakeError(absl::StatusCode::kFailedPrecondition, kVssBadState,
                     "the snapshot set has no volumes");
  }
  if (env_->Now() >= deadline_) {
    return absl::DeadlineExceededError("the backup's deadline has passed");
  }
  type_ = type;
  persistent_ = PersistentFor(options_.persistence, type);
  session_.Involve(volumes_);
  phase_ = Phase::kPrepared;
  absl::Status s = session_.PrepareBackup(Context());
  if (!s.ok()) AbortLocked(s).IgnoreError();
  return s;
}

// --- 4. the snapshot set ---

absl::StatusOr<SnapshotSetInfo> Requestor::DoSnapshotSet() {
  absl::MutexLock l(&mu_);
  if (phase_ != Phase::kPrepared) return BadState("DoSnapshotSet");
  absl::StatusOr<SnapshotSetInfo> set = SnapshotLocked();
  if (!set.ok()) {
    AbortLocked(set.status()).IgnoreError();
    return set.status();
  }
  phase_ = Phase::kSnapshotted;
  return set;
}

absl::StatusOr<SnapshotSetInfo> Requestor::SnapshotLocked() {
  BackupContext ctx = Context();
  if (env_->Now() >= deadline_) {
    return absl::DeadlineExceededError(
        "the backup's deadline passed before DoSnapshotSet");
  }
  RETURN_IF_ERROR(session_.PrepareSnapshot(ctx));
  // The commit flushes the volumes inside every writer's freeze window:
  // flush them now, while the writers still run, so that flush is short.
  for (const std::string& v : volumes_) {
    ASSIGN_OR_RETURN(Volume * volume, engine_->GetVolume(v));
    RETURN_IF_ERROR(volume->Flush());
  }
  RETURN_IF_ERROR(session_.Freeze(ctx));
  RETURN_IF_ERROR(session_.EnforceFreezeWindows(ctx));
  ASSIGN_OR_RETURN(SnapshotSetInfo set, CommitLocked(ctx));
  set_ = set;
  ctx.set_id = set.id;
  RETURN_IF_ERROR(session_.Thaw(ctx));
  RETURN_IF_ERROR(session_.PostSnapshot(ctx));
  return set;
}

absl::StatusOr<SnapshotSetInfo> Requestor::CommitLocked(
    const BackupContext& ctx) {
  const absl::Time now = env_->Now();
  const absl::Time end = std::min(session_.FreezeWindowEnd(), deadline_);
  SnapshotSetOptions options;
  options.persistent = persistent_;
  options.hold_timeout = std::min(options_.hold_timeout, end - now);
  absl::StatusOr<SnapshotSetInfo> set =
      engine_->CreateSnapshotSet(volumes_, options);
  commit_time_ = env_->Now() - now;
  if (set.ok()) return set;
  // A commit cut short by a freeze window is the writer's timeout.
  RETURN_IF_ERROR(session_.EnforceFreezeWindows(ctx));
  return set.status();
}

// --- 5. status ---

absl::StatusOr<std::vector<WriterStatus>> Requestor::GatherWriterStatus()
    const {
  absl::MutexLock l(&mu_);
  if (!identify_attempted_) return BadState("GatherWriterStatus");
  return session_.Status();
}

// --- 6. completion ---

absl::Status Requestor::BackupComplete(const BackupResult& result) {
  absl::MutexLock l(&mu_);
  if (phase_ != Phase::kSnapshotted) return BadState("BackupComplete");
  absl::Status s = session_.BackupComplete(Context(), result);
  phase_ = Phase::kCompleted;
  absl::Status deleted;
  if (!persistent_ || !result.succeeded) deleted = DeleteSetLocked();
  return s.ok() ? deleted : s;
}

// --- abort and shutdown ---

absl::Status Requestor::AbortBackup() {
  absl::MutexLock l(&mu_);
  if (phase_ == Phase::kAborted) return absl::OkStatus();
  if (phase_ != Phase::kPrepared && phase_ != Phase::kSnapshotted) {
    return BadState("AbortBackup");
  }
  return AbortLocked(absl::CancelledError("the requestor aborted"));
}

absl::Status Requestor::AbortLocked(const absl::Status& cause) {
  BackupContext ctx = Context();
  ctx.abort_code = CodeOf(cause).value_or(0);
  absl::Status aborted = session_.Abort(ctx);
  absl::Status deleted = DeleteSetLocked();
  phase_ = Phase::kAborted;
  return aborted.ok() ? deleted : aborted;
}

absl::Status Requestor::DeleteSetLocked() {
  if (!set_.has_value() || set_deleted_) return absl::OkStatus();
  absl::Status s = engine_->DeleteSnapshotSet(set_->id);
  if (absl::IsNotFound(s)) s = absl::OkStatus();  // e.g. deleted for space
  set_deleted_ = s.ok();
  return s;
}

absl::Status Requestor::BackupShutdown() {
  absl::MutexLock l(&mu_);
  if (phase_ == Phase::kShutdown) return BadState("BackupShutdown");
  return ShutdownLocked();
}

absl::Status Requestor::ShutdownLocked() {
  absl::Status first;
  if (phase_ == Phase::kPrepared || phase_ == Phase::kSnapshotted) {
    first = AbortLocked(
        absl::CancelledError("the backup ended before BackupComplete"));
  }
  absl::Status s = session_.BackupShutdown(Context());
  lease_.reset();
  phase_ = Phase::kShutdown;
  return first.ok() ? s : first;
}

bool Requestor::WaitForWriters(absl::Time deadline) const {
  absl::MutexLock l(&mu_);
  return session_.WaitForCalls(deadline);
}

std::optional<SnapshotSetInfo> Requestor::snapshot_set() const {
  absl::MutexLock l(&mu_);
  return set_;
}

bool Requestor::persistent() const {
  absl::MutexLock l(&mu_);
  return persistent_;
}

absl::Duration Requestor::commit_time() const {
  absl::MutexLock l(&mu_);
  return commit_time_;
}

}  // namespace shadowset
