// Crash safety of a backup set's publication (DESIGN §2.7, §2.9): a power
// loss at every I/O step of writing and publishing a set leaves either a set
// that verifies completely at <backup>/, or no <backup>/ at all (a leftover
// <backup>.partial/ is removed by RemoveStalePartials). Never a set that
// looks complete but is not. Injected I/O errors leave nothing behind once
// the writer is aborted.

#include <cstdlib>
#include <string>
#include <vector>

#include "engine/backup/backup_set_reader.h"
#include "engine/backup/backup_set_writer.h"
#include "engine/backup/verify.h"
#include "engine/fault_env.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/backup/backup_testing.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace shadowset {
namespace {

using ::shadowset::testing::kCreated;
using ::shadowset::testing::kTestKey;
using ::shadowset::testing::TempDir;
using ::shadowset::testing::VolumeData;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

const absl::Time kNow = kCreated + absl::Hours(1);

// Power-loss outcomes tried per crash point: 2, or
// $SHADOWSET_BACKUP_CRASH_SEEDS for a longer soak.
uint64_t PowerLossSeeds() {
  const char* env = std::getenv("SHADOWSET_BACKUP_CRASH_SEEDS");
  uint64_t n = env != nullptr ? std::strtoull(env, nullptr, 10) : 0;
  return n > 0 ? n : 2;
}

struct Mode {
  bool keyed;
  bool background;  // BackupSetOptions::background_writes
};

class CrashTest : public ::testing::TestWithParam<Mode> {
 protected:
  CrashTest()
      : db_(testing::MakeVolume("db", 24, 4096, 1)),
        cfg_(testing::MakeVolume("cfg", 5, 512, 2)) {}

  std::string key() const {
    return GetParam().keyed ? std::string(kTestKey) : "";
  }

  // Writes and publishes a set with two volumes and nested writer files.
  absl::Status Workload(Env* env, const std::string& parent) {
    BackupSetOptions o = testing::FullOptions("b1", GetParam().keyed);
    o.write_buffer_size = 8192;  // several writes per file: more crash points
    // Synchronous writes number the I/O steps the same way in every run;
    // with the background writer the interleaving varies.
    o.background_writes = GetParam().background;
    ASSIGN_OR_RETURN(auto w, BackupSetWriter::Create(env, parent, o));
    RETURN_IF_ERROR(testing::StreamImage(w.get(), db_));
    RETURN_IF_ERROR(testing::StreamImage(w.get(), cfg_));
    RETURN_IF_ERROR(w->AddWriterFile("dhcp", "dhcp.meta", "state"));
    RETURN_IF_ERROR(
        w->AddWriterFile("ntds", "logs/a/edb.log", std::string(9000, 'L')));
    absl::Status published = w->Publish().status();
    if (!published.ok()) {
      w->Abort().IgnoreError();
      return published;
    }
    return absl::OkStatus();
  }

  // The set at parent/b1 verifies and holds exactly the workload's data.
  void ExpectComplete(const std::string& parent) {
    ASSERT_OK(
        VerifyBackupSet(Env::Default(), parent + "/b1", key(), kNow).status());
    BackupReadOptions o;
    o.key = key();
    ASSERT_OK_AND_ASSIGN(
        auto set,
        BackupSetReader::Open(Env::Default(), parent + "/b1", o, kNow));
    for (const VolumeData* v : {&db_, &cfg_}) {
      ASSERT_OK_AND_ASSIGN(auto stream, set->OpenVolume(v->name));
      ASSERT_OK_AND_ASSIGN(testing::Drained got, testing::Drain(stream.get()));
      EXPECT_TRUE(got.bytes == v->bytes) << v->name;
    }
    EXPECT_THAT(set->ReadWriterFile("ntds", "logs/a/edb.log"),
                testing::IsOkAndHolds(std::string(9000, 'L')));
  }

  VolumeData db_, cfg_;
};

INSTANTIATE_TEST_SUITE_P(
    Modes, CrashTest, ::testing::Values(Mode{false, false}, Mode{true, true}),
    [](const auto& info) {
      return absl::StrCat(info.param.keyed ? "Keyed" : "Unkeyed",
                          info.param.background ? "Background" : "Sync");
    });

TEST_P(CrashTest, PowerLossAtEveryStepLeavesAllOrNothing) {
  uint64_t total_ops;
  {
    TempDir tmp;
    FaultInjectionEnv env;
    ASSERT_OK(Workload(&env, tmp.path()));
    total_ops = env.ops();
    ExpectComplete(tmp.path());
  }
  ASSERT_GT(total_ops, 30u);
  int complete = 0, absent = 0;
  for (uint64_t crash_at = 1; crash_at <= total_ops + 1; ++crash_at) {
    for (uint64_t seed = 1; seed <= PowerLossSeeds(); ++seed) {
      SCOPED_TRACE(absl::StrCat("crash at op ", crash_at, " of ", total_ops,
                                ", power-loss seed ", seed));
      TempDir tmp;
      FaultInjectionEnv env;
      env.CrashAtOp(crash_at);
      absl::Status st = Workload(&env, tmp.path());
      EXPECT_EQ(st.ok(), crash_at > total_ops) << st;
      ASSERT_OK(env.PowerLoss(seed));

      ASSERT_OK_AND_ASSIGN(FileType type,
                           Env::Default()->GetFileType(tmp.path() + "/b1"));
      if (type == FileType::kDirectory) {
        ++complete;
        ExpectComplete(tmp.path());
      } else {
        ASSERT_EQ(type, FileType::kMissing);
        ++absent;
      }
      ASSERT_OK(RemoveStalePartials(Env::Default(), tmp.path()).status());
      ASSERT_OK_AND_ASSIGN(std::vector<std::string> names,
                           Env::Default()->ListDir(tmp.path()));
      if (type == FileType::kDirectory) {
        EXPECT_THAT(names, ElementsAre("b1"));
      } else {
        EXPECT_THAT(names, IsEmpty());
      }
    }
  }
  // Both outcomes happen: crashes before the parent's fsync lose the set,
  // the last step keeps it.
  EXPECT_GT(absent, 0);
  EXPECT_GT(complete, 0);
}

TEST_P(CrashTest, InjectedErrorsLeaveNothingAfterAbort) {
  uint64_t total_ops;
  {
    TempDir tmp;
    FaultInjectionEnv env;
    ASSERT_OK(Workload(&env, tmp.path()));
    total_ops = env.ops();
  }
  for (uint64_t fail_at = 1; fail_at <= total_ops; ++fail_at) {
    SCOPED_TRACE(absl::StrCat("I/O error at op ", fail_at, " of ", total_ops));
    TempDir tmp;
    FaultInjectionEnv env;
    env.FailOp(FaultInjectionEnv::OpKind::kAny, fail_at);
    absl::Status st = Workload(&env, tmp.path());
    ASSERT_OK_AND_ASSIGN(std::vector<std::string> names,
                         Env::Default()->ListDir(tmp.path()));
    if (st.ok()) {
      // Only an error in Abort's own cleanup could get here; there is none.
      ADD_FAILURE() << "an injected error went unnoticed";
      continue;
    }
    EXPECT_THAT(st, testing::StatusIs(absl::StatusCode::kInternal,
                                      ::testing::HasSubstr("injected")));
    EXPECT_THAT(names, IsEmpty());
  }
}

}  // namespace
}  // namespace shadowset
