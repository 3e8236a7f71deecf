// Power loss at every I/O of a configuration save: reopening gives the
// configuration exactly before or exactly after the save, never a mix.
// Variants: a save, a save under a live snapshot, a save that compacts the
// log, and a restore from a backup directory.

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>

#include "absl/strings/str_cat.h"
#include "engine/fault_env.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/rras/rras_test_util.h"

namespace shadowset::rras {
namespace {

using ::testing::IsEmpty;
using namespace ::shadowset::rras::testing;  // NOLINT

// The power-loss seed; SHADOWSET_CRASH_SEED overrides it.
const uint64_t kSeed = [] {
  const char* env = std::getenv("SHADOWSET_CRASH_SEED");
  return env != nullptr ? std::strtoull(env, nullptr, 10) : uint64_t{9001};
}();

struct Variant {
  const char* name;
  uint64_t volume_size;
  std::function<void(Engine*, RouterConfig*, const std::string& scratch)> setup;
  std::function<absl::Status(RouterConfig*, const std::string& scratch)> save;
};

struct Rig {
  ::shadowset::testing::TempDir tmp;
  FaultInjectionEnv env;
  std::unique_ptr<Engine> engine;
  std::unique_ptr<RouterConfig> router;
  RouterConfigOptions options;

  std::string dir() const { return tmp.Sub("data"); }
  EngineOptions engine_options() {
    EngineOptions o;
    o.env = &env;
    o.background = BackgroundMode::kInline;
    return o;
  }
  void Prepare(const Variant& v, const std::string& scratch) {
    InitOptions init;
    init.block_size = 4096;
    init.diff_area_max = 64 << 20;
    ASSERT_OK(Engine::Init(dir(), init, &env));
    ASSERT_OK_AND_ASSIGN(engine, Engine::Open(dir(), engine_options()));
    options.volume_size = v.volume_size;
    ASSERT_OK_AND_ASSIGN(router, RouterConfig::Create(engine.get(), options, kAdmin));
    v.setup(engine.get(), router.get(), scratch);
    router.reset();
    engine.reset();
  }
  void OpenCopyOf(const Rig& prepared) {
    std::filesystem::copy(prepared.dir(), dir(),
                          std::filesystem::copy_options::recursive);
    options = prepared.options;
    Reopen();
  }
  void Reopen() {
    router.reset();
    engine.reset();
    ASSERT_OK_AND_ASSIGN(engine, Engine::Open(dir(), engine_options()));
    ASSERT_OK_AND_ASSIGN(router, RouterConfig::Open(engine.get(), options));
  }
};

void BaseSetup(RouterConfig* r) {
  ASSERT_OK(r->CreateTransport(kAdmin, Ip4()));
  for (int i = 0; i < 6; ++i) {
    Interface iface = Iface(absl::StrCat("eth", i));
    iface.transports.push_back({kPidIp, "IP", "info"});
    ASSERT_OK(r->CreateInterface(kAdmin, iface));
  }
  ASSERT_OK(r->AddPhonebookEntry(kAdmin, Entry("office")));
}

Interface Edited() {
  Interface iface = Iface("eth3", InterfaceType::kFullRouter);
  iface.enabled = false;
  iface.transports.push_back({kPidIp, "IP", std::string(300, 'x')});
  return iface;
}

void RunVariant(const Variant& v) {
  SCOPED_TRACE(absl::StrCat(v.name, ", seed ", kSeed));
  ::shadowset::testing::TempDir scratch;
  Rig prepared;
  ASSERT_NO_FATAL_FAILURE(prepared.Prepare(v, scratch.path()));
  Observed before, after;
  uint64_t ops = 0;
  {
    Rig rig;
    ASSERT_NO_FATAL_FAILURE(rig.OpenCopyOf(prepared));
    before = Observe(*rig.router);
    uint64_t start = rig.env.ops();
    ASSERT_OK(v.save(rig.router.get(), scratch.path()));
    ops = rig.env.ops() - start;
    after = Observe(*rig.router);
    ASSERT_FALSE(before == after);
  }
  int saw_before = 0, saw_after = 0;
  for (uint64_t n = 1; n <= ops; ++n) {
    SCOPED_TRACE(absl::StrCat("crash at I/O ", n, " of ", ops));
    Rig rig;
    ASSERT_NO_FATAL_FAILURE(rig.OpenCopyOf(prepared));
    rig.env.CrashAtOp(n);
    EXPECT_FALSE(v.save(rig.router.get(), scratch.path()).ok());
    rig.router.reset();
    rig.engine.reset();
    ASSERT_OK(rig.env.PowerLoss(kSeed + n));
    ASSERT_NO_FATAL_FAILURE(rig.Reopen());
    Observed now = Observe(*rig.router);
    if (now == before) {
      ++saw_before;
    } else {
      EXPECT_TRUE(now == after) << "a mix of before and after";
      ++saw_after;
    }
    EXPECT_THAT(rig.router->Check(), IsEmpty());
    EXPECT_OK(rig.router->CreateInterface(kAdmin, Iface("later0")));
    ASSERT_OK(rig.engine->RunBackgroundWork());
    ASSERT_OK_AND_ASSIGN(CheckReport report, rig.engine->Check());
    EXPECT_TRUE(report.ok()) << ::testing::PrintToString(report.problems);
  }
  EXPECT_GT(saw_before, 0);
  std::printf("%s: %d I/Os; power loss left the state before %d times, "
              "after %d times\n",
              v.name, static_cast<int>(ops), saw_before, saw_after);
}

TEST(RrasCrashTest, ConfigSave) {
  RunVariant({"save", 256 * 1024,
              [](Engine*, RouterConfig* r, const std::string&) { BaseSetup(r); },
              [](RouterConfig* r, const std::string&) {
                return r->SetInterface(kAdmin, Edited());
              }});
}

TEST(RrasCrashTest, ConfigSaveUnderALiveSnapshot) {
  RunVariant({"snapshot", 256 * 1024,
              [](Engine* e, RouterConfig* r, const std::string&) {
                BaseSetup(r);
                ASSERT_OK(e->CreateSnapshotSet(r->volumes()).status());
              },
              [](RouterConfig* r, const std::string&) {
                return r->SetInterface(kAdmin, Edited());
              }});
}

TEST(RrasCrashTest, ConfigSaveThatCompactsTheLog) {
  RunVariant({"compaction", 64 * 1024,
              [](Engine*, RouterConfig* r, const std::string&) {
                BaseSetup(r);
                uint64_t used = r->log_usage().used;
                ASSERT_OK(r->SetInterface(kAdmin, Edited()));
                uint64_t record = r->log_usage().used - used;
                while (r->log_usage().half_size - r->log_usage().used >= record) {
                  ASSERT_OK(r->SetInterface(kAdmin, Edited()));
                }
              },
              [](RouterConfig* r, const std::string&) {
                Interface iface = Edited();
                iface.enabled = true;
                return r->SetInterface(kAdmin, iface);
              }});
}

TEST(RrasCrashTest, RestoreFromABackupDirectory) {
  RunVariant({"restore", 256 * 1024,
              [](Engine*, RouterConfig* r, const std::string& scratch) {
                BaseSetup(r);
                ASSERT_OK(r->Backup(kAdmin, scratch + "/backup/"));
                ASSERT_OK(r->DeleteInterface(kAdmin, "eth0"));
                ASSERT_OK(r->DeletePhonebookEntry(kAdmin, "office"));
              },
              [](RouterConfig* r, const std::string& scratch) {
                return r->Restore(kAdmin, scratch + "/backup/");
              }});
}

}  // namespace
}  // namespace shadowset::rras
