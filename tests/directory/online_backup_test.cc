// An online backup under a live stream of adds, modifies and deletes (with
// background checkpoints running): the database and logs it reads, restored,
// reproduce exactly the directory at the snapshot instant, although the
// stream went on while the files were read. Also the load generator itself
// and EnsureHostObject.

#include <algorithm>
#include <map>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/codes.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/directory/directory_fixture.h"
#include "writers/directory/ds_backup.h"
#include "writers/directory/load_generator.h"

namespace shadowset {
namespace {

using ::shadowset::testing::DirectoryTestBase;
using ::shadowset::testing::HasCode;
using ::shadowset::testing::StatusIs;

class OnlineBackupTest : public DirectoryTestBase {
 protected:
  DirectoryOptions Options() override {
    DirectoryOptions o = DirectoryTestBase::Options();
    o.background = BackgroundMode::kThreads;  // checkpoints run beside
    o.checkpoint_log_bytes = 48 * 1024;
    o.gc_interval = absl::ZeroDuration();
    return o;
  }
};

using ObjectMap = std::map<std::string, DirectoryObject>;

ObjectMap ByDn(const std::vector<DirectoryObject>& objects) {
  ObjectMap out;
  for (const DirectoryObject& o : objects) {
    out[absl::AsciiStrToLower(o.dn)] = o;
  }
  return out;
}

TEST_F(OnlineBackupTest, RestoresExactlyTheSnapshotInstantUnderLoad) {
  LoadGeneratorOptions lo;
  lo.seed = 20240611;
  SCOPED_TRACE(absl::StrCat("load seed ", lo.seed));
  lo.changes_per_second = 0;  // as fast as the directory goes
  lo.keep_journal = true;
  lo.max_changes = 1200;
  LoadGenerator load(&d(), lo);
  ASSERT_OK(load.Start());
  load.WaitForChanges(300);

  DsClient client(&d(), "admin");
  ASSERT_OK_AND_ASSIGN(DsBackupPrepared b,
                       client.DsBackupPrepare("dc1", 0, kBackupTypeFull));
  const uint64_t snapshot_usn = b.context->usn();
  ASSERT_OK_AND_ASSIGN(std::vector<DirectoryObject> outside_load,
                       d().ListObjects());  // the containers, taken below
  // The stream keeps going while the files are read.
  load.WaitForChanges(700);
  std::map<std::string, std::string> files;
  std::vector<DsFileEntry> entries =
      ParseDsFileList(b.context->DsBackupGetDatabaseNames().value()).value();
  std::vector<DsFileEntry> logs =
      ParseDsFileList(b.context->DsBackupGetBackupLogs().value()).value();
  entries.insert(entries.end(), logs.begin(), logs.end());
  std::vector<uint8_t> buf(65536);
  for (const DsFileEntry& e : entries) {
    ASSERT_OK(b.context->DsBackupOpenFile(e.name, 65536).status());
    std::string& bytes = files[e.name];
    while (true) {
      absl::StatusOr<uint32_t> n = b.context->DsBackupRead(absl::MakeSpan(buf));
      if (!n.ok()) {
        ASSERT_THAT(n, HasCode(kErrorHandleEof));
        break;
      }
      bytes.append(reinterpret_cast<const char*>(buf.data()), *n);
    }
    ASSERT_OK(b.context->DsBackupClose());
  }
  ASSERT_OK(b.context->DsBackupTruncateLogs());
  ASSERT_OK(b.context->DsBackupEnd());
  ASSERT_OK(load.Stop());
  const uint64_t final_usn = d().usn();
  ASSERT_GT(final_usn, snapshot_usn + 300) << "the stream did not go on";

  // What the directory held at the snapshot: the stream's objects as its
  // journal says they were at that USN, and everything else as it is now.
  std::vector<LoadJournalEntry> journal = load.journal();
  ObjectMap expected;
  for (const auto& [dn, o] : ByDn(outside_load)) {
    if (!absl::EndsWith(dn, ",ou=load,dc=shadowset,dc=test")) expected[dn] = o;
  }
  size_t after_snapshot = 0;
  for (const LoadJournalEntry& e : journal) {
    if (e.usn <= snapshot_usn) {
      expected[absl::AsciiStrToLower(e.object.dn)] = e.object;
    } else {
      ++after_snapshot;
    }
  }
  ASSERT_GT(after_snapshot, 300u);

  ASSERT_OK(d().TakeOffline());
  ASSERT_OK_AND_ASSIGN(auto r, client.DsRestorePrepare("dc1", 0, b.expiry_token));
  const uint32_t low = static_cast<uint32_t>(
      std::stoul(logs.front().name.substr(3, 8), nullptr, 16));
  const uint32_t high = static_cast<uint32_t>(
      std::stoul(logs.back().name.substr(3, 8), nullptr, 16));
  ASSERT_OK(r->DsRestoreRegister("", "", {}, "", low, high));
  for (const auto& [name, bytes] : files) {
    ASSERT_OK(r->DsRestoreOpenFile(name, bytes.size()));
    ASSERT_OK(r->DsRestoreWrite(absl::MakeConstSpan(
        reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size())));
    ASSERT_OK(r->DsRestoreCloseFile());
  }
  ASSERT_OK(r->DsRestoreRegisterComplete(0));
  ASSERT_OK(r->DsRestoreEnd());
  ASSERT_OK(d().BringOnline());

  EXPECT_EQ(d().usn(), snapshot_usn);
  ASSERT_OK_AND_ASSIGN(std::vector<DirectoryObject> restored, d().ListObjects());
  ObjectMap got = ByDn(restored);
  EXPECT_EQ(got.size(), expected.size());
  EXPECT_TRUE(got == expected);
  for (const auto& [dn, o] : expected) {
    auto it = got.find(dn);
    if (it == got.end() || !(it->second == o)) {
      ADD_FAILURE() << "differs at " << dn;
      break;
    }
  }
  ASSERT_OK_AND_ASSIGN(DirectoryCheckReport report, d().Check());
  EXPECT_TRUE(report.ok()) << ::testing::PrintToString(report.problems);
  ASSERT_OK_AND_ASSIGN(CheckReport engine_report, engine_->Check());
  EXPECT_TRUE(engine_report.ok());
}

TEST_F(OnlineBackupTest, LoadGeneratorIsDeterministicAndStops) {
  LoadGeneratorOptions lo;
  lo.seed = 5;
  lo.changes_per_second = 0;
  lo.max_changes = 60;
  lo.keep_journal = true;
  std::vector<std::string> first;
  {
    LoadGenerator load(&d(), lo);
    ASSERT_OK(load.Start());
    EXPECT_THAT(load.Start(), StatusIs(absl::StatusCode::kFailedPrecondition));
    load.WaitForChanges(60);
    ASSERT_OK(load.Stop());
    LoadStats s = load.stats();
    EXPECT_EQ(s.adds + s.modifies + s.deletes, 60u);
    EXPECT_GT(s.modifies, 0u);
    EXPECT_GT(s.deletes, 0u);
    for (const LoadJournalEntry& e : load.journal()) {
      first.push_back(absl::StrCat(e.object.dn, e.object.deleted));
    }
  }
  // The same seed on a fresh directory makes the same changes.
  dir_service_.reset();
  DirectoryOptions other = Options();
  other.volume_prefix = "second";
  ASSERT_OK(DirectoryService::Create(engine_.get(), init_, other));
  ASSERT_OK_AND_ASSIGN(auto second, DirectoryService::Open(engine_.get(), other));
  LoadGenerator again(second.get(), lo);
  ASSERT_OK(again.Start());
  again.WaitForChanges(60);
  ASSERT_OK(again.Stop());
  std::vector<std::string> replay;
  for (const LoadJournalEntry& e : again.journal()) {
    replay.push_back(absl::StrCat(e.object.dn, e.object.deleted));
  }
  EXPECT_EQ(replay, first);
}

TEST_F(OnlineBackupTest, RateControlPacesTheStream) {
  LoadGeneratorOptions lo;
  lo.changes_per_second = 200;
  lo.max_changes = 40;  // 0.2 s at the target rate
  LoadGenerator load(&d(), lo);
  absl::Time start = absl::Now();
  ASSERT_OK(load.Start());
  load.WaitForChanges(40);
  absl::Duration took = absl::Now() - start;
  ASSERT_OK(load.Stop());
  EXPECT_GE(took, absl::Milliseconds(190));
}

TEST_F(OnlineBackupTest, HostObjectsOnDemandFromManyThreads) {
  EXPECT_THAT(EnsureHostObject(d(), "bad host"), HasCode(kErrorInvalidParameter));
  EXPECT_THAT(EnsureHostObject(d(), "a,b"), HasCode(kErrorInvalidParameter));
  std::vector<std::thread> threads;
  std::vector<uint64_t> usns(8);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      absl::StatusOr<uint64_t> usn = EnsureHostObject(d(), "pc-7.example.test");
      ASSERT_OK(usn.status());
      usns[t] = *usn;
    });
  }
  for (std::thread& t : threads) t.join();
  for (uint64_t u : usns) EXPECT_EQ(u, usns[0]);
  ASSERT_OK_AND_ASSIGN(DirectoryObject o,
                       d().GetObject("CN=pc-7.example.test,OU=Hosts,DC=shadowset,DC=test"));
  EXPECT_EQ(o.object_class, "computer");
  EXPECT_EQ(o.attributes.at("dNSHostName"),
            std::vector<std::string>{"pc-7.example.test"});
  EXPECT_EQ(o.usn_created, usns[0]);
  // A deleted host gets a new object.
  ASSERT_OK(d().DeleteObject(o.dn).status());
  ASSERT_OK_AND_ASSIGN(uint64_t again, EnsureHostObject(d(), "pc-7.example.test"));
  EXPECT_GT(again, usns[0]);
}

}  // namespace
}  // namespace shadowset
