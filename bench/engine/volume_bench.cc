// Engine benchmarks (DESIGN §6): each pair runs the same workload on the
// same machine in the same run; bench/run-engine turns the repetitions into
// medians with min and max and the ratios in bench/README.md.
//
// Buffered pairs: both sides write through the page cache and the clock
// stops after a final Flush() that makes everything durable. Old data is
// warm (just written) unless the benchmark says cold (dropped from the page
// cache before the measured part).

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "bench/engine/bench_env.h"

namespace shadowset::bench {
namespace {

using internal::AlignedBuffer;

constexpr uint64_t kMiB = uint64_t{1} << 20;
constexpr uint64_t kGiB = uint64_t{1} << 30;
constexpr uint64_t kVolume = 256 * kMiB;

double Seconds(absl::Time start) {
  return absl::ToDoubleSeconds(absl::Now() - start);
}

void Snapshots(Engine* engine, int n) {
  for (int i = 0; i < n; ++i) {
    ScratchEngine::Check(engine->CreateSnapshotSet({"v"}).status(), "snapshot");
  }
}

// 1 MiB sequential first writes over a whole volume, with 0 or 1 live
// snapshot. Args: snapshots, cold old data, block size.
void BM_SequentialFirstWrite(benchmark::State& state) {
  const int snapshots = static_cast<int>(state.range(0));
  const bool cold = state.range(1) != 0;
  const uint32_t bs = static_cast<uint32_t>(state.range(2));
  for (auto _ : state) {
    ScratchEngine se(bs, 4 * kGiB);
    Volume* v = se.CreateVolume("v", kVolume);
    AlignedBuffer chunk(kMiB);
    FillPattern(chunk, 1);
    WriteAll(v, chunk);
    ScratchEngine::Check(v->Flush(), "flush");
    Snapshots(se.engine(), snapshots);
    if (cold) DropCaches(se.dir());
    FillPattern(chunk, 2);
    absl::Time start = absl::Now();
    WriteAll(v, chunk);
    ScratchEngine::Check(v->Flush(), "flush");
    state.SetIterationTime(Seconds(start));
  }
  state.SetBytesProcessed(state.iterations() * kVolume);
}
BENCHMARK(BM_SequentialFirstWrite)
    ->ArgNames({"snapshots", "cold", "block"})
    ->Args({0, 0, 16384})->Args({1, 0, 16384})
    ->Args({0, 1, 16384})->Args({1, 1, 16384})
    ->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);

// 4 KiB random first writes, each to a distinct chunk, then a flush.
// Args: snapshots, chunk (block) size.
void BM_RandomFirstWrite(benchmark::State& state) {
  const int snapshots = static_cast<int>(state.range(0));
  const uint32_t bs = static_cast<uint32_t>(state.range(1));
  const uint64_t writes = 16384;
  for (auto _ : state) {
    ScratchEngine se(bs, 4 * kGiB);
    Volume* v = se.CreateVolume("v", kVolume);
    AlignedBuffer fill(kMiB);
    FillPattern(fill, 1);
    WriteAll(v, fill);
    ScratchEngine::Check(v->Flush(), "flush");
    Snapshots(se.engine(), snapshots);
    std::vector<uint64_t> chunks(kVolume / bs);
    std::iota(chunks.begin(), chunks.end(), 0);
    std::mt19937_64 rng(7);
    std::shuffle(chunks.begin(), chunks.end(), rng);
    AlignedBuffer page(4096);
    FillPattern(page, 3);
    absl::Time start = absl::Now();
    for (uint64_t i = 0; i < writes; ++i) {
      uint64_t off = chunks[i] * bs + (rng() % (bs / 4096)) * 4096;
      ScratchEngine::Check(v->Write(off, page.span()), "write");
    }
    ScratchEngine::Check(v->Flush(), "flush");
    state.SetIterationTime(Seconds(start));
  }
  state.SetItemsProcessed(state.iterations() * writes);
  state.SetBytesProcessed(state.iterations() * writes * 4096);
}
BENCHMARK(BM_RandomFirstWrite)
    ->ArgNames({"snapshots", "block"})
    ->Args({0, 4096})->Args({1, 4096})->Args({0, 16384})->Args({1, 16384})
    ->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);

// Rewrite of blocks already preserved since the snapshot (no new
// pre-images) vs the same rewrite without a snapshot. Args: snapshots.
void BM_Rewrite(benchmark::State& state) {
  const int snapshots = static_cast<int>(state.range(0));
  for (auto _ : state) {
    ScratchEngine se(16384, 4 * kGiB);
    Volume* v = se.CreateVolume("v", kVolume);
    AlignedBuffer chunk(kMiB);
    FillPattern(chunk, 1);
    WriteAll(v, chunk);
    ScratchEngine::Check(v->Flush(), "flush");
    Snapshots(se.engine(), snapshots);
    FillPattern(chunk, 2);
    WriteAll(v, chunk);  // preserves everything once
    ScratchEngine::Check(v->Flush(), "flush");
    ScratchEngine::Check(se.engine()->RunBackgroundWork(), "background");
    FillPattern(chunk, 3);
    absl::Time start = absl::Now();
    WriteAll(v, chunk);
    ScratchEngine::Check(v->Flush(), "flush");
    state.SetIterationTime(Seconds(start));
  }
  state.SetBytesProcessed(state.iterations() * kVolume);
}
BENCHMARK(BM_Rewrite)
    ->ArgNames({"snapshots"})->Arg(0)->Arg(1)
    ->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);

// First writes with 64 live snapshots vs 1: the working set is
// overwritten before each snapshot, so every snapshot holds its own
// pre-images; the cap leaves room for all (no cap deletion while
// measuring). Args: snapshots.
void BM_FirstWriteManySnapshots(benchmark::State& state) {
  const int snapshots = static_cast<int>(state.range(0));
  const uint64_t working_set = 32 * kMiB;
  for (auto _ : state) {
    ScratchEngine se(16384, 8 * kGiB);
    Volume* v = se.CreateVolume("v", working_set);
    AlignedBuffer chunk(kMiB);
    for (int i = 0; i < snapshots; ++i) {
      FillPattern(chunk, 100 + i);
      WriteAll(v, chunk);
      ScratchEngine::Check(
          se.engine()->CreateSnapshotSet({"v"}).status(), "snapshot");
    }
    ScratchEngine::Check(v->Flush(), "flush");
    ScratchEngine::Check(se.engine()->RunBackgroundWork(), "background");
    FillPattern(chunk, 2);
    absl::Time start = absl::Now();
    WriteAll(v, chunk);
    ScratchEngine::Check(v->Flush(), "flush");
    state.SetIterationTime(Seconds(start));
    if (static_cast<int>(se.engine()->ListSnapshotSets().size()) != snapshots) {
      state.SkipWithError("a cap deletion ran while measuring");
    }
  }
  state.SetBytesProcessed(state.iterations() * working_set);
}
BENCHMARK(BM_FirstWriteManySnapshots)
    ->ArgNames({"snapshots"})->Arg(1)->Arg(64)
    ->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);

// Commit latency of a persistent set, in-process, no dirty data, on a
// sparse volume of 1 GiB vs 64 GiB (one commit per repetition; run with
// >= 30 repetitions). Args: volume GiB.
void BM_CommitLatency(benchmark::State& state) {
  const uint64_t size = static_cast<uint64_t>(state.range(0)) * kGiB;
  ScratchEngine se(16384, 4 * kGiB);
  Volume* v = se.CreateVolume("v", size);
  AlignedBuffer chunk(kMiB);
  FillPattern(chunk, 1);
  for (uint64_t off = 0; off < size; off += size / 16) {
    ScratchEngine::Check(v->Write(off, chunk.span()), "write");
  }
  ScratchEngine::Check(v->Flush(), "flush");
  for (auto _ : state) {
    absl::Time start = absl::Now();
    absl::StatusOr<SnapshotSetInfo> set = se.engine()->CreateSnapshotSet({"v"});
    state.SetIterationTime(Seconds(start));
    ScratchEngine::Check(set.status(), "snapshot");
    ScratchEngine::Check(se.engine()->DeleteSnapshotSet(set->id), "delete");
    ScratchEngine::Check(se.engine()->RunBackgroundWork(), "background");
  }
}
BENCHMARK(BM_CommitLatency)
    ->ArgNames({"GiB"})->Arg(1)->Arg(64)
    ->Iterations(1)->UseManualTime()->Unit(benchmark::kMicrosecond);

// Cold sequential read-out of a whole snapshot in 4 MiB reads vs a raw
// sequential read of the same volume file, after `changed` percent of its
// 16 KiB blocks were overwritten. Args: snapshot (0 = raw file), changed %.
void BM_ReadOut(benchmark::State& state) {
  const bool snapshot = state.range(0) != 0;
  const int changed = static_cast<int>(state.range(1));
  for (auto _ : state) {
    ScratchEngine se(16384, 4 * kGiB);
    Volume* v = se.CreateVolume("v", kVolume);
    AlignedBuffer chunk(kMiB);
    FillPattern(chunk, 1);
    WriteAll(v, chunk);
    ScratchEngine::Check(v->Flush(), "flush");
    absl::StatusOr<SnapshotSetInfo> set = se.engine()->CreateSnapshotSet({"v"});
    ScratchEngine::Check(set.status(), "snapshot");
    const uint64_t blocks = kVolume / 16384;
    std::vector<uint64_t> order(blocks);
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 rng(11);
    std::shuffle(order.begin(), order.end(), rng);
    AlignedBuffer block(16384);
    FillPattern(block, 5);
    for (uint64_t i = 0; i < blocks * changed / 100; ++i) {
      ScratchEngine::Check(v->Write(order[i] * 16384, block.span()), "write");
    }
    ScratchEngine::Check(v->Flush(), "flush");
    ScratchEngine::Check(se.engine()->RunBackgroundWork(), "background");
    auto snap = se.engine()->OpenSnapshot(set->id, "v");
    ScratchEngine::Check(snap.status(), "open snapshot");
    std::string path = se.engine()->ListVolumes()[0].path;
    DropCaches(se.dir());
    AlignedBuffer buf(4 * kMiB);
    absl::Time start = absl::Now();
    if (snapshot) {
      for (uint64_t off = 0; off < kVolume; off += buf.size()) {
        ScratchEngine::Check((*snap)->Read(off, buf.span()), "read");
      }
    } else {
      int fd = open(path.c_str(), O_RDONLY);
      for (uint64_t off = 0; off < kVolume; off += buf.size()) {
        if (pread(fd, buf.data(), buf.size(), static_cast<off_t>(off)) !=
            static_cast<ssize_t>(buf.size())) {
          state.SkipWithError("pread");
        }
      }
      close(fd);
    }
    state.SetIterationTime(Seconds(start));
  }
  state.SetBytesProcessed(state.iterations() * kVolume);
}
BENCHMARK(BM_ReadOut)
    ->ArgNames({"snapshot", "changed_pct"})
    ->Args({0, 20})->Args({1, 20})->Args({1, 5})
    ->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace shadowset::bench

BENCHMARK_MAIN();
