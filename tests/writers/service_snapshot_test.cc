// Both reference services under load: one engine snapshot set taken while
// both writers are frozen, copied into a fresh engine data directory,
// reopens both services exactly as they were at the snapshot instant (each
// writer's sequence number at Freeze matches after the restore).

#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/dhcp/dhcp_test_util.h"
#include "writers/dhcp/dhcp_writer.h"
#include "writers/dhcp/load_generator.h"
#include "writers/rras/load_generator.h"
#include "writers/rras/rras_writer.h"

namespace shadowset {
namespace {

using ::shadowset::dhcp::testing::AsMap;
using ::shadowset::dhcp::testing::ChangeLog;
using ::shadowset::dhcp::testing::EngineFixture;
using ::shadowset::dhcp::testing::Ip;
using ::shadowset::dhcp::testing::Range;
using ::shadowset::dhcp::testing::Subnet;
using ::testing::IsEmpty;

constexpr char kAdmin[] = "alice";
constexpr uint64_t kSeed = 31337;

// Copies every volume of snapshot set `set` from `from` into same-named,
// same-sized volumes of `to`.
void CopySnapshotSet(Engine* from, const SnapshotSetInfo& set, Engine* to) {
  for (const SnapshotInfo& s : set.snapshots) {
    ASSERT_OK_AND_ASSIGN(auto snap, from->OpenSnapshot(set.id, s.volume));
    ASSERT_OK(to->CreateVolume(s.volume, snap->size()).status());
    ASSERT_OK_AND_ASSIGN(Volume * volume, to->GetVolume(s.volume));
    std::vector<uint8_t> chunk(256 * 1024);
    for (uint64_t off = 0; off < snap->size(); off += chunk.size()) {
      auto span = absl::MakeSpan(chunk).first(
          std::min<uint64_t>(chunk.size(), snap->size() - off));
      ASSERT_OK(snap->Read(off, span));
      ASSERT_OK(volume->Write(off, span));
    }
  }
  ASSERT_OK(to->Flush());
}

TEST(ServiceSnapshotTest, SnapshotSetOfBothWritersUnderLoadRestoresExactly) {
  SCOPED_TRACE(::testing::Message() << "seed " << kSeed);
  EngineFixture live;
  dhcp::DhcpServerOptions dopts;
  dopts.volume_size = 4 << 20;
  ASSERT_OK_AND_ASSIGN(auto server,
                       dhcp::DhcpServer::Create(live.engine(), dopts, kAdmin));
  for (int s = 1; s <= 3; ++s) {
    std::string net = absl::StrFormat("10.%d.0.0", s);
    std::string lo = absl::StrFormat("10.%d.0.10", s), hi = absl::StrFormat("10.%d.3.250", s);
    ASSERT_OK(server->CreateSubnet(kAdmin, Subnet(net.c_str(), 22)));
    ASSERT_OK(server->AddSubnetElement(kAdmin, Ip(net.c_str()),
                                       Range(lo.c_str(), hi.c_str())));
  }
  rras::RouterConfigOptions ropts;
  ropts.volume_size = 1 << 20;
  ASSERT_OK_AND_ASSIGN(auto router,
                       rras::RouterConfig::Create(live.engine(), ropts, kAdmin));
  ChangeLog leases;
  server->SetLeaseListener(leases.Listener());
  const uint64_t dhcp_seq0 = server->sequence();

  dhcp::DhcpLoadOptions dl;
  dl.seed = kSeed;
  dl.principal = kAdmin;
  dhcp::DhcpLoadGenerator dhcp_load(server.get(), dl);
  rras::RrasLoadOptions rl;
  rl.seed = kSeed;
  rl.principal = kAdmin;
  rras::RrasLoadGenerator rras_load(router.get(), rl);
  ASSERT_OK(dhcp_load.Start());
  ASSERT_OK(rras_load.Start());
  leases.AwaitSequence(dhcp_seq0 + 60);

  // Freeze both in parallel, commit one set, thaw both.
  dhcp::DhcpWriter dhcp_writer(server.get());
  rras::RrasWriter rras_writer(router.get());
  BackupContext ctx;
  absl::Status f1, f2;
  std::thread t1([&] { f1 = dhcp_writer.Freeze(ctx); });
  std::thread t2([&] { f2 = rras_writer.Freeze(ctx); });
  t1.join();
  t2.join();
  ASSERT_OK(f1);
  ASSERT_OK(f2);
  SnapshotSetOptions so;
  so.persistent = false;
  ASSERT_OK_AND_ASSIGN(SnapshotSetInfo set,
                       live.engine()->CreateSnapshotSet({"dhcp", "rras"}, so));
  ASSERT_OK(dhcp_writer.Thaw(ctx));
  ASSERT_OK(rras_writer.Thaw(ctx));
  const uint64_t dhcp_seq = dhcp_writer.sequence_at_freeze().value();
  const uint64_t rras_seq = rras_writer.sequence_at_freeze().value();
  leases.AwaitSequence(dhcp_seq + 30);  // the services went on
  dhcp_load.Stop();
  rras_load.Stop();
  ASSERT_OK(dhcp_load.status());
  ASSERT_OK(rras_load.status());
  EXPECT_GT(router->sequence(), 0u);

  // A fresh data directory holding the snapshot contents.
  EngineFixture restored;
  ASSERT_NO_FATAL_FAILURE(CopySnapshotSet(live.engine(), set, restored.engine()));
  ASSERT_OK_AND_ASSIGN(auto server2,
                       dhcp::DhcpServer::Open(restored.engine(), dopts));
  ASSERT_OK_AND_ASSIGN(auto router2,
                       rras::RouterConfig::Open(restored.engine(), ropts));
  EXPECT_EQ(server2->sequence(), dhcp_seq);
  EXPECT_EQ(router2->sequence(), rras_seq);
  EXPECT_THAT(server2->Check(), IsEmpty());
  EXPECT_THAT(router2->Check(), IsEmpty());
  EXPECT_EQ(AsMap(server2->EnumSubnetClients(kAdmin, 0).value()),
            leases.StateAt({}, dhcp_seq));
  EXPECT_LT(server2->sequence(), server->sequence());

  ASSERT_OK(live.engine()->DeleteSnapshotSet(set.id));
  for (Engine* e : {live.engine(), restored.engine()}) {
    ASSERT_OK(e->RunBackgroundWork());
    ASSERT_OK_AND_ASSIGN(CheckReport report, e->Check());
    EXPECT_TRUE(report.ok()) << ::testing::PrintToString(report.problems);
  }
}

}  // namespace
}  // namespace shadowset
