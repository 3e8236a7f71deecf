// Backup pipeline benchmarks (DESIGN §6; figures in bench/README.md).
//
// Pairs, same bytes, same disk, same run; each pair is measured within one
// repetition (so the ratio of that repetition compares like with like on a
// shared machine whose load drifts), and the medians of the repetitions
// are reported with min and max:
//  * a full backup of a volume (RunBackup: snapshot, copy, manifest, token,
//    every file fdatasync'ed, publication) vs `cp` of the volume's backing
//    file to the same target disk followed by fsync, and vs a raw read of
//    it; warm (page cache) and cold (dropped before the timed part); with
//    and without concurrent writes to the volume; unkeyed and keyed
//    (SHA-256 per block);
//  * an incremental backup after 1% of the blocks changed vs the full one;
//  * the writer freeze window with three writers mutating under load, and
//    the device's flush latency (4 KiB write + fdatasync) for scale.
//
// Environment: SHADOWSET_BENCH_DIR (default /var/tmp) holds the data
// directory and the backups; SHADOWSET_BENCH_BACKUP_MIB sizes the volume
// (default 256); SHADOWSET_BENCH_REPS the repetitions (default 3; the
// freeze window and flush latency take 10x as many).

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/engine/bench_env.h"
#include "benchmark/benchmark.h"
#include "engine/backup/backup_set_writer.h"
#include "requestor/backup_pipeline.h"
#include "tests/writers/test_writer.h"
#include "writers/registry.h"

namespace shadowset::bench {
namespace {

using internal::AlignedBuffer;

constexpr uint64_t kMiB = uint64_t{1} << 20;
constexpr uint32_t kBlock = 16 * 1024;
constexpr size_t kChunk = 8 << 20;  // cp and raw read: 8 MiB per call
const char kKey[] = "0123456789abcdef0123456789abcdef";

uint64_t VolumeBytes() {
  const char* s = std::getenv("SHADOWSET_BENCH_BACKUP_MIB");
  return (s != nullptr ? std::max(16, std::atoi(s)) : 256) * kMiB;
}

int Reps() {
  const char* s = std::getenv("SHADOWSET_BENCH_REPS");
  return s != nullptr ? std::max(3, std::atoi(s)) : 3;
}

void Check(const absl::Status& st, const char* what) {
  ScratchEngine::Check(st, what);
}

// The volume every throughput benchmark backs up: random, non-zero data
// (no holes: every byte is copied on both sides of a pair).
struct Source {
  Source() : se(kBlock, uint64_t{4} << 30) {
    Volume* v = se.CreateVolume("v", VolumeBytes());
    AlignedBuffer chunk(kMiB);
    for (uint64_t off = 0; off < v->size(); off += chunk.size()) {
      FillPattern(chunk, off);
      Check(v->Write(off, chunk.span()), "fill");
    }
    Check(v->Flush(), "flush");
    path = se.engine()->ListVolumes()[0].path;
    backups = std::filesystem::path(se.dir()).parent_path().string() + "/b";
    std::filesystem::create_directories(backups);
  }
  // Deletes every snapshot set and backup: each repetition starts alike.
  void Reset() {
    for (const SnapshotSetInfo& s : se.engine()->ListSnapshotSets()) {
      Check(se.engine()->DeleteSnapshotSet(s.id), "delete set");
    }
    std::filesystem::remove_all(backups);
    std::filesystem::create_directories(backups);
    Check(se.engine()->RunBackgroundWork(), "gc");
  }
  ScratchEngine se;
  std::string path;     // the volume's backing file
  std::string backups;  // on the same disk
};

// Made on first use, removed (with every backup) at exit.
Source& TheSource() {
  static Source source;
  return source;
}

void MaybeDropCaches(bool cold) {
  if (cold) DropCaches(TheSource().se.dir());
}

// Paced random 16 KiB writes to volume "v" from their own thread (about
// 8 MiB/s), for "with concurrent writes".
class Load {
 public:
  explicit Load(bool on) {
    if (!on) return;
    thread_ = std::thread([this] {
      Volume* v = TheSource().se.engine()->GetVolume("v").value();
      std::mt19937_64 rng(7);
      AlignedBuffer block(kBlock);
      FillPattern(block, 99);
      absl::Time next = absl::Now();
      while (!stop_.load()) {
        const uint64_t b = rng() % (v->size() / kBlock);
        Check(v->Write(b * kBlock, block.span()), "load write");
        writes_++;
        next += absl::Milliseconds(2);
        absl::SleepFor(next - absl::Now());
      }
    });
  }
  ~Load() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  uint64_t writes() const { return writes_.load(); }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> writes_{0};
  std::thread thread_;
};

BackupOutcome Backup(BackupType type, bool keyed) {
  BackupOptions o;
  o.destination = TheSource().backups;
  o.type = type;
  if (keyed) o.key = kKey;
  absl::StatusOr<BackupOutcome> b =
      RunBackup(TheSource().se.engine(), nullptr, o);
  Check(b.status(), "backup");
  return *b;
}

// cp of the volume's backing file to the same disk (8 MiB pread/pwrite),
// then fsync of the file and of its directory. Returns the seconds taken.
double CpFsync() {
  static AlignedBuffer* buf = new AlignedBuffer(kChunk);
  const std::string to = TheSource().backups + "/copy";
  const absl::Time start = absl::Now();
  int in = open(TheSource().path.c_str(), O_RDONLY);
  int out = open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  for (uint64_t off = 0; off < VolumeBytes(); off += kChunk) {
    if (pread(in, buf->data(), kChunk, off) != static_cast<ssize_t>(kChunk) ||
        pwrite(out, buf->data(), kChunk, off) != static_cast<ssize_t>(kChunk)) {
      std::fprintf(stderr, "bench: cp failed\n");
      std::abort();
    }
  }
  fsync(out);
  close(out);
  close(in);
  int dir = open(TheSource().backups.c_str(), O_RDONLY | O_DIRECTORY);
  fsync(dir);
  close(dir);
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  std::filesystem::remove(to);
  return seconds;
}

// A raw read of the volume's backing file. Returns the seconds taken.
double RawRead() {
  static AlignedBuffer* buf = new AlignedBuffer(kChunk);
  const absl::Time start = absl::Now();
  int in = open(TheSource().path.c_str(), O_RDONLY);
  for (uint64_t off = 0; off < VolumeBytes(); off += kChunk) {
    if (pread(in, buf->data(), kChunk, off) != static_cast<ssize_t>(kChunk)) {
      std::fprintf(stderr, "bench: read failed\n");
      std::abort();
    }
  }
  close(in);
  return absl::ToDoubleSeconds(absl::Now() - start);
}

// A full backup and, in the same repetition, cp + fsync of the same bytes
// to the same disk and a raw read of them (each after the same cache
// preparation): the time reported is the backup's; the counters hold the
// three times and the ratios of this repetition, so the medians of the
// ratios compare like with like under a drifting machine load.
// Args: keyed, concurrent writes (during all three), cold.
void BM_FullBackupVsCp(benchmark::State& state) {
  const bool keyed = state.range(0) != 0;
  const bool writes = state.range(1) != 0;
  const bool cold = state.range(2) != 0;
  for (auto _ : state) {
    TheSource().Reset();
    Load load(writes);
    MaybeDropCaches(cold);
    const double cp = CpFsync();
    MaybeDropCaches(cold);
    const double read = RawRead();
    MaybeDropCaches(cold);
    const absl::Time start = absl::Now();
    BackupOutcome b = Backup(BackupType::kFull, keyed);
    const double backup = absl::ToDoubleSeconds(absl::Now() - start);
    state.SetIterationTime(backup);
    state.counters["cp_ms"] = cp * 1e3;
    state.counters["read_ms"] = read * 1e3;
    state.counters["vs_cp"] = cp / backup;  // goal >= 0.8
    state.counters["written_mib"] =
        static_cast<double>(b.bytes_written) / kMiB;  // the same bytes
    state.counters["vs_read"] = read / backup;
    state.counters["copy_ms"] = absl::ToDoubleMilliseconds(b.copy_time);
    state.counters["commit_ms"] = absl::ToDoubleMilliseconds(b.commit_time);
    state.counters["publish_ms"] = absl::ToDoubleMilliseconds(b.publish_time);
  }
  state.SetBytesProcessed(state.iterations() * VolumeBytes());
}

// The snapshot read alone (Snapshot::Read in read runs, nothing written):
// where a full backup's time goes between the raw read and the set
// writer. Args: cold.
void BM_SnapshotRead(benchmark::State& state) {
  const bool cold = state.range(0) != 0;
  AlignedBuffer buf(kChunk);
  for (auto _ : state) {
    TheSource().Reset();
    Engine* engine = TheSource().se.engine();
    absl::StatusOr<SnapshotSetInfo> set =
        engine->CreateSnapshotSet({"v"}, {.persistent = false});
    Check(set.status(), "snapshot");
    auto snap = engine->OpenSnapshot(set->id, "v");
    Check(snap.status(), "open snapshot");
    MaybeDropCaches(cold);
    const absl::Time start = absl::Now();
    for (uint64_t off = 0; off < VolumeBytes(); off += kChunk) {
      Check((*snap)->Read(off, buf.span()), "snapshot read");
    }
    state.SetIterationTime(absl::ToDoubleSeconds(absl::Now() - start));
  }
  state.SetBytesProcessed(state.iterations() * VolumeBytes());
}

// The set writer alone: the same bytes from memory (8 MiB AddBlocks)
// through BackupSetWriter into a published set: where a full backup's
// time goes between the snapshot read and the disk. Args: keyed.
void BM_SetWriterOnly(benchmark::State& state) {
  const bool keyed = state.range(0) != 0;
  AlignedBuffer buf(kChunk);
  FillPattern(buf, 5);
  int n = 0;
  for (auto _ : state) {
    TheSource().Reset();
    BackupSetOptions o;
    o.backup_id = absl::StrCat("writer-only-", n++);
    o.set_id = SetId::Random();
    o.created = absl::Now();
    if (keyed) o.key = kKey;
    o.background_writes = keyed;  // as RunBackup chooses
    const absl::Time start = absl::Now();
    auto w = BackupSetWriter::Create(Env::Default(), TheSource().backups, o);
    Check(w.status(), "create");
    Check((*w)->BeginImage("v", kBlock, VolumeBytes() / kBlock), "begin");
    for (uint64_t off = 0; off < VolumeBytes(); off += kChunk) {
      Check((*w)->AddBlocks(off / kBlock, buf.span()), "add");
    }
    Check((*w)->EndVolume(), "end");
    Check((*w)->Publish().status(), "publish");
    state.SetIterationTime(absl::ToDoubleSeconds(absl::Now() - start));
  }
  state.SetBytesProcessed(state.iterations() * VolumeBytes());
}

// An incremental backup after 1% of the blocks (random, distinct) were
// rewritten since the full backup taken in the same repetition (its base):
// the time reported is the incremental's; "vs_full" is incremental / full
// of this repetition (goal <= 0.05). Warm.
void BM_Incremental1PercentVsFull(benchmark::State& state) {
  Volume* v = TheSource().se.engine()->GetVolume("v").value();
  const uint64_t blocks = v->size() / kBlock;
  std::mt19937_64 rng(11);
  AlignedBuffer block(kBlock);
  for (auto _ : state) {
    TheSource().Reset();
    absl::Time start = absl::Now();
    Backup(BackupType::kFull, false);
    const double full = absl::ToDoubleSeconds(absl::Now() - start);
    std::vector<uint64_t> changed;
    while (changed.size() < blocks / 100) {
      uint64_t b = rng() % blocks;
      if (std::find(changed.begin(), changed.end(), b) == changed.end()) {
        changed.push_back(b);
      }
    }
    for (uint64_t b : changed) {
      FillPattern(block, rng());
      Check(v->Write(b * kBlock, block.span()), "change");
    }
    Check(v->Flush(), "flush");
    start = absl::Now();
    BackupOutcome b = Backup(BackupType::kIncremental, false);
    const double incremental = absl::ToDoubleSeconds(absl::Now() - start);
    state.SetIterationTime(incremental);
    if (b.type != BackupSetType::kIncremental) {
      state.SkipWithError("the incremental was promoted");
    }
    state.counters["full_ms"] = full * 1e3;
    state.counters["vs_full"] = incremental / full;
    state.counters["changed_blocks"] = static_cast<double>(changed.size());
    state.counters["copy_ms"] = absl::ToDoubleMilliseconds(b.copy_time);
    state.counters["commit_ms"] = absl::ToDoubleMilliseconds(b.commit_time);
    state.counters["publish_ms"] = absl::ToDoubleMilliseconds(b.publish_time);
  }
}

// Three TestWriters mutating continuously (two volumes each, one shared)
// while backups of 4 MiB volumes are taken: the time reported is the
// longest freeze window of the three (Freeze raised -> Thaw returned), per
// backup. Args: full (a persistent set: the commit flushes and syncs the
// catalog inside the window) or copy (auto-release: no synced commit).
void BM_FreezeWindowThreeWriters(benchmark::State& state) {
  const bool full = state.range(0) != 0;
  ScratchEngine se(kBlock, uint64_t{1} << 30);
  for (const char* name : {"w1", "w2", "w3", "w4"}) {
    se.CreateVolume(name, 4 * kMiB);
  }
  WriterRegistry registry;
  std::vector<std::unique_ptr<testing::TestWriter>> writers;
  const std::vector<std::vector<std::string>> volumes = {
      {"w1", "w2"}, {"w2", "w3"}, {"w3", "w4"}};
  for (size_t i = 0; i < volumes.size(); ++i) {
    writers.push_back(std::make_unique<testing::TestWriter>(
        testing::TestWriterOptions{.name = absl::StrCat("writer", i + 1),
                                   .engine = se.engine(),
                                   .volumes = volumes[i],
                                   .offset = i * 16 * kBlock}));
    Check(registry.Register(writers.back().get()), "register");
  }
  const std::string backups =
      std::filesystem::path(se.dir()).parent_path().string() + "/b";
  for (auto _ : state) {
    for (auto& w : writers) {
      w->WaitForSeqAbove(w->seq() + 2, absl::Now() + absl::Seconds(30));
    }
    BackupOptions o;
    o.destination = backups;
    o.type = full ? BackupType::kFull : BackupType::kCopy;
    absl::StatusOr<BackupOutcome> b = RunBackup(se.engine(), &registry, o);
    Check(b.status(), "backup");
    absl::Duration longest;
    for (const WriterOutcome& w : b->writers) {
      longest = std::max(longest, w.freeze_window);
    }
    state.SetIterationTime(absl::ToDoubleSeconds(longest));
    state.counters["commit_ms"] = absl::ToDoubleMilliseconds(b->commit_time);
    std::filesystem::remove_all(b->dir);
  }
  for (auto& w : writers) Check(registry.Unregister(w.get()), "unregister");
}

// The device's flush latency: a 4 KiB write and fdatasync.
void BM_DeviceFlush4K(benchmark::State& state) {
  const std::string path = TheSource().backups + "/flush-probe";
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  AlignedBuffer block(4096);
  FillPattern(block, 3);
  uint64_t i = 0;
  for (auto _ : state) {
    const absl::Time start = absl::Now();
    if (pwrite(fd, block.data(), 4096, (i++ % 256) * 4096) != 4096 ||
        fdatasync(fd) != 0) {
      state.SkipWithError("flush probe failed");
    }
    state.SetIterationTime(absl::ToDoubleSeconds(absl::Now() - start));
  }
  close(fd);
}

double Min(const std::vector<double>& v) {
  return *std::min_element(v.begin(), v.end());
}
double Max(const std::vector<double>& v) {
  return *std::max_element(v.begin(), v.end());
}

void Configure(benchmark::internal::Benchmark* b, int reps) {
  b->UseManualTime()
      ->Unit(benchmark::kMillisecond)
      ->Iterations(1)
      ->Repetitions(reps)
      ->ComputeStatistics("min", Min)
      ->ComputeStatistics("max", Max)
      ->DisplayAggregatesOnly(true);
}

BENCHMARK(BM_FullBackupVsCp)
    ->ArgNames({"keyed", "writes", "cold"})
    ->Args({0, 0, 0})
    ->Args({0, 0, 1})
    ->Args({1, 0, 0})
    ->Args({0, 1, 0})
    ->Args({1, 1, 0})
    ->Apply([](auto* b) { Configure(b, Reps()); });
BENCHMARK(BM_SnapshotRead)->ArgName("cold")->Arg(0)->Arg(1)->Apply([](auto* b) {
  Configure(b, Reps());
});
BENCHMARK(BM_SetWriterOnly)
    ->ArgName("keyed")
    ->Arg(0)
    ->Arg(1)
    ->Apply([](auto* b) { Configure(b, Reps()); });
BENCHMARK(BM_Incremental1PercentVsFull)->Apply([](auto* b) {
  Configure(b, Reps());
});
BENCHMARK(BM_FreezeWindowThreeWriters)
    ->ArgName("full")
    ->Arg(0)
    ->Arg(1)
    ->Apply([](auto* b) { Configure(b, 10 * Reps()); });
BENCHMARK(BM_DeviceFlush4K)->Apply([](auto* b) { Configure(b, 10 * Reps()); });

}  // namespace
}  // namespace shadowset::bench

BENCHMARK_MAIN();
