// Point in time, end to end: three TestWriters mutate four volumes
// continuously from their own threads (one spans two volumes, two share
// one) while backup after backup is taken - full, incremental,
// differential and copy in a seeded mix. Every backup, restored into
// another data directory, holds exactly the state after the step each
// writer recorded at its Freeze, on every one of the writer's volumes (the
// cross-volume invariant: a writer's volumes agree with each other).
//
// SHADOWSET_SOAK_BACKUPS=<n> raises the number of backups (default 50).

#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "requestor/backup_chain.h"
#include "requestor/backup_pipeline.h"
#include "requestor/restore_pipeline.h"
#include "tests/requestor/backup_testing.h"
#include "tests/requestor/harness.h"
#include "tests/testing/status_matchers.h"

namespace shadowset::testing {
namespace {

using ::testing::IsEmpty;

int BackupsToTake() {
  const char* soak = std::getenv("SHADOWSET_SOAK_BACKUPS");
  return soak != nullptr ? std::max(1, std::atoi(soak)) : 50;
}

// The bytes of `w`'s region on `volume` of `engine`.
absl::StatusOr<std::vector<uint8_t>> Region(Engine* engine, const TestWriter& w,
                                            const std::string& volume) {
  ASSIGN_OR_RETURN(Volume * v, engine->GetVolume(volume));
  std::vector<uint8_t> out(w.ExpectedRegion(0, v->block_size()).size());
  RETURN_IF_ERROR(v->Read(w.options().offset, absl::MakeSpan(out)));
  return out;
}

TEST(BackupPointInTimeTest, EveryRestoredBackupHoldsEachWritersFreezeStep) {
  const uint64_t seed = 20240612;
  SCOPED_TRACE(absl::StrCat("seed ", seed));
  std::mt19937_64 rng(seed);
  // In memory: durability is not what this test is about (the crash
  // tests are), and the writers' steps each wait for a flush otherwise.
  Harness h(/*prefer_memory=*/true);
  h.SetUp({"a", "b", "c", "d"});
  std::vector<TestWriter*> writers = {
      h.AddWriter({.name = "single", .volumes = {"a"}, .slots = 7}),
      h.AddWriter({.name = "pair", .volumes = {"b", "c"}, .slots = 5}),
      h.AddWriter({.name = "shared",
                   .volumes = {"c", "d"},
                   .offset = 32 * kHarnessBlockSize,
                   .slots = 11}),
  };
  TempDir tmp(/*prefer_memory=*/true);
  TargetEngine target(kHarnessBlockSize, /*prefer_memory=*/true);
  target.Open();
  const absl::Time patience = absl::Now() + absl::Minutes(5);
  const BackupType kTypes[] = {BackupType::kIncremental,
                               BackupType::kDifferential, BackupType::kCopy,
                               BackupType::kFull};
  std::vector<int> taken(6, 0);
  const int backups = BackupsToTake();
  for (int i = 0; i < backups; ++i) {
    // Load between backups: every writer has moved on since its Freeze.
    for (TestWriter* w : writers) {
      ASSERT_TRUE(w->WaitForSeqAbove(w->seq() + 1 + rng() % 4, patience));
    }
    const BackupType type = i == 0 ? BackupType::kFull : kTypes[rng() % 4];
    SCOPED_TRACE(absl::StrCat("backup ", i, " (", BackupTypeName(type), ")"));
    BackupOptions o;
    o.destination = tmp.Sub("backups");
    o.type = type;
    o.framework = Harness::Options().framework;
    ASSERT_OK_AND_ASSIGN(BackupOutcome b,
                         RunBackup(h.engine(), h.registry(), o));
    EXPECT_FALSE(b.promoted_from.has_value()) << b.promotion_reason;
    taken[static_cast<int>(b.type)]++;
    std::vector<uint64_t> at_freeze;
    for (TestWriter* w : writers) {
      ASSERT_TRUE(w->seq_at_freeze().has_value());
      at_freeze.push_back(*w->seq_at_freeze());
    }
    ExpectVerifies(b.dir);

    ASSERT_OK(
        RunRestore(target.engine(), nullptr, {.backup_dir = b.dir}).status());
    for (size_t k = 0; k < writers.size(); ++k) {
      const TestWriter& w = *writers[k];
      const std::vector<uint8_t> expected =
          w.ExpectedRegion(at_freeze[k], kHarnessBlockSize);
      for (const std::string& v : w.options().volumes) {
        ASSERT_OK_AND_ASSIGN(std::vector<uint8_t> got,
                             Region(target.engine(), w, v));
        EXPECT_TRUE(got == expected)
            << w.options().name << " on " << v
            << " is not its state after step " << at_freeze[k];
      }
    }
    // The chain keeps exactly what the next backup needs.
    std::vector<SetId> needed = ChainSetsNeeded(h.engine()->ListBackups());
    EXPECT_EQ(h.engine()->ListSnapshotSets().size(), needed.size());
  }
  EXPECT_GE(taken[static_cast<int>(BackupSetType::kIncremental)], 5);
  EXPECT_GE(taken[static_cast<int>(BackupSetType::kDifferential)], 5);
  EXPECT_GE(taken[static_cast<int>(BackupSetType::kCopy)], 5);
  for (TestWriter* w : writers) {
    EXPECT_OK(w->mutation_status());
    EXPECT_THAT(w->violations(), IsEmpty());
  }
  target.ExpectClean();
  h.ExpectClean();
}

}  // namespace
}  // namespace shadowset::testing
