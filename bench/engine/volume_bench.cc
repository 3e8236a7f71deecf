// Engine benchmarks (DESIGN §6): each pair runs the same workload on the
// same machine in the same run. bench/run-engine builds this binary
// (Release), runs it with --benchmark_repetitions and prints the medians
// with min and max and the ratios in bench/README.md.
//
// The pairs are measured within one repetition and each repetition reports
// its own ratios as counters, so both sides of a ratio share the machine's
// load of that moment (the machine may be shared); the medians (min-max)
// of those per-repetition ratios are the figures to read.
//
// Buffered: both sides write through the page cache and the clock stops
// after a final Flush() that makes everything durable. Cold: before every
// timed part the engine's background work is run to completion and every
// file of the data directory is fdatasync'ed and dropped from the page
// cache (so a first write reads its chunk's old contents from the disk).
//
//   BM_CowPair/chunk/recycled   one volume: no-snapshot overwrites, a
//       snapshot, first writes, rewrites of the preserved blocks; 1 MiB
//       sequential writes over the first half, 4 KiB random writes each in
//       its own 16 KiB block of the second half; plus the machine's bounds
//       measured on the same file in the same repetition (a cold raw
//       sequential read of the first half; a cold 4 KiB pread at each
//       random offset). recycled=1: the diff area's segments were used and
//       freed before (the steady state of a long-running engine);
//       recycled=0: preserves append to new, zero-filled segment files.
//   BM_ManySnapshotsPair        first writes on an engine with 1 live
//       snapshot vs on one where "overwrite the whole working set,
//       snapshot" made 64 live, in interleaved parts; no cap deletion may
//       run.
//   BM_CommitPair               the commit of a persistent set on a sparse
//       1 GiB and a sparse 64 GiB volume (two engines), interleaved,
//       in-process, no dirty data; the median of 30 of each per repetition.
//   BM_ReadOutPair/changed_pct/run_blocks  a raw sequential read of a
//       volume's file vs Snapshot::Read of the whole volume, both cold
//       (4 MiB reads), after changed_pct percent of its 16 KiB blocks were
//       overwritten in runs of run_blocks (1: single-block diff-area
//       records scattered in random order; 64: 1 MiB records).
//   BM_CommitLatency, BM_ReadOut  unpaired forms used by bench/compare.
//
// Environment: SHADOWSET_BENCH_DIR (default /var/tmp) holds the data
// directories; SHADOWSET_BENCH_VOLUME_MIB (default 256) sizes the volume
// of BM_CowPair and BM_ReadOutPair; SHADOWSET_BENCH_RANDOM_WRITES (default
// 2048) the random writes of BM_CowPair; SHADOWSET_BENCH_WORKING_SET_MIB
// (default 32) and SHADOWSET_BENCH_SNAPSHOTS (default 64) BM_ManySnapshots-
// Pair; SHADOWSET_BENCH_COMMITS (default 30) the commits per size and
// repetition of BM_CommitPair.

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <numeric>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "bench/engine/bench_env.h"

namespace shadowset::bench {
namespace {

using internal::AlignedBuffer;

constexpr uint64_t kMiB = uint64_t{1} << 20;
constexpr uint64_t kGiB = uint64_t{1} << 30;
constexpr uint64_t kVolume = 256 * kMiB;
constexpr uint64_t kPage = 4096;
constexpr uint64_t kRegion = 16384;  // one random write per 16 KiB block
constexpr uint64_t kReadChunk = 4 * kMiB;

double Seconds(absl::Time start) {
  return absl::ToDoubleSeconds(absl::Now() - start);
}

uint64_t EnvOr(const char* name, uint64_t fallback, uint64_t least) {
  const char* s = std::getenv(name);
  if (s == nullptr) return fallback;
  return std::max<uint64_t>(least, std::strtoull(s, nullptr, 10));
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// The value below which `q` (0..1) of `v` lies (nearest rank).
double Quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

// What a pair writes: 1 MiB sequential writes over the first half of the
// volume; 4 KiB random writes, each at a random page of its own 16 KiB
// block of the second half (so each is a first write of its chunk for
// chunks of 4 and 16 KiB alike), in random order.
struct Layout {
  uint64_t volume = 0;
  uint64_t seq_bytes = 0;
  std::vector<uint64_t> random_offsets;
};

Layout MakeLayout(uint64_t volume, uint64_t random_writes, uint64_t seed) {
  Layout l;
  l.volume = volume;
  l.seq_bytes = volume / 2;
  std::vector<uint64_t> regions((volume - l.seq_bytes) / kRegion);
  std::iota(regions.begin(), regions.end(), 0);
  std::mt19937_64 rng(seed);
  std::shuffle(regions.begin(), regions.end(), rng);
  regions.resize(std::min<uint64_t>(random_writes, regions.size()));
  for (uint64_t r : regions) {
    l.random_offsets.push_back(l.seq_bytes + r * kRegion +
                               (rng() % (kRegion / kPage)) * kPage);
  }
  return l;
}

// The data of one phase: a 1 MiB and a 4 KiB buffer of non-zero bytes.
struct Buffers {
  AlignedBuffer seq{kMiB};
  AlignedBuffer page{kPage};
  void Fill(uint64_t seed) {
    FillPattern(seq, seed);
    FillPattern(page, seed + 1000);
  }
};

void WriteSeq(Volume* v, uint64_t begin, uint64_t end, Buffers& b) {
  for (uint64_t off = begin; off < end; off += b.seq.size()) {
    ScratchEngine::Check(v->Write(off, b.seq.span()), "write");
  }
}

void WriteRandom(Volume* v, const Layout& l, Buffers& b) {
  for (uint64_t off : l.random_offsets) {
    ScratchEngine::Check(v->Write(off, b.page.span()), "write");
  }
}

// Quiesces the engine and drops every file of it from the page cache.
void Settle(ScratchEngine& se, Volume* v) {
  ScratchEngine::Check(v->Flush(), "flush");
  ScratchEngine::Check(se.engine()->RunBackgroundWork(), "background");
  DropCaches(se.dir());
}

// One timed, cold, buffered phase: `seq` or the random writes, then a
// Flush() that makes them durable. Returns the seconds taken, all told;
// `flush` (if given) receives the final Flush()'s share.
double WritePhase(ScratchEngine& se, Volume* v, const Layout& l, bool seq,
                  uint64_t seed, Buffers& b, double* flush = nullptr) {
  b.Fill(seed);
  Settle(se, v);
  const absl::Time start = absl::Now();
  if (seq) {
    WriteSeq(v, 0, l.seq_bytes, b);
  } else {
    WriteRandom(v, l, b);
  }
  const absl::Time flush_start = absl::Now();
  ScratchEngine::Check(v->Flush(), "flush");
  if (flush != nullptr) *flush = Seconds(flush_start);
  return Seconds(start);
}

int OpenOrDie(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY);
  if (fd < 0) {
    std::fprintf(stderr, "bench: cannot open %s\n", path.c_str());
    std::abort();
  }
  return fd;
}

void PreadOrDie(int fd, uint8_t* buf, uint64_t n, uint64_t off) {
  if (pread(fd, buf, n, static_cast<off_t>(off)) != static_cast<ssize_t>(n)) {
    std::fprintf(stderr, "bench: pread failed\n");
    std::abort();
  }
}

// A cold raw sequential read of the first `bytes` of `path` in 4 MiB
// preads (the machine's R). Returns the seconds taken.
double ColdRawRead(ScratchEngine& se, Volume* v, const std::string& path,
                   uint64_t bytes) {
  static AlignedBuffer* buf = new AlignedBuffer(kReadChunk);
  Settle(se, v);
  const absl::Time start = absl::Now();
  int fd = OpenOrDie(path);
  for (uint64_t off = 0; off < bytes; off += kReadChunk) {
    PreadOrDie(fd, buf->data(), std::min(kReadChunk, bytes - off), off);
  }
  close(fd);
  return Seconds(start);
}

// Cold 4 KiB preads of `path` at `offsets`, one after the other (queue
// depth 1): the read a first write of a 4 KiB chunk must do before it
// returns. Returns the seconds taken by all of them.
double ColdRandomReads(ScratchEngine& se, Volume* v, const std::string& path,
                       const std::vector<uint64_t>& offsets) {
  AlignedBuffer buf(kPage);
  Settle(se, v);
  const absl::Time start = absl::Now();
  int fd = OpenOrDie(path);
  for (uint64_t off : offsets) PreadOrDie(fd, buf.data(), kPage, off);
  close(fd);
  return Seconds(start);
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
    b.Fill(50 + round);
    WriteSeq(v, 0, v->size(), b);
    ScratchEngine::Check(v->Flush(), "flush");
    ScratchEngine::Check(se.engine()->DeleteSnapshotSet(set->id), "delete");
    ScratchEngine::Check(se.engine()->RunBackgroundWork(), "background");
  }
  state.SkipWithError("the diff area did not free segments for reuse");
}

// Copy-on-write cost, one fresh engine per repetition. The no-snapshot
// phases run before the snapshot and again after it is deleted; their mean
// (tW sequential, tN random) is the baseline of every ratio, so an order
// effect of the machine (the disk after heavy writes) falls on both sides.
// Time ratios of a phase to the baseline of the same repetition are
// throughput ratios (the same bytes on both sides). Counters:
//   seq_first    no-snapshot time / first-write time (goal >= 0.5)
//   seq_bound    tW / (tR + 2 tW): the most a copy-before-write can reach,
//                which reads the old data (cold, tR) and writes both the
//                pre-image and the new data (2 tW) where no snapshot writes
//                once (tW), from this repetition's no-snapshot writes and
//                the faster of two cold raw reads of the same bytes (one
//                before, one after the write phases)
//   rand_first   the same for the random writes (goal >= 0.33, 4 KiB chunks)
//   rand_bound   tN / (tN + n tRead): each first write reads its chunk's old
//                contents cold before it returns, at least one cold 4 KiB
//                read (tRead: the faster of two passes over the same
//                offsets) per write; meaningful for 4 KiB chunks (with
//                16 KiB chunks the no-snapshot write reads its block too)
//   seq_rewrite, rand_rewrite  rewrites of preserved blocks (goal >= 0.95)
// Args: chunk (block) size, recycled diff area.
void BM_CowPair(benchmark::State& state) {
  const uint32_t chunk = static_cast<uint32_t>(state.range(0));
  const bool recycled = state.range(1) != 0;
  const Layout l =
      MakeLayout(EnvOr("SHADOWSET_BENCH_VOLUME_MIB", 256, 8) * kMiB,
                 EnvOr("SHADOWSET_BENCH_RANDOM_WRITES", 2048, 16), 7);
  const double n = static_cast<double>(l.random_offsets.size());
  Buffers b;
  for (auto _ : state) {
    ScratchEngine se(chunk, 3 * l.volume + 64 * kMiB);
    Volume* v = se.CreateVolume("v", l.volume);
    const std::string path = se.engine()->ListVolumes()[0].path;
    b.Fill(1);
    WriteSeq(v, 0, l.volume, b);
    if (recycled) Recycle(se, v, b, state);
    const DiffAreaUsage before = se.engine()->GetDiffAreaUsage();

    const double raw_read_before = ColdRawRead(se, v, path, l.seq_bytes);
    const double random_reads_before =
        ColdRandomReads(se, v, path, l.random_offsets);
    double seq_nosnap_flush, rand_nosnap_flush, seq_first_flush,
        rand_first_flush;
    const double seq_nosnap =
        WritePhase(se, v, l, true, 2, b, &seq_nosnap_flush);
    const double rand_nosnap =
        WritePhase(se, v, l, false, 3, b, &rand_nosnap_flush);
    absl::StatusOr<SnapshotSetInfo> set = se.engine()->CreateSnapshotSet({"v"});
    ScratchEngine::Check(set.status(), "snapshot");
    const double seq_first = WritePhase(se, v, l, true, 4, b, &seq_first_flush);
    const double rand_first =
        WritePhase(se, v, l, false, 5, b, &rand_first_flush);
    const double seq_rewrite = WritePhase(se, v, l, true, 6, b);
    const double rand_rewrite = WritePhase(se, v, l, false, 7, b);
    const bool capped = se.engine()->ListSnapshotSets().size() != 1;
    // The no-snapshot phases again, after the snapshot is gone: the
    // baseline on both sides of the snapshot phases (an order effect of
    // the machine shows as a difference between the two).
    ScratchEngine::Check(se.engine()->DeleteSnapshotSet(set->id), "delete");
    const double seq_nosnap_after = WritePhase(se, v, l, true, 8, b);
    const double rand_nosnap_after = WritePhase(se, v, l, false, 9, b);
    // The bounds' reads again: a bound takes the faster of the two.
    const double raw_read =
        std::min(raw_read_before, ColdRawRead(se, v, path, l.seq_bytes));
    const double random_reads = std::min(
        random_reads_before, ColdRandomReads(se, v, path, l.random_offsets));
    state.SetIterationTime(seq_first + rand_first);
    // The baseline of every ratio: the mean of the two no-snapshot phases.
    const double seq_base = (seq_nosnap + seq_nosnap_after) / 2;
    const double rand_base = (rand_nosnap + rand_nosnap_after) / 2;

    const double mib = static_cast<double>(l.seq_bytes) / kMiB;
    state.counters["raw_read_ms"] = raw_read * 1e3;
    state.counters["read_mib_s"] = mib / raw_read;         // R
    state.counters["write_mib_s"] = mib / seq_base;        // W
    state.counters["read4k_us"] = random_reads / n * 1e6;  // cold, QD1
    state.counters["seq_nosnap_ms"] = seq_nosnap * 1e3;
    state.counters["seq_nosnap_after_ms"] = seq_nosnap_after * 1e3;
    state.counters["seq_nosnap_flush_ms"] = seq_nosnap_flush * 1e3;
    state.counters["seq_first_flush_ms"] = seq_first_flush * 1e3;
    state.counters["seq_first_ms"] = seq_first * 1e3;
    state.counters["seq_rewrite_ms"] = seq_rewrite * 1e3;
    state.counters["rand_nosnap_us"] = rand_nosnap / n * 1e6;  // per write
    state.counters["rand_nosnap_after_us"] = rand_nosnap_after / n * 1e6;
    state.counters["rand_nosnap_flush_ms"] = rand_nosnap_flush * 1e3;
    state.counters["rand_first_flush_ms"] = rand_first_flush * 1e3;
    state.counters["rand_first_us"] = rand_first / n * 1e6;
    state.counters["rand_rewrite_us"] = rand_rewrite / n * 1e6;
    state.counters["seq_first"] = seq_base / seq_first;
    state.counters["seq_bound"] = seq_base / (raw_read + 2 * seq_base);
    state.counters["seq_rewrite"] = seq_base / seq_rewrite;
    state.counters["rand_first"] = rand_base / rand_first;
    state.counters["rand_bound"] = rand_base / (rand_base + random_reads);
    state.counters["rand_rewrite"] = rand_base / rand_rewrite;
    const DiffAreaUsage after = se.engine()->GetDiffAreaUsage();
    state.counters["new_segments"] = static_cast<double>(
        (after.allocated - before.allocated) / after.segment_size);
    state.counters["random_writes"] = n;
    state.counters["seq_mib"] = mib;
    if (capped) {
      state.SkipWithError("a cap deletion ran while measuring");
    }
  }
}
BENCHMARK(BM_CowPair)
    ->ArgNames({"chunk", "recycled"})
    ->Args({4096, 1})
    ->Args({16384, 1})
    ->Args({16384, 0})
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

// One cold, buffered phase writing part `part` of `parts` of a layout:
// that share of the sequential range, and that share of the random
// offsets (each phase its own first writes). Returns {seq, random} seconds.
std::pair<double, double> PartPhases(ScratchEngine& se, Volume* v,
                                     const Layout& l, int part, int parts,
                                     uint64_t seed, Buffers& b) {
  const uint64_t seq_part = l.seq_bytes / parts;
  b.Fill(seed);
  Settle(se, v);
  absl::Time start = absl::Now();
  WriteSeq(v, part * seq_part, (part + 1) * seq_part, b);
  ScratchEngine::Check(v->Flush(), "flush");
  const double seq = Seconds(start);
  const size_t per = l.random_offsets.size() / parts;
  Settle(se, v);
  start = absl::Now();
  for (size_t i = part * per; i < (part + 1) * per; ++i) {
    ScratchEngine::Check(v->Write(l.random_offsets[i], b.page.span()), "write");
  }
  ScratchEngine::Check(v->Flush(), "flush");
  return {seq, Seconds(start)};
}

// First writes with 64 live snapshots vs 1 (16 KiB chunks; the working set
// laid out as in BM_CowPair; 4 MiB segments so that both sides create new
// segments in proportion to what they preserve). Two engines on the same
// disk: one with a single snapshot; one where, before each of the
// snapshots 2..64, the whole working set was overwritten, so every
// snapshot holds its own pre-images (its cap leaves room for all; a cap
// deletion while measuring fails the run). The measured first writes are
// split into kParts parts taken in the order 1, 64, 64, 1, 1, 64, ... so
// both sides share the machine's drifting load. Counters: seq_many,
// rand_many = time with 1 / time with 64 (throughput ratios, goal >= 0.95).
void BM_ManySnapshotsPair(benchmark::State& state) {
  constexpr int kParts = 4;
  const Layout l =
      MakeLayout(EnvOr("SHADOWSET_BENCH_WORKING_SET_MIB", 32, 2) * kMiB,
                 EnvOr("SHADOWSET_BENCH_RANDOM_WRITES", 2048, 16) / 4, 8);
  const int many = static_cast<int>(EnvOr("SHADOWSET_BENCH_SNAPSHOTS", 64, 2));
  const double n =
      static_cast<double>(l.random_offsets.size() / kParts * kParts);
  Buffers b;
  for (auto _ : state) {
    const uint64_t cap = (many + 8) * 2 * l.volume + 256 * kMiB;
    ScratchEngine one(16384, cap, {}, 4 * kMiB);
    ScratchEngine lots(16384, cap, {}, 4 * kMiB);
    Volume* v1 = one.CreateVolume("v", l.volume);
    Volume* vm = lots.CreateVolume("v", l.volume);
    b.Fill(1);
    WriteSeq(v1, 0, l.volume, b);
    WriteSeq(vm, 0, l.volume, b);
    ScratchEngine::Check(one.engine()->CreateSnapshotSet({"v"}).status(),
                         "snapshot");
    for (int k = 1; k <= many; ++k) {
      if (k > 1) {
        b.Fill(100 + k);
        WriteSeq(vm, 0, l.volume, b);
      }
      ScratchEngine::Check(lots.engine()->CreateSnapshotSet({"v"}).status(),
                           "snapshot");
    }
    double seq1 = 0, rand1 = 0, seq_many = 0, rand_many = 0;
    for (int part = 0; part < kParts; ++part) {
      for (int i = 0; i < 2; ++i) {
        const bool single = (i == 0) == (part % 2 == 0);
        auto [seq, rand] = single ? PartPhases(one, v1, l, part, kParts, 2, b)
                                  : PartPhases(lots, vm, l, part, kParts, 2, b);
        (single ? seq1 : seq_many) += seq;
        (single ? rand1 : rand_many) += rand;
      }
    }
    state.SetIterationTime(seq_many + rand_many);
    state.counters["seq1_ms"] = seq1 * 1e3;
    state.counters["seq_many_ms"] = seq_many * 1e3;
    state.counters["rand1_us"] = rand1 / n * 1e6;
    state.counters["rand_many_us"] = rand_many / n * 1e6;
    state.counters["seq_many"] = seq1 / seq_many;
    state.counters["rand_many"] = rand1 / rand_many;
    state.counters["snapshots"] = many;
    state.counters["random_writes"] = n;
    state.counters["seq_mib"] = static_cast<double>(l.seq_bytes) / kMiB;
    if (static_cast<int>(lots.engine()->ListSnapshotSets().size()) != many ||
        one.engine()->ListSnapshotSets().size() != 1) {
      state.SkipWithError("a cap deletion ran while measuring");
    }
  }
}
BENCHMARK(BM_ManySnapshotsPair)
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

// A sparse volume for commits: 16 runs of 1 MiB spread over it, flushed.
struct SparseEngine {
  explicit SparseEngine(uint64_t size) : se(16384, 4 * kGiB) {
    Volume* v = se.CreateVolume("v", size);
    AlignedBuffer chunk(kMiB);
    FillPattern(chunk, 1);
    for (uint64_t off = 0; off < size; off += size / 16) {
      ScratchEngine::Check(v->Write(off, chunk.span()), "write");
    }
    ScratchEngine::Check(v->Flush(), "flush");
  }
  // Commits a persistent set of "v" (the time returned), then deletes it
  // and collects, so the next commit finds no dirty data either.
  double Commit() {
    const absl::Time start = absl::Now();
    absl::StatusOr<SnapshotSetInfo> set = se.engine()->CreateSnapshotSet({"v"});
    const double seconds = Seconds(start);
    ScratchEngine::Check(set.status(), "snapshot");
    ScratchEngine::Check(se.engine()->DeleteSnapshotSet(set->id), "delete");
    ScratchEngine::Check(se.engine()->RunBackgroundWork(), "background");
    return seconds;
  }
  ScratchEngine se;
};

// Commit latency on a sparse 1 GiB vs 64 GiB volume, in-process, no dirty
// data: per repetition, SHADOWSET_BENCH_COMMITS (default 30) commits of
// each, interleaved (the order alternates), so both sizes share the
// machine's load. Counters: the median and quartiles of each size's
// commits, and ratio = median 64 GiB / median 1 GiB (goal: 1 within noise).
void BM_CommitPair(benchmark::State& state) {
  const int commits = static_cast<int>(EnvOr("SHADOWSET_BENCH_COMMITS", 30, 3));
  SparseEngine small(kGiB);
  SparseEngine large(64 * kGiB);
  for (auto _ : state) {
    std::vector<double> c1, c64;
    for (int i = 0; i < commits; ++i) {
      if (i % 2 == 0) {
        c1.push_back(small.Commit() * 1e6);
        c64.push_back(large.Commit() * 1e6);
      } else {
        c64.push_back(large.Commit() * 1e6);
        c1.push_back(small.Commit() * 1e6);
      }
    }
    const double m1 = Median(c1);
    const double m64 = Median(c64);
    state.SetIterationTime(m64 * 1e-6);
    state.counters["commit1_us"] = m1;
    state.counters["commit1_p25_us"] = Quantile(c1, 0.25);
    state.counters["commit1_p75_us"] = Quantile(c1, 0.75);
    state.counters["commit64_us"] = m64;
    state.counters["commit64_p25_us"] = Quantile(c64, 0.25);
    state.counters["commit64_p75_us"] = Quantile(c64, 0.75);
    state.counters["ratio"] = m64 / m1;
    state.counters["commits"] = commits;
  }
}
BENCHMARK(BM_CommitPair)
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

// Snapshot read-out vs a raw sequential read of the same volume's file,
// both cold, 4 MiB reads, after changed_pct percent of the volume's 16 KiB
// blocks were overwritten since the snapshot, in runs of run_blocks blocks
// (random, distinct runs, in random order; one write per run, so one
// diff-area record per run). Each side is read twice, in the order raw,
// snapshot, snapshot, raw or its reverse (alternating between
// repetitions); the times are the means of the two. Counters: vs_raw = raw time
// / snapshot time (goal >= 0.9 at
// <= 20%). Args: changed percent, blocks per run.
void BM_ReadOutPair(benchmark::State& state) {
  const int changed = static_cast<int>(state.range(0));
  const uint64_t run = static_cast<uint64_t>(state.range(1));
  const uint64_t volume = EnvOr("SHADOWSET_BENCH_VOLUME_MIB", 256, 8) * kMiB;
  static int repetition = 0;
  AlignedBuffer buf(kReadChunk);
  for (auto _ : state) {
    ScratchEngine se(16384, 4 * kGiB);
    Volume* v = se.CreateVolume("v", volume);
    const std::string path = se.engine()->ListVolumes()[0].path;
    Buffers b;
    b.Fill(1);
    WriteSeq(v, 0, volume, b);
    ScratchEngine::Check(v->Flush(), "flush");
    absl::StatusOr<SnapshotSetInfo> set = se.engine()->CreateSnapshotSet({"v"});
    ScratchEngine::Check(set.status(), "snapshot");
    const uint64_t runs = volume / (16384 * run);
    std::vector<uint64_t> order(runs);
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 rng(11);
    std::shuffle(order.begin(), order.end(), rng);
    const uint64_t to_change = runs * changed / 100;
    AlignedBuffer data(16384 * run);
    FillPattern(data, 5);
    for (uint64_t i = 0; i < to_change; ++i) {
      ScratchEngine::Check(v->Write(order[i] * data.size(), data.span()),
                           "write");
    }
    auto snap = se.engine()->OpenSnapshot(set->id, "v");
    ScratchEngine::Check(snap.status(), "open snapshot");
    auto snapshot_read = [&] {
      Settle(se, v);
      const absl::Time start = absl::Now();
      for (uint64_t off = 0; off < volume; off += kReadChunk) {
        ScratchEngine::Check((*snap)->Read(off, buf.span()), "read");
      }
      return Seconds(start);
    };
    // Raw, snapshot, snapshot, raw (or the reverse, every other
    // repetition): both sides see the same drift.
    double raw = 0, snapshot = 0;
    const bool raw_first = repetition++ % 2 == 0;
    for (int i = 0; i < 4; ++i) {
      if ((i == 0 || i == 3) == raw_first) {
        raw += ColdRawRead(se, v, path, volume);
      } else {
        snapshot += snapshot_read();
      }
    }
    raw /= 2;
    snapshot /= 2;
    state.SetIterationTime(snapshot);
    state.counters["raw_ms"] = raw * 1e3;
    state.counters["snapshot_ms"] = snapshot * 1e3;
    state.counters["vs_raw"] = raw / snapshot;
    state.counters["changed_blocks"] = static_cast<double>(to_change * run);
    state.counters["records"] = static_cast<double>(to_change);
  }
  state.SetBytesProcessed(state.iterations() * volume);
}
BENCHMARK(BM_ReadOutPair)
    ->ArgNames({"changed_pct", "run_blocks"})
    ->Args({0, 1})
    ->Args({5, 1})
    ->Args({20, 1})
    ->Args({20, 64})
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

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
    ->ArgNames({"GiB"})
    ->Arg(1)
    ->Arg(64)
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

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
    ->Args({0, 20})
    ->Args({1, 20})
    ->Args({1, 5})
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace shadowset::bench

BENCHMARK_MAIN();
