// Helpers for the backup and restore pipeline tests: seeded volume
// contents, whole-volume reads, a second engine to restore into, and the
// checks every test ends with (the set verifies, the engine scrubs clean).

#ifndef SHADOWSET_TESTS_REQUESTOR_BACKUP_TESTING_H_
#define SHADOWSET_TESTS_REQUESTOR_BACKUP_TESTING_H_

#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "engine/backup/verify.h"
#include "engine/engine.h"
#include "engine/internal/status_macros.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace shadowset::testing {

inline constexpr absl::string_view kKey = "0123456789abcdef-pipeline-key";

inline absl::Span<const uint8_t> AsBytes(absl::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// One block of seeded random bytes.
inline std::string RandomBlock(std::mt19937_64& rng, uint32_t block_size) {
  std::string block(block_size, '\0');
  for (uint32_t i = 0; i + 8 <= block_size; i += 8) {
    uint64_t w = rng();
    std::memcpy(&block[i], &w, 8);
  }
  return block;
}

// Writes every block of `volume`: random data, except about one block in
// `zero_one_in` written as zeros (a hole in the backup). Flushes.
inline absl::Status FillVolume(Engine* engine, const std::string& volume,
                               uint64_t seed, int zero_one_in = 3) {
  ASSIGN_OR_RETURN(Volume * v, engine->GetVolume(volume));
  std::mt19937_64 rng(seed);
  const uint32_t bs = v->block_size();
  for (uint64_t b = 0; b < v->block_count(); ++b) {
    std::string block =
        rng() % zero_one_in == 0 ? std::string(bs, '\0') : RandomBlock(rng, bs);
    RETURN_IF_ERROR(v->Write(b * bs, AsBytes(block)));
  }
  return v->Flush();
}

// Rewrites `count` seeded random blocks of `volume` (some to zeros).
inline absl::Status ChangeBlocks(Engine* engine, const std::string& volume,
                                 uint64_t seed, uint64_t count) {
  ASSIGN_OR_RETURN(Volume * v, engine->GetVolume(volume));
  std::mt19937_64 rng(seed);
  const uint32_t bs = v->block_size();
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t b = rng() % v->block_count();
    std::string block =
        rng() % 5 == 0 ? std::string(bs, '\0') : RandomBlock(rng, bs);
    RETURN_IF_ERROR(v->Write(b * bs, AsBytes(block)));
  }
  return v->Flush();
}

inline absl::StatusOr<std::string> ReadVolume(Engine* engine,
                                              const std::string& volume) {
  ASSIGN_OR_RETURN(Volume * v, engine->GetVolume(volume));
  std::string out(v->size(), '\0');
  RETURN_IF_ERROR(v->Read(
      0, absl::MakeSpan(reinterpret_cast<uint8_t*>(out.data()), out.size())));
  return out;
}

// A data directory of its own, to restore into.
class TargetEngine {
 public:
  explicit TargetEngine(uint32_t block_size = 4096, bool prefer_memory = false)
      : block_size_(block_size), tmp_(prefer_memory) {}
  void Open() {
    InitOptions init;
    init.block_size = block_size_;
    init.diff_area_max = 64 << 20;
    if (!initialised_) {
      ASSERT_OK(Engine::Init(dir(), init));
      initialised_ = true;
    }
    engine_.reset();
    ASSERT_OK_AND_ASSIGN(engine_, Engine::Open(dir()));
  }
  Engine* engine() { return engine_.get(); }
  std::string dir() const { return tmp_.Sub("target"); }
  void ExpectClean() {
    ASSERT_OK(engine_->RunBackgroundWork());
    ASSERT_OK_AND_ASSIGN(CheckReport report, engine_->Check());
    EXPECT_TRUE(report.ok()) << ::testing::PrintToString(report.problems);
  }

 private:
  const uint32_t block_size_;
  TempDir tmp_;
  bool initialised_ = false;
  std::unique_ptr<Engine> engine_;
};

// The set at `dir` verifies completely (with `key`, now).
inline void ExpectVerifies(const std::string& dir, absl::string_view key = "") {
  EXPECT_OK(VerifyBackupSet(Env::Default(), dir, key, absl::Now()).status())
      << dir;
}

}  // namespace shadowset::testing

#endif  // SHADOWSET_TESTS_REQUESTOR_BACKUP_TESTING_H_
