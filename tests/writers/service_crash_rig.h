// The power-loss sweep of the reference services' crash tests: a service on
// an engine on a FaultInjectionEnv, prepared once, then one mutation run
// against a fresh copy with a crash at each of its I/Os in turn.
//
//   using Rig = CrashRig<DhcpServer, DhcpServerOptions>;
//   Rig prepared;
//   prepared.options.volume_size = 1 << 20;
//   ASSERT_NO_FATAL_FAILURE(prepared.Prepare(kAdmin, setup));
//   SweepPowerLoss("update", CrashSeed(424242), prepared, update, observe,
//                  keeps_working);
//
// Each reopening after a power loss must give exactly the state before or
// exactly the state after the mutation (as `observe` sees it), a service
// whose Check() is clean and that accepts `keeps_working`, and a clean
// engine. Thread safety: one test thread.

#ifndef SHADOWSET_TESTS_WRITERS_SERVICE_CRASH_RIG_H_
#define SHADOWSET_TESTS_WRITERS_SERVICE_CRASH_RIG_H_

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "engine/engine.h"
#include "engine/fault_env.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace shadowset::testing {

// The power-loss seed: SHADOWSET_CRASH_SEED when set, else `fallback`.
inline uint64_t CrashSeed(uint64_t fallback) {
  const char* env = std::getenv("SHADOWSET_CRASH_SEED");
  return env != nullptr ? std::strtoull(env, nullptr, 10) : fallback;
}

// An engine + service on a FaultInjectionEnv, opened on a copy of a
// prepared data directory. `Service` has Create(Engine*, const Options&,
// creator) and Open(Engine*, const Options&).
template <typename Service, typename Options>
struct CrashRig {
  TempDir tmp;
  FaultInjectionEnv env;
  std::unique_ptr<Engine> engine;
  std::unique_ptr<Service> service;
  Options options;

  std::string dir() const { return tmp.Sub("data"); }
  EngineOptions engine_options() {
    EngineOptions o;
    o.env = &env;
    o.background = BackgroundMode::kInline;
    return o;
  }
  // Creates the service (with `options`, `creator` its first administrator)
  // in a new data directory, runs `setup`, and closes both.
  void Prepare(absl::string_view creator,
               const std::function<void(Engine*, Service*)>& setup) {
    InitOptions init;
    init.block_size = 4096;
    init.diff_area_max = 64 << 20;
    ASSERT_OK(Engine::Init(dir(), init, &env));
    ASSERT_OK_AND_ASSIGN(engine, Engine::Open(dir(), engine_options()));
    ASSERT_OK_AND_ASSIGN(service,
                         Service::Create(engine.get(), options, creator));
    setup(engine.get(), service.get());
    service.reset();
    engine.reset();
  }
  // Opens a copy of `prepared`'s data directory.
  void OpenCopyOf(const CrashRig& prepared) {
    std::filesystem::copy(prepared.dir(), dir(),
                          std::filesystem::copy_options::recursive);
    options = prepared.options;
    Reopen();
  }
  void Reopen() {
    service.reset();
    engine.reset();
    ASSERT_OK_AND_ASSIGN(engine, Engine::Open(dir(), engine_options()));
    ASSERT_OK_AND_ASSIGN(service, Service::Open(engine.get(), options));
  }
};

// Runs `mutate(Service*)` once cleanly on a copy of `prepared` to learn the
// states before and after (`observe(const Service&)`, compared with ==) and
// its I/O count, then once per I/O with a crash there and a power loss
// (seeded `seed + n`) before reopening. Prints the tally under `name`.
template <typename Rig, typename MutateFn, typename ObserveFn,
          typename LaterFn>
void SweepPowerLoss(const char* name, uint64_t seed, const Rig& prepared,
                    const MutateFn& mutate, const ObserveFn& observe,
                    const LaterFn& keeps_working) {
  // 1. A clean run: the states before and after, and the mutation's I/O
  // count.
  decltype(observe(*prepared.service)) before, after;
  uint64_t ops = 0;
  {
    Rig rig;
    ASSERT_NO_FATAL_FAILURE(rig.OpenCopyOf(prepared));
    before = observe(*rig.service);
    uint64_t start = rig.env.ops();
    ASSERT_OK(mutate(rig.service.get()));
    ops = rig.env.ops() - start;
    after = observe(*rig.service);
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
    EXPECT_FALSE(mutate(rig.service.get()).ok());
    rig.service.reset();
    rig.engine.reset();
    ASSERT_OK(rig.env.PowerLoss(seed + n));
    ASSERT_NO_FATAL_FAILURE(rig.Reopen());
    auto now = observe(*rig.service);
    if (now == before) {
      ++saw_before;
    } else {
      EXPECT_TRUE(now == after) << "a mix of before and after";
      ++saw_after;
    }
    EXPECT_THAT(rig.service->Check(), ::testing::IsEmpty());
    // The reopened service keeps working.
    EXPECT_OK(keeps_working(rig.service.get()));
    ASSERT_OK(rig.engine->RunBackgroundWork());
    ASSERT_OK_AND_ASSIGN(CheckReport report, rig.engine->Check());
    EXPECT_TRUE(report.ok()) << ::testing::PrintToString(report.problems);
  }
  // Crashing at the first I/O loses the mutation.
  EXPECT_GT(saw_before, 0);
  std::printf("%s: %d I/Os; power loss left the state before %d times, "
              "after %d times\n",
              name, static_cast<int>(ops), saw_before, saw_after);
}

}  // namespace shadowset::testing

#endif  // SHADOWSET_TESTS_WRITERS_SERVICE_CRASH_RIG_H_
