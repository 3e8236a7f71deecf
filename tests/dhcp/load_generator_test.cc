// The load generators: seeded (the same seed gives the same operations),
// rate-controlled, stoppable, counting, and calling back for host names.

#include "writers/dhcp/load_generator.h"

#include <set>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/dhcp/dhcp_test_util.h"
#include "writers/rras/load_generator.h"

namespace shadowset {
namespace {

using namespace ::shadowset::dhcp::testing;  // NOLINT
using dhcp::DhcpLoadGenerator;
using dhcp::DhcpLoadOptions;

std::unique_ptr<dhcp::DhcpServer> NewServer(EngineFixture& fx) {
  dhcp::DhcpServerOptions o;
  o.volume_size = 2 << 20;
  auto server = dhcp::DhcpServer::Create(fx.engine(), o, kAdmin);
  EXPECT_OK(server.status());
  for (const char* net : {"10.1.0.0", "10.2.0.0"}) {
    EXPECT_OK((*server)->CreateSubnet(kAdmin, Subnet(net, 24)));
    dhcp::SubnetElement r;
    r.range = {Ip(net) + 10, Ip(net) + 250};
    EXPECT_OK((*server)->AddSubnetElement(kAdmin, Ip(net), r));
  }
  return std::move(*server);
}

TEST(DhcpLoadGeneratorTest, TheSameSeedGivesTheSameDatabase) {
  constexpr uint64_t kSeed = 5150;
  SCOPED_TRACE(::testing::Message() << "seed " << kSeed);
  std::vector<std::vector<dhcp::ClientInfo>> results;
  std::vector<dhcp::DhcpLoadStats> stats;
  for (int run = 0; run < 2; ++run) {
    EngineFixture fx;
    auto server = NewServer(fx);
    DhcpLoadOptions o;
    o.seed = kSeed;
    o.principal = kAdmin;
    o.lease_duration = absl::InfiniteDuration();  // no clock in the records
    DhcpLoadGenerator load(server.get(), o);
    for (int i = 0; i < 200; ++i) ASSERT_OK(load.Step());
    std::vector<dhcp::ClientInfo> leases =
        server->EnumSubnetClients(kAdmin, 0).value();
    // Expiring sets "a second ago" by the clock; everything else is a
    // function of the seed.
    for (dhcp::ClientInfo& c : leases) {
      if (c.address_state == dhcp::AddressState::kDoom) c.expires = absl::InfinitePast();
    }
    results.push_back(leases);
    stats.push_back(load.stats());
    EXPECT_EQ(load.leases(), results.back().size());
    EXPECT_THAT(server->Check(), ::testing::IsEmpty());
  }
  EXPECT_EQ(results[0], results[1]);
  EXPECT_EQ(stats[0].total(), 200u);
  EXPECT_EQ(stats[0].created, stats[1].created);
  // Every kind of operation ran.
  EXPECT_GT(stats[0].created, 0u);
  EXPECT_GT(stats[0].renewed, 0u);
  EXPECT_GT(stats[0].expired, 0u);
  EXPECT_GT(stats[0].released, 0u);
  EXPECT_GT(stats[0].reserved, 0u);
}

TEST(DhcpLoadGeneratorTest, HostNamesComeFromTheListThroughTheCallback) {
  EngineFixture fx;
  auto server = NewServer(fx);
  std::set<std::string> announced;
  DhcpLoadOptions o;
  o.principal = kAdmin;
  o.host_names = {"alpha", "beta", "gamma"};
  o.on_new_host = [&](const std::string& name) {
    // The lease does not exist yet when its host name is announced.
    EXPECT_EQ(announced.count(name) == 0 &&
                  server->GetClientInfo(kAdmin, dhcp::SearchInfo::ByName(name)).ok(),
              false);
    announced.insert(name);
    return absl::OkStatus();
  };
  o.create_weight = 1;
  o.renew_weight = o.expire_weight = o.release_weight = o.reserve_weight = 0;
  DhcpLoadGenerator load(server.get(), o);
  for (int i = 0; i < 20; ++i) ASSERT_OK(load.Step());
  EXPECT_EQ(announced, (std::set<std::string>{"alpha", "beta", "gamma"}));
  std::vector<dhcp::ClientInfo> leases =
      server->EnumSubnetClients(kAdmin, 0).value();
  for (const dhcp::ClientInfo& c : leases) {
    EXPECT_TRUE(announced.count(c.name)) << c.name;
  }
  // A failing callback ends the run before the lease is created.
  o.on_new_host = [](const std::string&) {
    return absl::UnavailableError("directory down");
  };
  DhcpLoadGenerator failing(server.get(), o);
  size_t before = server->lease_count();
  EXPECT_THAT(failing.Step(), ::shadowset::testing::StatusIs(
                                  absl::StatusCode::kUnavailable));
  EXPECT_EQ(server->lease_count(), before);
}

TEST(DhcpLoadGeneratorTest, RateControlledRunOnItsOwnThread) {
  EngineFixture fx;
  auto server = NewServer(fx);
  DhcpLoadOptions o;
  o.principal = kAdmin;
  o.ops_per_second = 200;
  o.max_ops = 40;
  DhcpLoadGenerator load(server.get(), o);
  absl::Time start = absl::Now();
  ASSERT_OK(load.Start());
  EXPECT_THAT(load.Start(), ::shadowset::testing::StatusIs(
                                absl::StatusCode::kFailedPrecondition));
  ASSERT_OK(load.Wait());
  // Operation n starts no earlier than n / rate: 39 intervals of 5 ms.
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(195));
  EXPECT_EQ(load.stats().total(), 40u);
}

TEST(DhcpLoadGeneratorTest, StopEndsAnUnboundedRun) {
  EngineFixture fx;
  auto server = NewServer(fx);
  ChangeLog changes;
  server->SetLeaseListener(changes.Listener());
  DhcpLoadOptions o;
  o.principal = kAdmin;
  DhcpLoadGenerator load(server.get(), o);
  ASSERT_OK(load.Start());
  changes.AwaitSequence(server->sequence() + 30);
  load.Stop();
  uint64_t total = load.stats().total();
  EXPECT_GE(total, 15u);  // an operation is one or two mutations
  EXPECT_EQ(load.stats().total(), total);  // nothing runs after Stop
  EXPECT_OK(load.status());
  // Without a scope there is nothing to do.
  EngineFixture empty_fx;
  dhcp::DhcpServerOptions so;
  so.volume_size = 1 << 20;
  ASSERT_OK_AND_ASSIGN(auto empty, dhcp::DhcpServer::Create(empty_fx.engine(), so, kAdmin));
  DhcpLoadGenerator idle(empty.get(), o);
  EXPECT_THAT(idle.Start(), ::shadowset::testing::StatusIs(
                                absl::StatusCode::kFailedPrecondition));
}

TEST(RrasLoadGeneratorTest, TheSameSeedGivesTheSameConfiguration) {
  constexpr uint64_t kSeed = 77;
  SCOPED_TRACE(::testing::Message() << "seed " << kSeed);
  std::vector<std::vector<rras::Interface>> interfaces;
  std::vector<std::vector<rras::PhonebookEntry>> books;
  for (int run = 0; run < 2; ++run) {
    EngineFixture fx;
    rras::RouterConfigOptions ro;
    ro.volume_size = 1 << 20;
    ASSERT_OK_AND_ASSIGN(auto router,
                         rras::RouterConfig::Create(fx.engine(), ro, kAdmin));
    rras::RrasLoadOptions o;
    o.seed = kSeed;
    o.principal = kAdmin;
    rras::RrasLoadGenerator load(router.get(), o);
    for (int i = 0; i < 200; ++i) ASSERT_OK(load.Step());
    EXPECT_EQ(load.stats().total(), 200u);
    EXPECT_GT(load.stats().saves, 150u);
    EXPECT_EQ(router->sequence(), load.stats().saves);
    interfaces.push_back(router->EnumInterfaces(kAdmin).value());
    books.push_back(router->EnumPhonebook(kAdmin).value());
    EXPECT_THAT(router->Check(), ::testing::IsEmpty());
  }
  EXPECT_EQ(interfaces[0], interfaces[1]);
  EXPECT_EQ(books[0], books[1]);
  EXPECT_FALSE(interfaces[0].empty());
}

}  // namespace
}  // namespace shadowset
