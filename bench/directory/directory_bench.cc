// Directory changes per second, with and without an online backup running.
//
// Workload: a directory on one engine (16 KiB blocks, buffered I/O, warm
// page cache) preloaded with 10,000 objects; in each phase T threads make
// 100 changes each (3 modifies to 1 add, every change durable before its
// call returns, so concurrent changes share log flushes). The online
// backup runs DsBackupPrepare / read every file / DsBackupEnd in a loop on
// another thread for the whole phase (its snapshot makes first writes to a
// block preserve it, and its reads compete for the disk). Both sides run
// the same workload in the same process, paired within each repetition
// (BM_ChangesVsOnlineBackup); SHADOWSET_BENCH_REPS repetitions (default 5,
// at least 3), reported as median, min and max. Data on
// $SHADOWSET_BENCH_DIR (default /var/tmp).
//
//   build-release/bench/directory/directory_bench --benchmark_counters_tabular

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "benchmark/benchmark.h"
#include "engine/codes.h"
#include "engine/engine.h"
#include "writers/directory/directory_service.h"
#include "writers/directory/ds_backup.h"

namespace shadowset {
namespace {

constexpr int kPreload = 10000;
constexpr int kChangesPerThread = 100;  // per phase
constexpr char kOu[] = "OU=Bench,DC=bench,DC=test";

std::string Name(int i) { return absl::StrCat("CN=obj-", i, ",", kOu); }

struct World {
  std::string dir;
  std::unique_ptr<Engine> engine;
  std::unique_ptr<DirectoryService> directory;
  std::atomic<int> next_add{kPreload};

  World() {
    const char* base = std::getenv("SHADOWSET_BENCH_DIR");
    std::string pattern = std::string(base != nullptr ? base : "/var/tmp") +
                          "/shadowset-bench-XXXXXX";
    dir = mkdtemp(pattern.data());
    Check(Engine::Init(dir + "/data", InitOptions{}));
    engine = Engine::Open(dir + "/data").value();
    DirectoryInit init;
    init.server_name = "bench";
    init.creator = "bench";
    init.log_generations = 1024;  // no truncation needed while measuring
    Check(DirectoryService::Create(engine.get(), init));
    directory = DirectoryService::Open(engine.get()).value();
    Check(directory->AddObject("DC=bench,DC=test", "domain").status());
    Check(directory->AddObject(kOu, "organizationalUnit").status());
    std::vector<std::thread> loaders;
    for (int t = 0; t < 8; ++t) {
      loaders.emplace_back([this, t] {
        for (int i = t; i < kPreload; i += 8) {
          Check(directory
                    ->AddObject(Name(i), "user",
                                {{"description", {"preloaded"}},
                                 {"employeeNumber", {absl::StrCat(i)}}})
                    .status());
        }
      });
    }
    for (std::thread& t : loaders) t.join();
    Check(directory->Checkpoint());
  }
  ~World() {
    directory.reset();
    engine.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  static void Check(const absl::Status& s) {
    if (!s.ok()) {
      std::fprintf(stderr, "directory_bench: %s\n", s.ToString().c_str());
      std::abort();
    }
  }

  // One thread's share of a phase.
  void Changes(int thread, int threads) {
    using Kind = AttributeChange::Kind;
    for (int i = 0; i < kChangesPerThread; ++i) {
      if (i % 4 == 3) {
        Check(directory
                  ->AddObject(Name(next_add++), "user",
                              {{"description", {"added"}}})
                  .status());
      } else {
        int target = (i * threads + thread) * 7919 % kPreload;
        Check(directory
                  ->ModifyObject(Name(target), {{Kind::kReplace,
                                                 "description",
                                                 {absl::StrCat("change ", i)}}})
                  .status());
      }
    }
  }

  // Full online backups, one after another, until `stop`.
  int BackupLoop(const std::atomic<bool>& stop) {
    DsClient client(directory.get(), "bench");
    std::vector<uint8_t> buf(1 << 20);
    int done = 0;
    while (!stop.load()) {
      DsBackupPrepared b =
          client.DsBackupPrepare("bench", 0, kBackupTypeFull).value();
      std::vector<DsFileEntry> files =
          ParseDsFileList(b.context->DsBackupGetDatabaseNames().value())
              .value();
      std::vector<DsFileEntry> logs =
          ParseDsFileList(b.context->DsBackupGetBackupLogs().value()).value();
      files.insert(files.end(), logs.begin(), logs.end());
      for (const DsFileEntry& f : files) {
        Check(b.context->DsBackupOpenFile(f.name, buf.size()).status());
        while (b.context->DsBackupRead(absl::MakeSpan(buf)).ok()) {
        }
        Check(b.context->DsBackupClose());
      }
      Check(b.context->DsBackupEnd());
      ++done;
    }
    return done;
  }
};

// Made on first use; never destroyed (its engine's threads may outlive
// static destruction), but its directory is removed at exit.
World& TheWorld() {
  static World* world = [] {
    World* w = new World();
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(TheWorld().dir, ec);
    });
    return w;
  }();
  return *world;
}

// One phase: every thread makes its kChangesPerThread changes. Returns the
// seconds taken.
double ChangePhase(World& w, int threads) {
  const absl::Time start = absl::Now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&w, t, threads] { w.Changes(t, threads); });
  }
  for (std::thread& t : workers) t.join();
  return absl::ToDoubleSeconds(absl::Now() - start);
}

// Directory changes with and without an online backup running, paired
// within each repetition: kRounds rounds, each a phase without the backup,
// a phase with the backup loop running (started before the phase, stopped
// after it) and, as a control, a phase beside a thread that only spins
// (no I/O: what a busy CPU alone changes on this machine). The rounds take
// the six orders of the three phases in turn and the phases are short, so
// every side samples the machine's drifting load alike. Counters: the
// changes per second of each side, vs_none = with the backup / without,
// spin_vs_none = beside the spinning thread / without (per repetition).
// Arg: threads making changes.
constexpr int kRounds = 6;

void BM_ChangesVsOnlineBackup(benchmark::State& state) {
  World& w = TheWorld();
  const int threads = static_cast<int>(state.range(0));
  for (auto _ : state) {
    double none = 0, during = 0, spinning = 0;
    int backups = 0;
    auto with_backup = [&] {
      std::atomic<bool> stop{false};
      int done = 0;
      std::thread backup_thread([&] { done = w.BackupLoop(stop); });
      const double seconds = ChangePhase(w, threads);
      stop.store(true);
      backup_thread.join();
      backups += done;
      return seconds;
    };
    auto beside_spinner = [&] {
      std::atomic<bool> stop{false};
      std::thread spinner([&stop] {
        while (!stop.load(std::memory_order_relaxed)) {
        }
      });
      const double seconds = ChangePhase(w, threads);
      stop.store(true);
      spinner.join();
      return seconds;
    };
    int order[3] = {0, 1, 2};
    for (int round = 0; round < kRounds; ++round) {
      for (int side : order) {
        if (side == 0) none += ChangePhase(w, threads);
        if (side == 1) during += with_backup();
        if (side == 2) spinning += beside_spinner();
      }
      std::next_permutation(order, order + 3);
    }
    const double changes = kRounds * threads * kChangesPerThread;
    state.SetIterationTime(during);
    state.counters["changes_s_none"] = changes / none;
    state.counters["changes_s_backup"] = changes / during;
    state.counters["changes_s_spin"] = changes / spinning;
    state.counters["vs_none"] = none / during;
    state.counters["spin_vs_none"] = none / spinning;
    state.counters["backups"] = backups;
  }
}

int Reps() {
  const char* s = std::getenv("SHADOWSET_BENCH_REPS");
  return s != nullptr ? std::max(3, std::atoi(s)) : 5;
}

double Min(const std::vector<double>& v) {
  return *std::min_element(v.begin(), v.end());
}
double Max(const std::vector<double>& v) {
  return *std::max_element(v.begin(), v.end());
}

BENCHMARK(BM_ChangesVsOnlineBackup)
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(4)
    ->Iterations(1)
    ->Repetitions(Reps())
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond)
    ->ComputeStatistics("min", Min)
    ->ComputeStatistics("max", Max)
    ->DisplayAggregatesOnly(true);

}  // namespace
}  // namespace shadowset

BENCHMARK_MAIN();
