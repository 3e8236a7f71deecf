// Cancelling the pipelines (BackupOptions::cancel, RestoreOptions::cancel):
// a backup cancelled before its snapshot, in the middle of its copy, or
// just before publication ends with kCancelled, every writer aborted and
// back to STABLE, no snapshot set and no .partial directory left, and the
// chain as it was; a cancelled restore leaves the target's volumes as they
// were.

#include <algorithm>
#include <atomic>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "engine/env.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "requestor/backup_pipeline.h"
#include "requestor/restore_pipeline.h"
#include "tests/requestor/backup_testing.h"
#include "tests/requestor/harness.h"
#include "tests/testing/status_matchers.h"

namespace shadowset::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using E = WriterEvent;

constexpr uint64_t kSeed = 4242;

class CancelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SCOPED_TRACE(::testing::Message() << "seed " << kSeed);
    // 256 blocks of 4 KiB per volume: 4 read runs of 64 blocks each.
    h_.SetUp({"a", "b"}, BackgroundMode::kThreads, 256);
    ASSERT_OK(FillVolume(h_.engine(), "a", kSeed));
    ASSERT_OK(FillVolume(h_.engine(), "b", kSeed + 1));
    writer_ =
        h_.AddWriter({.name = "w", .volumes = {"a", "b"}, .mutate = false});
    dest_ = tmp_.Sub("backups");
  }

  BackupOptions Options(BackupType type = BackupType::kFull) {
    BackupOptions o;
    o.destination = dest_;
    o.type = type;
    o.read_run_size = 64 * kHarnessBlockSize;
    o.cancel = &cancel_;
    return o;
  }

  // What a cancelled backup must leave: no set beyond `sets_before`, no
  // .partial directory, no new record, the writer aborted and STABLE.
  void ExpectCancelledCleanly(const absl::Status& status, size_t sets_before,
                              size_t records_before) {
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kCancelled));
    EXPECT_EQ(h_.engine()->ListSnapshotSets().size(), sets_before);
    EXPECT_EQ(h_.engine()->ListBackups().size(), records_before);
    absl::StatusOr<std::vector<std::string>> entries =
        Env::Default()->ListDir(dest_);
    if (entries.ok()) {
      for (const std::string& e : *entries) {
        EXPECT_FALSE(absl::EndsWith(e, ".partial")) << e;
      }
    }
    EXPECT_FALSE(writer_->frozen());
    // This backup's events: from its Identify on.
    std::vector<WriterEvent> events = writer_->events();
    auto last = std::find(events.rbegin(), events.rend(), E::kIdentify);
    if (last != events.rend()) {
      events.erase(events.begin(), std::prev(last.base()));
    }
    EXPECT_TRUE(ExactlyOneThawOrAbortAfterFreeze(events));
    h_.ExpectClean();
  }

  Harness h_;
  TempDir tmp_;
  TestWriter* writer_ = nullptr;
  std::string dest_;
  std::atomic<bool> cancel_{false};
};

TEST_F(CancelTest, CancelledBeforeItStartsDoesNothing) {
  cancel_ = true;
  absl::StatusOr<BackupOutcome> b =
      RunBackup(h_.engine(), h_.registry(), Options());
  ExpectCancelledCleanly(b.status(), 0, 0);
  EXPECT_THAT(writer_->events(), IsEmpty());
}

TEST_F(CancelTest, CancelledDuringTheCopyAbortsEverything) {
  BackupOptions o = Options();
  int reports = 0;
  o.progress = [&](const TransferProgress& p) {
    // After the second of eight runs.
    if (++reports == 2) cancel_ = true;
  };
  absl::StatusOr<BackupOutcome> b = RunBackup(h_.engine(), h_.registry(), o);
  ExpectCancelledCleanly(b.status(), 0, 0);
  EXPECT_EQ(reports, 2);
  // Thawed after the commit (no Abort follows PostSnapshot), then shut
  // down without BackupComplete.
  EXPECT_THAT(
      writer_->events(),
      ElementsAre(E::kIdentify, E::kPrepareBackup, E::kPrepareSnapshot,
                  E::kFreeze, E::kThaw, E::kPostSnapshot, E::kBackupShutdown));
}

TEST_F(CancelTest, CancelledIncrementalKeepsTheChainAsItWas) {
  ASSERT_OK_AND_ASSIGN(BackupOutcome full,
                       RunBackup(h_.engine(), h_.registry(), Options()));
  ExpectVerifies(full.dir);
  ASSERT_OK(ChangeBlocks(h_.engine(), "a", kSeed + 2, 40));
  BackupOptions o = Options(BackupType::kIncremental);
  o.progress = [&](const TransferProgress&) { cancel_ = true; };
  absl::StatusOr<BackupOutcome> b = RunBackup(h_.engine(), h_.registry(), o);
  ExpectCancelledCleanly(b.status(), 1, 1);
  EXPECT_EQ(h_.engine()->ListSnapshotSets()[0].id, full.set_id);

  // The next incremental continues the full backup.
  cancel_ = false;
  ASSERT_OK_AND_ASSIGN(
      BackupOutcome inc,
      RunBackup(h_.engine(), h_.registry(), Options(BackupType::kIncremental)));
  EXPECT_EQ(inc.type, BackupSetType::kIncremental);
  EXPECT_EQ(inc.base_backup_id, full.backup_id);
  ExpectVerifies(inc.dir);
}

TEST_F(CancelTest, CancelledRestoreChangesNothing) {
  ASSERT_OK_AND_ASSIGN(BackupOutcome full,
                       RunBackup(h_.engine(), h_.registry(), Options()));
  ExpectVerifies(full.dir);
  TargetEngine target;
  ASSERT_NO_FATAL_FAILURE(target.Open());
  ASSERT_OK(
      target.engine()->CreateVolume("a", 256 * kHarnessBlockSize).status());
  ASSERT_OK(FillVolume(target.engine(), "a", kSeed + 9));
  ASSERT_OK_AND_ASSIGN(std::string before, ReadVolume(target.engine(), "a"));

  RestoreOptions r;
  r.backup_dir = full.dir;
  r.read_buffer_size = 64 * kHarnessBlockSize;
  r.cancel = &cancel_;
  r.progress = [&](const TransferProgress&) { cancel_ = true; };
  EXPECT_THAT(RunRestore(target.engine(), nullptr, r).status(),
              StatusIs(absl::StatusCode::kCancelled));
  EXPECT_EQ(ReadVolume(target.engine(), "a").value(), before);
  EXPECT_THAT(target.engine()->GetVolume("b").status(),
              StatusIs(absl::StatusCode::kNotFound));
  target.ExpectClean();

  // Not cancelled, it restores.
  cancel_ = false;
  r.progress = nullptr;
  ASSERT_OK(RunRestore(target.engine(), nullptr, r).status());
  EXPECT_EQ(ReadVolume(target.engine(), "a").value(),
            ReadVolume(h_.engine(), "a").value());
  target.ExpectClean();
}

}  // namespace
}  // namespace shadowset::testing
