// TestWriter itself, on a real engine: it mutates, Freeze stops it at a
// recorded step that a snapshot then holds exactly, the verifier catches a
// wrong step, scripts and contract checks work.

#include "tests/writers/test_writer.h"

#include <stdexcept>
#include <thread>

#include "engine/codes.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace shadowset::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using E = WriterEvent;

constexpr uint32_t kBs = 4096;

absl::Time Eventually() { return absl::Now() + absl::Seconds(30); }

class TestWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    InitOptions init;
    init.block_size = kBs;
    init.diff_area_max = 64 << 20;
    ASSERT_OK(Engine::Init(tmp_.Sub("data"), init));
    ASSERT_OK_AND_ASSIGN(engine_, Engine::Open(tmp_.Sub("data")));
    ASSERT_OK(engine_->CreateVolume("a", 64 * kBs).status());
    ASSERT_OK(engine_->CreateVolume("b", 64 * kBs).status());
  }

  void TearDown() override {
    ASSERT_OK(engine_->RunBackgroundWork());
    ASSERT_OK_AND_ASSIGN(CheckReport report, engine_->Check());
    EXPECT_TRUE(report.ok()) << ::testing::PrintToString(report.problems);
  }

  TempDir tmp_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(TestWriterTest, FreezeStopsMutationAtTheRecordedStep) {
  TestWriter w({.name = "w", .engine = engine_.get(), .volumes = {"a", "b"},
                .offset = 8 * kBs, .slots = 5});
  ASSERT_TRUE(w.WaitForSeqAbove(20, Eventually()));
  ASSERT_OK(w.Freeze({}));
  EXPECT_TRUE(w.frozen());
  ASSERT_TRUE(w.seq_at_freeze().has_value());
  const uint64_t at = *w.seq_at_freeze();
  EXPECT_EQ(w.seq(), at);
  ASSERT_OK_AND_ASSIGN(SnapshotSetInfo set,
                       engine_->CreateSnapshotSet({"a", "b"}));
  ASSERT_OK(w.Thaw({}));
  EXPECT_FALSE(w.frozen());
  ASSERT_TRUE(w.WaitForSeqAbove(at + 10, Eventually()));
  // The snapshot holds exactly the state after step `at`, on both volumes.
  EXPECT_OK(w.VerifySnapshot(set.id, at));
  ASSERT_OK_AND_ASSIGN(uint64_t seq_a, w.SnapshotSeq(set.id, "a"));
  ASSERT_OK_AND_ASSIGN(uint64_t seq_b, w.SnapshotSeq(set.id, "b"));
  EXPECT_EQ(seq_a, at);
  EXPECT_EQ(seq_b, at);
  // The verifier is exact: one step off is caught.
  EXPECT_THAT(w.VerifySnapshot(set.id, at + 1),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("is not the state after step")));
  EXPECT_THAT(w.VerifySnapshot(set.id, at - 1),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_OK(w.mutation_status());
  ASSERT_OK(engine_->DeleteSnapshotSet(set.id));
}

TEST_F(TestWriterTest, ExpectedRegionOfTheStartIsZeros) {
  TestWriter w({.name = "w", .engine = engine_.get(), .volumes = {"a"},
                .mutate = false});
  ASSERT_OK_AND_ASSIGN(SnapshotSetInfo set, engine_->CreateSnapshotSet({"a"}));
  EXPECT_OK(w.VerifySnapshot(set.id, 0));
  ASSERT_OK_AND_ASSIGN(uint64_t seq, w.SnapshotSeq(set.id, "a"));
  EXPECT_EQ(seq, 0u);
  EXPECT_EQ(w.ExpectedRegion(0, kBs),
            std::vector<uint8_t>(kBs * (1 + w.options().slots), 0));
  ASSERT_OK(engine_->DeleteSnapshotSet(set.id));
}

TEST_F(TestWriterTest, ScriptsFailThrowAndHang) {
  TestWriter w({.name = "w", .mutate = false});
  w.FailAt(E::kPrepareBackup, WriterFailure::kOutOfResources);
  EXPECT_THAT(w.PrepareBackup({}),
              HasCode(static_cast<uint32_t>(WriterFailure::kOutOfResources)));
  w.FailAt(E::kPrepareBackup, WriterFailure::kNone);
  absl::Status uncoded = w.PrepareBackup({});
  EXPECT_THAT(uncoded, StatusIs(absl::StatusCode::kInternal));
  EXPECT_EQ(CodeOf(uncoded), std::nullopt);
  w.ThrowAt(E::kPostSnapshot);
  EXPECT_THROW(w.PostSnapshot({}).IgnoreError(), std::runtime_error);

  // A hang that an Abort ends, and one that only Release ends.
  w.HangAt(E::kFreeze, /*abort_releases=*/true);
  absl::Status frozen;
  std::thread t([&] { frozen = w.Freeze({}); });
  ASSERT_TRUE(w.WaitUntilHanging(E::kFreeze, Eventually()));
  ASSERT_OK(w.Abort({}));
  t.join();
  EXPECT_OK(frozen);
  EXPECT_FALSE(w.frozen());  // the late return did not re-freeze it

  w.HangAt(E::kFreeze, /*abort_releases=*/false);
  std::thread u([&] { frozen = w.Freeze({}); });
  ASSERT_TRUE(w.WaitUntilHanging(E::kFreeze, Eventually()));
  ASSERT_OK(w.Abort({}));
  EXPECT_TRUE(w.WaitUntilHanging(E::kFreeze, absl::Now()));
  w.Release();
  u.join();
  EXPECT_FALSE(w.frozen());
  EXPECT_THAT(w.events(),
              ElementsAre(E::kPrepareBackup, E::kPrepareBackup,
                          E::kPostSnapshot, E::kFreeze, E::kAbort, E::kFreeze,
                          E::kAbort));
}

TEST_F(TestWriterTest, ReportsContractBreaches) {
  TestWriter w({.name = "w", .mutate = false});
  ASSERT_OK(w.PrepareBackup({}));
  ASSERT_OK(w.Freeze({}));
  ASSERT_OK(w.Abort({}));
  EXPECT_THAT(w.violations(), IsEmpty());
  ASSERT_OK(w.Thaw({}));
  ASSERT_OK(w.PostSnapshot({}));
  ASSERT_OK(w.Abort({}));
  EXPECT_THAT(w.violations(),
              ElementsAre("w: Thaw after Abort", "w: Abort after PostSnapshot",
                          "w: Abort after Thaw"));
}

}  // namespace
}  // namespace shadowset::testing
