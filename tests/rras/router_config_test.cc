// RouterConfig: every function of SEMANTICS.md §3 and every error row, with
// the exact code and proof that a rejected call changed nothing; backup and
// restore round trips.

#include "writers/rras/router_config.h"

#include <filesystem>
#include <thread>

#include "absl/synchronization/notification.h"
#include "engine/codes.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/rras/rras_test_util.h"

namespace shadowset::rras {
namespace {

using ::shadowset::testing::HasCode;
using ::shadowset::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using namespace ::shadowset::rras::testing;  // NOLINT

#define EXPECT_REJECTED(expr, code)                     \
  do {                                                  \
    Observed before_ = Observe(*router_);               \
    EXPECT_THAT((expr), HasCode(code));                 \
    EXPECT_TRUE(Observe(*router_) == before_) << #expr; \
  } while (0)

class RouterConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.volume_size = 256 * 1024;
    ASSERT_OK_AND_ASSIGN(router_,
                         RouterConfig::Create(fx_.engine(), options_, kAdmin));
  }
  void TearDown() override {
    if (router_ != nullptr) {
      EXPECT_THAT(router_->Check(), IsEmpty());
    }
  }
  void Reopen() {
    router_.reset();
    ASSERT_OK_AND_ASSIGN(router_, RouterConfig::Open(fx_.engine(), options_));
  }
  // IP router manager, two interfaces, two phone-book entries.
  void Populate() {
    ASSERT_OK(router_->CreateTransport(kAdmin, Ip4()));
    Interface eth0 = Iface("eth0", InterfaceType::kDedicated);
    eth0.transports.push_back({kPidIp, "IP", "if-info"});
    ASSERT_OK(router_->CreateInterface(kAdmin, eth0));
    ASSERT_OK(router_->CreateInterface(kAdmin, Iface("Branch", InterfaceType::kFullRouter)));
    ASSERT_OK(router_->AddPhonebookEntry(kAdmin, Entry("office")));
    ASSERT_OK(router_->AddPhonebookEntry(kAdmin, Entry("backup-line", "555-0100")));
  }

  EngineFixture fx_;
  RouterConfigOptions options_;
  std::unique_ptr<RouterConfig> router_;
};

TEST_F(RouterConfigTest, CreatorIsTheOnlyAdministrator) {
  EXPECT_THAT(router_->ListAdministrators(kAdmin), IsOkAndHolds(ElementsAre("alice")));
  EXPECT_EQ(router_->sequence(), 0u);
  EXPECT_FALSE(router_->IsAdministrator(kStranger));
  EXPECT_THAT(RouterConfig::Create(fx_.engine(), options_, kAdmin),
              StatusIs(absl::StatusCode::kAlreadyExists));
  RouterConfigOptions other = options_;
  other.volume = "r2";
  EXPECT_THAT(RouterConfig::Create(fx_.engine(), other, ""),
              HasCode(kErrorInvalidParameter));
  other.volume = "missing";
  EXPECT_THAT(RouterConfig::Open(fx_.engine(), other),
              StatusIs(absl::StatusCode::kNotFound));
  // A DHCP volume is not a router volume.
  other.volume = "dhcp";
  dhcp::DhcpServerOptions d;
  d.volume_size = 256 * 1024;
  ASSERT_OK(dhcp::DhcpServer::Create(fx_.engine(), d, kAdmin).status());
  EXPECT_THAT(RouterConfig::Open(fx_.engine(), other),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("holds a SSDHCPDB log")));
}

TEST_F(RouterConfigTest, StrangersAreDeniedEveryCall) {
  Populate();
  const char* s = kStranger;
  EXPECT_REJECTED(router_->CreateTransport(s, Ip4("x")), kErrorAccessDenied);
  EXPECT_REJECTED(router_->GetTransport(s, kPidIp), kErrorAccessDenied);
  EXPECT_REJECTED(router_->DeleteTransport(s, kPidIp), kErrorAccessDenied);
  EXPECT_REJECTED(router_->EnumTransports(s), kErrorAccessDenied);
  EXPECT_REJECTED(router_->CreateInterface(s, Iface("x")), kErrorAccessDenied);
  EXPECT_REJECTED(router_->SetInterface(s, Iface("eth0")), kErrorAccessDenied);
  EXPECT_REJECTED(router_->GetInterface(s, "eth0"), kErrorAccessDenied);
  EXPECT_REJECTED(router_->DeleteInterface(s, "eth0"), kErrorAccessDenied);
  EXPECT_REJECTED(router_->EnumInterfaces(s), kErrorAccessDenied);
  EXPECT_REJECTED(router_->AddInterfaceTransport(s, "eth0", {kPidIp, "IP", ""}),
                  kErrorAccessDenied);
  EXPECT_REJECTED(router_->RemoveInterfaceTransport(s, "eth0", kPidIp),
                  kErrorAccessDenied);
  EXPECT_REJECTED(router_->AddPhonebookEntry(s, Entry("x")), kErrorAccessDenied);
  EXPECT_REJECTED(router_->SetPhonebookEntry(s, Entry("office")), kErrorAccessDenied);
  EXPECT_REJECTED(router_->GetPhonebookEntry(s, "office"), kErrorAccessDenied);
  EXPECT_REJECTED(router_->DeletePhonebookEntry(s, "office"), kErrorAccessDenied);
  EXPECT_REJECTED(router_->EnumPhonebook(s), kErrorAccessDenied);
  EXPECT_REJECTED(router_->AddAdministrator(s, s), kErrorAccessDenied);
  EXPECT_REJECTED(router_->RemoveAdministrator(s, kAdmin), kErrorAccessDenied);
  EXPECT_REJECTED(router_->ListAdministrators(s), kErrorAccessDenied);
  EXPECT_REJECTED(router_->Backup(s, fx_.tmp().Sub("b/")), kErrorAccessDenied);
  EXPECT_REJECTED(router_->Restore(s, fx_.tmp().Sub("b/")), kErrorAccessDenied);
}

TEST_F(RouterConfigTest, AdministratorsAreStored) {
  ASSERT_OK(router_->AddAdministrator(kAdmin, "bob"));
  EXPECT_REJECTED(router_->AddAdministrator(kAdmin, "bob"), kErrorAlreadyExists);
  EXPECT_REJECTED(router_->AddAdministrator(kAdmin, ""), kErrorInvalidParameter);
  EXPECT_REJECTED(router_->RemoveAdministrator(kAdmin, "carol"), kErrorNotFound);
  Reopen();
  ASSERT_OK(router_->RemoveAdministrator("bob", kAdmin));
  EXPECT_REJECTED(router_->RemoveAdministrator("bob", "bob"), kErrorNotSupported);
  EXPECT_FALSE(router_->IsAdministrator(kAdmin));
}

TEST_F(RouterConfigTest, TransportCreateActsAsSetInfo) {
  ASSERT_OK(router_->CreateTransport(kAdmin, Ip4("v1")));
  const uint64_t seq = router_->sequence();
  ASSERT_OK(router_->CreateTransport(kAdmin, Ip4("v2")));
  EXPECT_EQ(router_->sequence(), seq + 1);
  EXPECT_THAT(router_->GetTransport(kAdmin, kPidIp),
              IsOkAndHolds(::testing::Field(&Transport::global_info, "v2")));
  Transport v6;
  v6.id = kPidIpv6;
  v6.name = "IPv6";
  ASSERT_OK(router_->CreateTransport(kAdmin, v6));
  EXPECT_THAT(router_->EnumTransports(kAdmin),
              IsOkAndHolds(ElementsAre(Ip4("v2"), v6)));
  Transport ipx;
  ipx.id = 0x2B;
  EXPECT_REJECTED(router_->CreateTransport(kAdmin, ipx), kErrorUnknownProtocolId);
  Transport long_name = Ip4();
  long_name.name = std::string(41, 'n');
  EXPECT_REJECTED(router_->CreateTransport(kAdmin, long_name), kErrorInvalidParameter);
  ASSERT_OK(router_->DeleteTransport(kAdmin, kPidIpv6));
  EXPECT_REJECTED(router_->DeleteTransport(kAdmin, kPidIpv6), kErrorUnknownProtocolId);
  EXPECT_REJECTED(router_->GetTransport(kAdmin, kPidIpv6), kErrorUnknownProtocolId);
  Reopen();
  EXPECT_THAT(router_->EnumTransports(kAdmin), IsOkAndHolds(ElementsAre(Ip4("v2"))));
}

TEST_F(RouterConfigTest, InterfacesCreateEnumDelete) {
  ASSERT_OK(router_->CreateTransport(kAdmin, Ip4()));
  Interface eth0 = Iface("eth0");
  eth0.transports.push_back({kPidIp, "IP", "info"});
  ASSERT_OK(router_->CreateInterface(kAdmin, eth0));
  EXPECT_REJECTED(router_->CreateInterface(kAdmin, Iface("ETH0")),
                  kErrorInterfaceAlreadyExists);
  EXPECT_REJECTED(router_->CreateInterface(kAdmin, Iface("")), kErrorInvalidParameter);
  EXPECT_REJECTED(router_->CreateInterface(kAdmin, Iface(std::string(257, 'i'))),
                  kErrorInvalidParameter);
  ASSERT_OK(router_->CreateInterface(kAdmin, Iface(std::string(256, 'i'))));
  EXPECT_REJECTED(router_->CreateInterface(
                      kAdmin, Iface("bad", static_cast<InterfaceType>(8))),
                  kErrorInvalidParameter);
  Interface v6 = Iface("tun0", InterfaceType::kTunnel1);
  v6.transports.push_back({kPidIpv6, "IPv6", ""});
  EXPECT_REJECTED(router_->CreateInterface(kAdmin, v6), kErrorUnknownProtocolId);
  Interface twice = Iface("twice");
  twice.transports = {{kPidIp, "IP", ""}, {kPidIp, "IP", ""}};
  EXPECT_REJECTED(router_->CreateInterface(kAdmin, twice), kErrorInvalidParameter);

  EXPECT_THAT(router_->GetInterface(kAdmin, "Eth0"), IsOkAndHolds(eth0));
  Interface disabled = Iface("ETH0", InterfaceType::kFullRouter);
  disabled.enabled = false;
  ASSERT_OK(router_->SetInterface(kAdmin, disabled));
  disabled.name = "eth0";
  EXPECT_THAT(router_->GetInterface(kAdmin, "eth0"), IsOkAndHolds(disabled));
  EXPECT_REJECTED(router_->SetInterface(kAdmin, Iface("nope")), kErrorNoSuchInterface);
  EXPECT_REJECTED(router_->GetInterface(kAdmin, "nope"), kErrorNoSuchInterface);

  ASSERT_OK(router_->AddInterfaceTransport(kAdmin, "eth0", {kPidIp, "IP", "v2"}));
  EXPECT_REJECTED(router_->AddInterfaceTransport(kAdmin, "eth0", {kPidIpv6, "", ""}),
                  kErrorUnknownProtocolId);
  EXPECT_REJECTED(router_->AddInterfaceTransport(kAdmin, "nope", {kPidIp, "", ""}),
                  kErrorNoSuchInterface);
  ASSERT_OK(router_->RemoveInterfaceTransport(kAdmin, "eth0", kPidIp));
  EXPECT_REJECTED(router_->RemoveInterfaceTransport(kAdmin, "eth0", kPidIp),
                  kErrorUnknownProtocolId);
  EXPECT_REJECTED(router_->RemoveInterfaceTransport(kAdmin, "nope", kPidIp),
                  kErrorNoSuchInterface);

  ASSERT_OK_AND_ASSIGN(std::vector<Interface> all, router_->EnumInterfaces(kAdmin));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "eth0");
  ASSERT_OK(router_->DeleteInterface(kAdmin, "ETH0"));
  EXPECT_REJECTED(router_->DeleteInterface(kAdmin, "eth0"), kErrorNoSuchInterface);
  Reopen();
  EXPECT_EQ(router_->EnumInterfaces(kAdmin)->size(), 1u);
}

TEST_F(RouterConfigTest, DeletingATransportUnbindsItEverywhere) {
  Populate();
  ASSERT_OK(router_->DeleteTransport(kAdmin, kPidIp));
  EXPECT_THAT(router_->GetInterface(kAdmin, "eth0"),
              IsOkAndHolds(::testing::Field(&Interface::transports, IsEmpty())));
}

TEST_F(RouterConfigTest, PhonebookEntries) {
  ASSERT_OK(router_->AddPhonebookEntry(kAdmin, Entry("office")));
  EXPECT_REJECTED(router_->AddPhonebookEntry(kAdmin, Entry("office")),
                  kErrorAlreadyExists);
  EXPECT_REJECTED(router_->AddPhonebookEntry(kAdmin, Entry("a]b")),
                  kErrorInvalidParameter);
  EXPECT_REJECTED(router_->AddPhonebookEntry(kAdmin, Entry("a\nb")),
                  kErrorInvalidParameter);
  PhonebookEntry bad_key = Entry("k");
  bad_key.options["a=b"] = "1";
  EXPECT_REJECTED(router_->AddPhonebookEntry(kAdmin, bad_key), kErrorInvalidParameter);
  bad_key.options = {{"Device", "x"}};
  EXPECT_REJECTED(router_->AddPhonebookEntry(kAdmin, bad_key), kErrorInvalidParameter);
  EXPECT_REJECTED(router_->SetPhonebookEntry(kAdmin, Entry("home")),
                  kErrorCannotFindPhonebookEntry);
  ASSERT_OK(router_->SetPhonebookEntry(kAdmin, Entry("office", "198.51.100.1")));
  EXPECT_THAT(router_->GetPhonebookEntry(kAdmin, "office"),
              IsOkAndHolds(Entry("office", "198.51.100.1")));
  EXPECT_REJECTED(router_->GetPhonebookEntry(kAdmin, "home"),
                  kErrorCannotFindPhonebookEntry);
  EXPECT_REJECTED(router_->DeletePhonebookEntry(kAdmin, "home"),
                  kErrorCannotFindPhonebookEntry);
  ASSERT_OK(router_->DeletePhonebookEntry(kAdmin, "office"));
  EXPECT_THAT(router_->EnumPhonebook(kAdmin), IsOkAndHolds(IsEmpty()));
}

TEST_F(RouterConfigTest, BackupRestoreRoundTrip) {
  Populate();
  const Observed backed_up = Observe(*router_);
  const std::string dir = fx_.tmp().Sub("rras-backup") + "/";
  ASSERT_OK(router_->Backup(kAdmin, dir));
  // The phone book is the INI-like file Windows keeps.
  ASSERT_OK_AND_ASSIGN(std::string pbk,
                       ReadFileToString(Env::Default(), dir + "rasphone.pbk"));
  EXPECT_EQ(pbk,
            "[backup-line]\nDevice=vpn\nPhoneNumber=555-0100\nRedial=3\n\n"
            "[office]\nDevice=vpn\nPhoneNumber=203.0.113.7\nRedial=3\n\n");
  // Change everything, then restore.
  ASSERT_OK(router_->DeleteInterface(kAdmin, "eth0"));
  ASSERT_OK(router_->CreateInterface(kAdmin, Iface("new0")));
  ASSERT_OK(router_->DeletePhonebookEntry(kAdmin, "office"));
  ASSERT_OK(router_->CreateTransport(kAdmin, Ip4("changed")));
  ASSERT_OK(router_->AddAdministrator(kAdmin, "bob"));
  const uint64_t seq = router_->sequence();
  ASSERT_OK(router_->Restore(kAdmin, dir));
  EXPECT_EQ(router_->sequence(), seq + 1);
  Observed now = Observe(*router_);
  EXPECT_EQ(now.transports, backed_up.transports);
  EXPECT_EQ(now.interfaces, backed_up.interfaces);
  EXPECT_EQ(now.phonebook, backed_up.phonebook);
  EXPECT_THAT(now.admins, ElementsAre("alice", "bob"));  // access control stays
  Reopen();
  EXPECT_EQ(Observe(*router_).interfaces, backed_up.interfaces);
}

TEST_F(RouterConfigTest, RestoreFromWhatIsNotABackupChangesNothing) {
  Populate();
  const std::string dir = fx_.tmp().Sub("b") + "/";
  ASSERT_OK(router_->Backup(kAdmin, dir));
  // An empty directory, a plain directory with other files.
  ASSERT_OK(Env::Default()->CreateDir(fx_.tmp().Sub("empty")));
  EXPECT_REJECTED(router_->Restore(kAdmin, fx_.tmp().Sub("empty") + "/"),
                  kErrorRouterConfigIncompatible);
  EXPECT_REJECTED(router_->Restore(kAdmin, fx_.tmp().Sub("missing") + "/"),
                  kErrorRouterConfigIncompatible);
  EXPECT_REJECTED(router_->Restore(kAdmin, fx_.dir() + "/"),
                  kErrorRouterConfigIncompatible);
  // Each file damaged or missing in turn.
  for (const char* name : {"router-managers.bin", "interfaces.bin", "rasphone.pbk",
                           "rras-backup.manifest"}) {
    SCOPED_TRACE(name);
    std::string copy = fx_.tmp().Sub(std::string("copy-") + name) + "/";
    std::filesystem::copy(dir, copy);
    ASSERT_OK_AND_ASSIGN(std::string bytes,
                         ReadFileToString(Env::Default(), copy + name));
    bytes[bytes.size() / 2] ^= 0x01;
    ASSERT_OK(WriteFileAtomically(
        Env::Default(), copy + name,
        absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(bytes.data()),
                            bytes.size())));
    EXPECT_REJECTED(router_->Restore(kAdmin, copy), kErrorRouterConfigIncompatible);
    ASSERT_OK(Env::Default()->RemoveFile(copy + name));
    EXPECT_REJECTED(router_->Restore(kAdmin, copy), kErrorRouterConfigIncompatible);
  }
  // Paths: relative, or without the trailing separator.
  EXPECT_REJECTED(router_->Restore(kAdmin, "b/"), kErrorInvalidParameter);
  EXPECT_REJECTED(router_->Restore(kAdmin, fx_.tmp().Sub("b")), kErrorInvalidParameter);
  EXPECT_REJECTED(router_->Backup(kAdmin, fx_.tmp().Sub("c")), kErrorInvalidParameter);
  EXPECT_REJECTED(router_->Backup(kAdmin, "c/"), kErrorInvalidParameter);
  EXPECT_REJECTED(router_->Backup(kAdmin, ""), kErrorInvalidParameter);
  // The good backup still restores.
  ASSERT_OK(router_->Restore(kAdmin, dir));
}

TEST_F(RouterConfigTest, ConcurrentSavesSurviveCompactionAndReopen) {
  ASSERT_OK(router_->CreateTransport(kAdmin, Ip4()));
  constexpr int kThreads = 4, kPerThread = 300;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        Interface iface = Iface(absl::StrCat("if", t, "-", i % 30));
        iface.transports.push_back({kPidIp, "IP", std::string(200, 'a' + t)});
        absl::Status s = i < 30 ? router_->CreateInterface(kAdmin, iface)
                                : router_->SetInterface(kAdmin, iface);
        ASSERT_OK(s);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(router_->sequence(), 1u + kThreads * kPerThread);
  const Observed before = Observe(*router_);
  EXPECT_EQ(before.interfaces.size(), 120u);
  Reopen();
  EXPECT_TRUE(Observe(*router_) == before);
}

TEST_F(RouterConfigTest, QuiesceBlocksSaves) {
  ASSERT_OK_AND_ASSIGN(uint64_t seq, router_->Quiesce());
  absl::Notification done;
  std::thread t([&] {
    EXPECT_OK(router_->CreateInterface(kAdmin, Iface("eth0")));
    done.Notify();
  });
  router_->AwaitBlockedMutations(1);
  EXPECT_FALSE(done.HasBeenNotified());
  EXPECT_EQ(router_->sequence(), seq);
  router_->Resume();
  done.WaitForNotification();
  t.join();
  EXPECT_EQ(router_->sequence(), seq + 1);
}

}  // namespace
}  // namespace shadowset::rras
