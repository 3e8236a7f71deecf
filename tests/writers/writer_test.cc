// The Writer helpers: enum names, backup-type parsing, failure codes.

#include "writers/writer.h"

#include "engine/codes.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace shadowset {
namespace {

using ::shadowset::testing::HasCode;
using ::shadowset::testing::StatusIs;

TEST(WriterStateTest, PersistedValuesAndNames) {
  const std::pair<WriterState, absl::string_view> kAll[] = {
      {WriterState::kUnknown, "UNKNOWN"},
      {WriterState::kStable, "STABLE"},
      {WriterState::kWaitingForFreeze, "WAITING_FOR_FREEZE"},
      {WriterState::kWaitingForThaw, "WAITING_FOR_THAW"},
      {WriterState::kWaitingForPostSnapshot, "WAITING_FOR_POST_SNAPSHOT"},
      {WriterState::kWaitingForBackupComplete, "WAITING_FOR_BACKUP_COMPLETE"},
      {WriterState::kFailedAtIdentify, "FAILED_AT_IDENTIFY"},
      {WriterState::kFailedAtPrepareBackup, "FAILED_AT_PREPARE_BACKUP"},
      {WriterState::kFailedAtPrepareSnapshot, "FAILED_AT_PREPARE_SNAPSHOT"},
      {WriterState::kFailedAtFreeze, "FAILED_AT_FREEZE"},
      {WriterState::kFailedAtThaw, "FAILED_AT_THAW"},
      {WriterState::kFailedAtPostSnapshot, "FAILED_AT_POST_SNAPSHOT"},
      {WriterState::kFailedAtBackupComplete, "FAILED_AT_BACKUP_COMPLETE"},
      {WriterState::kFailedAtPreRestore, "FAILED_AT_PRE_RESTORE"},
      {WriterState::kFailedAtPostRestore, "FAILED_AT_POST_RESTORE"},
      {WriterState::kFailedAtBackupShutdown, "FAILED_AT_BACKUPSHUTDOWN"},
  };
  uint32_t expected_value = 0;
  for (const auto& [state, name] : kAll) {
    EXPECT_EQ(static_cast<uint32_t>(state), expected_value++);
    EXPECT_EQ(WriterStateName(state), name);
  }
  EXPECT_EQ(WriterStateName(static_cast<WriterState>(16)), "");
}

TEST(WriterFailureTest, PersistedValuesAndNames) {
  EXPECT_EQ(WriterFailureName(WriterFailure::kNone), "NONE");
  EXPECT_EQ(static_cast<uint32_t>(WriterFailure::kInconsistentSnapshot),
            0x800423F0u);
  EXPECT_EQ(WriterFailureName(WriterFailure::kInconsistentSnapshot),
            "VSS_E_WRITERERROR_INCONSISTENTSNAPSHOT");
  EXPECT_EQ(static_cast<uint32_t>(WriterFailure::kOutOfResources), 0x800423F1u);
  EXPECT_EQ(WriterFailureName(WriterFailure::kOutOfResources),
            "VSS_E_WRITERERROR_OUTOFRESOURCES");
  EXPECT_EQ(static_cast<uint32_t>(WriterFailure::kTimeout), 0x800423F2u);
  EXPECT_EQ(WriterFailureName(WriterFailure::kTimeout),
            "VSS_E_WRITERERROR_TIMEOUT");
  EXPECT_EQ(static_cast<uint32_t>(WriterFailure::kRetryable), 0x800423F3u);
  EXPECT_EQ(WriterFailureName(WriterFailure::kRetryable),
            "VSS_E_WRITERERROR_RETRYABLE");
  EXPECT_EQ(static_cast<uint32_t>(WriterFailure::kNonRetryable), 0x800423F4u);
  EXPECT_EQ(WriterFailureName(WriterFailure::kNonRetryable),
            "VSS_E_WRITERERROR_NONRETRYABLE");
  EXPECT_EQ(static_cast<uint32_t>(WriterFailure::kRecoveryFailed), 0x800423F5u);
  EXPECT_EQ(WriterFailureName(WriterFailure::kRecoveryFailed),
            "VSS_E_WRITERERROR_RECOVERY_FAILED");
  EXPECT_EQ(static_cast<uint32_t>(WriterFailure::kPartialFailure), 0x80042336u);
  EXPECT_EQ(WriterFailureName(WriterFailure::kPartialFailure),
            "VSS_E_WRITERERROR_PARTIAL_FAILURE");
  EXPECT_EQ(static_cast<uint32_t>(WriterFailure::kNotResponding), 0x80042319u);
  EXPECT_EQ(WriterFailureName(WriterFailure::kNotResponding),
            "VSS_E_WRITER_NOT_RESPONDING");
  EXPECT_EQ(WriterFailureName(static_cast<WriterFailure>(0x80042301)), "");
}

TEST(BackupTypeTest, NamesRoundTrip) {
  const std::pair<BackupType, absl::string_view> kAll[] = {
      {BackupType::kFull, "full"},
      {BackupType::kIncremental, "incremental"},
      {BackupType::kDifferential, "differential"},
      {BackupType::kLog, "log"},
      {BackupType::kCopy, "copy"},
  };
  uint32_t expected_value = 1;
  for (const auto& [type, name] : kAll) {
    EXPECT_EQ(static_cast<uint32_t>(type), expected_value++);
    EXPECT_EQ(BackupTypeName(type), name);
    EXPECT_EQ(ParseBackupType(name), type);
  }
  EXPECT_EQ(ParseBackupType("FULL"), BackupType::kFull);
  EXPECT_EQ(ParseBackupType("Incremental"), BackupType::kIncremental);
  EXPECT_EQ(ParseBackupType(""), std::nullopt);
  EXPECT_EQ(ParseBackupType("ful"), std::nullopt);
  EXPECT_EQ(ParseBackupType("full "), std::nullopt);
  EXPECT_EQ(ParseBackupType("1"), std::nullopt);
  EXPECT_EQ(BackupTypeName(static_cast<BackupType>(0)), "");
  EXPECT_EQ(BackupTypeName(static_cast<BackupType>(6)), "");
}

TEST(WriterEventTest, Names) {
  EXPECT_EQ(WriterEventName(WriterEvent::kIdentify), "Identify");
  EXPECT_EQ(WriterEventName(WriterEvent::kPrepareSnapshot), "PrepareSnapshot");
  EXPECT_EQ(WriterEventName(WriterEvent::kBackupShutdown), "BackupShutdown");
  EXPECT_EQ(WriterEventName(WriterEvent::kPostRestore), "PostRestore");
}

TEST(FailureOfTest, CodedUncodedAndForeign) {
  EXPECT_EQ(FailureOf(absl::OkStatus()), WriterFailure::kNone);
  EXPECT_EQ(FailureOf(WriterError(WriterFailure::kRetryable, "x")),
            WriterFailure::kRetryable);
  EXPECT_EQ(FailureOf(WithCode(absl::InternalError("x"),
                               static_cast<uint32_t>(WriterFailure::kTimeout))),
            WriterFailure::kTimeout);
  // No code, or a code that is not a writer failure: NONRETRYABLE.
  EXPECT_EQ(FailureOf(absl::InternalError("x")), WriterFailure::kNonRetryable);
  EXPECT_EQ(FailureOf(MakeError(absl::StatusCode::kFailedPrecondition,
                                kVssBadState, "x")),
            WriterFailure::kNonRetryable);
  EXPECT_EQ(FailureOf(WithCode(absl::InternalError("x"), 0)),
            WriterFailure::kNonRetryable);
}

TEST(WriterErrorTest, CanonicalCodeByWhatToDoNext) {
  EXPECT_THAT(WriterError(WriterFailure::kInconsistentSnapshot, "m"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(WriterError(WriterFailure::kOutOfResources, "m"),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(WriterError(WriterFailure::kTimeout, "m"),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_THAT(WriterError(WriterFailure::kNotResponding, "m"),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_THAT(WriterError(WriterFailure::kRetryable, "m"),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(WriterError(WriterFailure::kNonRetryable, "m"),
              StatusIs(absl::StatusCode::kInternal, "m"));
  EXPECT_THAT(WriterError(WriterFailure::kPartialFailure, "m"),
              HasCode(kVssWriterPartialFailure));
  // kNone is not a failure: it becomes NONRETRYABLE rather than OK.
  EXPECT_THAT(WriterError(WriterFailure::kNone, "m"),
              HasCode(static_cast<uint32_t>(WriterFailure::kNonRetryable)));
  EXPECT_EQ(CanonicalCodeOf(WriterFailure::kNone), absl::StatusCode::kOk);
}

}  // namespace
}  // namespace shadowset
