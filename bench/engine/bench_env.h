// Shared set-up for the engine benchmarks: a scratch data directory on the
// benchmark disk ($SHADOWSET_BENCH_DIR, default /var/tmp), volume filling,
// and dropping a directory's clean pages from the page cache (cold reads).

#ifndef SHADOWSET_BENCH_ENGINE_BENCH_ENV_H_
#define SHADOWSET_BENCH_ENGINE_BENCH_ENV_H_

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "engine/engine.h"
#include "engine/internal/aligned_buffer.h"

namespace shadowset::bench {

inline std::string BenchRoot() {
  const char* d = std::getenv("SHADOWSET_BENCH_DIR");
  return d != nullptr ? d : "/var/tmp";
}

// A fresh engine in a scratch directory, removed on destruction.
class ScratchEngine {
 public:
  // `segment_size` 0 lets Init pick (InitOptions::segment_size).
  ScratchEngine(uint32_t block_size, uint64_t cap,
                EngineOptions options = {}, uint64_t segment_size = 0) {
    std::string pattern = BenchRoot() + "/shadowset-bench-XXXXXX";
    dir_ = mkdtemp(pattern.data());
    dir_ += "/data";
    InitOptions init;
    init.block_size = block_size;
    init.diff_area_max = cap;
    init.segment_size = segment_size;
    Check(Engine::Init(dir_, init), "init");
    auto engine = Engine::Open(dir_, options);
    Check(engine.status(), "open");
    engine_ = std::move(*engine);
  }
  ~ScratchEngine() {
    engine_.reset();
    std::error_code ec;
    std::filesystem::remove_all(std::filesystem::path(dir_).parent_path(), ec);
  }

  Engine* engine() { return engine_.get(); }
  const std::string& dir() const { return dir_; }

  Volume* CreateVolume(const std::string& name, uint64_t size) {
    Check(engine_->CreateVolume(name, size).status(), "create volume");
    return engine_->GetVolume(name).value();
  }

  static void Check(const absl::Status& st, const char* what) {
    if (!st.ok()) {
      std::fprintf(stderr, "bench: %s: %s\n", what, std::string(st.message()).c_str());
      std::abort();
    }
  }

 private:
  std::string dir_;
  std::unique_ptr<Engine> engine_;
};

// Non-zero, non-repeating data (so no zero-block shortcut applies).
inline void FillPattern(internal::AlignedBuffer& buf, uint64_t seed) {
  std::mt19937_64 rng(seed);
  uint64_t* words = reinterpret_cast<uint64_t*>(buf.data());
  for (size_t i = 0; i < buf.size() / 8; ++i) words[i] = rng() | 1;
}

// Writes the whole volume sequentially in `chunk`-byte writes.
inline void WriteAll(Volume* v, internal::AlignedBuffer& chunk) {
  for (uint64_t off = 0; off < v->size(); off += chunk.size()) {
    ScratchEngine::Check(v->Write(off, chunk.span()), "write");
  }
}

// Drops every clean page of every file under `dir` (call after a flush).
inline void DropCaches(const std::string& dir) {
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    int fd = open(entry.path().c_str(), O_RDONLY);
    if (fd < 0) continue;
    fdatasync(fd);
    posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    close(fd);
  }
}

}  // namespace shadowset::bench

#endif  // SHADOWSET_BENCH_ENGINE_BENCH_ENV_H_
