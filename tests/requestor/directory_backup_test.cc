// The directory service through the requestor's pipelines: a full backup
// set made while it runs expires after its tombstone lifetime (the token's
// horizon is the writer's restore lifetime); a restore just past it is
// refused with nothing changed, one just inside it succeeds, in place,
// with the service taken offline by PreRestore, reopened on the new
// volumes by the reopen hook and brought online by PostRestore.

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/backup/backup_set_reader.h"
#include "engine/backup/token.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "requestor/backup_pipeline.h"
#include "requestor/restore_pipeline.h"
#include "tests/directory/directory_fixture.h"
#include "tests/requestor/backup_testing.h"
#include "tests/testing/status_matchers.h"
#include "writers/directory/directory_writer.h"
#include "writers/registry.h"

namespace shadowset::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Optional;

constexpr char kRoot[] = "DC=example,DC=test";
constexpr char kKept[] = "CN=kept,DC=example,DC=test";
constexpr char kLater[] = "CN=later,DC=example,DC=test";

class DirectoryBackupTest : public DirectoryTestBase {
 protected:
  void SetUp() override {
    DirectoryTestBase::SetUp();
    writer_ = std::make_unique<DirectoryWriter>(dir_service_.get());
    ASSERT_OK(registry_.Register(writer_.get()));
  }
  void TearDown() override { Close(); }

  void Close() {
    if (writer_) {
      EXPECT_OK(registry_.Unregister(writer_.get()));
      writer_.reset();
    }
    dir_service_.reset();
  }

  // The reopen hook: the service's volumes were replaced, so it and its
  // writer are made again on the new ones, offline until PostRestore.
  absl::Status Reopen(const std::vector<std::string>&) {
    Close();
    DirectoryOptions o = Options();
    o.restore_mode = true;
    ASSIGN_OR_RETURN(dir_service_, DirectoryService::Open(engine_.get(), o));
    writer_ = std::make_unique<DirectoryWriter>(dir_service_.get());
    return registry_.Register(writer_.get());
  }

  WriterRegistry registry_;
  std::unique_ptr<DirectoryWriter> writer_;
};

TEST_F(DirectoryBackupTest, RestorableJustInsideTheTombstoneLifetimeOnly) {
  const absl::Duration lifetime = absl::Hours(24 * 60);
  ASSERT_OK(d().SetTombstoneLifetime(lifetime).status());
  ASSERT_OK(d().AddObject(kRoot, "domain").status());
  ASSERT_OK(
      d().AddObject(kKept, "computer", {{"dNSHostName", {"k"}}}).status());

  BackupOptions bo;
  bo.destination = tmp_.Sub("backups");
  ASSERT_OK_AND_ASSIGN(BackupOutcome b,
                       RunBackup(engine_.get(), &registry_, bo));
  ASSERT_EQ(b.writers.size(), 1u);
  EXPECT_EQ(b.writers[0].id, "NTDS");
  EXPECT_EQ(b.writers[0].state, WriterState::kStable);
  EXPECT_EQ(b.expires, b.created + lifetime);
  ASSERT_OK_AND_ASSIGN(
      auto set, BackupSetReader::Open(Env::Default(), b.dir, {}, absl::Now()));
  EXPECT_THAT(set->token().writer_ids, ElementsAre("NTDS"));
  EXPECT_EQ(set->manifest().writers[0].restore_lifetime, lifetime);
  EXPECT_EQ(set->manifest().writers[0].metadata["restore_method"],
            "STOP_RESTORE_START");
  ExpectVerifies(b.dir);

  // Life goes on after the backup.
  ASSERT_OK(d().AddObject(kLater, "computer").status());
  ASSERT_OK(d().DeleteObject(kKept).status());
  const uint64_t usn_after = d().usn();

  // Just past the horizon: refused before anything happens.
  RestoreOptions ro;
  ro.backup_dir = b.dir;
  ro.data_dir = dir_;
  ro.after_switch_in = [this](const std::vector<std::string>& v) {
    return Reopen(v);
  };
  ro.now = b.expires + absl::Seconds(1);
  absl::StatusOr<RestoreOutcome> refused =
      RunRestore(engine_.get(), &registry_, ro);
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kFailedPrecondition,
                                HasSubstr("expired")));
  EXPECT_THAT(TokenErrorOf(refused.status()), Optional(TokenError::kExpired));
  EXPECT_TRUE(d().IsOnline());
  EXPECT_EQ(d().usn(), usn_after);
  ASSERT_OK_AND_ASSIGN(DirectoryObject later, d().GetObject(kLater));
  EXPECT_FALSE(later.deleted);

  // Just inside it: restored in place.
  ro.now = b.expires - absl::Seconds(1);
  ASSERT_OK_AND_ASSIGN(RestoreOutcome r,
                       RunRestore(engine_.get(), &registry_, ro));
  EXPECT_THAT(r.writers, ElementsAre("NTDS"));
  ASSERT_TRUE(d().IsOnline()) << d().OfflineReason();
  ASSERT_OK_AND_ASSIGN(DirectoryObject kept, d().GetObject(kKept));
  EXPECT_FALSE(kept.deleted);
  EXPECT_THAT(kept.attributes["dNSHostName"], ElementsAre("k"));
  EXPECT_THAT(d().GetObject(kLater), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_LT(d().usn(), usn_after);
  ASSERT_OK_AND_ASSIGN(DirectoryCheckReport check, d().Check());
  EXPECT_TRUE(check.ok()) << ::testing::PrintToString(check.problems);

  // The directory serves again and backs up again.
  ASSERT_OK(d().AddObject(kLater, "computer").status());
  ASSERT_OK_AND_ASSIGN(BackupOutcome again,
                       RunBackup(engine_.get(), &registry_, bo));
  ExpectVerifies(again.dir);
  ASSERT_OK(engine_->RunBackgroundWork());
  ASSERT_OK_AND_ASSIGN(CheckReport report, engine_->Check());
  EXPECT_TRUE(report.ok()) << ::testing::PrintToString(report.problems);
}

TEST_F(DirectoryBackupTest, ExpiresInCanOnlyShortenTheTombstoneHorizon) {
  ASSERT_OK(d().AddObject(kRoot, "domain").status());
  BackupOptions bo;
  bo.destination = tmp_.Sub("backups");
  bo.expires_in = absl::Hours(24 * 181);  // the default lifetime is 180 days
  EXPECT_THAT(
      RunBackup(engine_.get(), &registry_, bo),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("writer 'NTDS'")));
  bo.expires_in = absl::Hours(24 * 7);
  ASSERT_OK_AND_ASSIGN(BackupOutcome b,
                       RunBackup(engine_.get(), &registry_, bo));
  EXPECT_EQ(b.expires, b.created + absl::Hours(24 * 7));
  ExpectVerifies(b.dir);
  ASSERT_OK(engine_->RunBackgroundWork());
  ASSERT_OK_AND_ASSIGN(CheckReport report, engine_->Check());
  EXPECT_TRUE(report.ok()) << ::testing::PrintToString(report.problems);
}

}  // namespace
}  // namespace shadowset::testing
