// Test support for the directory service: an engine in a scratch
// directory, a small directory on it, and a clock the test moves.

#ifndef SHADOWSET_TESTS_DIRECTORY_DIRECTORY_FIXTURE_H_
#define SHADOWSET_TESTS_DIRECTORY_DIRECTORY_FIXTURE_H_

#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/engine.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "writers/directory/directory_service.h"

namespace shadowset::testing {

// A clock that moves only when told to. Thread-safe.
class FakeClock {
 public:
  explicit FakeClock(absl::Time start = absl::FromUnixSeconds(1700000000))
      : now_(start) {}
  absl::Time Now() {
    absl::MutexLock l(&mu_);
    return now_;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock l(&mu_);
    now_ += d;
  }
  void Set(absl::Time t) {
    absl::MutexLock l(&mu_);
    now_ = t;
  }
  std::function<absl::Time()> AsFunction() {
    return [this] { return Now(); };
  }

 private:
  absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

// Small geometry: 4 KiB blocks, 64 KiB generations.
inline DirectoryInit SmallInit() {
  DirectoryInit init;
  init.server_name = "dc1";
  init.creator = "admin";
  init.database_volume_size = uint64_t{4} << 20;
  init.log_generation_size = uint64_t{64} << 10;
  init.log_generations = 16;
  return init;
}

class DirectoryTestBase : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.Sub("data");
    InitOptions init;
    init.block_size = 4096;
    init.diff_area_max = uint64_t{64} << 20;
    ASSERT_OK(Engine::Init(dir_, init));
    OpenEngine();
    ASSERT_OK(DirectoryService::Create(engine_.get(), init_, Options()));
    OpenDirectory();
  }

  virtual DirectoryOptions Options() {
    DirectoryOptions o;
    o.clock = clock_.AsFunction();
    o.background = BackgroundMode::kInline;
    return o;
  }

  void OpenEngine() {
    EngineOptions o;
    o.background = BackgroundMode::kInline;
    ASSERT_OK_AND_ASSIGN(engine_, Engine::Open(dir_, o));
  }

  void OpenDirectory() {
    ASSERT_OK_AND_ASSIGN(dir_service_,
                         DirectoryService::Open(engine_.get(), Options()));
  }

  // Closes everything and opens it again (a clean restart).
  void Restart() {
    dir_service_.reset();
    engine_.reset();
    OpenEngine();
    OpenDirectory();
  }

  DirectoryService& d() { return *dir_service_; }

  TempDir tmp_;
  std::string dir_;
  FakeClock clock_;
  DirectoryInit init_ = SmallInit();
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<DirectoryService> dir_service_;
};

}  // namespace shadowset::testing

#endif  // SHADOWSET_TESTS_DIRECTORY_DIRECTORY_FIXTURE_H_
