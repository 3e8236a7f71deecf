// RunBackup: plain volumes round trip bit-exact with holes in the extent
// map; the order of publication, record, BackupComplete and release as the
// writers see it; volume and writer selection; validation that changes
// nothing; every failure before publication aborting the writers and
// leaving no set and no .partial directory; stale partials; progress.

#include "requestor/backup_pipeline.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/backup/backup_set_reader.h"
#include "engine/backup/token.h"
#include "engine/codes.h"
#include "engine/fault_env.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "requestor/backup_chain.h"
#include "requestor/restore_pipeline.h"
#include "tests/requestor/backup_testing.h"
#include "tests/requestor/harness.h"
#include "tests/requestor/probe_writer.h"
#include "tests/testing/status_matchers.h"

namespace shadowset::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using E = WriterEvent;

class BackupPipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    h_.SetUp({"a", "b", "c"});
    dest_ = tmp_.Sub("backups");
  }
  void TearDown() override {
    for (auto& p : probes_) {
      p->EndHangs();
      EXPECT_OK(h_.registry()->Unregister(p.get()));
    }
    probes_.clear();
  }

  ProbeWriter* AddProbe(TestWriterOptions o,
                        absl::Duration lifetime = absl::InfiniteDuration()) {
    o.engine = h_.engine();
    o.mutate = false;
    probes_.push_back(std::make_unique<ProbeWriter>(o, h_.engine(), lifetime));
    EXPECT_OK(h_.registry()->Register(probes_.back().get()));
    return probes_.back().get();
  }

  BackupOptions Options(BackupType type = BackupType::kFull) const {
    BackupOptions o;
    o.destination = dest_;
    o.type = type;
    o.framework = Harness::Options().framework;
    return o;
  }

  // Nothing of a failed backup is left: no set but the chain's, no
  // .partial directory, no new record.
  void ExpectNothingLeft(size_t records_before) {
    EXPECT_EQ(h_.engine()->ListBackups().size(), records_before);
    std::vector<SetId> needed = ChainSetsNeeded(h_.engine()->ListBackups());
    EXPECT_EQ(h_.engine()->ListSnapshotSets().size(), needed.size());
    absl::StatusOr<std::vector<std::string>> entries =
        Env::Default()->ListDir(dest_);
    if (entries.ok()) {
      for (const std::string& e : *entries) {
        EXPECT_FALSE(absl::EndsWith(e, ".partial")) << e;
      }
      EXPECT_EQ(entries->size(), records_before);
    }
  }

  TempDir tmp_;
  Harness h_;
  std::string dest_;
  std::vector<std::unique_ptr<ProbeWriter>> probes_;
};

uint64_t ZeroBlocks(const std::string& bytes, uint32_t bs) {
  uint64_t n = 0;
  for (size_t off = 0; off < bytes.size(); off += bs) {
    if (bytes.find_first_not_of('\0', off) >= off + bs) ++n;
  }
  return n;
}

TEST_F(BackupPipelineTest, PlainVolumesRoundTripBitExactWithHolesInTheMap) {
  std::vector<std::string> before;
  for (const char* v : {"a", "b", "c"}) {
    ASSERT_OK(FillVolume(h_.engine(), v, 7 + v[0]));
    ASSERT_OK_AND_ASSIGN(std::string bytes, ReadVolume(h_.engine(), v));
    before.push_back(bytes);
  }
  ASSERT_OK_AND_ASSIGN(BackupOutcome b,
                       RunBackup(h_.engine(), h_.registry(), Options()));
  EXPECT_EQ(b.dir, JoinPath(dest_, b.backup_id));
  EXPECT_EQ(b.type, BackupSetType::kFull);
  EXPECT_FALSE(b.promoted_from.has_value());
  EXPECT_TRUE(b.writers.empty());
  EXPECT_EQ(b.bytes_read, 3u * 64 * kHarnessBlockSize);
  ASSERT_EQ(b.volumes.size(), 3u);
  EXPECT_TRUE(b.set_kept);
  EXPECT_THAT(b.warnings, IsEmpty());
  ExpectVerifies(b.dir);

  // Zero blocks are holes in the extent map, not stored data.
  ASSERT_OK_AND_ASSIGN(
      auto set, BackupSetReader::Open(Env::Default(), b.dir, {}, absl::Now()));
  for (size_t i = 0; i < 3; ++i) {
    const ManifestVolume& v = set->manifest().volumes[i];
    uint64_t zeros = ZeroBlocks(before[i], kHarnessBlockSize);
    ASSERT_GT(zeros, 0u);
    EXPECT_EQ(v.kind, VolumeFileKind::kImage);
    EXPECT_EQ(v.zero_blocks, zeros) << v.name;
    EXPECT_EQ(v.data_blocks, 64 - zeros) << v.name;
  }

  // The catalog records it, with its set kept as the chain's base.
  ASSERT_OK_AND_ASSIGN(BackupRecord record,
                       h_.engine()->GetBackup(b.backup_id));
  EXPECT_EQ(record.set, b.set_id);
  EXPECT_EQ(record.path, b.dir);
  EXPECT_EQ(record.type, static_cast<uint32_t>(BackupSetType::kFull));
  EXPECT_THAT(record.volumes, ElementsAre("a", "b", "c"));
  EXPECT_EQ(h_.engine()->ListSnapshotSets().size(), 1u);

  TargetEngine target;
  target.Open();
  ASSERT_OK(
      RunRestore(target.engine(), nullptr, {.backup_dir = b.dir}).status());
  for (size_t i = 0; i < 3; ++i) {
    std::string name(1, static_cast<char>('a' + i));
    ASSERT_OK_AND_ASSIGN(std::string after, ReadVolume(target.engine(), name));
    EXPECT_TRUE(after == before[i]) << name << " differs after restore";
  }
  target.ExpectClean();
  h_.ExpectClean();
}

TEST_F(BackupPipelineTest, RecordThenBackupCompleteThenRelease) {
  ProbeWriter* w = AddProbe({.name = "probe", .volumes = {"a"}});
  ASSERT_OK(FillVolume(h_.engine(), "a", 1));
  for (BackupType type : {BackupType::kFull, BackupType::kIncremental,
                          BackupType::kDifferential, BackupType::kCopy}) {
    SCOPED_TRACE(BackupTypeName(type));
    w->ClearEvents();
    ASSERT_OK(ChangeBlocks(h_.engine(), "a", static_cast<int>(type), 5));
    ASSERT_OK_AND_ASSIGN(BackupOutcome b,
                         RunBackup(h_.engine(), h_.registry(), Options(type)));
    EXPECT_THAT(
        w->events(),
        ElementsAre(E::kIdentify, E::kPrepareBackup, E::kPrepareSnapshot,
                    E::kFreeze, E::kThaw, E::kPostSnapshot, E::kBackupComplete,
                    E::kBackupShutdown));
    ASSERT_FALSE(w->completes().empty());
    const CompleteProbe p = w->completes().back();
    EXPECT_EQ(p.type, type);
    EXPECT_TRUE(p.succeeded);
    EXPECT_TRUE(p.published);  // published first,
    EXPECT_TRUE(p.recorded);   // then recorded,
    EXPECT_TRUE(p.set_alive);  // and the set released only afterwards
    // Kept: the full's and the incremental's sets; the differential's and
    // the copy's are released.
    const bool kept =
        type == BackupType::kFull || type == BackupType::kIncremental;
    EXPECT_EQ(b.set_kept, kept);
    EXPECT_EQ(SetAlive(h_.engine(), b.set_id), kept);
    ASSERT_EQ(b.writers.size(), 1u);
    EXPECT_EQ(b.writers[0].id, "probe");
    EXPECT_EQ(b.writers[0].state, WriterState::kStable);
    EXPECT_GT(b.writers[0].freeze_window, absl::ZeroDuration());
    EXPECT_LT(b.writers[0].freeze_window, absl::InfiniteDuration());
    EXPECT_GT(b.commit_time, absl::ZeroDuration());
    ExpectVerifies(b.dir);
  }
  EXPECT_THAT(w->violations(), IsEmpty());
  h_.ExpectClean();
}

TEST_F(BackupPipelineTest, WriterFilterSelectsItsVolumes) {
  AddProbe({.name = "on-b", .volumes = {"b"}});
  AddProbe({.name = "on-c", .volumes = {"c"}});
  BackupOptions o = Options();
  o.writers = {"on-b"};
  ASSERT_OK_AND_ASSIGN(BackupOutcome b,
                       RunBackup(h_.engine(), h_.registry(), o));
  ASSERT_OK_AND_ASSIGN(
      auto set, BackupSetReader::Open(Env::Default(), b.dir, {}, absl::Now()));
  ASSERT_EQ(set->manifest().volumes.size(), 1u);
  EXPECT_EQ(set->manifest().volumes[0].name, "b");
  ASSERT_EQ(set->manifest().writers.size(), 1u);
  EXPECT_EQ(set->manifest().writers[0].id, "on-b");
  EXPECT_EQ(set->manifest().writers[0].metadata["components"][0]["volumes"],
            nlohmann::json::array({"b"}));
  EXPECT_THAT(probes_[1]->events(),
              ElementsAre(E::kIdentify, E::kBackupShutdown));
  ExpectVerifies(b.dir);

  // --volumes alone: a writer with data there takes part anyway.
  o.writers.clear();
  o.volumes = {"c"};
  ASSERT_OK_AND_ASSIGN(b, RunBackup(h_.engine(), h_.registry(), o));
  ASSERT_OK_AND_ASSIGN(
      set, BackupSetReader::Open(Env::Default(), b.dir, {}, absl::Now()));
  ASSERT_EQ(set->manifest().writers.size(), 1u);
  EXPECT_EQ(set->manifest().writers[0].id, "on-c");
  ExpectVerifies(b.dir);
  h_.ExpectClean();
}

TEST_F(BackupPipelineTest, ExpiryIsTheWritersHorizonAndOnlyShortened) {
  AddProbe({.name = "dir", .volumes = {"a"}}, absl::Hours(24 * 180));
  BackupOptions o = Options();
  o.volumes = {"a"};
  ASSERT_OK_AND_ASSIGN(BackupOutcome b,
                       RunBackup(h_.engine(), h_.registry(), o));
  EXPECT_EQ(b.expires, b.created + absl::Hours(24 * 180));
  ExpectVerifies(b.dir);

  o.expires_in = absl::Hours(36);
  ASSERT_OK_AND_ASSIGN(b, RunBackup(h_.engine(), h_.registry(), o));
  EXPECT_EQ(b.expires, b.created + absl::Hours(36));
  ASSERT_OK_AND_ASSIGN(std::string token,
                       ReadFileToString(Env::Default(), b.dir + "/token"));
  ASSERT_OK_AND_ASSIGN(ExpiryToken t, DecodeToken(token));
  EXPECT_EQ(t.expires, b.expires);
  EXPECT_THAT(t.writer_ids, ElementsAre("dir"));
  ExpectVerifies(b.dir);

  const size_t records = h_.engine()->ListBackups().size();
  o.expires_in = absl::Hours(24 * 181);
  probes_[0]->ClearEvents();
  EXPECT_THAT(RunBackup(h_.engine(), h_.registry(), o),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("can only shorten")));
  // Refused before PrepareBackup: the writer saw only Identify.
  EXPECT_THAT(probes_[0]->events(),
              ElementsAre(E::kIdentify, E::kBackupShutdown));
  ExpectNothingLeft(records);
  h_.ExpectClean();
}

TEST_F(BackupPipelineTest, BadOptionsAreRefusedAndChangeNothing) {
  AddProbe({.name = "w", .volumes = {"a"}});
  struct Case {
    std::string name;
    BackupOptions options;
    absl::StatusCode code;
    std::optional<uint32_t> win32;
    std::string message;
  };
  std::vector<Case> cases;
  auto add = [&](std::string name, auto edit, absl::StatusCode code,
                 std::optional<uint32_t> win32, std::string message) {
    BackupOptions o = Options();
    edit(o);
    cases.push_back({std::move(name), o, code, win32, std::move(message)});
  };
  add(
      "log type", [](BackupOptions& o) { o.type = BackupType::kLog; },
      absl::StatusCode::kInvalidArgument, kErrorInvalidParameter,
      "not supported");
  add(
      "no destination", [](BackupOptions& o) { o.destination = ""; },
      absl::StatusCode::kInvalidArgument, kErrorInvalidParameter,
      "destination");
  add(
      "unknown volume", [](BackupOptions& o) { o.volumes = {"zz"}; },
      absl::StatusCode::kNotFound, kVssObjectNotFound, "zz");
  add(
      "unknown writer", [](BackupOptions& o) { o.writers = {"nobody"}; },
      absl::StatusCode::kNotFound, kErrorNotFound, "no writer named 'nobody'");
  add(
      "bad id", [](BackupOptions& o) { o.backup_id = "../escape"; },
      absl::StatusCode::kInvalidArgument, kErrorInvalidParameter,
      "not a valid backup id");
  add(
      "short key", [](BackupOptions& o) { o.key = "short"; },
      absl::StatusCode::kInvalidArgument, kErrorInvalidParameter,
      "at least 16");
  add(
      "odd run size", [](BackupOptions& o) { o.read_run_size = 5000; },
      absl::StatusCode::kInvalidArgument, kErrorInvalidParameter,
      "multiple of the block size");
  add(
      "tiny write buffer", [](BackupOptions& o) { o.write_buffer_size = 100; },
      absl::StatusCode::kInvalidArgument, kErrorInvalidParameter,
      "write buffer size 100 is below 4096 bytes");
  add(
      "no parent",
      [&](BackupOptions& o) { o.destination = tmp_.Sub("missing/backups"); },
      absl::StatusCode::kNotFound, std::nullopt, "does not exist");
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<BackupOutcome> b =
        RunBackup(h_.engine(), h_.registry(), c.options);
    EXPECT_THAT(b, StatusIs(c.code, HasSubstr(c.message)));
    if (c.win32) {
      EXPECT_THAT(b, HasCode(*c.win32));
    }
    EXPECT_TRUE(h_.engine()->ListSnapshotSets().empty());
    EXPECT_TRUE(h_.engine()->ListBackups().empty());
  }
  // A second backup of an existing id.
  BackupOptions o = Options();
  o.backup_id = "nightly";
  ASSERT_OK_AND_ASSIGN(BackupOutcome first,
                       RunBackup(h_.engine(), h_.registry(), o));
  EXPECT_THAT(RunBackup(h_.engine(), h_.registry(), o),
              StatusIs(absl::StatusCode::kAlreadyExists));
  ExpectNothingLeft(1);
  ExpectVerifies(first.dir);
  // A new destination given with a trailing slash is created.
  o.backup_id = "";
  o.destination = tmp_.Sub("fresh") + "/";
  ASSERT_OK_AND_ASSIGN(BackupOutcome slash,
                       RunBackup(h_.engine(), h_.registry(), o));
  EXPECT_EQ(Env::Default()->GetFileType(tmp_.Sub("fresh")).value(),
            FileType::kDirectory);
  ExpectVerifies(slash.dir);
  EXPECT_THAT(probes_[0]->violations(), IsEmpty());
  h_.ExpectClean();
}

TEST_F(BackupPipelineTest, WriterVetoLeavesNoSetNoPartialNoRecord) {
  ProbeWriter* w = AddProbe({.name = "w", .volumes = {"a"}});
  w->FailAt(E::kFreeze, WriterFailure::kRetryable);
  EXPECT_THAT(RunBackup(h_.engine(), h_.registry(), Options()),
              HasCode(static_cast<uint32_t>(WriterFailure::kRetryable)));
  EXPECT_THAT(w->events(),
              ElementsAre(E::kIdentify, E::kPrepareBackup, E::kPrepareSnapshot,
                          E::kFreeze, E::kAbort, E::kBackupShutdown));
  ExpectNothingLeft(0);
  EXPECT_THAT(w->violations(), IsEmpty());
  h_.ExpectClean();
}

// A failing write, sync, directory operation at any point of writing and
// publishing the set: the backup fails, the writers never hear
// BackupComplete, nothing is left.
TEST_F(BackupPipelineTest, EveryIoFailureBeforePublicationLeavesNothing) {
  ProbeWriter* w = AddProbe({.name = "w", .volumes = {"a", "b"}});
  ASSERT_OK(FillVolume(h_.engine(), "a", 3));
  ASSERT_OK(FillVolume(h_.engine(), "b", 4));
  ASSERT_OK_AND_ASSIGN(BackupOutcome full,
                       RunBackup(h_.engine(), h_.registry(), Options()));
  using Kind = FaultInjectionEnv::OpKind;
  for (Kind kind : {Kind::kWrite, Kind::kSync, Kind::kDirectory}) {
    for (uint64_t n = 1;; ++n) {
      SCOPED_TRACE(absl::StrCat("op kind ", static_cast<int>(kind), " #", n));
      FaultInjectionEnv env;
      env.FailOp(kind, n);
      ASSERT_OK(ChangeBlocks(h_.engine(), "a", n, 3));
      BackupOptions o = Options(BackupType::kIncremental);
      o.env = &env;
      o.background_writes = n % 2 == 0;
      w->ClearEvents();
      absl::StatusOr<BackupOutcome> b =
          RunBackup(h_.engine(), h_.registry(), o);
      if (b.ok()) {
        // n passed the last operation of this kind: the backup is whole.
        ExpectVerifies(b->dir);
        break;
      }
      EXPECT_THAT(b,
                  StatusIs(absl::StatusCode::kInternal, HasSubstr("injected")));
      EXPECT_THAT(w->events(),
                  ElementsAre(E::kIdentify, E::kPrepareBackup,
                              E::kPrepareSnapshot, E::kFreeze, E::kThaw,
                              E::kPostSnapshot, E::kBackupShutdown));
      ExpectNothingLeft(h_.engine()->ListBackups().size());
      ASSERT_LT(n, 200u);
    }
  }
  ExpectVerifies(full.dir);
  EXPECT_THAT(w->violations(), IsEmpty());
  h_.ExpectClean();
}

TEST_F(BackupPipelineTest, StalePartialsAreRemovedAtStart) {
  ASSERT_OK(Env::Default()->CreateDir(dest_));
  ASSERT_OK(Env::Default()->CreateDir(dest_ + "/crashed.partial"));
  ASSERT_OK(WriteFileAtomically(
      Env::Default(), dest_ + "/crashed.partial/manifest.json", AsBytes("{}")));
  ASSERT_OK_AND_ASSIGN(BackupOutcome b,
                       RunBackup(h_.engine(), h_.registry(), Options()));
  EXPECT_THAT(Env::Default()->ListDir(dest_).value(), ElementsAre(b.backup_id));
  ExpectVerifies(b.dir);
  h_.ExpectClean();
}

TEST_F(BackupPipelineTest, ProgressCountsUpToTheTotal) {
  ASSERT_OK(FillVolume(h_.engine(), "a", 9));
  std::vector<TransferProgress> seen;
  BackupOptions o = Options();
  o.read_run_size = 8 * kHarnessBlockSize;  // 8 runs per volume
  o.progress = [&](const TransferProgress& p) { seen.push_back(p); };
  ASSERT_OK_AND_ASSIGN(BackupOutcome b,
                       RunBackup(h_.engine(), h_.registry(), o));
  ASSERT_EQ(seen.size(), 3u * 8 + 1);
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].bytes_total, 3u * 64 * kHarnessBlockSize);
    EXPECT_EQ(seen[i].bytes_done,
              std::min<uint64_t>(i + 1, 24) * 8 * kHarnessBlockSize);
    EXPECT_EQ(seen[i].done, i + 1 == seen.size());
  }
  EXPECT_EQ(seen[0].volume, "a");
  EXPECT_EQ(seen.back().volume, "c");
  ExpectVerifies(b.dir);
  h_.ExpectClean();
}

TEST_F(BackupPipelineTest, KeyedBackupSignsAndHashesEverything) {
  ASSERT_OK(FillVolume(h_.engine(), "a", 11));
  BackupOptions o = Options();
  o.key = std::string(kKey);
  ASSERT_OK_AND_ASSIGN(BackupOutcome b,
                       RunBackup(h_.engine(), h_.registry(), o));
  EXPECT_TRUE(b.keyed);
  ASSERT_OK_AND_ASSIGN(
      auto set, BackupSetReader::Open(Env::Default(), b.dir, {.key = o.key},
                                      absl::Now()));
  EXPECT_TRUE(set->manifest().keyed);
  EXPECT_TRUE(set->token().is_signed);
  for (const ManifestFile& f : set->manifest().files) {
    EXPECT_TRUE(f.sha256.has_value()) << f.path;
  }
  ExpectVerifies(b.dir, kKey);
  EXPECT_THAT(
      BackupSetReader::Open(Env::Default(), b.dir,
                            {.key = "another key of 16+ bytes"}, absl::Now()),
      StatusIs(absl::StatusCode::kPermissionDenied));
  h_.ExpectClean();
}

}  // namespace
}  // namespace shadowset::testing
