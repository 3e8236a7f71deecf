// The machine's limits, measured in the same run as the comparisons
// (bench/compare): memory copy bandwidth, sequential file write with a
// final fdatasync, cold sequential read, random 4 KiB O_DIRECT write IOPS,
// random 4 KiB cold read latency, fdatasync latency, and xxh3-64 and SHA-256
// throughput. Files live in
// $SHADOWSET_BENCH_DIR (default /var/tmp), the filesystem the comparisons
// use. "Cold" means every page of the file was dropped with
// posix_fadvise(DONTNEED) after an fdatasync. Rates are per wall-clock
// second (the machine may be shared: the report states its load).
//
// Flags (before the benchmark flags): --file_mib (size of the files, default
// 256), --random_writes (default 2048), --random_reads (default 2048),
// --syncs (default 100).

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>
#include <xxhash.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "bench/engine/bench_env.h"
#include "benchmark/benchmark.h"
#include "engine/internal/aligned_buffer.h"

namespace shadowset::bench {
namespace {

using internal::AlignedBuffer;
using Clock = std::chrono::steady_clock;

constexpr uint64_t kMiB = uint64_t{1} << 20;

struct Flags {
  uint64_t file_mib = 256;
  uint64_t random_writes = 2048;
  uint64_t random_reads = 2048;
  uint64_t syncs = 100;
};

Flags& flags() {
  static Flags f;
  return f;
}

double Since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void Die(const char* what) {
  std::perror(what);
  std::abort();
}

// A scratch file removed on destruction.
class ScratchFile {
 public:
  explicit ScratchFile(int extra_flags = 0) {
    std::string pattern = BenchRoot() + "/shadowset-machine-XXXXXX";
    fd_ = mkstemp(pattern.data());
    if (fd_ < 0) Die("mkstemp");
    path_ = pattern;
    if (extra_flags != 0) {
      close(fd_);
      fd_ = open(path_.c_str(), O_RDWR | extra_flags);
      if (fd_ < 0) Die("open");
    }
  }
  ~ScratchFile() {
    close(fd_);
    unlink(path_.c_str());
  }
  int fd() const { return fd_; }
  const std::string& path() const { return path_; }

 private:
  int fd_ = -1;
  std::string path_;
};

void PwriteAll(int fd, const void* data, size_t n, uint64_t off) {
  if (pwrite(fd, data, n, static_cast<off_t>(off)) != static_cast<ssize_t>(n)) {
    Die("pwrite");
  }
}

// Fills `bytes` of a file in 1 MiB writes and makes it durable.
void WriteFile(int fd, uint64_t bytes, AlignedBuffer& buf) {
  for (uint64_t off = 0; off < bytes; off += buf.size()) {
    PwriteAll(fd, buf.data(), buf.size(), off);
  }
  if (fdatasync(fd) != 0) Die("fdatasync");
}

AlignedBuffer Pattern(size_t size) {
  AlignedBuffer buf(size);
  FillPattern(buf, 42);
  return buf;
}

void BM_Memcpy(benchmark::State& state) {
  const size_t size = 64 * kMiB;
  AlignedBuffer src = Pattern(size);
  AlignedBuffer dst(size);
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), size);
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * size);
}
BENCHMARK(BM_Memcpy)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(0.2)
    ->UseRealTime();

// A new file written sequentially in 1 MiB writes, then fdatasync.
void BM_SeqWriteSync(benchmark::State& state) {
  const uint64_t bytes = flags().file_mib * kMiB;
  AlignedBuffer buf = Pattern(kMiB);
  for (auto _ : state) {
    ScratchFile f;
    Clock::time_point start = Clock::now();
    WriteFile(f.fd(), bytes, buf);
    state.SetIterationTime(Since(start));
  }
  state.SetBytesProcessed(state.iterations() * bytes);
}
BENCHMARK(BM_SeqWriteSync)
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

// Sequential 4 MiB reads of a file dropped from the page cache.
void BM_ColdRead(benchmark::State& state) {
  const uint64_t bytes = flags().file_mib * kMiB;
  AlignedBuffer buf = Pattern(4 * kMiB);
  for (auto _ : state) {
    ScratchFile f;
    WriteFile(f.fd(), bytes, buf);
    posix_fadvise(f.fd(), 0, 0, POSIX_FADV_DONTNEED);
    Clock::time_point start = Clock::now();
    for (uint64_t off = 0; off < bytes; off += buf.size()) {
      if (pread(f.fd(), buf.data(), buf.size(), static_cast<off_t>(off)) !=
          static_cast<ssize_t>(buf.size())) {
        Die("pread");
      }
    }
    state.SetIterationTime(Since(start));
  }
  state.SetBytesProcessed(state.iterations() * bytes);
}
BENCHMARK(BM_ColdRead)
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

// 4 KiB O_DIRECT writes at random offsets of a written file, queue depth 1,
// then one fdatasync.
void BM_RandomWrite4k(benchmark::State& state) {
  const uint64_t bytes = flags().file_mib * kMiB;
  const uint64_t writes = flags().random_writes;
  AlignedBuffer fill = Pattern(kMiB);
  AlignedBuffer page = Pattern(4096);
  std::mt19937_64 rng(9);
  for (auto _ : state) {
    ScratchFile f(O_DIRECT);
    WriteFile(f.fd(), bytes, fill);
    Clock::time_point start = Clock::now();
    for (uint64_t i = 0; i < writes; ++i) {
      PwriteAll(f.fd(), page.data(), page.size(),
                (rng() % (bytes / 4096)) * 4096);
    }
    if (fdatasync(f.fd()) != 0) Die("fdatasync");
    state.SetIterationTime(Since(start));
  }
  state.SetItemsProcessed(state.iterations() * writes);
}
BENCHMARK(BM_RandomWrite4k)
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

// 4 KiB O_DIRECT reads at random 4 KiB-aligned offsets of a written file
// dropped from the page cache, queue depth 1 (one pread after the other):
// the time of one cold random read, per read. O_DIRECT keeps every read on
// the device (no readahead, no page cache), as the engine's read of a
// chunk's old contents is when that chunk is cold.
void BM_RandomRead4k(benchmark::State& state) {
  const uint64_t bytes = flags().file_mib * kMiB;
  const uint64_t reads = flags().random_reads;
  AlignedBuffer fill = Pattern(kMiB);
  AlignedBuffer page(4096);
  std::mt19937_64 rng(13);
  for (auto _ : state) {
    ScratchFile f;
    WriteFile(f.fd(), bytes, fill);
    posix_fadvise(f.fd(), 0, 0, POSIX_FADV_DONTNEED);
    int fd = open(f.path().c_str(), O_RDONLY | O_DIRECT);
    if (fd < 0) Die("open O_DIRECT");
    Clock::time_point start = Clock::now();
    for (uint64_t i = 0; i < reads; ++i) {
      const off_t off = static_cast<off_t>((rng() % (bytes / 4096)) * 4096);
      if (pread(fd, page.data(), page.size(), off) !=
          static_cast<ssize_t>(page.size())) {
        Die("pread");
      }
    }
    state.SetIterationTime(Since(start) / static_cast<double>(reads));
    close(fd);
  }
}
BENCHMARK(BM_RandomRead4k)
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

// One 4 KiB overwrite inside an allocated file + fdatasync (no size or
// extent change), per operation.
void BM_FdatasyncLatency(benchmark::State& state) {
  const uint64_t syncs = flags().syncs;
  AlignedBuffer fill = Pattern(kMiB);
  AlignedBuffer page = Pattern(4096);
  for (auto _ : state) {
    ScratchFile f;
    WriteFile(f.fd(), kMiB, fill);
    Clock::time_point start = Clock::now();
    for (uint64_t i = 0; i < syncs; ++i) {
      page.data()[0] = static_cast<uint8_t>(i);
      PwriteAll(f.fd(), page.data(), page.size(), (i % 256) * 4096);
      if (fdatasync(f.fd()) != 0) Die("fdatasync");
    }
    state.SetIterationTime(Since(start) / static_cast<double>(syncs));
  }
}
BENCHMARK(BM_FdatasyncLatency)
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

void BM_Xxh3(benchmark::State& state) {
  AlignedBuffer buf = Pattern(kMiB);
  for (auto _ : state) {
    benchmark::DoNotOptimize(XXH3_64bits(buf.data(), buf.size()));
  }
  state.SetBytesProcessed(state.iterations() * buf.size());
}
BENCHMARK(BM_Xxh3)->Unit(benchmark::kMicrosecond)->MinTime(0.2)->UseRealTime();

void BM_Sha256(benchmark::State& state) {
  AlignedBuffer buf = Pattern(kMiB);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  for (auto _ : state) {
    if (EVP_Digest(buf.data(), buf.size(), md, &len, EVP_sha256(), nullptr) !=
        1) {
      state.SkipWithError("EVP_Digest");
    }
    benchmark::DoNotOptimize(md);
  }
  state.SetBytesProcessed(state.iterations() * buf.size());
}
BENCHMARK(BM_Sha256)
    ->Unit(benchmark::kMicrosecond)
    ->MinTime(0.2)
    ->UseRealTime();

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
    if (value("file_mib", &f.file_mib) ||
        value("random_writes", &f.random_writes) ||
        value("random_reads", &f.random_reads) || value("syncs", &f.syncs)) {
      continue;
    }
    argv[out++] = argv[i];
  }
  *argc = out;
  if (flags().file_mib == 0 || flags().syncs == 0 ||
      flags().random_reads == 0) {
    std::fprintf(stderr,
                 "machine_bench: --file_mib, --random_reads and --syncs must "
                 "be > 0\n");
    return false;
  }
  return true;
}

}  // namespace
}  // namespace shadowset::bench

int main(int argc, char** argv) {
  if (!shadowset::bench::ParseFlags(&argc, argv)) return 2;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
