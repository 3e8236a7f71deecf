// The chain: full, incremental, differential and copy backups round trip
// bit-exact, also with the engine reopened between backups; the chain
// keeps exactly the sets a future backup needs; a missing base (set
// deleted by hand or by the diff-area cap, directory missing, no full at
// all) promotes the backup to FULL with an event and a manifest note.

#include "requestor/backup_chain.h"

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/backup/backup_set_reader.h"
#include "engine/env.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "requestor/backup_pipeline.h"
#include "requestor/restore_pipeline.h"
#include "tests/requestor/backup_testing.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace shadowset::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAreArray;

constexpr uint32_t kBs = 4096;
constexpr uint64_t kBlocks = 96;
const std::vector<std::string> kVolumes = {"a", "b"};

class BackupChainTest : public ::testing::Test {
 protected:
  void SetUp() override { Init(DiffAreaMax()); }
  virtual uint64_t DiffAreaMax() const { return uint64_t{256} << 20; }

  void Init(uint64_t diff_area_max) {
    InitOptions init;
    init.block_size = kBs;
    init.diff_area_max = diff_area_max;
    ASSERT_OK(Engine::Init(tmp_.Sub("data"), init));
    Reopen();
    for (const std::string& v : kVolumes) {
      ASSERT_OK(engine_->CreateVolume(v, kBlocks * kBs).status());
      ASSERT_OK(FillVolume(engine_.get(), v, v[0]));
    }
  }

  void Reopen() {
    engine_.reset();
    ASSERT_OK_AND_ASSIGN(engine_, Engine::Open(tmp_.Sub("data")));
  }

  absl::StatusOr<BackupOutcome> Backup(BackupType type,
                                       const std::string& dest = "") {
    BackupOptions o;
    o.destination = dest.empty() ? tmp_.Sub("backups") : dest;
    o.type = type;
    return RunBackup(engine_.get(), nullptr, o);
  }

  // Every volume's current contents.
  std::map<std::string, std::string> Contents() {
    std::map<std::string, std::string> out;
    for (const std::string& v : kVolumes) {
      out[v] = ReadVolume(engine_.get(), v).value();
    }
    return out;
  }

  // Restores `dir` into a fresh target and compares with `expected`.
  void ExpectRestores(const std::string& dir,
                      const std::map<std::string, std::string>& expected) {
    SCOPED_TRACE(dir);
    ExpectVerifies(dir);
    TargetEngine target(kBs, /*prefer_memory=*/true);
    target.Open();
    ASSERT_OK_AND_ASSIGN(RestoreOutcome r, RunRestore(target.engine(), nullptr,
                                                      {.backup_dir = dir}));
    for (const auto& [name, bytes] : expected) {
      ASSERT_OK_AND_ASSIGN(std::string got, ReadVolume(target.engine(), name));
      EXPECT_TRUE(got == bytes) << name << " is not bit-exact";
    }
    target.ExpectClean();
  }

  std::set<SetId> LiveSets() {
    std::set<SetId> out;
    for (const SnapshotSetInfo& s : engine_->ListSnapshotSets()) {
      out.insert(s.id);
    }
    return out;
  }

  void ExpectClean() {
    ASSERT_OK(engine_->RunBackgroundWork());
    ASSERT_OK_AND_ASSIGN(CheckReport report, engine_->Check());
    EXPECT_TRUE(report.ok()) << ::testing::PrintToString(report.problems);
  }

  TempDir tmp_{/*prefer_memory=*/true};
  std::unique_ptr<Engine> engine_;
};

uint64_t DistinctChanged(uint64_t seed, uint64_t count) {
  std::mt19937_64 rng(seed);
  std::set<uint64_t> blocks;
  for (uint64_t i = 0; i < count; ++i) {
    blocks.insert(rng() % kBlocks);
    if (rng() % 5 != 0) {
      for (uint32_t j = 0; j + 8 <= kBs; j += 8) rng();  // RandomBlock's draws
    }
  }
  return blocks.size();
}

TEST_F(BackupChainTest, EveryTypeRoundTripsAcrossReopens) {
  struct Taken {
    BackupOutcome backup;
    std::map<std::string, std::string> contents;
  };
  std::vector<Taken> taken;
  auto take = [&](BackupType type) {
    ASSERT_OK_AND_ASSIGN(BackupOutcome b, Backup(type));
    taken.push_back({b, Contents()});
  };

  take(BackupType::kFull);  // F
  Reopen();
  ASSERT_OK(ChangeBlocks(engine_.get(), "a", 101, 10));
  take(BackupType::kIncremental);  // I1 continues F
  Reopen();
  ASSERT_OK(ChangeBlocks(engine_.get(), "b", 102, 7));
  take(BackupType::kIncremental);  // I2 continues I1
  ASSERT_OK(ChangeBlocks(engine_.get(), "a", 103, 5));
  take(BackupType::kDifferential);  // D continues F
  Reopen();
  ASSERT_OK(ChangeBlocks(engine_.get(), "b", 104, 5));
  take(BackupType::kCopy);  // C: images, no chain
  ASSERT_OK(ChangeBlocks(engine_.get(), "a", 105, 3));
  take(BackupType::kIncremental);  // I3 continues I2
  Reopen();

  const std::vector<BackupSetType> types = {
      BackupSetType::kFull,        BackupSetType::kIncremental,
      BackupSetType::kIncremental, BackupSetType::kDifferential,
      BackupSetType::kCopy,        BackupSetType::kIncremental};
  const std::vector<int> bases = {-1, 0, 1, 0, -1, 2};
  for (size_t i = 0; i < taken.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("backup #", i));
    const BackupOutcome& b = taken[i].backup;
    EXPECT_EQ(b.type, types[i]);
    EXPECT_FALSE(b.promoted_from.has_value()) << b.promotion_reason;
    EXPECT_EQ(b.base_backup_id,
              bases[i] < 0 ? "" : taken[bases[i]].backup.backup_id);
    for (const BackupVolumeOutcome& v : b.volumes) {
      EXPECT_EQ(v.kind,
                bases[i] < 0 ? VolumeFileKind::kImage : VolumeFileKind::kDelta);
    }
  }
  // Deltas hold exactly the blocks written since their base.
  EXPECT_EQ(taken[1].backup.volumes[0].blocks_read, DistinctChanged(101, 10));
  EXPECT_EQ(taken[1].backup.volumes[1].blocks_read, 0u);
  EXPECT_EQ(taken[2].backup.volumes[0].blocks_read, 0u);
  EXPECT_EQ(taken[2].backup.volumes[1].blocks_read, DistinctChanged(102, 7));
  EXPECT_GE(taken[3].backup.volumes[0].blocks_read, DistinctChanged(101, 10));
  EXPECT_EQ(taken[4].backup.bytes_read, 2 * kBlocks * kBs);

  // The chain keeps F's set (for differentials) and I3's (for the next
  // incremental); nothing else.
  const BackupOutcome& full = taken[0].backup;
  EXPECT_EQ(LiveSets(), (std::set<SetId>{full.set_id, taken[5].backup.set_id}));
  EXPECT_THAT(ChainSetsNeeded(engine_->ListBackups()),
              ElementsAre(full.set_id, taken[5].backup.set_id));
  ASSERT_EQ(engine_->ListBackups().size(), taken.size());

  for (const Taken& t : taken) ExpectRestores(t.backup.dir, t.contents);
  ExpectClean();
}

TEST_F(BackupChainTest, ADeletedBaseSetPromotesToFullWithAnEvent) {
  ASSERT_OK_AND_ASSIGN(BackupOutcome full, Backup(BackupType::kFull));
  ASSERT_OK(engine_->DeleteSnapshotSet(full.set_id));
  ASSERT_OK(ChangeBlocks(engine_.get(), "a", 5, 4));
  ASSERT_OK_AND_ASSIGN(BackupOutcome b, Backup(BackupType::kIncremental));
  EXPECT_EQ(b.type, BackupSetType::kFull);
  EXPECT_EQ(b.promoted_from, BackupSetType::kIncremental);
  EXPECT_THAT(b.promotion_reason, HasSubstr("no longer exists"));
  EXPECT_EQ(b.base_backup_id, "");
  EXPECT_TRUE(b.set_kept);
  ASSERT_OK_AND_ASSIGN(
      auto set, BackupSetReader::Open(Env::Default(), b.dir, {}, absl::Now()));
  EXPECT_EQ(set->manifest().promoted_from, BackupSetType::kIncremental);
  EXPECT_EQ(set->manifest().type, BackupSetType::kFull);
  bool event = false;
  for (const Event& e : engine_->Events()) {
    if (e.kind == EventKind::kPromotedToFull && e.set == b.set_id) {
      event = true;
      EXPECT_THAT(e.message, HasSubstr(b.backup_id));
      EXPECT_THAT(e.message, HasSubstr("no longer exists"));
    }
  }
  EXPECT_TRUE(event);
  ExpectRestores(b.dir, Contents());

  // A promoted full is the chain's new base.
  ASSERT_OK(ChangeBlocks(engine_.get(), "b", 6, 4));
  ASSERT_OK_AND_ASSIGN(BackupOutcome next, Backup(BackupType::kDifferential));
  EXPECT_EQ(next.type, BackupSetType::kDifferential);
  EXPECT_EQ(next.base_backup_id, b.backup_id);
  ExpectRestores(next.dir, Contents());
  ExpectClean();
}

TEST_F(BackupChainTest, AMissingBaseDirectoryOrNoFullPromotes) {
  ASSERT_OK_AND_ASSIGN(BackupOutcome first, Backup(BackupType::kDifferential));
  EXPECT_EQ(first.type, BackupSetType::kFull);
  EXPECT_EQ(first.promoted_from, BackupSetType::kDifferential);
  EXPECT_THAT(first.promotion_reason, HasSubstr("no full backup"));

  // Another destination does not hold the base.
  ASSERT_OK_AND_ASSIGN(BackupOutcome elsewhere,
                       Backup(BackupType::kIncremental, tmp_.Sub("other")));
  EXPECT_EQ(elsewhere.type, BackupSetType::kFull);
  EXPECT_THAT(elsewhere.promotion_reason, HasSubstr("is not published in"));

  // The base's directory was removed.
  ASSERT_OK(RemoveTree(Env::Default(), elsewhere.dir));
  ASSERT_OK_AND_ASSIGN(BackupOutcome again,
                       Backup(BackupType::kIncremental, tmp_.Sub("other")));
  EXPECT_EQ(again.type, BackupSetType::kFull);
  EXPECT_THAT(again.promotion_reason, HasSubstr("is not published in"));
  ExpectRestores(again.dir, Contents());
  ExpectClean();
}

// The real case: the diff-area cap deletes the base set under load.
class SmallDiffAreaChainTest : public BackupChainTest {
 protected:
  // 256 KiB of diff area: about 32 pre-images of 4 KiB blocks.
  uint64_t DiffAreaMax() const override { return uint64_t{256} << 10; }
};

TEST_F(SmallDiffAreaChainTest, ACapDeletionOfTheBasePromotes) {
  ASSERT_OK_AND_ASSIGN(BackupOutcome full, Backup(BackupType::kFull));
  ASSERT_OK(FillVolume(engine_.get(), "a", 77));  // overwrites every block
  ASSERT_FALSE(SetAlive(engine_.get(), full.set_id));
  bool cap_event = false;
  for (const Event& e : engine_->Events()) {
    cap_event |= e.kind == EventKind::kCapDeletion && e.set == full.set_id;
  }
  EXPECT_TRUE(cap_event);
  ASSERT_OK_AND_ASSIGN(BackupOutcome b, Backup(BackupType::kIncremental));
  EXPECT_EQ(b.type, BackupSetType::kFull);
  EXPECT_EQ(b.promoted_from, BackupSetType::kIncremental);
  ExpectRestores(b.dir, Contents());
  ExpectRestores(full.dir, {});  // the old full still verifies and restores
  ExpectClean();
}

TEST_F(BackupChainTest, DifferentialsAndCopiesKeepNoSet) {
  ASSERT_OK_AND_ASSIGN(BackupOutcome full, Backup(BackupType::kFull));
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK(ChangeBlocks(engine_.get(), "a", 50 + i, 3));
    ASSERT_OK_AND_ASSIGN(BackupOutcome d, Backup(BackupType::kDifferential));
    EXPECT_EQ(d.base_backup_id, full.backup_id);
    EXPECT_FALSE(d.set_kept);
    ASSERT_OK_AND_ASSIGN(BackupOutcome c, Backup(BackupType::kCopy));
    EXPECT_FALSE(c.set_kept);
    EXPECT_EQ(LiveSets(), std::set<SetId>{full.set_id});
    ExpectRestores(d.dir, Contents());
    ExpectRestores(c.dir, Contents());
  }
  // A new full releases the old full's set.
  ASSERT_OK_AND_ASSIGN(BackupOutcome full2, Backup(BackupType::kFull));
  EXPECT_THAT(full2.released_sets, ElementsAre(full.set_id));
  EXPECT_EQ(LiveSets(), std::set<SetId>{full2.set_id});
  ExpectClean();
}

TEST_F(BackupChainTest, AVolumeNewToTheChainIsAnImage) {
  BackupOptions o;
  o.destination = tmp_.Sub("backups");
  o.volumes = {"a"};
  ASSERT_OK_AND_ASSIGN(BackupOutcome full,
                       RunBackup(engine_.get(), nullptr, o));
  ASSERT_OK(ChangeBlocks(engine_.get(), "a", 9, 4));
  o.volumes = {"a", "b"};
  o.type = BackupType::kIncremental;
  ASSERT_OK_AND_ASSIGN(BackupOutcome inc, RunBackup(engine_.get(), nullptr, o));
  EXPECT_EQ(inc.type, BackupSetType::kIncremental);
  ASSERT_EQ(inc.volumes.size(), 2u);
  EXPECT_EQ(inc.volumes[0].kind, VolumeFileKind::kDelta);
  EXPECT_EQ(inc.volumes[1].kind, VolumeFileKind::kImage);
  ExpectRestores(inc.dir, Contents());
  ExpectClean();
}

}  // namespace
}  // namespace shadowset::testing
