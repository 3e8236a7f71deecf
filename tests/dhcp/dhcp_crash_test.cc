// Power loss at every I/O of a lease update: reopening gives the state
// exactly before or exactly after the update, never a mix, and a clean
// engine. Variants: a plain update, an update under a live snapshot (the
// copy-on-write path), and an update that compacts the log.

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>

#include "absl/strings/str_cat.h"
#include "engine/fault_env.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/dhcp/dhcp_test_util.h"
#include "writers/dhcp/dhcp_server.h"

namespace shadowset::dhcp {
namespace {

using ::testing::IsEmpty;
using namespace ::shadowset::dhcp::testing;  // NOLINT

// The power-loss seed; SHADOWSET_CRASH_SEED overrides it.
const uint64_t kSeed = [] {
  const char* env = std::getenv("SHADOWSET_CRASH_SEED");
  return env != nullptr ? std::strtoull(env, nullptr, 10) : uint64_t{424242};
}();

struct Variant {
  const char* name;
  uint64_t volume_size;
  // Brings a fresh server to the state just before the update.
  std::function<void(Engine*, DhcpServer*)> setup;
  std::function<absl::Status(DhcpServer*)> update;
};

// An engine + server on a FaultInjectionEnv, opened on a copy of a
// prepared data directory.
struct Rig {
  ::shadowset::testing::TempDir tmp;
  FaultInjectionEnv env;
  std::unique_ptr<Engine> engine;
  std::unique_ptr<DhcpServer> server;
  DhcpServerOptions options;

  std::string dir() const { return tmp.Sub("data"); }
  EngineOptions engine_options() {
    EngineOptions o;
    o.env = &env;
    o.background = BackgroundMode::kInline;
    return o;
  }
  // Creates the server in a new data directory and runs the setup.
  void Prepare(const Variant& v) {
    InitOptions init;
    init.block_size = 4096;
    init.diff_area_max = 64 << 20;
    ASSERT_OK(Engine::Init(dir(), init, &env));
    ASSERT_OK_AND_ASSIGN(engine, Engine::Open(dir(), engine_options()));
    options.volume_size = v.volume_size;
    options.server_ip = Ip("10.0.0.1");
    ASSERT_OK_AND_ASSIGN(server,
                         DhcpServer::Create(engine.get(), options, kAdmin));
    v.setup(engine.get(), server.get());
    server.reset();
    engine.reset();
  }
  // Opens a copy of `prepared`'s data directory.
  void OpenCopyOf(const Rig& prepared) {
    std::filesystem::copy(prepared.dir(), dir(),
                          std::filesystem::copy_options::recursive);
    options = prepared.options;
    Reopen();
  }
  void Reopen() {
    server.reset();
    engine.reset();
    ASSERT_OK_AND_ASSIGN(engine, Engine::Open(dir(), engine_options()));
    ASSERT_OK_AND_ASSIGN(server, DhcpServer::Open(engine.get(), options));
  }
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
  ASSERT_NO_FATAL_FAILURE(prepared.Prepare(v));
  // 1. A clean run: the states before and after, and the update's I/O count.
  Observed before, after;
  uint64_t ops = 0;
  {
    Rig rig;
    ASSERT_NO_FATAL_FAILURE(rig.OpenCopyOf(prepared));
    before = Observe(*rig.server);
    uint64_t start = rig.env.ops();
    ASSERT_OK(v.update(rig.server.get()));
    ops = rig.env.ops() - start;
    after = Observe(*rig.server);
    ASSERT_FALSE(before == after);
  }
  ASSERT_GT(ops, 2u);
  // 2. Power loss at each of those operations.
  int saw_before = 0, saw_after = 0;
  for (uint64_t n = 1; n <= ops; ++n) {
    SCOPED_TRACE(absl::StrCat("crash at I/O ", n, " of ", ops));
    Rig rig;
    ASSERT_NO_FATAL_FAILURE(rig.OpenCopyOf(prepared));
    rig.env.CrashAtOp(n);
    EXPECT_FALSE(v.update(rig.server.get()).ok());
    rig.server.reset();
    rig.engine.reset();
    ASSERT_OK(rig.env.PowerLoss(kSeed + n));
    ASSERT_NO_FATAL_FAILURE(rig.Reopen());
    Observed now = Observe(*rig.server);
    if (now == before) {
      ++saw_before;
    } else {
      EXPECT_TRUE(now == after) << "a mix of before and after";
      ++saw_after;
    }
    EXPECT_THAT(rig.server->Check(), IsEmpty());
    // The reopened server keeps working.
    EXPECT_OK(rig.server->CreateClientInfo(kAdmin, Lease("10.1.0.200", 200)));
    ASSERT_OK(rig.engine->RunBackgroundWork());
    ASSERT_OK_AND_ASSIGN(CheckReport report, rig.engine->Check());
    EXPECT_TRUE(report.ok()) << ::testing::PrintToString(report.problems);
  }
  // Crashing at the first I/O loses the update.
  EXPECT_GT(saw_before, 0);
  std::printf("%s: %d I/Os; power loss left the state before %d times, "
              "after %d times\n",
              v.name, static_cast<int>(ops), saw_before, saw_after);
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
