// Benchmarks of the reference services (DESIGN §6: each pair runs the same
// workload on the same machine in the same run; run with
// --benchmark_repetitions=N, N >= 3, and read the median, min and max; the
// figures are in bench/README.md).
//
//   BM_LeaseRenewPair    clients renewing leases on a server whose volume
//                        has a live snapshot vs on an identical one whose
//                        volume has none, paired within each repetition;
//                        every renewal is durable when it returns (flush,
//                        commit record, flush). With a snapshot each 16 KiB
//                        block of the log is preserved once before its
//                        first write. Arg: 1 client, or 8 at once (group
//                        commit shares the flushes).
//   BM_DhcpFreeze / BM_RrasFreeze
//                        each writer's Freeze duration (after its
//                        PrepareSnapshot, as the requestor calls them)
//                        while a load generator runs flat out (30 freezes per
//                        repetition, 20 ms of load between them); counters:
//                        the median/min/max freeze of the 30, and of the
//                        freeze-to-thaw window around an engine snapshot
//                        commit.
//   BM_DeviceFlush4K     the device's flush latency (4 KiB write +
//                        fdatasync), for scale.
//
// Scale: 3 scopes x 1,000 leases (DHCP), 100 interfaces (router). The
// engine uses 16 KiB blocks (the Windows provider's granularity), buffered
// I/O, on $SHADOWSET_BENCH_DIR (default /var/tmp).

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/engine/bench_env.h"
#include "writers/dhcp/dhcp_writer.h"
#include "writers/dhcp/load_generator.h"
#include "writers/rras/load_generator.h"
#include "writers/rras/rras_writer.h"

namespace shadowset::bench {
namespace {

constexpr char kAdmin[] = "bench";
constexpr int kScopes = 3;
constexpr int kLeasesPerScope = 1000;
constexpr int kRenewalsPerPhase = 50;

// Repetition statistics beside mean/median/stddev.
double StatMin(const std::vector<double>& v) {
  return *std::min_element(v.begin(), v.end());
}
double StatMax(const std::vector<double>& v) {
  return *std::max_element(v.begin(), v.end());
}

double Min(const std::vector<double>& v) {
  return *std::min_element(v.begin(), v.end());
}
double Max(const std::vector<double>& v) {
  return *std::max_element(v.begin(), v.end());
}

dhcp::ClientInfo LeaseFor(int scope, int i) {
  dhcp::ClientInfo c;
  c.ip = (10u << 24) | (static_cast<uint32_t>(scope) << 16) |
         static_cast<uint32_t>(256 + i);
  c.hardware_address = {0x02,
                        0x00,
                        static_cast<char>(scope),
                        static_cast<char>(i >> 16),
                        static_cast<char>(i >> 8),
                        static_cast<char>(i)};
  c.name = absl::StrFormat("host-%d-%d", scope, i);
  c.expires = absl::Now() + absl::Hours(24 * 8);
  return c;
}

// A DHCP server on `volume` of `engine`, populated with 3 scopes x 1,000
// leases (loaded by 8 threads, so group commit keeps set-up short).
std::unique_ptr<dhcp::DhcpServer> PopulatedServer(Engine* engine,
                                                  const std::string& volume) {
  dhcp::DhcpServerOptions o;
  o.volume = volume;
  auto s = dhcp::DhcpServer::Create(engine, o, kAdmin);
  ScratchEngine::Check(s.status(), "create dhcp");
  dhcp::DhcpServer* server = s->get();
  for (int scope = 1; scope <= kScopes; ++scope) {
    dhcp::SubnetInfo info;
    info.address = (10u << 24) | (static_cast<uint32_t>(scope) << 16);
    info.mask = dhcp::MaskFromPrefix(16);
    ScratchEngine::Check(server->CreateSubnet(kAdmin, info), "scope");
    dhcp::SubnetElement range;
    range.range = {info.address + 256, info.address + 256 + 60000};
    ScratchEngine::Check(server->AddSubnetElement(kAdmin, info.address, range),
                         "range");
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([server, t] {
      for (int scope = 1; scope <= kScopes; ++scope) {
        for (int i = t; i < kLeasesPerScope; i += 8) {
          ScratchEngine::Check(
              server->CreateClientInfo(kAdmin, LeaseFor(scope, i)), "lease");
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  return std::move(*s);
}

// An engine and a populated DHCP server on its volume "dhcp".
struct DhcpRig {
  ScratchEngine se{16384, uint64_t{4} << 30};
  std::unique_ptr<dhcp::DhcpServer> server =
      PopulatedServer(se.engine(), "dhcp");
};

// Lease renewals with and without a live snapshot, paired within each
// repetition: two identical servers on two volumes of one engine, one
// volume (the second in even repetitions, the first in odd ones) with a
// live (persistent) snapshot taken after set-up, the other with none; kRounds
// rounds, each a phase on either server (every client renews kRenewalsPerPhase
// leases), in alternating order. The phases are short, so both sides sample the
// machine's drifting load alike. Every renewal is durable when it returns.
// Counters: the renewals per second of each side and vs_none = with / without
// (per repetition), records per group commit. Arg: clients renewing at once
// (group commit shares the flushes).
constexpr int kRounds = 8;

void BM_LeaseRenewPair(benchmark::State& state) {
  const int clients = static_cast<int>(state.range(0));
  // The snapshot goes on the second server's volume in one repetition and
  // on the first's in the next, so where a volume's file lies cancels out.
  static int repetition = 0;
  const bool on_b = repetition++ % 2 == 0;
  ScratchEngine se(16384, uint64_t{4} << 30);
  std::unique_ptr<dhcp::DhcpServer> a = PopulatedServer(se.engine(), "a");
  std::unique_ptr<dhcp::DhcpServer> b = PopulatedServer(se.engine(), "b");
  dhcp::DhcpServer* plain = on_b ? a.get() : b.get();
  dhcp::DhcpServer* snapped = on_b ? b.get() : a.get();
  ScratchEngine::Check(
      se.engine()->CreateSnapshotSet({on_b ? "b" : "a"}).status(), "snapshot");
  int n = 0;
  // One phase on `server`: every client renews kRenewalsPerPhase leases.
  auto phase = [clients, &n](dhcp::DhcpServer* server) {
    const int base = n;
    n += clients * kRenewalsPerPhase;
    const absl::Time start = absl::Now();
    std::vector<std::thread> threads;
    for (int t = 0; t < clients; ++t) {
      threads.emplace_back([server, t, base] {
        for (int i = 0; i < kRenewalsPerPhase; ++i) {
          const int k = base + t * kRenewalsPerPhase + i;
          dhcp::ClientInfo c = LeaseFor(1 + k % kScopes, k % kLeasesPerScope);
          ScratchEngine::Check(server->SetClientInfo(kAdmin, c), "renew");
        }
      });
    }
    for (std::thread& t : threads) t.join();
    return absl::ToDoubleSeconds(absl::Now() - start);
  };
  for (auto _ : state) {
    const service::LogUsage before = snapped->log_usage();
    double none = 0, snap = 0;
    for (int round = 0; round < kRounds; ++round) {
      if (round % 2 == 0) {
        none += phase(plain);
        snap += phase(snapped);
      } else {
        snap += phase(snapped);
        none += phase(plain);
      }
    }
    const service::LogUsage usage = snapped->log_usage();
    const double ops = kRounds * clients * kRenewalsPerPhase;
    state.SetIterationTime(snap);
    state.counters["ops_s_none"] = ops / none;
    state.counters["ops_s_snapshot"] = ops / snap;
    state.counters["vs_none"] = none / snap;
    state.counters["snapshot_on_b"] = on_b ? 1 : 0;
    state.counters["records_per_commit"] =
        static_cast<double>(usage.records_appended - before.records_appended) /
        static_cast<double>(
            std::max<uint64_t>(usage.commit_rounds - before.commit_rounds, 1));
  }
}
BENCHMARK(BM_LeaseRenewPair)
    ->ComputeStatistics("min", StatMin)
    ->ComputeStatistics("max", StatMax)
    ->ArgName("clients")
    ->Arg(1)
    ->Arg(8)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->UseManualTime();

// Freeze duration of `writer` while `load` runs; the window is Freeze +
// snapshot commit + Thaw.
template <typename Load>
void MeasureFreeze(benchmark::State& state, Engine* engine, Writer* writer,
                   const std::string& volume, Load& load) {
  ScratchEngine::Check(load.Start(), "load");
  std::vector<double> windows, freezes;
  BackupContext ctx;
  SnapshotSetOptions so;
  so.persistent = false;
  for (auto _ : state) {
    // As the requestor does: the heavy flush first, outside the window.
    ScratchEngine::Check(writer->PrepareSnapshot(ctx), "prepare snapshot");
    absl::Time start = absl::Now();
    ScratchEngine::Check(writer->Freeze(ctx), "freeze");
    absl::Time frozen = absl::Now();
    auto set = engine->CreateSnapshotSet({volume}, so);
    ScratchEngine::Check(set.status(), "snapshot");
    ScratchEngine::Check(writer->Thaw(ctx), "thaw");
    absl::Time thawed = absl::Now();
    state.SetIterationTime(absl::ToDoubleSeconds(frozen - start));
    freezes.push_back(absl::ToDoubleMicroseconds(frozen - start));
    windows.push_back(absl::ToDoubleMilliseconds(thawed - start));
    ScratchEngine::Check(engine->DeleteSnapshotSet(set->id), "delete");
    state.PauseTiming();
    absl::SleepFor(absl::Milliseconds(20));  // let the load run between freezes
    state.ResumeTiming();
  }
  load.Stop();
  ScratchEngine::Check(load.status(), "load");
  std::sort(windows.begin(), windows.end());
  std::sort(freezes.begin(), freezes.end());
  state.counters["freeze_us_median"] = freezes[freezes.size() / 2];
  state.counters["freeze_us_min"] = Min(freezes);
  state.counters["freeze_us_max"] = Max(freezes);
  state.counters["window_ms_median"] = windows[windows.size() / 2];
  state.counters["window_ms_min"] = Min(windows);
  state.counters["window_ms_max"] = Max(windows);
}

void BM_DhcpFreeze(benchmark::State& state) {
  DhcpRig rig;
  dhcp::DhcpWriter writer(rig.server.get());
  dhcp::DhcpLoadOptions lo;
  lo.principal = kAdmin;
  lo.seed = 7;
  dhcp::DhcpLoadGenerator load(rig.server.get(), lo);
  MeasureFreeze(state, rig.se.engine(), &writer, "dhcp", load);
  state.counters["load_ops"] = static_cast<double>(load.stats().total());
}
BENCHMARK(BM_DhcpFreeze)
    ->ComputeStatistics("min", StatMin)
    ->ComputeStatistics("max", StatMax)
    ->Iterations(30)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

void BM_RrasFreeze(benchmark::State& state) {
  ScratchEngine se(16384, uint64_t{1} << 30);
  auto router = rras::RouterConfig::Create(se.engine(), {}, kAdmin);
  ScratchEngine::Check(router.status(), "create rras");
  rras::RrasLoadOptions lo;
  lo.principal = kAdmin;
  lo.seed = 7;
  rras::RrasLoadGenerator warm((*router).get(), lo);
  for (int i = 0; i < 100; ++i) ScratchEngine::Check(warm.Step(), "warm up");
  lo.seed = 8;
  rras::RrasLoadGenerator load((*router).get(), lo);
  rras::RrasWriter writer((*router).get());
  MeasureFreeze(state, se.engine(), &writer, "rras", load);
  state.counters["load_ops"] = static_cast<double>(load.stats().total());
}
BENCHMARK(BM_RrasFreeze)
    ->ComputeStatistics("min", StatMin)
    ->ComputeStatistics("max", StatMax)
    ->Iterations(30)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

// The device's flush latency, for scale: 50 times a 4 KiB write and
// fdatasync of a file on the benchmark disk (every renewal and every freeze
// that finds an unsynced record waits for such flushes). Counters: the
// median and max of the 50.
void BM_DeviceFlush4K(benchmark::State& state) {
  ScratchEngine se(16384, uint64_t{1} << 30);
  const std::string path = se.dir() + "/flush-probe";
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  internal::AlignedBuffer block(4096);
  FillPattern(block, 3);
  std::vector<double> us;
  for (auto _ : state) {
    const absl::Time start = absl::Now();
    if (pwrite(fd, block.data(), 4096, (us.size() % 256) * 4096) != 4096 ||
        fdatasync(fd) != 0) {
      state.SkipWithError("flush probe failed");
      break;
    }
    const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
    state.SetIterationTime(seconds);
    us.push_back(seconds * 1e6);
  }
  close(fd);
  if (us.empty()) return;
  std::sort(us.begin(), us.end());
  state.counters["flush_us_median"] = us[us.size() / 2];
  state.counters["flush_us_max"] = us.back();
}
BENCHMARK(BM_DeviceFlush4K)
    ->ComputeStatistics("min", StatMin)
    ->ComputeStatistics("max", StatMax)
    ->Iterations(50)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace shadowset::bench

BENCHMARK_MAIN();
