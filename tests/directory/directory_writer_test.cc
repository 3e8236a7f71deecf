// DirectoryWriter, driven event by event as the requestor would, with
// engine snapshots taken while it is frozen: the restore lifetime, the
// quiesce and the instant it captures, Abort racing Freeze, log truncation
// only after a successful FULL backup, and a restore through PreRestore /
// PostRestore.

#include "writers/directory/directory_writer.h"

#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "engine/codes.h"
#include "engine/fault_env.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/directory/directory_fixture.h"

namespace shadowset {
namespace {

using ::shadowset::testing::DirectoryTestBase;
using ::shadowset::testing::FakeClock;
using ::shadowset::testing::HasCode;
using ::shadowset::testing::SmallInit;
using ::shadowset::testing::StatusIs;
using ::shadowset::testing::TempDir;
using ::testing::ElementsAre;

constexpr char kRoot[] = "DC=example,DC=test";
constexpr char kOu[] = "OU=Hosts,DC=example,DC=test";

std::string Host(int i) { return absl::StrCat("CN=host", i, ",", kOu); }

uint32_t FailureOf(const absl::Status& s) { return CodeOf(s).value_or(0); }

// Copies every named volume of snapshot set `set` into a new volume
// "<prefix>-<suffix>" ("directory-db" -> "copy-db").
void CopySnapshot(Engine& engine, const SetId& set,
                  const std::vector<std::string>& volumes,
                  const std::string& prefix) {
  for (const std::string& name : volumes) {
    ASSERT_OK_AND_ASSIGN(auto snap, engine.OpenSnapshot(set, name));
    std::string target = prefix + name.substr(name.find('-'));
    ASSERT_OK(engine.CreateVolume(target, snap->size()).status());
    ASSERT_OK_AND_ASSIGN(Volume * out, engine.GetVolume(target));
    std::vector<uint8_t> buf(1 << 20);
    for (uint64_t off = 0; off < snap->size(); off += buf.size()) {
      auto piece = absl::MakeSpan(buf).first(
          std::min<uint64_t>(buf.size(), snap->size() - off));
      ASSERT_OK(snap->Read(off, piece));
      ASSERT_OK(out->Write(off, piece));
    }
    ASSERT_OK(out->Flush());
  }
}

// Writes a snapshot of every volume back over the live one.
void RestoreSnapshot(Engine& engine, const SetId& set,
                     const std::vector<std::string>& volumes) {
  for (const std::string& name : volumes) {
    ASSERT_OK_AND_ASSIGN(auto snap, engine.OpenSnapshot(set, name));
    ASSERT_OK_AND_ASSIGN(Volume * out, engine.GetVolume(name));
    std::vector<uint8_t> buf(1 << 20);
    for (uint64_t off = 0; off < snap->size(); off += buf.size()) {
      auto piece = absl::MakeSpan(buf).first(
          std::min<uint64_t>(buf.size(), snap->size() - off));
      ASSERT_OK(snap->Read(off, piece));
      ASSERT_OK(out->Write(off, piece));
    }
    ASSERT_OK(out->Flush());
  }
}

class DirectoryWriterTest : public DirectoryTestBase {
 protected:
  void SetUp() override {
    DirectoryTestBase::SetUp();
    ASSERT_OK(d().AddObject(kRoot, "domain").status());
    ASSERT_OK(d().AddObject(kOu, "organizationalUnit").status());
    writer_ = std::make_unique<DirectoryWriter>(&d());
  }
  void TearDown() override { writer_.reset(); }

  BackupContext Ctx(BackupType type = BackupType::kFull) {
    BackupContext ctx;
    ctx.backup_id = "b1";
    ctx.type = type;
    ctx.volumes = d().VolumeNames();
    return ctx;
  }

  // PrepareBackup .. Thaw with a snapshot set taken while frozen.
  SnapshotSetInfo SnapshotWhileFrozen(const BackupContext& ctx,
                                      bool persistent = false) {
    EXPECT_OK(writer_->PrepareBackup(ctx));
    EXPECT_OK(writer_->PrepareSnapshot(ctx));
    EXPECT_OK(writer_->Freeze(ctx));
    SnapshotSetOptions o;
    o.persistent = persistent;
    absl::StatusOr<SnapshotSetInfo> set =
        engine_->CreateSnapshotSet(d().VolumeNames(), o);
    EXPECT_OK(set.status());
    EXPECT_OK(writer_->Thaw(ctx));
    EXPECT_OK(writer_->PostSnapshot(ctx));
    return set.value_or(SnapshotSetInfo{});
  }

  std::unique_ptr<DirectoryWriter> writer_;
};

TEST_F(DirectoryWriterTest, IdentifyDeclaresTheTombstoneLifetime) {
  ASSERT_OK_AND_ASSIGN(WriterMetadata m, writer_->Identify());
  EXPECT_EQ(m.class_id, kDirectoryWriterClassId);
  EXPECT_EQ(m.instance_id, d().instance_id().ToString());
  EXPECT_EQ(m.restore_lifetime, absl::Hours(24 * 180));
  EXPECT_THAT(m.supported_types, ElementsAre(BackupType::kFull, BackupType::kCopy));
  EXPECT_EQ(m.restore_method, RestoreMethod::kStopRestoreStart);
  ASSERT_EQ(m.components.size(), 1u);
  EXPECT_EQ(m.components[0].type, ComponentType::kDatabase);
  EXPECT_THAT(m.components[0].volumes, ElementsAre("directory-db", "directory-log"));
  ASSERT_OK(d().SetTombstoneLifetime(absl::Hours(24 * 60)).status());
  ASSERT_OK_AND_ASSIGN(m, writer_->Identify());
  EXPECT_EQ(m.restore_lifetime, absl::Hours(24 * 60));
}

TEST_F(DirectoryWriterTest, FreezeHoldsChangesAndTheSnapshotHoldsThatInstant) {
  std::atomic<bool> stop{false};
  std::atomic<int> added{0};
  std::thread load([&] {
    for (int i = 0; !stop.load(); ++i) {
      ASSERT_OK(d().AddObject(Host(i), "computer").status());
      added.store(i + 1);
    }
  });
  while (added.load() < 20) std::this_thread::yield();
  BackupContext ctx = Ctx();
  ASSERT_OK(writer_->PrepareBackup(ctx));
  ASSERT_OK(writer_->PrepareSnapshot(ctx));
  ASSERT_OK(writer_->Freeze(ctx));
  ASSERT_TRUE(writer_->frozen_at().has_value());
  const uint64_t usn = writer_->frozen_at()->usn;
  // The load waits (it does not fail) while the directory is frozen.
  while (d().GetActivity().waiting_changes != 1) std::this_thread::yield();
  EXPECT_EQ(d().usn(), usn);
  SnapshotSetOptions o;
  o.persistent = false;
  ASSERT_OK_AND_ASSIGN(SnapshotSetInfo set,
                       engine_->CreateSnapshotSet(d().VolumeNames(), o));
  ASSERT_OK(writer_->Thaw(ctx));
  while (d().usn() < usn + 10) std::this_thread::yield();
  stop.store(true);
  load.join();

  // The snapshot, opened as a directory of its own, is exactly the live
  // directory as of the freeze.
  CopySnapshot(*engine_, set.id, d().VolumeNames(), "copy");
  DirectoryOptions copy_options = Options();
  copy_options.volume_prefix = "copy";
  ASSERT_OK_AND_ASSIGN(auto copy, DirectoryService::Open(engine_.get(), copy_options));
  EXPECT_EQ(copy->usn(), usn);
  ASSERT_OK_AND_ASSIGN(auto live, d().ListObjects());
  std::vector<DirectoryObject> expected;
  for (const DirectoryObject& o : live) {
    if (o.usn_created <= usn) expected.push_back(o);
  }
  ASSERT_OK_AND_ASSIGN(auto got, copy->ListObjects());
  EXPECT_EQ(got, expected);
  ASSERT_OK_AND_ASSIGN(DirectoryCheckReport report, copy->Check());
  EXPECT_TRUE(report.ok()) << ::testing::PrintToString(report.problems);
  ASSERT_OK(writer_->BackupComplete(ctx, {true, "/b"}));
  ASSERT_OK(writer_->BackupShutdown(ctx));
  ASSERT_OK(engine_->DeleteSnapshotSet(set.id));
  ASSERT_OK_AND_ASSIGN(CheckReport engine_report, engine_->Check());
  EXPECT_TRUE(engine_report.ok());
}

TEST_F(DirectoryWriterTest, AbortIsIdempotentAndStopsALaterFreeze) {
  BackupContext ctx = Ctx();
  ASSERT_OK(writer_->PrepareBackup(ctx));
  ASSERT_OK(writer_->Freeze(ctx));
  EXPECT_EQ(d().GetActivity().quiesce_depth, 1);
  ASSERT_OK(writer_->Abort(ctx));
  ASSERT_OK(writer_->Abort(ctx));
  EXPECT_EQ(d().GetActivity().quiesce_depth, 0);
  ASSERT_OK(d().AddObject(Host(1), "computer").status());  // not frozen
  EXPECT_THAT(writer_->Freeze(ctx), StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(d().GetActivity().quiesce_depth, 0);
  ASSERT_OK(writer_->BackupShutdown(ctx));
  // The next backup starts afresh.
  ASSERT_OK(writer_->PrepareBackup(ctx));
  ASSERT_OK(writer_->Freeze(ctx));
  ASSERT_OK(writer_->Thaw(ctx));
  EXPECT_EQ(d().GetActivity().quiesce_depth, 0);
}

TEST_F(DirectoryWriterTest, OfflineDirectoryIsRetryable) {
  ASSERT_OK(d().TakeOffline());
  absl::Status st = writer_->PrepareBackup(Ctx());
  EXPECT_THAT(st, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(FailureOf(st), static_cast<uint32_t>(WriterFailure::kRetryable));
}

TEST_F(DirectoryWriterTest, LogsAreTruncatedOnlyAfterASuccessfulFullBackup) {
  const std::string pad(6000, 'p');
  int next = 0;
  auto fill = [&] {
    uint64_t target = d().LogStatus().current_gen + 2;
    while (d().LogStatus().current_gen < target) {
      ASSERT_OK(d().AddObject(Host(next++), "computer", {{"pad", {pad}}}).status());
    }
  };
  struct Case {
    BackupType type;
    bool succeeded;
    bool truncates;
  };
  for (const Case& c : {Case{BackupType::kCopy, true, false},
                        Case{BackupType::kFull, false, false},
                        Case{BackupType::kIncremental, true, false},
                        Case{BackupType::kDifferential, true, false},
                        Case{BackupType::kFull, true, true}}) {
    SCOPED_TRACE(absl::StrCat("type ", static_cast<int>(c.type), " succeeded ",
                              c.succeeded));
    fill();
    const uint64_t before = d().LogStatus().first_retained_gen;
    BackupContext ctx = Ctx(c.type);
    SnapshotSetInfo set = SnapshotWhileFrozen(ctx);
    const uint64_t frozen_gen = writer_->frozen_at()->log_generation;
    ASSERT_GT(frozen_gen, before);
    ASSERT_OK(writer_->BackupComplete(ctx, {c.succeeded, "/b"}));
    ASSERT_OK(writer_->BackupShutdown(ctx));
    ASSERT_OK(engine_->DeleteSnapshotSet(set.id));
    DirectoryLogStatus log = d().LogStatus();
    if (c.truncates) {
      EXPECT_EQ(log.first_retained_gen, frozen_gen);
      EXPECT_GE(log.checkpoint_gen, frozen_gen);
    } else {
      EXPECT_EQ(log.first_retained_gen, before);
    }
  }
  Restart();
  ASSERT_OK_AND_ASSIGN(DirectoryCheckReport report, d().Check());
  EXPECT_TRUE(report.ok()) << ::testing::PrintToString(report.problems);
}

TEST_F(DirectoryWriterTest, RestoreThroughPreAndPostRestore) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK(d().AddObject(Host(i), "computer").status());
  }
  ASSERT_OK_AND_ASSIGN(auto at_backup, d().ListObjects());
  BackupContext ctx = Ctx();
  SnapshotSetInfo set = SnapshotWhileFrozen(ctx, /*persistent=*/true);
  const uint64_t usn = writer_->frozen_at()->usn;
  ASSERT_OK(writer_->BackupComplete(ctx, {true, "/b"}));
  ASSERT_OK(writer_->BackupShutdown(ctx));
  ASSERT_OK(d().DeleteObject(Host(2)).status());
  ASSERT_OK(d().Checkpoint());
  ASSERT_OK(d().AddObject(Host(9), "computer").status());

  RestoreContext rctx;
  rctx.volumes = d().VolumeNames();
  ASSERT_OK(writer_->PreRestore(rctx));
  EXPECT_FALSE(d().IsOnline());
  RestoreSnapshot(*engine_, set.id, d().VolumeNames());
  ASSERT_OK(writer_->PostRestore(rctx));
  ASSERT_OK_AND_ASSIGN(auto restored, d().ListObjects());
  EXPECT_EQ(restored, at_backup);
  EXPECT_EQ(d().usn(), usn);
  ASSERT_OK(engine_->DeleteSnapshotSet(set.id));
}

// A directory on an engine whose flushes can be slowed down, so that a
// checkpoint stays running while a Freeze waits for it.
struct SlowDiskRig {
  TempDir tmp;
  FaultInjectionEnv env;
  FakeClock clock;
  std::unique_ptr<Engine> engine;
  std::unique_ptr<DirectoryService> directory;

  void Setup() {
    InitOptions init;
    init.block_size = 4096;
    init.diff_area_max = uint64_t{16} << 20;
    ASSERT_OK(Engine::Init(tmp.Sub("d"), init, &env));
    EngineOptions eo;
    eo.env = &env;
    ASSERT_OK_AND_ASSIGN(engine, Engine::Open(tmp.Sub("d"), eo));
    DirectoryOptions o;
    o.clock = clock.AsFunction();
    o.background = BackgroundMode::kInline;
    ASSERT_OK(DirectoryService::Create(engine.get(), SmallInit(), o));
    ASSERT_OK_AND_ASSIGN(directory, DirectoryService::Open(engine.get(), o));
    ASSERT_OK(directory->AddObject(kRoot, "domain").status());
  }

  // Starts a checkpoint whose flushes take a second each; returns once it
  // is running.
  std::thread SlowCheckpoint() {
    env.SetSyncDelay(absl::Seconds(1));
    std::thread t([this] { ASSERT_OK(directory->Checkpoint()); });
    while (!directory->GetActivity().checkpoint_running) {
      std::this_thread::yield();
    }
    return t;
  }
};

// Abort racing a Freeze that waits for a slow checkpoint.
TEST(DirectoryWriterRaceTest, AbortDuringFreezeLeavesNothingFrozen) {
  SlowDiskRig rig;
  ASSERT_NO_FATAL_FAILURE(rig.Setup());
  DirectoryService& d = *rig.directory;
  DirectoryWriter writer(&d);
  BackupContext ctx;
  ctx.type = BackupType::kFull;
  ASSERT_OK(writer.PrepareBackup(ctx));

  std::thread checkpoint = rig.SlowCheckpoint();
  absl::Status freeze;
  std::thread freezer([&] { freeze = writer.Freeze(ctx); });
  while (d.GetActivity().quiesce_depth != 1) std::this_thread::yield();
  ASSERT_TRUE(d.GetActivity().checkpoint_running);
  ASSERT_OK(writer.Abort(ctx));
  EXPECT_EQ(d.GetActivity().quiesce_depth, 0);
  freezer.join();
  checkpoint.join();
  rig.env.SetSyncDelay(absl::ZeroDuration());
  EXPECT_THAT(freeze, StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(d.GetActivity().quiesce_depth, 0);
  EXPECT_FALSE(writer.frozen_at().has_value());
  ASSERT_OK(d.AddObject("CN=x,DC=example,DC=test", "computer").status());
  ASSERT_OK(writer.BackupShutdown(ctx));
}

// A freeze deadline that passes while a checkpoint runs is a TIMEOUT.
TEST(DirectoryWriterRaceTest, FreezeDeadlineIsATimeout) {
  SlowDiskRig rig;
  ASSERT_NO_FATAL_FAILURE(rig.Setup());
  DirectoryService& d = *rig.directory;
  DirectoryWriter writer(&d);
  BackupContext ctx;
  ASSERT_OK(writer.PrepareBackup(ctx));
  std::thread checkpoint = rig.SlowCheckpoint();
  ctx.deadline = absl::Now() + absl::Milliseconds(50);
  absl::Status freeze = writer.Freeze(ctx);
  checkpoint.join();
  rig.env.SetSyncDelay(absl::ZeroDuration());
  EXPECT_THAT(freeze, StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_EQ(FailureOf(freeze), static_cast<uint32_t>(WriterFailure::kTimeout));
  EXPECT_EQ(d.GetActivity().quiesce_depth, 0);
  ASSERT_OK(d.AddObject("CN=y,DC=example,DC=test", "computer").status());
}

}  // namespace
}  // namespace shadowset
