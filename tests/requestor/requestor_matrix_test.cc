// The failure matrix: one writer ("faulty", on volume a) misbehaves at one
// event in one way while another ("healthy", on volume b) behaves; both
// mutate their volumes throughout. For every (event, kind) the test checks
// both writers' final states and failure codes, the exact events each got,
// the outcome and code of the phase that failed, that every frozen writer
// got exactly one of Thaw or Abort (and never an Abort after
// PostSnapshot), that no snapshot set outlives a failed backup, that a
// kept set holds each writer's Freeze instant, and that the engine scrubs
// clean.

#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/codes.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/timing.h"
#include "requestor/requestor.h"
#include "tests/requestor/harness.h"
#include "tests/testing/status_matchers.h"

namespace shadowset::testing {
namespace {

using ::testing::IsEmpty;
using E = WriterEvent;
using F = WriterFailure;

// How the faulty writer misbehaves.
struct Kind {
  std::string name;
  Reaction reaction;
  F failure;  // for kFail; kNone = a status with no code
};

const Kind kKinds[] = {
    {"InconsistentSnapshot", Reaction::kFail, F::kInconsistentSnapshot},
    {"OutOfResources", Reaction::kFail, F::kOutOfResources},
    {"Timeout", Reaction::kFail, F::kTimeout},
    {"Retryable", Reaction::kFail, F::kRetryable},
    {"NonRetryable", Reaction::kFail, F::kNonRetryable},
    {"RecoveryFailed", Reaction::kFail, F::kRecoveryFailed},
    {"PartialFailure", Reaction::kFail, F::kPartialFailure},
    {"NoCode", Reaction::kFail, F::kNone},
    {"Throw", Reaction::kThrow, F::kNone},
    {"Hang", Reaction::kHang, F::kNone},
};

const E kEvents[] = {E::kIdentify,   E::kPrepareBackup, E::kPrepareSnapshot,
                     E::kFreeze,     E::kThaw,          E::kPostSnapshot,
                     E::kBackupComplete, E::kBackupShutdown};

// The failure the framework must report for `kind` at `event`.
F Expected(const Kind& kind, E event) {
  switch (kind.reaction) {
    case Reaction::kFail:
      return kind.failure == F::kNone ? F::kNonRetryable : kind.failure;
    case Reaction::kThrow:
      return F::kNonRetryable;
    case Reaction::kHang:
      return event == E::kFreeze ? F::kTimeout : F::kNotResponding;
    case Reaction::kSucceed:
      break;
  }
  return F::kNone;
}

WriterState FailedAt(E event) {
  switch (event) {
    case E::kIdentify: return WriterState::kFailedAtIdentify;
    case E::kPrepareBackup: return WriterState::kFailedAtPrepareBackup;
    case E::kPrepareSnapshot: return WriterState::kFailedAtPrepareSnapshot;
    case E::kFreeze: return WriterState::kFailedAtFreeze;
    case E::kThaw: return WriterState::kFailedAtThaw;
    case E::kPostSnapshot: return WriterState::kFailedAtPostSnapshot;
    case E::kBackupComplete: return WriterState::kFailedAtBackupComplete;
    case E::kBackupShutdown: return WriterState::kFailedAtBackupShutdown;
    default: return WriterState::kUnknown;
  }
}

// The events a writer receives in a backup whose failure is at `event`
// (the faulty one's and the healthy one's are the same).
std::vector<E> ExpectedEvents(E event) {
  switch (event) {
    case E::kIdentify:
      return {E::kIdentify, E::kBackupShutdown};
    case E::kPrepareBackup:
      return {E::kIdentify, E::kPrepareBackup, E::kAbort, E::kBackupShutdown};
    case E::kPrepareSnapshot:
      return {E::kIdentify, E::kPrepareBackup, E::kPrepareSnapshot, E::kAbort,
              E::kBackupShutdown};
    case E::kFreeze:
      return {E::kIdentify, E::kPrepareBackup, E::kPrepareSnapshot, E::kFreeze,
              E::kAbort, E::kBackupShutdown};
    case E::kThaw:
      return {E::kIdentify, E::kPrepareBackup, E::kPrepareSnapshot, E::kFreeze,
              E::kThaw, E::kBackupShutdown};
    case E::kPostSnapshot:
      return {E::kIdentify,  E::kPrepareBackup, E::kPrepareSnapshot,
              E::kFreeze,    E::kThaw,          E::kPostSnapshot,
              E::kBackupShutdown};
    default:
      return {E::kIdentify,       E::kPrepareBackup, E::kPrepareSnapshot,
              E::kFreeze,         E::kThaw,          E::kPostSnapshot,
              E::kBackupComplete, E::kBackupShutdown};
  }
}

// Long enough that a loaded machine still starts every call before it; a
// call not started by its deadline is withdrawn, which would change the
// events this test expects.
const absl::Duration kShort = ::shadowset::testing::Scaled(absl::Seconds(1));

class RequestorMatrixTest
    : public ::testing::TestWithParam<std::tuple<E, int>> {
 protected:
  void SetUp() override { h_.SetUp({"a", "b"}); }
  Harness h_;
};

TEST_P(RequestorMatrixTest, OneWriterMisbehaves) {
  const E event = std::get<0>(GetParam());
  const Kind& kind = kKinds[std::get<1>(GetParam())];
  const bool hang = kind.reaction == Reaction::kHang;
  const F expected = Expected(kind, event);
  // Hangs are cut short; everything else has time to spare.
  const absl::Duration timeout = hang ? kShort : absl::Seconds(30);

  TestWriter* faulty = h_.AddWriter(
      {.name = "faulty", .volumes = {"a"}, .freeze_timeout = timeout});
  TestWriter* healthy = h_.AddWriter({.name = "healthy", .volumes = {"b"}});
  faulty->Script(event, {.reaction = kind.reaction, .failure = kind.failure});

  absl::Status failed;  // the status of the phase that failed
  std::optional<SnapshotSetInfo> set;
  std::vector<WriterStatus> st;
  {
    Requestor r(h_.engine(), h_.registry(), Harness::Options(timeout));
    auto run = [&]() -> absl::Status {
      absl::Status s = r.GatherWriterMetadata().status();
      if (!s.ok()) return s;
      EXPECT_OK(r.StartSnapshotSet());
      EXPECT_OK(r.AddToSnapshotSet("a"));
      EXPECT_OK(r.AddToSnapshotSet("b"));
      s = r.PrepareForBackup(BackupType::kFull);
      if (!s.ok()) return s;
      absl::StatusOr<SnapshotSetInfo> made = r.DoSnapshotSet();
      if (!made.ok()) return made.status();
      set = *made;
      // The kept set holds each writer's Freeze instant.
      EXPECT_OK(faulty->VerifySnapshot(set->id, *faulty->seq_at_freeze()));
      EXPECT_OK(healthy->VerifySnapshot(set->id, *healthy->seq_at_freeze()));
      s = r.BackupComplete({.succeeded = true});
      if (!s.ok()) return s;
      return r.BackupShutdown();
    };
    failed = run();
    // A hung writer is released only after its phase failed, before the
    // Requestor ends.
    faulty->Release();
    // Let a released Freeze return before its state is read.
    ASSERT_TRUE(r.WaitForWriters(absl::Now() + absl::Seconds(30)));
    ASSERT_OK_AND_ASSIGN(st, r.GatherWriterStatus());
  }
  // Events queued behind a hang reach the writer once it returns.
  const absl::Time later = absl::Now() + absl::Seconds(30);
  ASSERT_TRUE(faulty->WaitForEvents(ExpectedEvents(event).size(), later));
  ASSERT_TRUE(healthy->WaitForEvents(ExpectedEvents(event).size(), later));

  // The phase failed with the faulty writer's code.
  EXPECT_THAT(failed, StatusIs(CanonicalCodeOf(expected)));
  EXPECT_THAT(failed, HasCode(static_cast<uint32_t>(expected)));
  // Until Identify succeeds a writer is known by its registration number.
  const char* who = event == E::kIdentify ? "writer #1" : "faulty";
  EXPECT_THAT(std::string(failed.message()),
              ::testing::HasSubstr(absl::StrCat("writer '", who,
                                                "' failed at ",
                                                WriterEventName(event))));
  // States and failure codes.
  ASSERT_EQ(st.size(), 2u);
  EXPECT_EQ(st[0].state, FailedAt(event)) << WriterStateName(st[0].state);
  EXPECT_EQ(st[0].failure, expected) << WriterFailureName(st[0].failure);
  EXPECT_EQ(st[1].state, WriterState::kStable) << WriterStateName(st[1].state);
  EXPECT_EQ(st[1].failure, F::kNone);
  EXPECT_FALSE(st[0].freeze_running);
  // Exact events; exactly one of Thaw or Abort after Freeze.
  EXPECT_EQ(faulty->events(), ExpectedEvents(event));
  EXPECT_EQ(healthy->events(), ExpectedEvents(event));
  EXPECT_TRUE(ExactlyOneThawOrAbortAfterFreeze(faulty->events()));
  EXPECT_TRUE(ExactlyOneThawOrAbortAfterFreeze(healthy->events()));
  EXPECT_THAT(faulty->violations(), IsEmpty());
  EXPECT_THAT(healthy->violations(), IsEmpty());
  // Every Abort carries the failure that caused it.
  for (uint32_t code : healthy->abort_codes()) {
    EXPECT_EQ(code, static_cast<uint32_t>(expected));
  }
  // Nobody is left frozen: both keep mutating.
  const absl::Time soon = absl::Now() + absl::Seconds(30);
  EXPECT_TRUE(faulty->WaitForSeqAbove(faulty->seq(), soon));
  EXPECT_TRUE(healthy->WaitForSeqAbove(healthy->seq(), soon));
  // A failed backup leaves no set; one that completed keeps its base.
  if (event == E::kBackupComplete || event == E::kBackupShutdown) {
    ASSERT_TRUE(set.has_value());
    ASSERT_EQ(h_.engine()->ListSnapshotSets().size(), 1u);
    EXPECT_OK(faulty->VerifySnapshot(set->id, *faulty->seq_at_freeze()));
    ASSERT_OK(h_.engine()->DeleteSnapshotSet(set->id));
  }
  h_.ExpectNoSets();
  h_.ExpectClean();
}

std::string CaseName(
    const ::testing::TestParamInfo<RequestorMatrixTest::ParamType>& info) {
  return absl::StrCat(WriterEventName(std::get<0>(info.param)), "_",
                      kKinds[std::get<1>(info.param)].name);
}

INSTANTIATE_TEST_SUITE_P(
    Matrix, RequestorMatrixTest,
    ::testing::Combine(::testing::ValuesIn(kEvents),
                       ::testing::Range(0, static_cast<int>(std::size(kKinds)))),
    CaseName);

}  // namespace
}  // namespace shadowset::testing
