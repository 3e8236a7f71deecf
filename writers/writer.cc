#include "writers/writer.h"

#include <string>

#include "absl/strings/ascii.h"
#include "engine/codes.h"

namespace shadowset {

absl::string_view WriterStateName(WriterState state) {
  switch (state) {
    case WriterState::kUnknown:
      return "UNKNOWN";
    case WriterState::kStable:
      return "STABLE";
    case WriterState::kWaitingForFreeze:
      return "WAITING_FOR_FREEZE";
    case WriterState::kWaitingForThaw:
      return "WAITING_FOR_THAW";
    case WriterState::kWaitingForPostSnapshot:
      return "WAITING_FOR_POST_SNAPSHOT";
    case WriterState::kWaitingForBackupComplete:
      return "WAITING_FOR_BACKUP_COMPLETE";
    case WriterState::kFailedAtIdentify:
      return "FAILED_AT_IDENTIFY";
    case WriterState::kFailedAtPrepareBackup:
      return "FAILED_AT_PREPARE_BACKUP";
    case WriterState::kFailedAtPrepareSnapshot:
      return "FAILED_AT_PREPARE_SNAPSHOT";
    case WriterState::kFailedAtFreeze:
      return "FAILED_AT_FREEZE";
    case WriterState::kFailedAtThaw:
      return "FAILED_AT_THAW";
    case WriterState::kFailedAtPostSnapshot:
      return "FAILED_AT_POST_SNAPSHOT";
    case WriterState::kFailedAtBackupComplete:
      return "FAILED_AT_BACKUP_COMPLETE";
    case WriterState::kFailedAtPreRestore:
      return "FAILED_AT_PRE_RESTORE";
    case WriterState::kFailedAtPostRestore:
      return "FAILED_AT_POST_RESTORE";
    case WriterState::kFailedAtBackupShutdown:
      return "FAILED_AT_BACKUPSHUTDOWN";
  }
  return "";
}

absl::string_view WriterFailureName(WriterFailure failure) {
  switch (failure) {
    case WriterFailure::kNone:
      return "NONE";
    case WriterFailure::kInconsistentSnapshot:
      return "VSS_E_WRITERERROR_INCONSISTENTSNAPSHOT";
    case WriterFailure::kOutOfResources:
      return "VSS_E_WRITERERROR_OUTOFRESOURCES";
    case WriterFailure::kTimeout:
      return "VSS_E_WRITERERROR_TIMEOUT";
    case WriterFailure::kRetryable:
      return "VSS_E_WRITERERROR_RETRYABLE";
    case WriterFailure::kNonRetryable:
      return "VSS_E_WRITERERROR_NONRETRYABLE";
    case WriterFailure::kRecoveryFailed:
      return "VSS_E_WRITERERROR_RECOVERY_FAILED";
    case WriterFailure::kPartialFailure:
      return "VSS_E_WRITERERROR_PARTIAL_FAILURE";
    case WriterFailure::kNotResponding:
      return "VSS_E_WRITER_NOT_RESPONDING";
  }
  return "";
}

absl::string_view BackupTypeName(BackupType type) {
  switch (type) {
    case BackupType::kFull:
      return "full";
    case BackupType::kIncremental:
      return "incremental";
    case BackupType::kDifferential:
      return "differential";
    case BackupType::kLog:
      return "log";
    case BackupType::kCopy:
      return "copy";
  }
  return "";
}

std::optional<BackupType> ParseBackupType(absl::string_view name) {
  const std::string lower = absl::AsciiStrToLower(name);
  for (BackupType type :
       {BackupType::kFull, BackupType::kIncremental, BackupType::kDifferential,
        BackupType::kLog, BackupType::kCopy}) {
    if (lower == BackupTypeName(type)) return type;
  }
  return std::nullopt;
}

absl::string_view WriterEventName(WriterEvent event) {
  switch (event) {
    case WriterEvent::kIdentify:
      return "Identify";
    case WriterEvent::kPrepareBackup:
      return "PrepareBackup";
    case WriterEvent::kPrepareSnapshot:
      return "PrepareSnapshot";
    case WriterEvent::kFreeze:
      return "Freeze";
    case WriterEvent::kThaw:
      return "Thaw";
    case WriterEvent::kPostSnapshot:
      return "PostSnapshot";
    case WriterEvent::kAbort:
      return "Abort";
    case WriterEvent::kBackupComplete:
      return "BackupComplete";
    case WriterEvent::kBackupShutdown:
      return "BackupShutdown";
    case WriterEvent::kPreRestore:
      return "PreRestore";
    case WriterEvent::kPostRestore:
      return "PostRestore";
  }
  return "";
}

WriterFailure FailureOf(const absl::Status& status) {
  if (status.ok()) return WriterFailure::kNone;
  std::optional<uint32_t> code = CodeOf(status);
  if (code.has_value()) {
    const auto failure = static_cast<WriterFailure>(*code);
    if (failure != WriterFailure::kNone && !WriterFailureName(failure).empty()) {
      return failure;
    }
  }
  return WriterFailure::kNonRetryable;
}

absl::StatusCode CanonicalCodeOf(WriterFailure failure) {
  switch (failure) {
    case WriterFailure::kNone:
      return absl::StatusCode::kOk;
    case WriterFailure::kInconsistentSnapshot:
      return absl::StatusCode::kFailedPrecondition;
    case WriterFailure::kOutOfResources:
      return absl::StatusCode::kUnavailable;
    case WriterFailure::kTimeout:
    case WriterFailure::kNotResponding:
      return absl::StatusCode::kDeadlineExceeded;
    case WriterFailure::kRetryable:
      return absl::StatusCode::kAborted;
    case WriterFailure::kNonRetryable:
    case WriterFailure::kRecoveryFailed:
    case WriterFailure::kPartialFailure:
      return absl::StatusCode::kInternal;
  }
  return absl::StatusCode::kInternal;
}

absl::Status WriterError(WriterFailure failure, absl::string_view message) {
  if (failure == WriterFailure::kNone) failure = WriterFailure::kNonRetryable;
  return MakeError(CanonicalCodeOf(failure), static_cast<uint32_t>(failure),
                   message);
}

}  // namespace shadowset
