// Point in time under load: three TestWriters mutate four volumes
// continuously (one of them spans two volumes, and two share one) while the
// requestor takes snapshot set after snapshot set. Each snapshot must hold,
// for every writer, exactly the state after the step it recorded at Freeze
// - on every one of its volumes, so a writer's volumes agree with each
// other (the cross-volume invariant) - and the persistent sets kept along
// the way must still read the same at the end.
//
// SHADOWSET_SOAK_SETS=<n> raises the number of sets (default 50).

#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "requestor/requestor.h"
#include "tests/requestor/harness.h"
#include "tests/testing/status_matchers.h"

namespace shadowset::testing {
namespace {

using ::testing::IsEmpty;

int SetsToTake() {
  const char* soak = std::getenv("SHADOWSET_SOAK_SETS");
  return soak != nullptr ? std::max(1, std::atoi(soak)) : 50;
}

struct Kept {
  SetId id;
  std::vector<uint64_t> seq;  // per writer, at Freeze
};

class PointInTimeTest : public ::testing::TestWithParam<BackgroundMode> {
 protected:
  void SetUp() override {
    h_.SetUp({"a", "b", "c", "d"}, GetParam());
    writers_ = {
        h_.AddWriter({.name = "single", .volumes = {"a"}, .slots = 7}),
        h_.AddWriter({.name = "pair", .volumes = {"b", "c"}, .slots = 5}),
        h_.AddWriter({.name = "shared", .volumes = {"c", "d"},
                      .offset = 32 * kHarnessBlockSize, .slots = 11}),
    };
  }

  Harness h_;
  std::vector<TestWriter*> writers_;
};

TEST_P(PointInTimeTest, EverySnapshotHoldsEachWritersFreezeInstant) {
  const uint64_t seed = 20240611;
  SCOPED_TRACE(absl::StrCat("seed ", seed));
  std::mt19937_64 rng(seed);
  const absl::Time patience = absl::Now() + absl::Minutes(5);
  std::vector<Kept> kept;
  const int sets = SetsToTake();
  for (int i = 0; i < sets; ++i) {
    SCOPED_TRACE(absl::StrCat("set ", i));
    // Load between sets: every writer has moved on since its last Freeze.
    for (TestWriter* w : writers_) {
      ASSERT_TRUE(w->WaitForSeqAbove(w->seq() + 1 + rng() % 4, patience));
    }
    // Mostly COPY (auto-release); every so often a FULL set is kept.
    const bool keep = rng() % 8 == 0;
    Requestor r(h_.engine(), h_.registry(), Harness::Options());
    ASSERT_OK(r.GatherWriterMetadata().status());
    ASSERT_OK(r.StartSnapshotSet());
    for (const char* v : {"a", "b", "c", "d"}) ASSERT_OK(r.AddToSnapshotSet(v));
    ASSERT_OK(r.PrepareForBackup(keep ? BackupType::kFull : BackupType::kCopy));
    ASSERT_OK_AND_ASSIGN(SnapshotSetInfo set, r.DoSnapshotSet());
    Kept k{set.id, {}};
    for (TestWriter* w : writers_) {
      ASSERT_TRUE(w->seq_at_freeze().has_value());
      const uint64_t at = *w->seq_at_freeze();
      k.seq.push_back(at);
      EXPECT_OK(w->VerifySnapshot(set.id, at)) << w->options().name;
      // Cross-volume: every volume of the writer shows the same step.
      for (const std::string& v : w->options().volumes) {
        ASSERT_OK_AND_ASSIGN(uint64_t seen, w->SnapshotSeq(set.id, v));
        EXPECT_EQ(seen, at) << w->options().name << " on " << v;
      }
    }
    ASSERT_OK_AND_ASSIGN(std::vector<WriterStatus> st, r.GatherWriterStatus());
    for (const WriterStatus& s : st) {
      EXPECT_EQ(s.state, WriterState::kWaitingForBackupComplete);
      EXPECT_LT(s.freeze_window, absl::InfiniteDuration());
    }
    ASSERT_OK(r.BackupComplete({.succeeded = true}));
    if (keep) kept.push_back(k);
    ASSERT_EQ(h_.engine()->ListSnapshotSets().size(), kept.size());
  }
  // The kept sets still read exactly as when they were taken.
  for (const Kept& k : kept) {
    for (size_t w = 0; w < writers_.size(); ++w) {
      EXPECT_OK(writers_[w]->VerifySnapshot(k.id, k.seq[w]));
    }
    ASSERT_OK(h_.engine()->DeleteSnapshotSet(k.id));
  }
  for (TestWriter* w : writers_) {
    EXPECT_OK(w->mutation_status());
    EXPECT_THAT(w->violations(), IsEmpty());
  }
  h_.ExpectNoSets();
  h_.ExpectClean();
}

INSTANTIATE_TEST_SUITE_P(Modes, PointInTimeTest,
                         ::testing::Values(BackgroundMode::kThreads,
                                           BackgroundMode::kInline),
                         [](const auto& info) {
                           return info.param == BackgroundMode::kThreads
                                      ? "Threads"
                                      : "Inline";
                         });

}  // namespace
}  // namespace shadowset::testing
