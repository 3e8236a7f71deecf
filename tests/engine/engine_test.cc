// Engine API behaviour: init and open, volumes, snapshot sets, limits,
// changed blocks, deletion, reopen.

#include "engine/engine.h"

#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "engine/codes.h"
#include "engine/env.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace shadowset {
namespace {

using ::shadowset::testing::HasCode;
using ::shadowset::testing::IsOk;
using ::shadowset::testing::StatusIs;
using ::shadowset::testing::TempDir;
using ::testing::HasSubstr;

constexpr uint32_t kBs = 4096;

std::vector<uint8_t> Pattern(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(seed * 31 + i * 7 + 1);
  return v;
}

class EngineTest : public ::testing::TestWithParam<BackgroundMode> {
 protected:
  void SetUp() override {
    dir_ = tmp_.Sub("data");
    InitOptions init;
    init.block_size = kBs;
    init.diff_area_max = 64 << 20;
    ASSERT_OK(Engine::Init(dir_, init));
    Reopen();
  }

  void Reopen() {
    engine_.reset();
    EngineOptions options;
    options.background = GetParam();
    ASSERT_OK_AND_ASSIGN(engine_, Engine::Open(dir_, options));
  }

  std::vector<uint8_t> ReadSnap(const SetId& set, const std::string& vol,
                                uint64_t off, size_t n) {
    std::vector<uint8_t> out(n);
    auto snap = engine_->OpenSnapshot(set, vol);
    EXPECT_OK(snap.status());
    if (!snap.ok()) return out;
    EXPECT_OK((*snap)->Read(off, absl::MakeSpan(out)));
    return out;
  }

  std::vector<uint8_t> ReadLive(const std::string& vol, uint64_t off, size_t n) {
    std::vector<uint8_t> out(n);
    auto v = engine_->GetVolume(vol);
    EXPECT_OK(v.status());
    EXPECT_OK((*v)->Read(off, absl::MakeSpan(out)));
    return out;
  }

  void Write(const std::string& vol, uint64_t off,
             const std::vector<uint8_t>& data) {
    auto v = engine_->GetVolume(vol);
    ASSERT_OK(v.status());
    ASSERT_OK((*v)->Write(off, data));
  }

  void ExpectClean() {
    ASSERT_OK(engine_->RunBackgroundWork());
    ASSERT_OK_AND_ASSIGN(CheckReport report, engine_->Check());
    EXPECT_TRUE(report.ok()) << ::testing::PrintToString(report.problems);
  }

  TempDir tmp_;
  std::string dir_;
  std::unique_ptr<Engine> engine_;
};

TEST(EngineInitTest, RejectsBadBlockSizes) {
  TempDir tmp;
  for (uint32_t bs : {0u, 512u, 2048u, 12288u, 2u << 20}) {
    InitOptions o;
    o.block_size = bs;
    EXPECT_THAT(Engine::Init(tmp.Sub("d"), o),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("power of two")))
        << bs;
  }
  for (uint32_t bs : {4096u, 16384u, 1u << 20}) {
    InitOptions o;
    o.block_size = bs;
    o.diff_area_max = MinDiffAreaMax(bs);
    EXPECT_OK(Engine::Init(tmp.Sub("ok" + std::to_string(bs)), o));
  }
}

TEST(EngineInitTest, CapBelowMinimumNamesTheMinimum) {
  TempDir tmp;
  InitOptions o;
  o.block_size = 16384;
  o.diff_area_max = MinDiffAreaMax(16384) - 1;
  EXPECT_THAT(Engine::Init(tmp.Sub("d"), o),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("minimum of 163840 bytes")));
  // Nothing was created.
  EXPECT_EQ(Env::Default()->GetFileType(tmp.Sub("d")).value(), FileType::kMissing);
}

TEST(EngineInitTest, RefusesNonEmptyAndExisting) {
  TempDir tmp;
  ASSERT_OK(Engine::Init(tmp.Sub("d"), {}));
  EXPECT_THAT(Engine::Init(tmp.Sub("d"), {}),
              StatusIs(absl::StatusCode::kAlreadyExists));
  ASSERT_OK(Env::Default()->CreateDir(tmp.Sub("other")));
  ASSERT_OK(WriteFileAtomically(Env::Default(), tmp.Sub("other/x"), {}));
  EXPECT_THAT(Engine::Init(tmp.Sub("other"), {}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("not empty")));
}

TEST(EngineOpenTest, MissingDirectoryIsNotFound) {
  TempDir tmp;
  EXPECT_THAT(Engine::Open(tmp.Sub("nope")),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("shadowset init")));
  EXPECT_THAT(Engine::Open(tmp.path()),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("not a shadowset data directory")));
}

TEST(EngineOpenTest, SecondOpenNamesTheHolder) {
  TempDir tmp;
  ASSERT_OK(Engine::Init(tmp.Sub("d"), {}));
  EngineOptions o;
  o.lock_holder = "test holder 42";
  ASSERT_OK_AND_ASSIGN(auto first, Engine::Open(tmp.Sub("d"), o));
  EXPECT_THAT(Engine::Open(tmp.Sub("d")),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("locked by test holder 42")));
  first.reset();
  EXPECT_OK(Engine::Open(tmp.Sub("d")).status());
}

// Bytes this process has passed through read(2)/pread(2) so far (page
// cache hits included; LMDB's mmap reads are not).
uint64_t BytesRead() {
  std::ifstream io("/proc/self/io");
  std::string key;
  uint64_t value = 0;
  while (io >> key >> value) {
    if (key == "rchar:") return value;
  }
  return 0;
}

// After a clean close every index entry is committed, so an open replays
// nothing: it must not scan the diff area (the segments, spares included,
// hold 4 MiB each here). After a crash it must (crash_test).
TEST(EngineOpenTest, OnlyAnUncleanShutdownIsReplayed) {
  TempDir tmp;
  InitOptions init;
  init.block_size = 4096;
  init.diff_area_max = 64 << 20;
  ASSERT_OK(Engine::Init(tmp.Sub("d"), init));
  EngineOptions o;
  o.background = BackgroundMode::kInline;
  SetId set;
  const std::string before(1 << 20, 'a'), after(1 << 20, 'b');
  {
    ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(tmp.Sub("d"), o));
    ASSERT_OK(engine->CreateVolume("v", 1 << 20).status());
    ASSERT_OK_AND_ASSIGN(Volume * v, engine->GetVolume("v"));
    ASSERT_OK(v->Write(0, absl::MakeConstSpan(
                              reinterpret_cast<const uint8_t*>(before.data()),
                              before.size())));
    ASSERT_OK_AND_ASSIGN(SnapshotSetInfo info, engine->CreateSnapshotSet({"v"}));
    set = info.id;
    ASSERT_OK(v->Write(0, absl::MakeConstSpan(
                              reinterpret_cast<const uint8_t*>(after.data()),
                              after.size())));
    ASSERT_OK(v->Flush());
  }
  const uint64_t start = BytesRead();
  ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(tmp.Sub("d"), o));
  const uint64_t open_read = BytesRead() - start;
  EXPECT_LT(open_read, uint64_t{256} << 10)
      << "an open after a clean close read " << open_read << " bytes";
  ASSERT_OK_AND_ASSIGN(auto snap, engine->OpenSnapshot(set, "v"));
  std::string got(1 << 20, '\0');
  ASSERT_OK(snap->Read(0, absl::MakeSpan(reinterpret_cast<uint8_t*>(got.data()),
                                         got.size())));
  EXPECT_TRUE(got == before);
  ASSERT_OK_AND_ASSIGN(CheckReport report, engine->Check());
  EXPECT_TRUE(report.ok()) << ::testing::PrintToString(report.problems);
}

TEST_P(EngineTest, VolumeValidation) {
  EXPECT_THAT(engine_->CreateVolume("", kBs),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(engine_->CreateVolume("a/b", kBs),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(engine_->CreateVolume("v", kBs + 1),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("multiple of the block size 4096")));
  EXPECT_THAT(engine_->CreateVolume("v", 0),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK(engine_->CreateVolume("v", 16 * kBs).status());
  EXPECT_THAT(engine_->CreateVolume("v", 16 * kBs),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(engine_->GetVolume("w"), HasCode(kVssObjectNotFound));
  ASSERT_OK_AND_ASSIGN(Volume * v, engine_->GetVolume("v"));
  std::vector<uint8_t> buf(10);
  EXPECT_THAT(v->Write(16 * kBs - 5, buf),
              StatusIs(absl::StatusCode::kOutOfRange, HasSubstr("passes the end")));
  EXPECT_THAT(v->Read(16 * kBs - 5, absl::MakeSpan(buf)),
              StatusIs(absl::StatusCode::kOutOfRange));
  ASSERT_EQ(engine_->ListVolumes().size(), 1u);
  EXPECT_EQ(engine_->ListVolumes()[0].size, 16 * kBs);
}

TEST_P(EngineTest, UnalignedWritesRoundTripAndSurviveReopen) {
  ASSERT_OK(engine_->CreateVolume("v", 64 * kBs).status());
  std::vector<uint8_t> model(64 * kBs, 0);
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200; ++i) {
    uint64_t off = rng() % (64 * kBs - 1);
    size_t n = 1 + rng() % std::min<uint64_t>(3 * kBs, 64 * kBs - off - 1);
    std::vector<uint8_t> data = Pattern(n, static_cast<uint8_t>(i));
    Write("v", off, data);
    std::memcpy(model.data() + off, data.data(), n);
  }
  EXPECT_EQ(ReadLive("v", 0, model.size()), model);
  ASSERT_OK(engine_->Flush());
  Reopen();
  EXPECT_EQ(ReadLive("v", 0, model.size()), model);
  ExpectClean();
}

TEST_P(EngineTest, SnapshotKeepsItsInstant) {
  ASSERT_OK(engine_->CreateVolume("v", 32 * kBs).status());
  std::vector<uint8_t> a = Pattern(32 * kBs, 1);
  Write("v", 0, a);
  ASSERT_OK_AND_ASSIGN(SnapshotSetInfo s1, engine_->CreateSnapshotSet({"v"}));
  std::vector<uint8_t> b = Pattern(10 * kBs + 123, 2);
  Write("v", 3 * kBs - 50, b);
  std::vector<uint8_t> after = a;
  std::memcpy(after.data() + 3 * kBs - 50, b.data(), b.size());
  EXPECT_EQ(ReadSnap(s1.id, "v", 0, a.size()), a);
  EXPECT_EQ(ReadLive("v", 0, a.size()), after);
  // Unaligned snapshot reads.
  std::vector<uint8_t> part(a.begin() + 1000, a.begin() + 1000 + 9 * kBs);
  EXPECT_EQ(ReadSnap(s1.id, "v", 1000, 9 * kBs), part);

  ASSERT_OK_AND_ASSIGN(SnapshotSetInfo s2, engine_->CreateSnapshotSet({"v"}));
  Write("v", 0, Pattern(32 * kBs, 3));
  EXPECT_EQ(ReadSnap(s1.id, "v", 0, a.size()), a);
  EXPECT_EQ(ReadSnap(s2.id, "v", 0, a.size()), after);
  ASSERT_OK(engine_->Flush());
  Reopen();
  EXPECT_EQ(ReadSnap(s1.id, "v", 0, a.size()), a);
  EXPECT_EQ(ReadSnap(s2.id, "v", 0, a.size()), after);
  EXPECT_EQ(ReadLive("v", 0, a.size()), Pattern(32 * kBs, 3));
  ExpectClean();
}

TEST_P(EngineTest, DeletingMiddleAndOldestKeepsTheRestExact) {
  ASSERT_OK(engine_->CreateVolume("v", 16 * kBs).status());
  std::vector<std::vector<uint8_t>> states;
  std::vector<SetId> sets;
  for (int i = 0; i < 5; ++i) {
    std::vector<uint8_t> data = Pattern(16 * kBs, static_cast<uint8_t>(10 + i));
    // Touch a varying subset of blocks each time.
    std::vector<uint8_t> cur = states.empty() ? std::vector<uint8_t>(16 * kBs, 0)
                                              : ReadLive("v", 0, 16 * kBs);
    for (int b = i % 3; b < 16; b += 2) {
      std::memcpy(cur.data() + b * kBs, data.data() + b * kBs, kBs);
    }
    Write("v", 0, cur);
    states.push_back(cur);
    ASSERT_OK_AND_ASSIGN(SnapshotSetInfo s, engine_->CreateSnapshotSet({"v"}));
    sets.push_back(s.id);
  }
  Write("v", 0, Pattern(16 * kBs, 99));
  ASSERT_OK(engine_->DeleteSnapshotSet(sets[2]));
  ASSERT_OK(engine_->DeleteSnapshotSet(sets[0]));
  EXPECT_THAT(engine_->DeleteSnapshotSet(sets[0]), HasCode(kVssObjectNotFound));
  ASSERT_OK(engine_->RunBackgroundWork());
  for (int i : {1, 3, 4}) {
    EXPECT_EQ(ReadSnap(sets[i], "v", 0, 16 * kBs), states[i]) << i;
  }
  Reopen();
  for (int i : {1, 3, 4}) {
    EXPECT_EQ(ReadSnap(sets[i], "v", 0, 16 * kBs), states[i]) << i;
  }
  EXPECT_THAT(engine_->OpenSnapshot(sets[2], "v"), HasCode(kVssObjectNotFound));
  ExpectClean();
}

TEST_P(EngineTest, ChangedBlocksListsExactlyTheWrittenBlocks) {
  ASSERT_OK(engine_->CreateVolume("v", 64 * kBs).status());
  Write("v", 0, Pattern(64 * kBs, 1));
  ASSERT_OK_AND_ASSIGN(SnapshotSetInfo s1, engine_->CreateSnapshotSet({"v"}));
  Write("v", 5 * kBs + 10, Pattern(kBs, 2));  // blocks 5 and 6
  Write("v", 40 * kBs, Pattern(kBs, 3));      // block 40
  ASSERT_OK_AND_ASSIGN(SnapshotSetInfo s2, engine_->CreateSnapshotSet({"v"}));
  Write("v", 41 * kBs, Pattern(kBs, 4));  // after s2
  ASSERT_OK_AND_ASSIGN(SnapshotSetInfo s3, engine_->CreateSnapshotSet({"v"}));
  ASSERT_OK_AND_ASSIGN(auto c12, engine_->ChangedBlocks(s1.id, s2.id, "v"));
  EXPECT_THAT(c12, ::testing::ElementsAre(5, 6, 40));
  ASSERT_OK_AND_ASSIGN(auto c13, engine_->ChangedBlocks(s1.id, s3.id, "v"));
  EXPECT_THAT(c13, ::testing::ElementsAre(5, 6, 40, 41));
  EXPECT_THAT(engine_->ChangedBlocks(s2.id, s1.id, "v"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // Deleting the middle set keeps the list from s1 complete (I5).
  ASSERT_OK(engine_->DeleteSnapshotSet(s2.id));
  ASSERT_OK(engine_->RunBackgroundWork());
  ASSERT_OK_AND_ASSIGN(c13, engine_->ChangedBlocks(s1.id, s3.id, "v"));
  EXPECT_THAT(c13, ::testing::ElementsAre(5, 6, 40, 41));
  ExpectClean();
}

TEST_P(EngineTest, SetLimitsCarryTheirCodes) {
  std::vector<std::string> names;
  for (int i = 0; i < 65; ++i) {
    names.push_back("v" + std::to_string(i));
    ASSERT_OK(engine_->CreateVolume(names.back(), kBs).status());
  }
  EXPECT_THAT(engine_->CreateSnapshotSet(names),
              HasCode(kVssMaximumNumberOfVolumesReached));
  names.pop_back();
  SnapshotSetOptions o;
  o.persistent = false;
  EXPECT_OK(engine_->CreateSnapshotSet(names, o).status());
  EXPECT_THAT(engine_->CreateSnapshotSet({}), HasCode(kVssBadState));
  EXPECT_THAT(engine_->CreateSnapshotSet({"v1", "v1"}), HasCode(kVssBadState));
  EXPECT_THAT(engine_->CreateSnapshotSet({"nope"}), HasCode(kVssObjectNotFound));
  // 512 snapshots per volume; the 513th is refused, nothing is deleted.
  for (int i = 1; i < 512; ++i) {
    ASSERT_OK(engine_->CreateSnapshotSet({"v0"}, o).status()) << i;
  }
  EXPECT_THAT(engine_->CreateSnapshotSet({"v0"}, o),
              HasCode(kVssMaximumNumberOfSnapshotsReached));
  EXPECT_EQ(engine_->ListSnapshotSets().size(), 512u);
}

TEST_P(EngineTest, AutoReleaseSetsEndWithTheEngine) {
  ASSERT_OK(engine_->CreateVolume("v", 8 * kBs).status());
  Write("v", 0, Pattern(8 * kBs, 1));
  SnapshotSetOptions o;
  o.persistent = false;
  ASSERT_OK_AND_ASSIGN(SnapshotSetInfo s, engine_->CreateSnapshotSet({"v"}, o));
  Write("v", 0, Pattern(8 * kBs, 2));
  EXPECT_EQ(ReadSnap(s.id, "v", 0, 8 * kBs), Pattern(8 * kBs, 1));
  ASSERT_OK(engine_->Flush());
  Reopen();
  EXPECT_TRUE(engine_->ListSnapshotSets().empty());
  EXPECT_EQ(ReadLive("v", 0, 8 * kBs), Pattern(8 * kBs, 2));
  ExpectClean();
}

TEST_P(EngineTest, DeletedSnapshotReadsAbort) {
  ASSERT_OK(engine_->CreateVolume("v", 8 * kBs).status());
  ASSERT_OK_AND_ASSIGN(SnapshotSetInfo s, engine_->CreateSnapshotSet({"v"}));
  ASSERT_OK_AND_ASSIGN(auto snap, engine_->OpenSnapshot(s.id, "v"));
  ASSERT_OK(engine_->DeleteSnapshotSet(s.id));
  std::vector<uint8_t> buf(kBs);
  EXPECT_THAT(snap->Read(0, absl::MakeSpan(buf)),
              StatusIs(absl::StatusCode::kAborted));
}

TEST_P(EngineTest, StagingVolumesSwitchInAtomically) {
  ASSERT_OK(engine_->CreateVolume("v", 8 * kBs).status());
  Write("v", 0, Pattern(8 * kBs, 1));
  ASSERT_OK_AND_ASSIGN(SnapshotSetInfo s, engine_->CreateSnapshotSet({"v"}));
  ASSERT_OK_AND_ASSIGN(Volume * old, engine_->GetVolume("v"));
  ASSERT_OK_AND_ASSIGN(Volume * staged, engine_->CreateStagingVolume("v", 8 * kBs));
  EXPECT_THAT(engine_->CreateStagingVolume("v", 8 * kBs),
              StatusIs(absl::StatusCode::kAlreadyExists));
  ASSERT_OK(staged->Write(0, Pattern(8 * kBs, 2)));
  // Not visible until switched in.
  EXPECT_EQ(ReadLive("v", 0, 8 * kBs), Pattern(8 * kBs, 1));
  EXPECT_EQ(engine_->ListVolumes().size(), 1u);
  ASSERT_OK(engine_->SwitchInStagingVolumes({"v"}));
  EXPECT_EQ(ReadLive("v", 0, 8 * kBs), Pattern(8 * kBs, 2));
  std::vector<uint8_t> buf(16);
  EXPECT_THAT(old->Read(0, absl::MakeSpan(buf)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("replaced by a restore")));
  // The replaced volume's set went first, with an event.
  EXPECT_THAT(engine_->OpenSnapshot(s.id, "v"), HasCode(kVssObjectNotFound));
  bool restore_event = false;
  for (const Event& e : engine_->Events()) {
    restore_event |= e.kind == EventKind::kRestore && e.volume == "v";
  }
  EXPECT_TRUE(restore_event);
  EXPECT_THAT(engine_->SwitchInStagingVolumes({"v"}), HasCode(kVssObjectNotFound));
  Reopen();
  EXPECT_EQ(ReadLive("v", 0, 8 * kBs), Pattern(8 * kBs, 2));
  ExpectClean();
}

TEST_P(EngineTest, UnfinishedStagingIsDroppedAtOpen) {
  ASSERT_OK(engine_->CreateVolume("v", 8 * kBs).status());
  Write("v", 0, Pattern(8 * kBs, 1));
  ASSERT_OK_AND_ASSIGN(Volume * staged, engine_->CreateStagingVolume("v", 8 * kBs));
  ASSERT_OK(staged->Write(0, Pattern(8 * kBs, 2)));
  ASSERT_OK_AND_ASSIGN(Volume * fresh, engine_->CreateStagingVolume("w", 4 * kBs));
  ASSERT_OK(fresh->Write(0, Pattern(4 * kBs, 3)));
  Reopen();
  EXPECT_EQ(ReadLive("v", 0, 8 * kBs), Pattern(8 * kBs, 1));
  EXPECT_THAT(engine_->GetVolume("w"), HasCode(kVssObjectNotFound));
  std::vector<std::string> files =
      Env::Default()->ListDir(dir_ + "/volumes").value();
  EXPECT_EQ(files.size(), 1u);
  // A restore into a name that does not exist yet creates it.
  ASSERT_OK_AND_ASSIGN(fresh, engine_->CreateStagingVolume("w", 4 * kBs));
  ASSERT_OK(fresh->Write(0, Pattern(4 * kBs, 3)));
  ASSERT_OK(engine_->SwitchInStagingVolumes({"w"}));
  EXPECT_EQ(ReadLive("w", 0, 4 * kBs), Pattern(4 * kBs, 3));
  ExpectClean();
}

TEST_P(EngineTest, BackupRecordsPersist) {
  BackupRecord r;
  r.id = "b1";
  r.set = SetId::Random();
  r.type = 1;
  r.path = "/backups/b1";
  r.created = absl::FromUnixSeconds(1700000000);
  r.volumes = {"v"};
  r.details = R"({"k":1})";
  ASSERT_OK(engine_->RecordBackup(r));
  Reopen();
  ASSERT_OK_AND_ASSIGN(BackupRecord back, engine_->GetBackup("b1"));
  EXPECT_EQ(back.set, r.set);
  EXPECT_EQ(back.path, r.path);
  EXPECT_EQ(back.created, r.created);
  EXPECT_EQ(back.expires, absl::InfiniteFuture());
  EXPECT_EQ(back.details, r.details);
  EXPECT_EQ(engine_->ListBackups().size(), 1u);
  EXPECT_THAT(engine_->GetBackup("b2"), StatusIs(absl::StatusCode::kNotFound));
}

// A record below the checkpoint that fails its checksum is corruption:
// reads report kDataLoss, the sets needing it are marked corrupt (for good,
// after a reopen too), an event is recorded, the scrub names it; other sets
// are unaffected and nothing is truncated.
TEST_P(EngineTest, CorruptRecordInvalidatesTheSetsThatNeedIt) {
  ASSERT_OK(engine_->CreateVolume("v", 8 * kBs).status());
  ASSERT_OK(engine_->CreateVolume("w", 8 * kBs).status());
  Write("v", 0, Pattern(8 * kBs, 1));
  Write("w", 0, Pattern(8 * kBs, 1));
  ASSERT_OK_AND_ASSIGN(SnapshotSetInfo sv, engine_->CreateSnapshotSet({"v"}));
  ASSERT_OK_AND_ASSIGN(SnapshotSetInfo sw, engine_->CreateSnapshotSet({"w"}));
  Write("v", 0, Pattern(kBs, 2));  // preserves block 0 of v only
  Write("w", 0, Pattern(kBs, 2));
  ASSERT_OK(engine_->Flush());
  ASSERT_OK(engine_->RunBackgroundWork());
  engine_.reset();
  // Flip one byte in the data of v's record (the first record whose header
  // names volume 1).
  std::string diff = dir_ + "/diff";
  bool flipped = false;
  std::vector<std::string> names = Env::Default()->ListDir(diff).value();
  for (const std::string& name : names) {
    std::string bytes = ReadFileToString(Env::Default(), diff + "/" + name).value();
    for (size_t off = 4096; off + 8192 <= bytes.size() && !flipped; off += 4096) {
      if (bytes.compare(off, 4, "SSDR") == 0 && bytes[off + 19] == 1) {
        bytes[off + 4096 + 100] ^= 0x40;
        ASSERT_OK(WriteFileAtomically(
            Env::Default(), diff + "/" + name,
            absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(bytes.data()),
                                bytes.size())));
        flipped = true;
      }
    }
  }
  ASSERT_TRUE(flipped);
  Reopen();
  ASSERT_OK_AND_ASSIGN(auto snap, engine_->OpenSnapshot(sv.id, "v"));
  std::vector<uint8_t> buf(8 * kBs);
  EXPECT_THAT(snap->Read(0, absl::MakeSpan(buf)),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("checksum")));
  EXPECT_EQ(ReadSnap(sw.id, "w", 0, 8 * kBs), Pattern(8 * kBs, 1));
  bool event = false;
  for (const Event& e : engine_->Events()) {
    event |= e.kind == EventKind::kCorruption && e.set == sv.id;
  }
  EXPECT_TRUE(event);
  Reopen();
  ASSERT_OK_AND_ASSIGN(SnapshotSetInfo info, engine_->GetSnapshotSet(sv.id));
  EXPECT_TRUE(info.corrupt);
  ASSERT_OK_AND_ASSIGN(info, engine_->GetSnapshotSet(sw.id));
  EXPECT_FALSE(info.corrupt);
  ASSERT_OK_AND_ASSIGN(auto again, engine_->OpenSnapshot(sv.id, "v"));
  EXPECT_THAT(again->Read(kBs, absl::MakeSpan(buf).first(kBs)),
              StatusIs(absl::StatusCode::kDataLoss));
  ASSERT_OK_AND_ASSIGN(CheckReport report, engine_->Check());
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_THAT(report.problems[0], HasSubstr("xxh3"));
  // The live volumes are untouched.
  std::vector<uint8_t> live = Pattern(8 * kBs, 1);
  std::vector<uint8_t> head = Pattern(kBs, 2);
  std::copy(head.begin(), head.end(), live.begin());
  EXPECT_EQ(ReadLive("v", 0, 8 * kBs), live);
}

// The catalog's map grows when full (DESIGN §2.4): a live write never fails
// for it.
TEST(EngineCatalogTest, MapGrowsInsteadOfFailingWrites) {
  TempDir tmp;
  InitOptions init;
  init.block_size = kBs;
  init.diff_area_max = 256 << 20;
  ASSERT_OK(Engine::Init(tmp.Sub("d"), init));
  EngineOptions o;
  o.catalog_map_size = 256 << 10;  // tiny: a few thousand index entries
  ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(tmp.Sub("d"), o));
  ASSERT_OK(engine->CreateVolume("v", 16384 * kBs).status());
  ASSERT_OK_AND_ASSIGN(Volume * v, engine->GetVolume("v"));
  std::vector<uint8_t> data = Pattern(16384 * kBs, 1);
  ASSERT_OK(v->Write(0, data));
  ASSERT_OK_AND_ASSIGN(SnapshotSetInfo s, engine->CreateSnapshotSet({"v"}));
  ASSERT_OK(v->Write(0, Pattern(16384 * kBs, 2)));  // 16384 index entries
  ASSERT_OK(engine->RunBackgroundWork());
  ASSERT_OK_AND_ASSIGN(auto snap, engine->OpenSnapshot(s.id, "v"));
  std::vector<uint8_t> got(data.size());
  ASSERT_OK(snap->Read(0, absl::MakeSpan(got)));
  EXPECT_EQ(got, data);
  ASSERT_OK_AND_ASSIGN(CheckReport report, engine->Check());
  EXPECT_EQ(report.records_checked, 16384u);
  EXPECT_TRUE(report.ok());
}

INSTANTIATE_TEST_SUITE_P(Modes, EngineTest,
                         ::testing::Values(BackgroundMode::kThreads,
                                           BackgroundMode::kInline),
                         [](const auto& info) {
                           return info.param == BackgroundMode::kThreads
                                      ? "Threads"
                                      : "Inline";
                         });

}  // namespace
}  // namespace shadowset
