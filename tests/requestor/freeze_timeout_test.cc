// Freeze windows: a writer hanging in Freeze is aborted at its own
// deadline with TIMEOUT, the others are aborted with it, the set fails and
// nothing is left behind, and a Freeze that returns late does not leave
// its writer frozen. An engine commit that outlasts a writer's window is
// that writer's TIMEOUT too.

#include <memory>

#include "engine/codes.h"
#include "engine/fault_env.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/timing.h"
#include "requestor/requestor.h"
#include "tests/requestor/harness.h"
#include "tests/testing/status_matchers.h"

namespace shadowset::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using E = WriterEvent;

constexpr auto kTimeoutCode = static_cast<uint32_t>(WriterFailure::kTimeout);
const absl::Duration kWindow = ::shadowset::testing::Scaled(absl::Milliseconds(200));

absl::Time Eventually() { return absl::Now() + absl::Seconds(30); }

std::vector<E> AbortedAtFreeze() {
  return {E::kIdentify, E::kPrepareBackup, E::kPrepareSnapshot,
          E::kFreeze,   E::kAbort,         E::kBackupShutdown};
}

class FreezeTimeoutTest : public ::testing::Test {
 protected:
  void SetUp() override { h_.SetUp({"a", "b", "c"}); }

  void Prepare(Requestor& r) {
    ASSERT_OK(r.GatherWriterMetadata().status());
    ASSERT_OK(r.StartSnapshotSet());
    for (const char* v : {"a", "b", "c"}) ASSERT_OK(r.AddToSnapshotSet(v));
    ASSERT_OK(r.PrepareForBackup(BackupType::kFull));
  }

  Harness h_;
};

TEST_F(FreezeTimeoutTest, AHangingFreezeIsAbortedAtItsDeadline) {
  TestWriter* slow = h_.AddWriter(
      {.name = "slow", .volumes = {"a"}, .freeze_timeout = kWindow});
  TestWriter* b = h_.AddWriter({.name = "b", .volumes = {"b"}});
  TestWriter* c = h_.AddWriter({.name = "c", .volumes = {"c"}});
  slow->HangAt(E::kFreeze);  // until released or aborted
  Requestor r(h_.engine(), h_.registry(), Harness::Options());
  Prepare(r);
  const absl::Time start = absl::Now();
  absl::StatusOr<SnapshotSetInfo> set = r.DoSnapshotSet();
  const absl::Duration took = absl::Now() - start;
  EXPECT_GE(took, kWindow);
  EXPECT_LT(took, absl::Seconds(10));  // not the others' 60 s windows
  EXPECT_THAT(set, StatusIs(absl::StatusCode::kDeadlineExceeded,
                            HasSubstr("writer 'slow' failed at Freeze")));
  EXPECT_THAT(set, HasCode(kTimeoutCode));
  h_.ExpectNoSets();

  // The Abort released the hang: Freeze returned after it, and got no Thaw.
  ASSERT_TRUE(r.WaitForWriters(Eventually()));
  ASSERT_OK(r.BackupShutdown());
  for (TestWriter* w : {slow, b, c}) {
    ASSERT_TRUE(w->WaitForEvents(AbortedAtFreeze().size(), Eventually()));
    EXPECT_EQ(w->events(), AbortedAtFreeze()) << w->options().name;
    EXPECT_THAT(w->abort_codes(), ElementsAre(kTimeoutCode));
    EXPECT_THAT(w->violations(), IsEmpty());
    EXPECT_FALSE(w->frozen());
    EXPECT_TRUE(w->WaitForSeqAbove(*w->seq_at_freeze(), Eventually()));
  }
  ASSERT_OK_AND_ASSIGN(std::vector<WriterStatus> st, r.GatherWriterStatus());
  EXPECT_EQ(st[0].state, WriterState::kFailedAtFreeze);
  EXPECT_EQ(st[0].failure, WriterFailure::kTimeout);
  EXPECT_THAT(st[0].error.message(), HasSubstr("ended before Freeze returned"));
  EXPECT_TRUE(st[0].aborted && st[0].late_freeze && !st[0].freeze_running);
  EXPECT_FALSE(st[0].thawed);
  for (int i : {1, 2}) {
    EXPECT_EQ(st[i].state, WriterState::kStable);
    EXPECT_EQ(st[i].failure, WriterFailure::kNone);
    EXPECT_TRUE(st[i].aborted && !st[i].thawed && !st[i].late_freeze);
    EXPECT_OK(st[i].abort_status);
  }
  h_.ExpectClean();
}

TEST_F(FreezeTimeoutTest, AFreezeThatIgnoresItsAbortIsNotLeftFrozen) {
  TestWriter* stubborn = h_.AddWriter(
      {.name = "stubborn", .volumes = {"a"}, .freeze_timeout = kWindow});
  TestWriter* b = h_.AddWriter({.name = "b", .volumes = {"b", "c"}});
  stubborn->HangAt(E::kFreeze, /*abort_releases=*/false);
  Requestor r(h_.engine(), h_.registry(), Harness::Options());
  Prepare(r);
  EXPECT_THAT(r.DoSnapshotSet(), HasCode(kTimeoutCode));
  h_.ExpectNoSets();
  // Freeze is still inside the writer, yet its Abort already resumed it.
  ASSERT_OK_AND_ASSIGN(std::vector<WriterStatus> st, r.GatherWriterStatus());
  EXPECT_TRUE(st[0].freeze_running);
  EXPECT_FALSE(st[0].late_freeze);
  EXPECT_GE(st[0].freeze_window, kWindow);  // Freeze start to Abort end
  EXPECT_LT(st[0].freeze_window, absl::InfiniteDuration());
  EXPECT_FALSE(r.WaitForWriters(absl::Now()));
  EXPECT_TRUE(stubborn->WaitUntilHanging(E::kFreeze, absl::Now()));
  EXPECT_FALSE(stubborn->frozen());
  EXPECT_TRUE(stubborn->WaitForSeqAbove(*stubborn->seq_at_freeze() + 5,
                                        Eventually()));
  // Now the late Freeze returns OK: no Thaw, still not frozen.
  stubborn->Release();
  ASSERT_TRUE(r.WaitForWriters(Eventually()));
  ASSERT_OK(r.BackupShutdown());
  ASSERT_TRUE(stubborn->WaitForEvents(AbortedAtFreeze().size(), Eventually()));
  EXPECT_EQ(stubborn->events(), AbortedAtFreeze());
  EXPECT_EQ(b->events(), AbortedAtFreeze());
  EXPECT_FALSE(stubborn->frozen());
  EXPECT_TRUE(stubborn->WaitForSeqAbove(stubborn->seq(), Eventually()));
  ASSERT_OK_AND_ASSIGN(st, r.GatherWriterStatus());
  EXPECT_TRUE(st[0].late_freeze);
  EXPECT_FALSE(st[0].freeze_running);
  EXPECT_EQ(st[0].state, WriterState::kFailedAtFreeze);
  EXPECT_EQ(st[0].failure, WriterFailure::kTimeout);
  EXPECT_THAT(stubborn->violations(), IsEmpty());
  h_.ExpectClean();
}

TEST_F(FreezeTimeoutTest, EachWriterHasItsOwnWindow) {
  TestWriter* quick = h_.AddWriter(
      {.name = "quick", .volumes = {"a"}, .freeze_timeout = kWindow});
  TestWriter* patient = h_.AddWriter(
      {.name = "patient", .volumes = {"b"}, .freeze_timeout = absl::Hours(1)});
  quick->HangAt(E::kFreeze);
  patient->HangAt(E::kFreeze);
  Requestor r(h_.engine(), h_.registry(), Harness::Options());
  Prepare(r);
  const absl::Time start = absl::Now();
  absl::StatusOr<SnapshotSetInfo> set = r.DoSnapshotSet();
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  EXPECT_THAT(set, HasCode(kTimeoutCode));
  EXPECT_THAT(set.status().message(), HasSubstr("writer 'quick' failed"));
  ASSERT_OK_AND_ASSIGN(std::vector<WriterStatus> st, r.GatherWriterStatus());
  EXPECT_EQ(st[0].failure, WriterFailure::kTimeout);
  EXPECT_EQ(st[1].state, WriterState::kStable);  // aborted, not failed
  EXPECT_TRUE(st[1].aborted);
  h_.ExpectNoSets();
}

// A commit slowed by the device past a writer's window fails the set with
// that writer's TIMEOUT (the hold timeout is clamped to the window).
TEST(FreezeWindowCommitTest, ACommitOutlastingAWindowIsATimeout) {
  FaultInjectionEnv env;
  Harness h;
  h.SetUp({"a"}, BackgroundMode::kThreads, 64, &env);
  TestWriter* w = h.AddWriter(
      {.name = "w", .volumes = {"a"}, .freeze_timeout = kWindow});
  {
    Requestor r(h.engine(), h.registry(), Harness::Options());
    ASSERT_OK(r.GatherWriterMetadata().status());
    ASSERT_OK(r.StartSnapshotSet());
    ASSERT_OK(r.AddToSnapshotSet("a"));
    ASSERT_OK(r.PrepareForBackup(BackupType::kFull));  // persistent: flushes
    env.SetSyncDelay(2 * kWindow);
    absl::StatusOr<SnapshotSetInfo> set = r.DoSnapshotSet();
    env.SetSyncDelay(absl::ZeroDuration());
    EXPECT_THAT(set, StatusIs(absl::StatusCode::kDeadlineExceeded,
                              HasSubstr("ended before Thaw")));
    EXPECT_THAT(set, HasCode(kTimeoutCode));
    ASSERT_OK_AND_ASSIGN(std::vector<WriterStatus> st, r.GatherWriterStatus());
    EXPECT_EQ(st[0].state, WriterState::kFailedAtFreeze);
    EXPECT_EQ(st[0].failure, WriterFailure::kTimeout);
  }
  EXPECT_EQ(w->events(), AbortedAtFreeze());
  EXPECT_THAT(w->abort_codes(), ElementsAre(kTimeoutCode));
  h.ExpectNoSets();
  h.ExpectClean();
}

}  // namespace
}  // namespace shadowset::testing
