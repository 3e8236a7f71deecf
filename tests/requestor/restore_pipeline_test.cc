// RunRestore: each token refusal with its own error and nothing written; a
// clock set back; block-size and volume-size mismatches refused up front;
// a flipped byte anywhere in a set caught by verify and by restore before
// anything is switched in; restore in place deleting the volumes'
// snapshots; writers around a restore; the reopen hook; subsets; chains
// missing a base.

#include "requestor/restore_pipeline.h"

#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/backup/token.h"
#include "engine/backup/verify.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "requestor/backup_chain.h"
#include "requestor/backup_pipeline.h"
#include "tests/requestor/backup_testing.h"
#include "tests/requestor/harness.h"
#include "tests/testing/status_matchers.h"

namespace shadowset::testing {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Optional;
using E = WriterEvent;

class RestorePipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    h_.SetUp({"a", "b"}, BackgroundMode::kThreads, 32);
    ASSERT_OK(FillVolume(h_.engine(), "a", 1));
    ASSERT_OK(FillVolume(h_.engine(), "b", 2));
    dest_ = tmp_.Sub("backups");
  }

  absl::StatusOr<BackupOutcome> Backup(
      BackupType type = BackupType::kFull, std::string key = "",
      std::optional<absl::Duration> expires_in = std::nullopt) {
    BackupOptions o;
    o.destination = dest_;
    o.type = type;
    o.key = std::move(key);
    o.expires_in = expires_in;
    o.framework = Harness::Options().framework;
    return RunBackup(h_.engine(), h_.registry(), o);
  }

  // A copy of the set `dir` under a directory of its own (same name).
  std::string CopySet(const std::string& dir, const std::string& label) {
    std::string parent = tmp_.Sub("copies/" + label);
    std::filesystem::create_directories(parent);
    std::string to =
        parent + "/" + std::filesystem::path(dir).filename().string();
    std::filesystem::copy(dir, to, std::filesystem::copy_options::recursive);
    return to;
  }

  std::map<std::string, std::string> Contents(Engine* engine) {
    std::map<std::string, std::string> out;
    for (const VolumeInfo& v : engine->ListVolumes()) {
      out[v.name] = ReadVolume(engine, v.name).value();
    }
    return out;
  }

  TempDir tmp_;
  Harness h_;
  std::string dest_;
};

TEST_F(RestorePipelineTest, EachTokenRefusalHasItsOwnErrorAndWritesNothing) {
  ASSERT_OK_AND_ASSIGN(BackupOutcome plain, Backup());
  ASSERT_OK_AND_ASSIGN(BackupOutcome keyed,
                       Backup(BackupType::kCopy, std::string(kKey)));
  ASSERT_OK_AND_ASSIGN(BackupOutcome other, Backup(BackupType::kCopy));
  ASSERT_OK_AND_ASSIGN(BackupOutcome short_lived,
                       Backup(BackupType::kCopy, "", absl::Hours(1)));
  Env* env = Env::Default();

  struct Case {
    std::string name;
    std::string dir;
    std::string key;
    std::optional<absl::Time> now;
    absl::StatusCode code;
    TokenError error;
  };
  std::vector<Case> cases;

  std::string missing = CopySet(plain.dir, "missing");
  ASSERT_OK(env->RemoveFile(missing + "/token"));
  cases.push_back({"missing",
                   missing,
                   "",
                   {},
                   absl::StatusCode::kNotFound,
                   TokenError::kMissing});

  std::string unreadable = CopySet(plain.dir, "unreadable");
  ASSERT_OK(WriteFileAtomically(env, unreadable + "/token",
                                AsBytes("this is not a token")));
  cases.push_back({"unreadable",
                   unreadable,
                   "",
                   {},
                   absl::StatusCode::kInvalidArgument,
                   TokenError::kUnreadable});

  cases.push_back({"unsigned when keyed",
                   CopySet(plain.dir, "unsigned"),
                   std::string(kKey),
                   {},
                   absl::StatusCode::kPermissionDenied,
                   TokenError::kUnsigned});

  // Re-signed with another key, with a later expiry: a forgery.
  std::string tampered = CopySet(keyed.dir, "tampered");
  {
    ASSERT_OK_AND_ASSIGN(std::string bytes,
                         ReadFileToString(env, tampered + "/token"));
    ASSERT_OK_AND_ASSIGN(ExpiryToken t, DecodeToken(bytes));
    t.expires = t.created + absl::Hours(24 * 3650);
    ASSERT_OK(WriteFileAtomically(
        env, tampered + "/token",
        AsBytes(EncodeToken(t, "a-forger's-own-key-0123456789"))));
  }
  cases.push_back({"tampered",
                   tampered,
                   std::string(kKey),
                   {},
                   absl::StatusCode::kPermissionDenied,
                   TokenError::kTampered});

  std::string foreign = CopySet(plain.dir, "foreign");
  ASSERT_OK(WriteFileAtomically(
      env, foreign + "/token",
      AsBytes(ReadFileToString(env, other.dir + "/token").value())));
  cases.push_back({"foreign",
                   foreign,
                   "",
                   {},
                   absl::StatusCode::kFailedPrecondition,
                   TokenError::kForeign});

  cases.push_back({"expired", short_lived.dir, "",
                   short_lived.created + absl::Hours(1) + absl::Seconds(1),
                   absl::StatusCode::kFailedPrecondition,
                   TokenError::kExpired});

  TargetEngine target;
  target.Open();
  std::set<std::string> messages;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<RestoreOutcome> r =
        RunRestore(target.engine(), nullptr,
                   {.backup_dir = c.dir, .key = c.key, .now = c.now});
    ASSERT_THAT(r, StatusIs(c.code));
    EXPECT_THAT(TokenErrorOf(r.status()), Optional(c.error));
    messages.insert(std::string(r.status().message()));
    EXPECT_THAT(VerifyBackupSet(env, c.dir, c.key, c.now.value_or(absl::Now())),
                StatusIs(c.code));
    EXPECT_THAT(target.engine()->ListVolumes(), IsEmpty());
  }
  EXPECT_EQ(messages.size(), cases.size()) << "messages are not distinct";

  // The originals restore (just inside the short expiry, too).
  for (const auto& [dir, key, now] :
       std::vector<std::tuple<std::string, std::string, absl::Time>>{
           {plain.dir, "", absl::Now()},
           {keyed.dir, std::string(kKey), absl::Now()},
           {short_lived.dir, "", short_lived.created + absl::Hours(1)}}) {
    ASSERT_OK(RunRestore(target.engine(), nullptr,
                         {.backup_dir = dir, .key = key, .now = now})
                  .status());
    EXPECT_TRUE(Contents(target.engine()) == Contents(h_.engine()));
  }
  target.ExpectClean();
  for (const BackupOutcome* b : {&plain, &keyed, &other, &short_lived}) {
    ExpectVerifies(b->dir, b->keyed ? kKey : "");
  }
  h_.ExpectClean();
}

TEST_F(RestorePipelineTest, AClockSetBackIsRefused) {
  ASSERT_OK_AND_ASSIGN(BackupOutcome b, Backup());
  auto before = Contents(h_.engine());
  const absl::Time high = h_.engine()->ClockHighWater();
  ASSERT_GE(high, b.created);
  ASSERT_OK(ChangeBlocks(h_.engine(), "a", 3, 4));
  auto changed = Contents(h_.engine());
  EXPECT_THAT(
      RunRestore(h_.engine(), h_.registry(),
                 {.backup_dir = b.dir, .now = high - absl::Seconds(1)}),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("set back")));
  EXPECT_TRUE(Contents(h_.engine()) == changed);
  ASSERT_OK(
      RunRestore(h_.engine(), h_.registry(), {.backup_dir = b.dir}).status());
  EXPECT_TRUE(Contents(h_.engine()) == before);
  ExpectVerifies(b.dir);
  h_.ExpectClean();
}

TEST_F(RestorePipelineTest, GeometryMismatchesAreRefusedUpFront) {
  ASSERT_OK_AND_ASSIGN(BackupOutcome b, Backup());
  TargetEngine wide(8192);
  wide.Open();
  EXPECT_THAT(RunRestore(wide.engine(), nullptr, {.backup_dir = b.dir}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("4096-byte blocks")));
  EXPECT_THAT(wide.engine()->ListVolumes(), IsEmpty());

  TargetEngine small;
  small.Open();
  ASSERT_OK(small.engine()->CreateVolume("b", 16 * 4096).status());
  ASSERT_OK(FillVolume(small.engine(), "b", 99));
  auto before = Contents(small.engine());
  EXPECT_THAT(RunRestore(small.engine(), nullptr, {.backup_dir = b.dir}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("does not resize")));
  EXPECT_TRUE(Contents(small.engine()) == before);  // and no 'a' either
  wide.ExpectClean();
  small.ExpectClean();
  ExpectVerifies(b.dir);
}

class FlippedByteTest : public RestorePipelineTest,
                        public ::testing::WithParamInterface<bool> {};

// Every byte of a set is vouched for: a flipped one fails verify, and a
// restore of that set refuses before switching anything in. A chain's
// restore reads only the blocks it needs from its bases: with a base
// damaged it refuses, or (when the damage is in a block a later delta
// supersedes) restores exactly the right contents; `backup verify` checks
// the bases whole.
TEST_P(FlippedByteTest, IsFoundByVerifyAndRefusedBeforeTheSwitchIn) {
  const bool keyed = GetParam();
  const std::string key = keyed ? std::string(kKey) : "";
  const uint64_t seed = keyed ? 4242 : 2424;
  SCOPED_TRACE(absl::StrCat("seed ", seed));
  ASSERT_OK_AND_ASSIGN(BackupOutcome full, Backup(BackupType::kFull, key));
  ASSERT_OK(ChangeBlocks(h_.engine(), "b", 8, 6));
  ASSERT_OK_AND_ASSIGN(BackupOutcome inc,
                       Backup(BackupType::kIncremental, key));
  ASSERT_EQ(inc.type, BackupSetType::kIncremental);
  const auto at_inc = Contents(h_.engine());
  // The targets hold other data that must survive every refused restore.
  TargetEngine target, chain_target;
  for (TargetEngine* t : {&target, &chain_target}) {
    t->Open();
    for (const char* v : {"a", "b"}) {
      ASSERT_OK(t->engine()->CreateVolume(v, 32 * 4096).status());
      ASSERT_OK(FillVolume(t->engine(), v, 500 + v[0]));
    }
  }
  const auto target_before = Contents(target.engine());
  auto chain_before = Contents(chain_target.engine());

  std::mt19937_64 rng(seed);
  Env* env = Env::Default();
  int flips = 0;
  for (const std::string& set : {full.dir, inc.dir}) {
    for (const auto& entry :
         std::filesystem::recursive_directory_iterator(set)) {
      if (!entry.is_regular_file()) continue;
      const std::string path = entry.path().string();
      const uint64_t size = entry.file_size();
      std::vector<uint64_t> offsets = {0, size - 1, size / 2};
      for (int i = 0; i < 6; ++i) offsets.push_back(rng() % size);
      for (uint64_t off : offsets) {
        SCOPED_TRACE(absl::StrCat(path, " byte ", off));
        ASSERT_OK_AND_ASSIGN(std::unique_ptr<File> f, env->OpenFile(path, {}));
        uint8_t byte[1];
        ASSERT_OK(f->ReadAt(off, byte));
        const uint8_t original = byte[0];
        byte[0] ^= static_cast<uint8_t>(1 + rng() % 255);
        ASSERT_OK(f->WriteAt(off, byte));
        ++flips;

        EXPECT_FALSE(VerifyBackupSet(env, set, key, absl::Now()).ok());
        EXPECT_FALSE(RunRestore(target.engine(), nullptr,
                                {.backup_dir = set, .key = key})
                         .ok());
        EXPECT_TRUE(Contents(target.engine()) == target_before);
        if (set == full.dir) {
          absl::StatusOr<RestoreOutcome> r =
              RunRestore(chain_target.engine(), nullptr,
                         {.backup_dir = inc.dir, .key = key});
          if (r.ok()) chain_before = at_inc;
          EXPECT_TRUE(Contents(chain_target.engine()) == chain_before);
        }

        byte[0] = original;
        ASSERT_OK(f->WriteAt(off, byte));
      }
    }
  }
  EXPECT_GT(flips, 60);
  ExpectVerifies(full.dir, key);
  ExpectVerifies(inc.dir, key);
  ASSERT_OK(
      RunRestore(target.engine(), nullptr, {.backup_dir = inc.dir, .key = key})
          .status());
  EXPECT_TRUE(Contents(target.engine()) == at_inc);
  target.ExpectClean();
  chain_target.ExpectClean();
  h_.ExpectClean();
}

INSTANTIATE_TEST_SUITE_P(Keys, FlippedByteTest, ::testing::Bool(),
                         [](const auto& info) {
                           return info.param ? "Keyed" : "Unkeyed";
                         });

TEST_F(RestorePipelineTest, InPlaceRestoreReplacesTheVolumesAndTheirSnapshots) {
  ASSERT_OK_AND_ASSIGN(BackupOutcome b, Backup());
  const auto at_backup = Contents(h_.engine());
  ASSERT_TRUE(SetAlive(h_.engine(), b.set_id));
  ASSERT_OK(ChangeBlocks(h_.engine(), "a", 31, 9));
  ASSERT_OK_AND_ASSIGN(RestoreOutcome r, RunRestore(h_.engine(), h_.registry(),
                                                    {.backup_dir = b.dir}));
  EXPECT_THAT(r.chain, ElementsAre(b.backup_id));
  EXPECT_TRUE(Contents(h_.engine()) == at_backup);
  EXPECT_FALSE(SetAlive(h_.engine(), b.set_id));
  bool deleted = false, restored = false;
  for (const Event& e : h_.engine()->Events()) {
    deleted |= e.kind == EventKind::kSetDeleted && e.set == b.set_id &&
               absl::StrContains(e.message, "restore");
    restored |= e.kind == EventKind::kRestore &&
                absl::StrContains(e.message, b.backup_id);
  }
  EXPECT_TRUE(deleted);
  EXPECT_TRUE(restored);
  // The chain's base set went with the old volumes: the next incremental
  // is promoted.
  ASSERT_OK_AND_ASSIGN(BackupOutcome next, Backup(BackupType::kIncremental));
  EXPECT_EQ(next.promoted_from, BackupSetType::kIncremental);
  ExpectVerifies(next.dir);
  ExpectVerifies(b.dir);
  h_.ExpectClean();
}

TEST_F(RestorePipelineTest, WritersGetPreAndPostRestore) {
  TestWriter* wa =
      h_.AddWriter({.name = "wa", .volumes = {"a"}, .mutate = false});
  TestWriter* wb =
      h_.AddWriter({.name = "wb", .volumes = {"b"}, .mutate = false});
  ASSERT_OK_AND_ASSIGN(BackupOutcome b, Backup());
  const auto at_backup = Contents(h_.engine());
  ASSERT_OK(ChangeBlocks(h_.engine(), "a", 12, 5));
  ASSERT_OK(ChangeBlocks(h_.engine(), "b", 13, 5));
  const auto changed = Contents(h_.engine());

  // One writer refuses: nothing is restored, the other resumes.
  wa->ClearEvents();
  wb->ClearEvents();
  wa->FailAt(E::kPreRestore, WriterFailure::kRetryable);
  EXPECT_THAT(RunRestore(h_.engine(), h_.registry(), {.backup_dir = b.dir}),
              HasCode(static_cast<uint32_t>(WriterFailure::kRetryable)));
  EXPECT_THAT(wa->events(), ElementsAre(E::kIdentify, E::kPreRestore));
  EXPECT_THAT(wb->events(),
              ElementsAre(E::kIdentify, E::kPreRestore, E::kPostRestore));
  EXPECT_TRUE(Contents(h_.engine()) == changed);

  wa->Script(E::kPreRestore, {});
  wa->ClearEvents();
  wb->ClearEvents();
  ASSERT_OK_AND_ASSIGN(RestoreOutcome r, RunRestore(h_.engine(), h_.registry(),
                                                    {.backup_dir = b.dir}));
  EXPECT_THAT(r.writers, ElementsAre("wa", "wb"));
  for (TestWriter* w : {wa, wb}) {
    EXPECT_THAT(w->events(),
                ElementsAre(E::kIdentify, E::kPreRestore, E::kPostRestore));
    EXPECT_THAT(w->violations(), IsEmpty());
  }
  EXPECT_TRUE(Contents(h_.engine()) == at_backup);
  ExpectVerifies(b.dir);
  h_.ExpectClean();
}

TEST_F(RestorePipelineTest, TheReopenHookRunsBetweenSwitchInAndPostRestore) {
  TestWriter* old_writer =
      h_.AddWriter({.name = "svc", .volumes = {"a"}, .mutate = false});
  ASSERT_OK_AND_ASSIGN(BackupOutcome b, Backup());
  auto reopened = std::make_unique<TestWriter>(TestWriterOptions{
      .name = "svc", .engine = h_.engine(), .volumes = {"a"}, .mutate = false});
  bool swapped = false;
  absl::Cleanup restore_registry = [&] {
    if (!swapped) return;
    EXPECT_OK(h_.registry()->Unregister(reopened.get()));
    EXPECT_OK(h_.registry()->Register(old_writer));
  };
  old_writer->ClearEvents();
  std::vector<std::string> hook_volumes;
  RestoreOptions o;
  o.backup_dir = b.dir;
  o.volumes = {"a"};
  o.after_switch_in = [&](const std::vector<std::string>& volumes) {
    hook_volumes = volumes;
    // The old volume object is retired; the service reopens.
    RETURN_IF_ERROR(h_.registry()->Unregister(old_writer));
    swapped = true;
    return h_.registry()->Register(reopened.get());
  };
  ASSERT_OK(RunRestore(h_.engine(), h_.registry(), o).status());
  EXPECT_THAT(hook_volumes, ElementsAre("a"));
  EXPECT_THAT(old_writer->events(), ElementsAre(E::kIdentify, E::kPreRestore));
  EXPECT_THAT(reopened->events(), ElementsAre(E::kIdentify, E::kPostRestore));
  ExpectVerifies(b.dir);
  h_.ExpectClean();
}

TEST_F(RestorePipelineTest, ASubsetOfVolumesAndProgress) {
  ASSERT_OK_AND_ASSIGN(BackupOutcome b, Backup());
  TargetEngine target;
  target.Open();
  std::vector<TransferProgress> seen;
  RestoreOptions o;
  o.backup_dir = b.dir;
  o.volumes = {"b"};
  o.read_buffer_size = 4 * 4096;
  o.progress = [&](const TransferProgress& p) { seen.push_back(p); };
  ASSERT_OK_AND_ASSIGN(RestoreOutcome r,
                       RunRestore(target.engine(), nullptr, o));
  ASSERT_EQ(target.engine()->ListVolumes().size(), 1u);
  EXPECT_EQ(ReadVolume(target.engine(), "b").value(),
            ReadVolume(h_.engine(), "b").value());
  ASSERT_FALSE(seen.empty());
  EXPECT_TRUE(seen.back().done);
  EXPECT_EQ(seen.back().bytes_done, 32u * 4096);
  EXPECT_EQ(seen.back().bytes_total, 32u * 4096);
  ASSERT_EQ(r.volumes.size(), 1u);
  EXPECT_EQ(r.volumes[0].data_blocks + r.volumes[0].zero_blocks, 32u);
  EXPECT_GT(r.volumes[0].zero_blocks, 0u);
  EXPECT_THAT(RunRestore(target.engine(), nullptr,
                         {.backup_dir = b.dir, .volumes = {"zz"}}),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("zz")));
  target.ExpectClean();
  ExpectVerifies(b.dir);
  h_.ExpectClean();
}

TEST_F(RestorePipelineTest, ASubsetMustNotSplitAWritersVolumes) {
  h_.AddWriter({.name = "ab", .volumes = {"a", "b"}, .mutate = false});
  ASSERT_OK_AND_ASSIGN(BackupOutcome b, Backup());
  ASSERT_OK(ChangeBlocks(h_.engine(), "a", 21, 4));
  const auto before = Contents(h_.engine());
  const size_t sets = h_.engine()->ListSnapshotSets().size();
  EXPECT_THAT(
      RunRestore(h_.engine(), h_.registry(),
                 {.backup_dir = b.dir, .volumes = {"a"}}),
      AllOf(StatusIs(absl::StatusCode::kFailedPrecondition,
                     HasSubstr("writer 'ab' keeps its data on a, b: restore "
                               "them together (also name b)")),
            HasCode(static_cast<uint32_t>(WriterFailure::kInconsistentSnapshot))));
  EXPECT_THAT(RunRestore(h_.engine(), h_.registry(),
                         {.backup_dir = b.dir, .volumes = {"a", "b", "a"}}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("volume 'a' is named twice")));
  // Nothing changed; both together restore.
  EXPECT_TRUE(Contents(h_.engine()) == before);
  EXPECT_EQ(h_.engine()->ListSnapshotSets().size(), sets);
  ASSERT_OK(RunRestore(h_.engine(), h_.registry(),
                       {.backup_dir = b.dir, .volumes = {"b", "a"}})
                .status());
  ExpectVerifies(b.dir);
  h_.ExpectClean();
}

TEST_F(RestorePipelineTest, AChainMissingItsBaseIsRefused) {
  ASSERT_OK_AND_ASSIGN(BackupOutcome full, Backup());
  ASSERT_OK(ChangeBlocks(h_.engine(), "a", 3, 3));
  ASSERT_OK_AND_ASSIGN(BackupOutcome inc, Backup(BackupType::kIncremental));
  std::string lone = CopySet(inc.dir, "lone");
  TargetEngine target;
  target.Open();
  EXPECT_THAT(RunRestore(target.engine(), nullptr, {.backup_dir = lone}),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("missing")));
  EXPECT_THAT(target.engine()->ListVolumes(), IsEmpty());
  ASSERT_OK_AND_ASSIGN(
      RestoreOutcome r,
      RunRestore(target.engine(), nullptr, {.backup_dir = inc.dir + "/"}));
  EXPECT_THAT(r.chain, ElementsAre(full.backup_id, inc.backup_id));
  EXPECT_TRUE(Contents(target.engine()) == Contents(h_.engine()));
  target.ExpectClean();
  ExpectVerifies(full.dir);
  ExpectVerifies(inc.dir);
  h_.ExpectClean();
}

}  // namespace
}  // namespace shadowset::testing
