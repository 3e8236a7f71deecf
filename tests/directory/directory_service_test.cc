// The directory service: objects, tombstones and their garbage collection,
// update sequence numbers, persistence through the log and checkpoints,
// the log ring's retention, online/offline, privileges, quiesce, Check.

#include "writers/directory/directory_service.h"

#include <thread>

#include "absl/strings/str_cat.h"
#include "engine/codes.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/directory/directory_fixture.h"
#include "writers/directory/directory_codes.h"

namespace shadowset {
namespace {

using ::shadowset::testing::DirectoryTestBase;
using ::shadowset::testing::HasCode;
using ::shadowset::testing::IsOk;
using ::shadowset::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kRoot[] = "DC=example,DC=test";
constexpr char kOu[] = "OU=Hosts,DC=example,DC=test";

class DirectoryServiceTest : public DirectoryTestBase {
 protected:
  void AddBase() {
    ASSERT_OK(d().AddObject(kRoot, "domain").status());
    ASSERT_OK(d().AddObject(kOu, "organizationalUnit").status());
  }
  std::string Host(int i) { return absl::StrCat("CN=host", i, ",", kOu); }

  void ExpectCheckClean() {
    ASSERT_OK_AND_ASSIGN(DirectoryCheckReport report, d().Check());
    EXPECT_TRUE(report.ok()) << ::testing::PrintToString(report.problems);
    ASSERT_OK_AND_ASSIGN(CheckReport engine_report, engine_->Check());
    EXPECT_TRUE(engine_report.ok())
        << ::testing::PrintToString(engine_report.problems);
  }
};

TEST_F(DirectoryServiceTest, StartsEmptyOnlineAtUsnZero) {
  EXPECT_TRUE(d().IsOnline());
  EXPECT_EQ(d().usn(), 0u);
  EXPECT_EQ(d().server_name(), "dc1");
  EXPECT_EQ(d().TombstoneLifetime(), absl::Hours(24 * 180));
  ASSERT_OK_AND_ASSIGN(auto objects, d().ListObjects());
  EXPECT_THAT(objects, IsEmpty());
  EXPECT_THAT(d().VolumeNames(), ElementsAre("directory-db", "directory-log"));
  ExpectCheckClean();
}

TEST_F(DirectoryServiceTest, CreateRefusesAnExistingDirectoryAndBadInit) {
  EXPECT_THAT(DirectoryService::Create(engine_.get(), init_, Options()),
              HasCode(kErrorAlreadyExists));
  DirectoryOptions other = Options();
  other.volume_prefix = "other";
  DirectoryInit bad = init_;
  bad.database_volume_size = 4096 * 3;
  EXPECT_THAT(DirectoryService::Create(engine_.get(), bad, other),
              HasCode(kErrorInvalidParameter));
  bad = init_;
  bad.log_generation_size = 4096;
  EXPECT_THAT(DirectoryService::Create(engine_.get(), bad, other),
              HasCode(kErrorInvalidParameter));
  bad = init_;
  bad.log_generations = 3;
  EXPECT_THAT(DirectoryService::Create(engine_.get(), bad, other),
              HasCode(kErrorInvalidParameter));
  bad = init_;
  bad.tombstone_lifetime = absl::Hours(47);
  EXPECT_THAT(DirectoryService::Create(engine_.get(), bad, other),
              HasCode(kErrorInvalidParameter));
  bad = init_;
  bad.server_name = "dc_1";
  EXPECT_THAT(DirectoryService::Create(engine_.get(), bad, other),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'_'")));
  // Nothing was created for the refused ones.
  EXPECT_THAT(engine_->GetVolume("other-db"), HasCode(kVssObjectNotFound));
  EXPECT_THAT(DirectoryService::Open(engine_.get(), other),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("shadowset directory init")));
}

TEST_F(DirectoryServiceTest, AddGetListWithCaseInsensitiveNames) {
  AddBase();
  ASSERT_OK_AND_ASSIGN(
      uint64_t usn,
      d().AddObject("CN=host1, OU=Hosts ,DC=example,DC=test", "computer",
                    {{"dNSHostName", {"host1.example.test"}},
                     {"description", {"a", "b"}}}));
  EXPECT_EQ(usn, 3u);
  EXPECT_EQ(d().usn(), 3u);
  ASSERT_OK_AND_ASSIGN(DirectoryObject o,
                       d().GetObject("cn=HOST1,ou=hosts,dc=EXAMPLE,dc=test"));
  EXPECT_EQ(o.dn, "CN=host1, OU=Hosts ,DC=example,DC=test");
  EXPECT_EQ(o.object_class, "computer");
  EXPECT_EQ(o.usn_created, 3u);
  EXPECT_EQ(o.usn_changed, 3u);
  EXPECT_FALSE(o.deleted);
  EXPECT_EQ(o.attributes.at("DNSHOSTNAME"),
            std::vector<std::string>{"host1.example.test"});
  EXPECT_EQ(o.attributes.at("description"),
            (std::vector<std::string>{"a", "b"}));
  ASSERT_OK_AND_ASSIGN(auto all, d().ListObjects());
  ASSERT_EQ(all.size(), 3u);
  ExpectCheckClean();
}

TEST_F(DirectoryServiceTest, AddRefusesBadInputAndChangesNothing) {
  AddBase();
  const uint64_t before = d().usn();
  EXPECT_THAT(d().AddObject("", "computer"), HasCode(kErrorInvalidParameter));
  EXPECT_THAT(d().AddObject("CN=x", "computer"), HasCode(kErrorInvalidParameter));
  EXPECT_THAT(d().AddObject("CN=a+B=c,DC=example,DC=test", "computer"),
              HasCode(kErrorInvalidParameter));
  EXPECT_THAT(d().AddObject("CN=,DC=example,DC=test", "computer"),
              HasCode(kErrorInvalidParameter));
  EXPECT_THAT(d().AddObject(Host(1), "1computer"), HasCode(kErrorInvalidParameter));
  EXPECT_THAT(d().AddObject(Host(1), "computer", {{"objectClass", {"x"}}}),
              HasCode(kErrorInvalidParameter));
  EXPECT_THAT(d().AddObject(Host(1), "computer", {{"description", {}}}),
              HasCode(kErrorInvalidParameter));
  EXPECT_THAT(d().AddObject(Host(1), "computer", {{"description", {"a", "a"}}}),
              HasCode(kErrorInvalidParameter));
  EXPECT_THAT(d().AddObject("CN=h,OU=Nowhere,DC=example,DC=test", "computer"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("parent")));
  EXPECT_THAT(d().AddObject(kOu, "organizationalUnit"),
              HasCode(kErrorAlreadyExists));
  EXPECT_EQ(d().usn(), before);
  ASSERT_OK_AND_ASSIGN(auto all, d().ListObjects());
  EXPECT_EQ(all.size(), 2u);
}

TEST_F(DirectoryServiceTest, ModifyIsAllOrNothing) {
  AddBase();
  ASSERT_OK(d().AddObject(Host(1), "computer", {{"description", {"a"}}}).status());
  using Kind = AttributeChange::Kind;
  ASSERT_OK_AND_ASSIGN(
      uint64_t usn,
      d().ModifyObject(Host(1), {{Kind::kAdd, "description", {"b"}},
                                 {Kind::kReplace, "location", {"rack 4"}}}));
  ASSERT_OK_AND_ASSIGN(DirectoryObject o, d().GetObject(Host(1)));
  EXPECT_EQ(o.usn_changed, usn);
  EXPECT_EQ(o.usn_created, 3u);
  EXPECT_EQ(o.attributes.at("description"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(o.attributes.at("location"), std::vector<std::string>{"rack 4"});

  // The second change fails: the first is not applied either.
  EXPECT_THAT(d().ModifyObject(Host(1), {{Kind::kRemove, "description", {"a"}},
                                         {Kind::kAdd, "location", {"rack 4"}}}),
              HasCode(kErrorAlreadyExists));
  EXPECT_THAT(d().ModifyObject(Host(1), {{Kind::kRemove, "description", {"z"}}}),
              HasCode(kErrorNotFound));
  EXPECT_THAT(d().ModifyObject(Host(1), {{Kind::kRemove, "nothing", {}}}),
              HasCode(kErrorNotFound));
  EXPECT_THAT(d().ModifyObject(Host(1), {}), HasCode(kErrorInvalidParameter));
  EXPECT_THAT(d().ModifyObject(Host(1), {{Kind::kReplace, "objectClass", {"x"}}}),
              HasCode(kErrorInvalidParameter));
  EXPECT_THAT(d().ModifyObject(Host(2), {{Kind::kReplace, "a", {"x"}}}),
              HasCode(kErrorNotFound));
  EXPECT_EQ(d().usn(), usn);
  ASSERT_OK_AND_ASSIGN(DirectoryObject same, d().GetObject(Host(1)));
  EXPECT_EQ(same, o);

  // Replace with nothing and remove-all drop attributes.
  ASSERT_OK(d().ModifyObject(Host(1), {{Kind::kReplace, "location", {}},
                                       {Kind::kRemove, "description", {}}})
                .status());
  ASSERT_OK_AND_ASSIGN(o, d().GetObject(Host(1)));
  EXPECT_THAT(o.attributes, IsEmpty());
  ExpectCheckClean();
}

TEST_F(DirectoryServiceTest, DeleteLeavesATombstone) {
  AddBase();
  ASSERT_OK(d().AddObject(Host(1), "computer", {{"description", {"a"}}}).status());
  EXPECT_THAT(d().DeleteObject(kOu),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(d().DeleteObject(kOu), HasCode(kErrorDsCantOnNonLeaf));
  const absl::Time when = clock_.Now();
  ASSERT_OK_AND_ASSIGN(uint64_t usn, d().DeleteObject(Host(1)));
  ASSERT_OK_AND_ASSIGN(DirectoryObject t, d().GetObject(Host(1)));
  EXPECT_TRUE(t.deleted);
  EXPECT_EQ(t.deletion_time, when);
  EXPECT_EQ(t.usn_changed, usn);
  EXPECT_THAT(t.attributes, IsEmpty());
  EXPECT_THAT(d().DeleteObject(Host(1)),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("tombstone")));
  EXPECT_THAT(d().ModifyObject(Host(1), {{AttributeChange::Kind::kReplace,
                                          "a", {"b"}}}),
              HasCode(kErrorNotFound));
  EXPECT_THAT(d().AddObject(absl::StrCat("CN=child,", Host(1)), "user"),
              HasCode(kErrorNotFound));
  // Tombstone children do not keep their parent alive.
  ASSERT_OK(d().DeleteObject(kOu).status());
  // Adding over a tombstone makes a new object.
  ASSERT_OK(d().AddObject(kOu, "organizationalUnit").status());
  ASSERT_OK_AND_ASSIGN(usn, d().AddObject(Host(1), "computer"));
  ASSERT_OK_AND_ASSIGN(DirectoryObject again, d().GetObject(Host(1)));
  EXPECT_FALSE(again.deleted);
  EXPECT_EQ(again.usn_created, usn);
  ExpectCheckClean();
}

TEST_F(DirectoryServiceTest, GarbageCollectionPurgesOnlyPastTheLifetime) {
  AddBase();
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK(d().AddObject(Host(i), "computer").status());
  }
  ASSERT_OK(d().DeleteObject(Host(0)).status());
  clock_.Advance(absl::Hours(24));
  ASSERT_OK(d().DeleteObject(Host(1)).status());
  // Exactly the lifetime after the first deletion: nothing is purged yet.
  clock_.Advance(absl::Hours(24 * 179));
  ASSERT_OK_AND_ASSIGN(size_t purged, d().CollectGarbage());
  EXPECT_EQ(purged, 0u);
  const uint64_t usn = d().usn();
  clock_.Advance(absl::Seconds(1));
  ASSERT_OK_AND_ASSIGN(purged, d().CollectGarbage());
  EXPECT_EQ(purged, 1u);
  EXPECT_EQ(d().usn(), usn + 1);  // the purge is a logged change
  EXPECT_THAT(d().GetObject(Host(0)), HasCode(kErrorNotFound));
  ASSERT_OK_AND_ASSIGN(DirectoryObject t, d().GetObject(Host(1)));
  EXPECT_TRUE(t.deleted);
  // A shorter lifetime purges the second one too; it survives a restart.
  EXPECT_THAT(d().SetTombstoneLifetime(absl::Hours(47)),
              HasCode(kErrorInvalidParameter));
  ASSERT_OK(d().SetTombstoneLifetime(absl::Hours(24 * 60)).status());
  EXPECT_EQ(d().TombstoneLifetime(), absl::Hours(24 * 60));
  ASSERT_OK_AND_ASSIGN(purged, d().CollectGarbage());
  EXPECT_EQ(purged, 1u);
  Restart();
  EXPECT_THAT(d().GetObject(Host(1)), HasCode(kErrorNotFound));
  ASSERT_OK_AND_ASSIGN(DirectoryObject live, d().GetObject(Host(2)));
  EXPECT_FALSE(live.deleted);
  EXPECT_EQ(d().TombstoneLifetime(), absl::Hours(24 * 60));
  ExpectCheckClean();
}

TEST_F(DirectoryServiceTest, EverythingSurvivesRestartsWithAndWithoutCheckpoints) {
  AddBase();
  for (int i = 0; i < 20; ++i) {
    ASSERT_OK(d().AddObject(Host(i), "computer", {{"n", {absl::StrCat(i)}}})
                  .status());
  }
  ASSERT_OK_AND_ASSIGN(auto before, d().ListObjects());
  const uint64_t usn = d().usn();
  Restart();  // log replay only
  ASSERT_OK_AND_ASSIGN(auto after, d().ListObjects());
  EXPECT_EQ(after, before);
  EXPECT_EQ(d().usn(), usn);
  ASSERT_OK(d().Checkpoint());
  EXPECT_EQ(d().LogStatus().checkpoint_usn, usn);
  ASSERT_OK(d().DeleteObject(Host(3)).status());
  ASSERT_OK_AND_ASSIGN(before, d().ListObjects());
  Restart();  // image plus one logged change
  ASSERT_OK_AND_ASSIGN(after, d().ListObjects());
  EXPECT_EQ(after, before);
  EXPECT_EQ(d().usn(), usn + 1);
  // USNs keep increasing after a restart.
  ASSERT_OK_AND_ASSIGN(uint64_t next, d().AddObject(Host(99), "computer"));
  EXPECT_EQ(next, usn + 2);
  ExpectCheckClean();
}

TEST_F(DirectoryServiceTest, CheckpointsRunWhenTheLogThresholdIsReached) {
  dir_service_.reset();
  DirectoryOptions o = Options();
  o.checkpoint_log_bytes = 2000;
  ASSERT_OK_AND_ASSIGN(dir_service_, DirectoryService::Open(engine_.get(), o));
  AddBase();
  EXPECT_EQ(d().LogStatus().checkpoint_usn, 0u);
  for (int i = 0; i < 40; ++i) {
    ASSERT_OK(d().AddObject(Host(i), "computer", {{"pad", {std::string(100, 'x')}}})
                  .status());
  }
  DirectoryLogStatus log = d().LogStatus();
  EXPECT_GT(log.checkpoint_usn, 20u);
  EXPECT_LE(d().usn() - log.checkpoint_usn, 20u);
  ExpectCheckClean();
}

TEST_F(DirectoryServiceTest, TheLogFillsUntilTruncated) {
  AddBase();
  // 16 generations of 64 KiB: about 1 MiB of records fill the ring.
  const std::string pad(8000, 'p');
  int added = 0;
  absl::Status full;
  for (; added < 1000; ++added) {
    absl::StatusOr<uint64_t> r =
        d().AddObject(Host(added), "computer", {{"pad", {pad}}});
    if (!r.ok()) {
      full = r.status();
      break;
    }
  }
  EXPECT_THAT(full, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(full, HasCode(kErrorDiskFull));
  EXPECT_THAT(d().GetObject(Host(added)), HasCode(kErrorNotFound));
  const uint64_t usn = d().usn();
  DirectoryLogStatus log = d().LogStatus();
  EXPECT_EQ(log.first_retained_gen, 1u);
  EXPECT_EQ(log.current_gen, 16u);
  // Truncating below the current generation (after a full backup) frees the
  // ring; a checkpoint is taken first so nothing replay needs is dropped.
  ASSERT_OK(d().TruncateLogs(log.current_gen));
  log = d().LogStatus();
  EXPECT_EQ(log.first_retained_gen, 16u);
  EXPECT_EQ(log.checkpoint_gen, 16u);
  EXPECT_EQ(log.checkpoint_usn, usn);
  ASSERT_OK(d().AddObject(Host(added), "computer", {{"pad", {pad}}}).status());
  Restart();
  ASSERT_OK(d().GetObject(Host(added)).status());
  ExpectCheckClean();
}

TEST_F(DirectoryServiceTest, OfflineRefusesChangesAndComesBack) {
  AddBase();
  ASSERT_OK(d().TakeOffline());
  EXPECT_FALSE(d().IsOnline());
  EXPECT_EQ(d().usn(), 0u);
  EXPECT_THAT(d().AddObject(Host(1), "computer"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("offline")));
  EXPECT_THAT(d().GetObject(kRoot),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(d().OfflineReason(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                            HasSubstr("taken offline")));
  ASSERT_OK(d().BringOnline());
  ASSERT_OK(d().GetObject(kOu).status());
  EXPECT_EQ(d().usn(), 2u);

  // Restore mode opens offline.
  dir_service_.reset();
  DirectoryOptions o = Options();
  o.restore_mode = true;
  ASSERT_OK_AND_ASSIGN(dir_service_, DirectoryService::Open(engine_.get(), o));
  EXPECT_FALSE(d().IsOnline());
  EXPECT_THAT(d().OfflineReason(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                            HasSubstr("restore mode")));
  EXPECT_EQ(d().TombstoneLifetime(), absl::Hours(24 * 180));
  ASSERT_OK(d().BringOnline());
  ASSERT_OK(d().GetObject(kOu).status());
}

TEST_F(DirectoryServiceTest, PrivilegesBelongToPrincipals) {
  EXPECT_EQ(d().GetPrivileges("admin"), (Privileges{true, true}));
  EXPECT_EQ(d().GetPrivileges("ADMIN"), (Privileges{true, true}));
  EXPECT_EQ(d().GetPrivileges("bob"), (Privileges{false, false}));
  EXPECT_THAT(d().SetPrivileges("bob", "bob", {true, true}),
              HasCode(kErrorAccessDenied));
  ASSERT_OK(d().SetPrivileges("admin", "CORP\\Bob", {true, false}));
  EXPECT_EQ(d().GetPrivileges("corp\\bob"), (Privileges{true, false}));
  EXPECT_THAT(d().SetPrivileges("corp\\bob", "carol", {true, false}),
              HasCode(kErrorAccessDenied));
  EXPECT_THAT(d().SetPrivileges("admin", "admin", {true, false}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(d().SetPrivileges("admin", "", {true, false}),
              HasCode(kErrorInvalidParameter));
  Restart();
  EXPECT_EQ(d().GetPrivileges("corp\\bob"), (Privileges{true, false}));
  ASSERT_OK(d().SetPrivileges("admin", "corp\\bob", {}));
  EXPECT_EQ(d().GetPrivileges("corp\\bob"), (Privileges{false, false}));
}

TEST_F(DirectoryServiceTest, QuiescedChangesWaitAndThenProceed) {
  AddBase();
  d().BeginQuiesce();
  ASSERT_OK_AND_ASSIGN(QuiescePoint point, d().AwaitQuiesced(absl::InfiniteFuture()));
  EXPECT_EQ(point.usn, 2u);
  absl::StatusOr<uint64_t> result;
  std::thread writer([&] { result = d().AddObject(Host(1), "computer"); });
  while (d().GetActivity().waiting_changes != 1) std::this_thread::yield();
  EXPECT_EQ(d().usn(), 2u);  // it waits, it has not failed
  ASSERT_OK(d().GetObject(kOu).status());  // reads go on
  d().EndQuiesce();
  writer.join();
  ASSERT_OK(result.status());
  EXPECT_EQ(*result, 3u);
}

TEST_F(DirectoryServiceTest, CheckFindsADamagedImage) {
  AddBase();
  ASSERT_OK(d().Checkpoint());
  ExpectCheckClean();
  // Overwrite the current image (slot 1 after one checkpoint) in place.
  ASSERT_OK_AND_ASSIGN(Volume * db, engine_->GetVolume("directory-db"));
  std::vector<uint8_t> junk(64, 0xAB);
  const uint64_t slot1 = 64 * 1024 + ((db->size() - 64 * 1024) / 2 & ~uint64_t{4095});
  ASSERT_OK(db->Write(slot1 + 40, junk));
  ASSERT_OK_AND_ASSIGN(DirectoryCheckReport report, d().Check());
  EXPECT_THAT(report.problems,
              ElementsAre(HasSubstr("fails its xxh3-64 checksum")));
  // And a restart refuses it.
  dir_service_.reset();
  EXPECT_THAT(DirectoryService::Open(engine_.get(), Options()),
              StatusIs(absl::StatusCode::kDataLoss));
}

}  // namespace
}  // namespace shadowset
