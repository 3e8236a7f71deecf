// shadowset's side of the copy-on-write comparison (bench/compare): the
// workload of workload.h on an engine volume, phase by phase, each phase
// timed from its first write to the end of a final Volume::Flush() (every
// write durable). Before each phase the engine's background work is run to
// completion and every file of the data directory is dropped from the page
// cache, so old data is cold.
//
// BM_Cow/chunk/direct/recycled, one fresh engine per repetition:
//   fill the volume; with recycled=1, take a snapshot, overwrite the whole
//   volume and delete the snapshot, so the diff area's segments are free for
//   reuse (the steady state of a long-running engine; with recycled=0 every
//   preserve appends to newly created, zero-filled segment files);
//   no-snapshot overwrite (seq, then random); one snapshot; first writes
//   (seq, random); rewrites of the same ranges.
// BM_CowMany/chunk/direct, on a working-set volume with 4 MiB segments:
//   fill; snapshot 1; first writes with 1 live snapshot; then (--snapshots
//   - 1) times "overwrite the whole working set, snapshot"; first writes
//   with --snapshots (default 64) live snapshots. The cap leaves room for every
//   pre-image; a cap deletion while measuring fails the benchmark.
// direct=0: buffered (page cache), direct=1: EngineOptions::direct_io.
// Each phase's seconds is a counter (<phase>_s); the harness takes medians
// over --benchmark_repetitions.
//
// Flags (before the benchmark flags): --volume_mib, --random_writes,
// --working_set_mib, --ws_random_writes, --seed, --snapshots, and
// --print_workload=main|many to print the operations for the qcow2 side.

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "bench/comparison/workload.h"
#include "bench/engine/bench_env.h"

namespace shadowset::bench {
namespace {

using internal::AlignedBuffer;

constexpr uint64_t kMiB = uint64_t{1} << 20;
constexpr uint64_t kManySegment = 4 * kMiB;

struct Flags {
  uint64_t volume_mib = 256;
  uint64_t random_writes = 512;
  uint64_t working_set_mib = 16;
  uint64_t ws_random_writes = 64;
  uint64_t seed = 7;
  uint64_t snapshots = 64;
  std::string print_workload;
};

Flags& flags() {
  static Flags f;
  return f;
}

Workload MainWorkload() {
  return MakeWorkload(flags().volume_mib * kMiB, flags().random_writes,
                      flags().seed);
}
Workload ManyWorkload() {
  return MakeWorkload(flags().working_set_mib * kMiB, flags().ws_random_writes,
                      flags().seed + 1);
}

// The engine's buffers: one 1 MiB and one 4 KiB write, byte-filled.
struct Buffers {
  AlignedBuffer seq{kSeqWrite};
  AlignedBuffer rand{kRandomWrite};
  void Fill(uint8_t pattern) {
    std::memset(seq.data(), pattern, seq.size());
    std::memset(rand.data(), pattern, rand.size());
  }
};

void WriteRange(Volume* v, uint64_t begin, uint64_t end, Buffers& b) {
  for (uint64_t off = begin; off < end; off += kSeqWrite) {
    ScratchEngine::Check(v->Write(off, b.seq.span()), "write");
  }
}

// Quiesces the engine and drops every file of it from the page cache.
void Settle(ScratchEngine& se, Volume* v) {
  ScratchEngine::Check(v->Flush(), "flush");
  ScratchEngine::Check(se.engine()->RunBackgroundWork(), "background");
  DropCaches(se.dir());
}

// One timed phase: the sequential or the random part of `w`, then Flush().
double Phase(ScratchEngine& se, Volume* v, const Workload& w, bool seq,
             uint8_t pattern, Buffers& b) {
  b.Fill(pattern);
  Settle(se, v);
  absl::Time start = absl::Now();
  if (seq) {
    WriteRange(v, 0, w.seq_bytes, b);
  } else {
    for (uint64_t off : w.random_offsets) {
      ScratchEngine::Check(v->Write(off, b.rand.span()), "write");
    }
  }
  ScratchEngine::Check(v->Flush(), "flush");
  return absl::ToDoubleSeconds(absl::Now() - start);
}

EngineOptions Options(bool direct) {
  EngineOptions o;
  o.direct_io = direct;
  return o;
}

void Snapshot(ScratchEngine& se) {
  ScratchEngine::Check(se.engine()->CreateSnapshotSet({"v"}).status(),
                       "snapshot");
}

// Puts the diff area in its steady state: snapshot, overwrite the whole
// volume, delete the snapshot, until free (reusable) segments can hold a
// whole volume's pre-images; later preserves then reuse them instead of
// zero-filling new segment files.
void Recycle(ScratchEngine& se, Volume* v, Buffers& b,
             benchmark::State& state) {
  for (int round = 0; round < 8; ++round) {
    DiffAreaUsage u = se.engine()->GetDiffAreaUsage();
    if (u.segments_free * u.segment_size >= v->size()) return;
    absl::StatusOr<SnapshotSetInfo> set = se.engine()->CreateSnapshotSet({"v"});
    ScratchEngine::Check(set.status(), "snapshot");
    b.Fill(static_cast<uint8_t>(0x12 + round));
    WriteRange(v, 0, v->size(), b);
    ScratchEngine::Check(v->Flush(), "flush");
    ScratchEngine::Check(se.engine()->DeleteSnapshotSet(set->id), "delete");
    ScratchEngine::Check(se.engine()->RunBackgroundWork(), "background");
  }
  state.SkipWithError("the diff area did not free segments for reuse");
}

void BM_Cow(benchmark::State& state) {
  const uint32_t chunk = static_cast<uint32_t>(state.range(0));
  const bool direct = state.range(1) != 0;
  const bool recycled = state.range(2) != 0;
  const Workload w = MainWorkload();
  Buffers b;
  for (auto _ : state) {
    ScratchEngine se(chunk, 3 * w.volume_bytes + 64 * kMiB, Options(direct));
    Volume* v = se.CreateVolume("v", w.volume_bytes);
    b.Fill(0x11);
    WriteRange(v, 0, w.volume_bytes, b);
    if (recycled) Recycle(se, v, b, state);
    const DiffAreaUsage before = se.engine()->GetDiffAreaUsage();
    double total = 0;
    auto phase = [&](const char* name, bool seq, uint8_t pattern) {
      double s = Phase(se, v, w, seq, pattern, b);
      state.counters[name] = s;
      total += s;
    };
    phase("seq_nosnap_s", true, 0x22);
    phase("rand_nosnap_s", false, 0x23);
    Snapshot(se);
    phase("seq_first_s", true, 0x33);
    phase("rand_first_s", false, 0x34);
    phase("seq_rewrite_s", true, 0x44);
    phase("rand_rewrite_s", false, 0x45);
    state.SetIterationTime(total);
    // Segment files created (zero-filled) while measuring.
    const DiffAreaUsage after = se.engine()->GetDiffAreaUsage();
    state.counters["new_segments"] = static_cast<double>(
        (after.allocated - before.allocated) / after.segment_size);
    state.counters["segment_mib"] =
        static_cast<double>(after.segment_size / kMiB);
    if (se.engine()->ListSnapshotSets().size() != 1) {
      state.SkipWithError("a cap deletion ran while measuring");
    }
  }
}

void BM_CowMany(benchmark::State& state) {
  const uint32_t chunk = static_cast<uint32_t>(state.range(0));
  const bool direct = state.range(1) != 0;
  const Workload w = ManyWorkload();
  const int many = static_cast<int>(flags().snapshots);
  Buffers b;
  for (auto _ : state) {
    // Every snapshot holds a pre-image of the whole working set. Segments
    // of kManySegment: both measured phases zero-fill new segments in
    // proportion to what they preserve, not all-or-nothing.
    ScratchEngine se(chunk, (many + 8) * 2 * w.volume_bytes + 256 * kMiB,
                     Options(direct), kManySegment);
    Volume* v = se.CreateVolume("v", w.volume_bytes);
    b.Fill(0x11);
    WriteRange(v, 0, w.volume_bytes, b);
    Snapshot(se);
    double total = 0;
    auto phase = [&](const char* name, bool seq, uint8_t pattern) {
      double s = Phase(se, v, w, seq, pattern, b);
      state.counters[name] = s;
      total += s;
    };
    phase("seq_first1_s", true, 0x33);
    phase("rand_first1_s", false, 0x34);
    for (int k = 2; k <= many; ++k) {
      b.Fill(static_cast<uint8_t>(0x40 + k % 0x80));
      WriteRange(v, 0, w.volume_bytes, b);
      Snapshot(se);
    }
    phase("seq_first_many_s", true, 0x35);
    phase("rand_first_many_s", false, 0x36);
    state.SetIterationTime(total);
    if (static_cast<int>(se.engine()->ListSnapshotSets().size()) != many) {
      state.SkipWithError("a cap deletion ran while measuring");
    }
  }
}

void Register() {
  for (int direct : {0, 1}) {
    for (int chunk : {16384, 4096}) {
      for (int recycled : {1, 0}) {
        if (chunk != 16384 && recycled == 0) continue;
        benchmark::RegisterBenchmark("BM_Cow", BM_Cow)
            ->ArgNames({"chunk", "direct", "recycled"})
            ->Args({chunk, direct, recycled})
            ->Iterations(1)
            ->UseManualTime()
            ->Unit(benchmark::kMillisecond);
      }
      benchmark::RegisterBenchmark("BM_CowMany", BM_CowMany)
          ->ArgNames({"chunk", "direct"})
          ->Args({chunk, direct})
          ->Iterations(1)
          ->UseManualTime()
          ->Unit(benchmark::kMillisecond);
    }
  }
}

// Consumes our flags; leaves the rest for benchmark::Initialize.
bool ParseFlags(int* argc, char** argv) {
  int out = 1;
  for (int i = 1; i < *argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const char* name, uint64_t* dst) {
      std::string prefix = std::string("--") + name + "=";
      if (arg.rfind(prefix, 0) != 0) return false;
      *dst = std::strtoull(arg.c_str() + prefix.size(), nullptr, 10);
      return true;
    };
    Flags& f = flags();
    if (value("volume_mib", &f.volume_mib) ||
        value("random_writes", &f.random_writes) ||
        value("working_set_mib", &f.working_set_mib) ||
        value("ws_random_writes", &f.ws_random_writes) ||
        value("seed", &f.seed) || value("snapshots", &f.snapshots)) {
      continue;
    }
    if (arg.rfind("--print_workload=", 0) == 0) {
      f.print_workload = arg.substr(std::strlen("--print_workload="));
      continue;
    }
    argv[out++] = argv[i];
  }
  *argc = out;
  const Flags& f = flags();
  if (f.snapshots < 2 || f.snapshots > 512) {
    std::fprintf(stderr, "cow_bench: --snapshots is 2 to 512\n");
    return false;
  }
  if (f.volume_mib < 2 || f.volume_mib % 2 != 0 || f.working_set_mib < 2 ||
      f.working_set_mib % 2 != 0) {
    std::fprintf(stderr,
                 "cow_bench: --volume_mib and --working_set_mib must "
                 "be even and at least 2\n");
    return false;
  }
  return true;
}

}  // namespace
}  // namespace shadowset::bench

int main(int argc, char** argv) {
  using namespace shadowset::bench;
  if (!ParseFlags(&argc, argv)) return 2;
  if (!flags().print_workload.empty()) {
    if (flags().print_workload == "main") {
      PrintWorkload(MainWorkload(), stdout);
    } else if (flags().print_workload == "many") {
      PrintWorkload(ManyWorkload(), stdout);
    } else {
      std::fprintf(stderr, "cow_bench: --print_workload is main or many\n");
      return 2;
    }
    return 0;
  }
  Register();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
