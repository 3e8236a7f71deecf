// Requestor: the phase sequence on a real engine - a whole backup, set
// persistence, out-of-sequence calls, the 64-volume limit, volumes without
// writers, INCONSISTENTSNAPSHOT, BackupShutdown always, AbortBackup
// idempotence, one backup per registry, the one deadline.

#include "requestor/requestor.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/codes.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/timing.h"
#include "tests/requestor/harness.h"
#include "tests/testing/status_matchers.h"

namespace shadowset::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using E = WriterEvent;

std::vector<WriterEvent> FullBackupEvents() {
  return {E::kIdentify,     E::kPrepareBackup, E::kPrepareSnapshot,
          E::kFreeze,       E::kThaw,          E::kPostSnapshot,
          E::kBackupComplete, E::kBackupShutdown};
}

class RequestorTest : public ::testing::TestWithParam<BackgroundMode> {
 protected:
  void SetUp() override { h_.SetUp({"a", "b", "c"}, GetParam()); }

  // Steps 1-3 on `volumes`.
  void Prepare(Requestor& r, const std::vector<std::string>& volumes,
               BackupType type = BackupType::kFull) {
    ASSERT_OK(r.GatherWriterMetadata().status());
    ASSERT_OK(r.StartSnapshotSet());
    for (const std::string& v : volumes) ASSERT_OK(r.AddToSnapshotSet(v));
    ASSERT_OK(r.PrepareForBackup(type));
  }

  Harness h_;
};

TEST_P(RequestorTest, FullBackupKeepsAPersistentSetHoldingTheFreezeInstant) {
  TestWriter* w1 = h_.AddWriter({.name = "w1", .volumes = {"a"}});
  TestWriter* w2 = h_.AddWriter({.name = "w2", .volumes = {"b", "c"}});
  SnapshotSetInfo set;
  {
    Requestor r(h_.engine(), h_.registry(), Harness::Options());
    ASSERT_OK_AND_ASSIGN(std::vector<WriterMetadata> md,
                         r.GatherWriterMetadata());
    ASSERT_EQ(md.size(), 2u);
    EXPECT_EQ(md[0].name, "w1");
    EXPECT_EQ(md[1].name, "w2");
    ASSERT_OK(r.StartSnapshotSet());
    for (const char* v : {"a", "b", "c"}) ASSERT_OK(r.AddToSnapshotSet(v));
    ASSERT_OK(r.PrepareForBackup(BackupType::kFull));
    EXPECT_TRUE(r.persistent());
    ASSERT_OK_AND_ASSIGN(set, r.DoSnapshotSet());
    EXPECT_TRUE(set.persistent);
    ASSERT_EQ(set.snapshots.size(), 3u);
    ASSERT_TRUE(r.snapshot_set().has_value());
    EXPECT_EQ(r.snapshot_set()->id, set.id);

    // The seam for the backup pipeline: read the snapshots now.
    EXPECT_OK(w1->VerifySnapshot(set.id, *w1->seq_at_freeze()));
    EXPECT_OK(w2->VerifySnapshot(set.id, *w2->seq_at_freeze()));

    ASSERT_OK_AND_ASSIGN(std::vector<WriterStatus> st, r.GatherWriterStatus());
    ASSERT_EQ(st.size(), 2u);
    for (const WriterStatus& s : st) {
      EXPECT_EQ(s.state, WriterState::kWaitingForBackupComplete);
      EXPECT_EQ(s.failure, WriterFailure::kNone);
      EXPECT_OK(s.error);
      EXPECT_TRUE(s.involved && s.froze && s.thawed);
      EXPECT_FALSE(s.aborted || s.late_freeze || s.freeze_running);
      EXPECT_GT(s.freeze_window, absl::ZeroDuration());
      EXPECT_LT(s.freeze_window, absl::Seconds(30));
    }
    EXPECT_EQ(st[1].metadata.components[0].volumes,
              std::vector<std::string>({"b", "c"}));
    ASSERT_OK(r.BackupComplete({.succeeded = true}));
    ASSERT_OK_AND_ASSIGN(st, r.GatherWriterStatus());
    EXPECT_EQ(st[0].state, WriterState::kStable);
    EXPECT_EQ(st[1].state, WriterState::kStable);
  }
  EXPECT_EQ(w1->events(), FullBackupEvents());
  EXPECT_EQ(w2->events(), FullBackupEvents());
  EXPECT_THAT(w1->violations(), IsEmpty());
  EXPECT_THAT(w2->violations(), IsEmpty());
  // Kept as the base of the next backup, readable after the backup ended.
  ASSERT_EQ(h_.engine()->ListSnapshotSets().size(), 1u);
  EXPECT_OK(w1->VerifySnapshot(set.id, *w1->seq_at_freeze()));
  ASSERT_OK(h_.engine()->DeleteSnapshotSet(set.id));
  h_.ExpectClean();
}

TEST_P(RequestorTest, CopyBackupReleasesItsSetAtBackupComplete) {
  TestWriter* w = h_.AddWriter({.name = "w", .volumes = {"a"}});
  Requestor r(h_.engine(), h_.registry(), Harness::Options());
  Prepare(r, {"a"}, BackupType::kCopy);
  EXPECT_FALSE(r.persistent());
  ASSERT_OK_AND_ASSIGN(SnapshotSetInfo set, r.DoSnapshotSet());
  EXPECT_FALSE(set.persistent);
  EXPECT_OK(w->VerifySnapshot(set.id, *w->seq_at_freeze()));
  ASSERT_EQ(h_.engine()->ListSnapshotSets().size(), 1u);
  ASSERT_OK(r.BackupComplete({.succeeded = true}));
  h_.ExpectNoSets();
  h_.ExpectClean();
}

TEST_P(RequestorTest, AnUnsuccessfulBackupDoesNotKeepItsBase) {
  h_.AddWriter({.name = "w", .volumes = {"a"}});
  Requestor r(h_.engine(), h_.registry(), Harness::Options());
  Prepare(r, {"a"}, BackupType::kIncremental);
  ASSERT_OK(r.DoSnapshotSet().status());
  ASSERT_OK(r.BackupComplete({.succeeded = false}));
  h_.ExpectNoSets();
  h_.ExpectClean();
}

TEST_P(RequestorTest, PersistenceOptionOverridesTheType) {
  RequestorOptions o = Harness::Options();
  o.persistence = SetPersistence::kPersistent;
  {
    Requestor r(h_.engine(), nullptr, o);
    Prepare(r, {"a"}, BackupType::kCopy);
    ASSERT_OK_AND_ASSIGN(SnapshotSetInfo set, r.DoSnapshotSet());
    EXPECT_TRUE(set.persistent);
    ASSERT_OK(r.BackupComplete({.succeeded = true}));
    ASSERT_OK(h_.engine()->DeleteSnapshotSet(set.id));
  }
  o.persistence = SetPersistence::kAutoRelease;
  {
    Requestor r(h_.engine(), nullptr, o);
    Prepare(r, {"a"}, BackupType::kFull);
    ASSERT_OK_AND_ASSIGN(SnapshotSetInfo set, r.DoSnapshotSet());
    EXPECT_FALSE(set.persistent);
    ASSERT_OK(r.BackupComplete({.succeeded = true}));
  }
  h_.ExpectNoSets();
  h_.ExpectClean();
}

TEST_P(RequestorTest, PlainVolumesWithoutWriters) {
  ASSERT_OK_AND_ASSIGN(Volume * a, h_.engine()->GetVolume("a"));
  std::vector<uint8_t> before(3 * kHarnessBlockSize, 0x5A);
  ASSERT_OK(a->Write(100, before));
  Requestor r(h_.engine(), nullptr, Harness::Options());
  ASSERT_OK_AND_ASSIGN(std::vector<WriterMetadata> md,
                       r.GatherWriterMetadata());
  EXPECT_THAT(md, IsEmpty());
  ASSERT_OK(r.StartSnapshotSet());
  ASSERT_OK(r.AddToSnapshotSet("a"));
  ASSERT_OK(r.PrepareForBackup(BackupType::kFull));
  ASSERT_OK_AND_ASSIGN(SnapshotSetInfo set, r.DoSnapshotSet());
  ASSERT_OK(a->Write(100, std::vector<uint8_t>(3 * kHarnessBlockSize, 0x33)));
  ASSERT_OK_AND_ASSIGN(auto snap, h_.engine()->OpenSnapshot(set.id, "a"));
  std::vector<uint8_t> got(before.size());
  ASSERT_OK(snap->Read(100, absl::MakeSpan(got)));
  EXPECT_EQ(got, before);
  ASSERT_OK_AND_ASSIGN(std::vector<WriterStatus> st, r.GatherWriterStatus());
  EXPECT_THAT(st, IsEmpty());
  ASSERT_OK(r.BackupComplete({.succeeded = true}));
  ASSERT_OK(r.BackupShutdown());
  ASSERT_OK(h_.engine()->DeleteSnapshotSet(set.id));
  h_.ExpectClean();
}

// Every call that is out of sequence in `r`'s current phase fails with
// VSS_E_BAD_STATE.
void ExpectBadState(const absl::Status& s, const char* what) {
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kFailedPrecondition,
                          HasSubstr("out of sequence")))
      << what;
  EXPECT_THAT(s, HasCode(kVssBadState)) << what;
}

TEST_P(RequestorTest, OutOfSequenceCallsChangeNothing) {
  TestWriter* w = h_.AddWriter({.name = "w", .volumes = {"a"}});
  Requestor r(h_.engine(), h_.registry(), Harness::Options());
  // Created.
  ExpectBadState(r.StartSnapshotSet(), "start");
  ExpectBadState(r.AddToSnapshotSet("a"), "add");
  ExpectBadState(r.PrepareForBackup(BackupType::kFull), "prepare");
  ExpectBadState(r.DoSnapshotSet().status(), "do");
  ExpectBadState(r.BackupComplete({}), "complete");
  ExpectBadState(r.AbortBackup(), "abort");
  ExpectBadState(r.GatherWriterStatus().status(), "status");
  EXPECT_THAT(w->events(), IsEmpty());
  // Gathered (gathering again is allowed).
  ASSERT_OK(r.GatherWriterMetadata().status());
  ASSERT_OK(r.GatherWriterMetadata().status());
  ExpectBadState(r.AddToSnapshotSet("a"), "add");
  ExpectBadState(r.PrepareForBackup(BackupType::kFull), "prepare");
  ExpectBadState(r.DoSnapshotSet().status(), "do");
  ExpectBadState(r.AbortBackup(), "abort");
  // Set started.
  ASSERT_OK(r.StartSnapshotSet());
  ExpectBadState(r.GatherWriterMetadata().status(), "gather");
  ExpectBadState(r.StartSnapshotSet(), "start");
  ExpectBadState(r.DoSnapshotSet().status(), "do");
  ExpectBadState(r.BackupComplete({}), "complete");
  ExpectBadState(r.AbortBackup(), "abort");
  ASSERT_OK(r.AddToSnapshotSet("a"));
  // Prepared.
  ASSERT_OK(r.PrepareForBackup(BackupType::kFull));
  ExpectBadState(r.AddToSnapshotSet("b"), "add");
  ExpectBadState(r.PrepareForBackup(BackupType::kFull), "prepare");
  ExpectBadState(r.BackupComplete({}), "complete");
  // Snapshotted.
  ASSERT_OK_AND_ASSIGN(SnapshotSetInfo set, r.DoSnapshotSet());
  ExpectBadState(r.DoSnapshotSet().status(), "do");
  ExpectBadState(r.PrepareForBackup(BackupType::kFull), "prepare");
  // Completed.
  ASSERT_OK(r.BackupComplete({.succeeded = true}));
  ExpectBadState(r.BackupComplete({}), "complete");
  ExpectBadState(r.AbortBackup(), "abort");
  // Shut down: only status remains.
  ASSERT_OK(r.BackupShutdown());
  ExpectBadState(r.BackupShutdown(), "shutdown");
  ExpectBadState(r.GatherWriterMetadata().status(), "gather");
  ExpectBadState(r.StartSnapshotSet(), "start");
  EXPECT_OK(r.GatherWriterStatus().status());
  // None of the refused calls reached the writer or the engine.
  EXPECT_THAT(w->events(),
              ElementsAre(E::kIdentify, E::kIdentify, E::kPrepareBackup,
                          E::kPrepareSnapshot, E::kFreeze, E::kThaw,
                          E::kPostSnapshot, E::kBackupComplete,
                          E::kBackupShutdown));
  ASSERT_EQ(h_.engine()->ListSnapshotSets().size(), 1u);
  EXPECT_OK(w->VerifySnapshot(set.id, *w->seq_at_freeze()));
  ASSERT_OK(h_.engine()->DeleteSnapshotSet(set.id));
  h_.ExpectClean();
}

TEST_P(RequestorTest, SetValidation) {
  Requestor r(h_.engine(), nullptr, Harness::Options());
  ASSERT_OK(r.GatherWriterMetadata().status());
  ASSERT_OK(r.StartSnapshotSet());
  EXPECT_THAT(r.PrepareForBackup(BackupType::kFull),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("no volumes")));
  EXPECT_THAT(r.AddToSnapshotSet("nope"),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(r.AddToSnapshotSet("nope"), HasCode(kVssObjectNotFound));
  ASSERT_OK(r.AddToSnapshotSet("b"));
  EXPECT_THAT(r.AddToSnapshotSet("b"),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(r.AddToSnapshotSet("b"), HasCode(kVssObjectAlreadyExists));
  EXPECT_THAT(r.PrepareForBackup(static_cast<BackupType>(9)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(r.PrepareForBackup(static_cast<BackupType>(0)),
              HasCode(kErrorInvalidParameter));
  // None of that changed the set: it holds exactly "b".
  ASSERT_OK(r.PrepareForBackup(BackupType::kCopy));
  ASSERT_OK_AND_ASSIGN(SnapshotSetInfo set, r.DoSnapshotSet());
  ASSERT_EQ(set.snapshots.size(), 1u);
  EXPECT_EQ(set.snapshots[0].volume, "b");
  ASSERT_OK(r.BackupComplete({.succeeded = true}));
  h_.ExpectNoSets();
  h_.ExpectClean();
}

TEST_P(RequestorTest, ASixtyFifthVolumeIsRefused) {
  for (int i = 0; i < 65; ++i) {
    ASSERT_OK(h_.engine()
                  ->CreateVolume(absl::StrCat("v", i), kHarnessBlockSize)
                  .status());
  }
  Requestor r(h_.engine(), nullptr, Harness::Options());
  ASSERT_OK(r.GatherWriterMetadata().status());
  ASSERT_OK(r.StartSnapshotSet());
  for (int i = 0; i < 64; ++i) ASSERT_OK(r.AddToSnapshotSet(absl::StrCat("v", i)));
  absl::Status s = r.AddToSnapshotSet("v64");
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kResourceExhausted,
                          HasSubstr("at most 64")));
  EXPECT_THAT(s, HasCode(kVssMaximumNumberOfVolumesReached));
  ASSERT_OK(r.PrepareForBackup(BackupType::kCopy));
  ASSERT_OK_AND_ASSIGN(SnapshotSetInfo set, r.DoSnapshotSet());
  EXPECT_EQ(set.snapshots.size(), 64u);
  ASSERT_OK(r.BackupComplete({.succeeded = true}));
  h_.ExpectNoSets();
  h_.ExpectClean();
}

TEST_P(RequestorTest, AWriterWithAVolumeMissingFromTheSetFailsIt) {
  TestWriter* partial = h_.AddWriter({.name = "partial", .volumes = {"a", "b"}});
  TestWriter* whole = h_.AddWriter({.name = "whole", .volumes = {"a"}});
  TestWriter* outside = h_.AddWriter({.name = "outside", .volumes = {"c"}});
  {
    Requestor r(h_.engine(), h_.registry(), Harness::Options());
    Prepare(r, {"a"});
    absl::StatusOr<SnapshotSetInfo> set = r.DoSnapshotSet();
    EXPECT_THAT(set, StatusIs(absl::StatusCode::kFailedPrecondition,
                              HasSubstr("volume 'b' of component 'data'")));
    EXPECT_THAT(set, HasCode(static_cast<uint32_t>(
                         WriterFailure::kInconsistentSnapshot)));
    ASSERT_OK_AND_ASSIGN(std::vector<WriterStatus> st, r.GatherWriterStatus());
    EXPECT_EQ(st[0].state, WriterState::kFailedAtPrepareSnapshot);
    EXPECT_EQ(st[0].failure, WriterFailure::kInconsistentSnapshot);
    EXPECT_EQ(st[1].state, WriterState::kStable);
    EXPECT_FALSE(st[2].involved);
    // The backup is over: aborting again is harmless.
    EXPECT_OK(r.AbortBackup());
  }
  EXPECT_THAT(partial->events(), ElementsAre(E::kIdentify, E::kPrepareBackup,
                                             E::kAbort, E::kBackupShutdown));
  EXPECT_THAT(whole->events(), ElementsAre(E::kIdentify, E::kPrepareBackup,
                                           E::kAbort, E::kBackupShutdown));
  EXPECT_THAT(outside->events(),
              ElementsAre(E::kIdentify, E::kBackupShutdown));
  h_.ExpectNoSets();
  h_.ExpectClean();
}

TEST_P(RequestorTest, BackupShutdownIsAlwaysDeliveredOnce) {
  TestWriter* w = h_.AddWriter({.name = "w", .volumes = {"a"}});
  // Identify failed.
  w->FailAt(E::kIdentify, WriterFailure::kRetryable);
  {
    Requestor r(h_.engine(), h_.registry(), Harness::Options());
    EXPECT_THAT(r.GatherWriterMetadata(),
                HasCode(static_cast<uint32_t>(WriterFailure::kRetryable)));
    ASSERT_OK_AND_ASSIGN(std::vector<WriterStatus> st, r.GatherWriterStatus());
    EXPECT_EQ(st[0].state, WriterState::kFailedAtIdentify);
    ExpectBadState(r.StartSnapshotSet(), "start after a failed gather");
  }
  EXPECT_THAT(w->events(), ElementsAre(E::kIdentify, E::kBackupShutdown));
  w->ClearEvents();
  w->Script(E::kIdentify, {});
  // PrepareBackup failed.
  w->FailAt(E::kPrepareBackup, WriterFailure::kOutOfResources);
  {
    Requestor r(h_.engine(), h_.registry(), Harness::Options());
    ASSERT_OK(r.GatherWriterMetadata().status());
    ASSERT_OK(r.StartSnapshotSet());
    ASSERT_OK(r.AddToSnapshotSet("a"));
    EXPECT_THAT(r.PrepareForBackup(BackupType::kFull),
                StatusIs(absl::StatusCode::kUnavailable));
  }
  EXPECT_THAT(w->events(), ElementsAre(E::kIdentify, E::kPrepareBackup,
                                       E::kAbort, E::kBackupShutdown));
  w->ClearEvents();
  w->Script(E::kPrepareBackup, {});
  // Ended after DoSnapshotSet without BackupComplete: aborted, set deleted,
  // no Abort after PostSnapshot.
  {
    Requestor r(h_.engine(), h_.registry(), Harness::Options());
    Prepare(r, {"a"});
    ASSERT_OK(r.DoSnapshotSet().status());
  }
  EXPECT_THAT(w->events(),
              ElementsAre(E::kIdentify, E::kPrepareBackup, E::kPrepareSnapshot,
                          E::kFreeze, E::kThaw, E::kPostSnapshot,
                          E::kBackupShutdown));
  h_.ExpectNoSets();
  w->ClearEvents();
  // Explicit BackupShutdown, then destruction: delivered once.
  {
    Requestor r(h_.engine(), h_.registry(), Harness::Options());
    ASSERT_OK(r.GatherWriterMetadata().status());
    ASSERT_OK(r.BackupShutdown());
  }
  EXPECT_THAT(w->events(), ElementsAre(E::kIdentify, E::kBackupShutdown));
  EXPECT_THAT(w->violations(), IsEmpty());
  h_.ExpectClean();
}

TEST_P(RequestorTest, AbortBackupIsIdempotent) {
  TestWriter* w = h_.AddWriter({.name = "w", .volumes = {"a"}});
  {
    Requestor r(h_.engine(), h_.registry(), Harness::Options());
    Prepare(r, {"a"});
    ASSERT_OK(r.AbortBackup());
    ASSERT_OK(r.AbortBackup());
    ExpectBadState(r.DoSnapshotSet().status(), "do after abort");
    ASSERT_OK_AND_ASSIGN(std::vector<WriterStatus> st, r.GatherWriterStatus());
    EXPECT_EQ(st[0].state, WriterState::kStable);
    EXPECT_TRUE(st[0].aborted);
    EXPECT_OK(st[0].abort_status);
  }
  EXPECT_THAT(w->events(), ElementsAre(E::kIdentify, E::kPrepareBackup,
                                       E::kAbort, E::kBackupShutdown));
  EXPECT_THAT(w->abort_codes(), ElementsAre(0u));
  w->ClearEvents();
  // After the set was made: it is deleted; the writer, past PostSnapshot,
  // gets no Abort.
  {
    Requestor r(h_.engine(), h_.registry(), Harness::Options());
    Prepare(r, {"a"});
    ASSERT_OK(r.DoSnapshotSet().status());
    ASSERT_EQ(h_.engine()->ListSnapshotSets().size(), 1u);
    ASSERT_OK(r.AbortBackup());
    h_.ExpectNoSets();
    ASSERT_OK(r.AbortBackup());
    ASSERT_OK_AND_ASSIGN(std::vector<WriterStatus> st, r.GatherWriterStatus());
    EXPECT_EQ(st[0].state, WriterState::kStable);
    EXPECT_FALSE(st[0].aborted);
  }
  EXPECT_THAT(w->events(),
              ElementsAre(E::kIdentify, E::kPrepareBackup, E::kPrepareSnapshot,
                          E::kFreeze, E::kThaw, E::kPostSnapshot,
                          E::kBackupShutdown));
  EXPECT_THAT(w->violations(), IsEmpty());
  h_.ExpectClean();
}

TEST_P(RequestorTest, OneBackupAtATimePerRegistry) {
  h_.AddWriter({.name = "w", .volumes = {"a"}});
  auto first = std::make_unique<Requestor>(h_.engine(), h_.registry(),
                                           Harness::Options());
  ASSERT_OK(first->GatherWriterMetadata().status());
  ASSERT_OK(first->StartSnapshotSet());
  Requestor second(h_.engine(), h_.registry(), Harness::Options());
  ASSERT_OK(second.GatherWriterMetadata().status());
  absl::Status s = second.StartSnapshotSet();
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(s, HasCode(kVssSnapshotSetInProgress));
  first.reset();
  ASSERT_OK(second.StartSnapshotSet());
}

TEST_P(RequestorTest, OneDeadlineBoundsEveryPhase) {
  TestWriter* w = h_.AddWriter({.name = "w", .volumes = {"a"}});
  w->HangAt(E::kPrepareSnapshot);
  RequestorOptions o = Harness::Options(absl::Minutes(5));
  o.timeout = ::shadowset::testing::Scaled(absl::Milliseconds(300));
  Requestor r(h_.engine(), h_.registry(), o);
  Prepare(r, {"a"});
  const absl::Time start = absl::Now();
  absl::StatusOr<SnapshotSetInfo> set = r.DoSnapshotSet();
  EXPECT_LT(absl::Now() - start, absl::Minutes(1));
  EXPECT_LE(r.deadline(), absl::Now());
  EXPECT_THAT(set, HasCode(static_cast<uint32_t>(WriterFailure::kNotResponding)));
  w->Release();
  // Past the deadline nothing new starts, but cleanup still runs.
  ExpectBadState(r.DoSnapshotSet().status(), "do after failure");
  EXPECT_OK(r.AbortBackup());
  h_.ExpectNoSets();
}

INSTANTIATE_TEST_SUITE_P(Modes, RequestorTest,
                         ::testing::Values(BackgroundMode::kThreads,
                                           BackgroundMode::kInline),
                         [](const auto& info) {
                           return info.param == BackgroundMode::kThreads
                                      ? "Threads"
                                      : "Inline";
                         });

}  // namespace
}  // namespace shadowset::testing
