// Power loss at every I/O of a lease update: reopening gives the state
// exactly before or exactly after the update, never a mix, and a clean
// engine. Variants: a plain update, an update under a live snapshot (the
// copy-on-write path), and an update that compacts the log.

#include <functional>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/dhcp/dhcp_test_util.h"
#include "tests/writers/service_crash_rig.h"
#include "writers/dhcp/dhcp_server.h"

namespace shadowset::dhcp {
namespace {

using namespace ::shadowset::dhcp::testing;  // NOLINT

const uint64_t kSeed = ::shadowset::testing::CrashSeed(424242);

using Rig = ::shadowset::testing::CrashRig<DhcpServer, DhcpServerOptions>;

struct Variant {
  const char* name;
  uint64_t volume_size;
  // Brings a fresh server to the state just before the update.
  std::function<void(Engine*, DhcpServer*)> setup;
  std::function<absl::Status(DhcpServer*)> update;
};

void BaseSetup(DhcpServer* server) {
  ASSERT_OK(server->CreateSubnet(kAdmin, Subnet("10.1.0.0", 24)));
  for (int i = 0; i < 8; ++i) {
    std::string ip = absl::StrCat("10.1.0.", 20 + i);
    ASSERT_OK(server->CreateClientInfo(kAdmin, Lease(ip.c_str(), i, "pc")));
  }
}

ClientInfo Renewal() {
  ClientInfo c = Lease("10.1.0.23", 3, "pc-renewed");
  c.expires = absl::FromUnixSeconds(2000000000);
  return c;
}

void RunVariant(const Variant& v) {
  SCOPED_TRACE(absl::StrCat(v.name, ", seed ", kSeed));
  Rig prepared;
  prepared.options.volume_size = v.volume_size;
  prepared.options.server_ip = Ip("10.0.0.1");
  ASSERT_NO_FATAL_FAILURE(prepared.Prepare(kAdmin, v.setup));
  ::shadowset::testing::SweepPowerLoss(
      v.name, kSeed, prepared, v.update,
      [](const DhcpServer& s) { return Observe(s); },
      [](DhcpServer* s) {
        return s->CreateClientInfo(kAdmin, Lease("10.1.0.200", 200));
      });
}

TEST(DhcpCrashTest, LeaseUpdate) {
  RunVariant({"update", 1 << 20,
              [](Engine*, DhcpServer* s) { BaseSetup(s); },
              [](DhcpServer* s) { return s->SetClientInfo(kAdmin, Renewal()); }});
}

TEST(DhcpCrashTest, LeaseCreate) {
  RunVariant({"create", 1 << 20,
              [](Engine*, DhcpServer* s) { BaseSetup(s); },
              [](DhcpServer* s) {
                return s->CreateClientInfo(kAdmin, Lease("10.1.0.99", 99, "new"));
              }});
}

TEST(DhcpCrashTest, LeaseUpdateUnderALiveSnapshot) {
  RunVariant({"snapshot", 1 << 20,
              [](Engine* e, DhcpServer* s) {
                BaseSetup(s);
                ASSERT_OK(e->CreateSnapshotSet(s->volumes()).status());
              },
              [](DhcpServer* s) { return s->SetClientInfo(kAdmin, Renewal()); }});
}

TEST(DhcpCrashTest, LeaseUpdateThatCompactsTheLog) {
  RunVariant({"compaction", 64 * 1024,
              [](Engine*, DhcpServer* s) {
                BaseSetup(s);
                // Renew until the next renewal no longer fits in the half.
                uint64_t used = s->log_usage().used;
                ASSERT_OK(s->SetClientInfo(kAdmin, Renewal()));
                uint64_t record = s->log_usage().used - used;
                while (s->log_usage().half_size - s->log_usage().used >= record) {
                  ASSERT_OK(s->SetClientInfo(kAdmin, Renewal()));
                }
              },
              [](DhcpServer* s) {
                ClientInfo c = Renewal();
                c.comment = "after compaction";
                return s->SetClientInfo(kAdmin, c);
              }});
}

}  // namespace
}  // namespace shadowset::dhcp
