// Harness: a real engine in a temporary directory, TestWriters on its
// volumes, and the registry they are offered in - what every requestor test
// starts from.
//
//   Harness h;
//   h.SetUp({"a", "b"});                 // in the fixture's SetUp
//   TestWriter* w = h.AddWriter({.name = "w", .volumes = {"a"}});
//   Requestor r(h.engine(), h.registry(), h.Options());
//   ...
//   h.ExpectNoSets();  h.ExpectClean();  // at the end
//
// Teardown ends every hang, unregisters the writers (waiting for their
// calls), destroys them, then the engine.
//
// Thread safety: thread-compatible.

#ifndef SHADOWSET_TESTS_REQUESTOR_HARNESS_H_
#define SHADOWSET_TESTS_REQUESTOR_HARNESS_H_

#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "gtest/gtest.h"
#include "requestor/requestor.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/writers/test_writer.h"
#include "writers/registry.h"

namespace shadowset::testing {

inline constexpr uint32_t kHarnessBlockSize = 4096;

class Harness {
 public:
  // `prefer_memory`: the data directory in /dev/shm (TempDir), for tests
  // whose durability is not what they test.
  explicit Harness(bool prefer_memory = false) : tmp_(prefer_memory) {}
  ~Harness() {
    for (auto& w : writers_) w->EndHangs();
    registry_.reset();
    writers_.clear();
    engine_.reset();
  }

  // Makes the engine (in `mode`, on `env`, nullptr: the default) and
  // `volumes` of `blocks` blocks each.
  void SetUp(const std::vector<std::string>& volumes,
             BackgroundMode mode = BackgroundMode::kThreads,
             uint64_t blocks = 64, Env* env = nullptr) {
    InitOptions init;
    init.block_size = kHarnessBlockSize;
    init.diff_area_max = 256 << 20;
    ASSERT_OK(Engine::Init(tmp_.Sub("data"), init, env));
    EngineOptions options;
    options.env = env;
    options.background = mode;
    ASSERT_OK_AND_ASSIGN(engine_, Engine::Open(tmp_.Sub("data"), options));
    for (const std::string& v : volumes) {
      ASSERT_OK(engine_->CreateVolume(v, blocks * kHarnessBlockSize).status());
    }
    registry_ = std::make_unique<WriterRegistry>();
  }

  Engine* engine() { return engine_.get(); }
  WriterRegistry* registry() { return registry_.get(); }

  // A TestWriter on this engine, registered.
  TestWriter* AddWriter(TestWriterOptions options) {
    options.engine = engine_.get();
    writers_.push_back(std::make_unique<TestWriter>(std::move(options)));
    EXPECT_OK(registry_->Register(writers_.back().get()));
    return writers_.back().get();
  }

  // Every event timeout set to `event_timeout`.
  static RequestorOptions Options(
      absl::Duration event_timeout = absl::Seconds(30)) {
    RequestorOptions o;
    o.framework.identify_timeout = event_timeout;
    o.framework.prepare_timeout = event_timeout;
    o.framework.thaw_timeout = event_timeout;
    o.framework.abort_timeout = event_timeout;
    o.framework.post_snapshot_timeout = event_timeout;
    o.framework.backup_complete_timeout = event_timeout;
    o.framework.shutdown_timeout = event_timeout;
    o.framework.restore_timeout = event_timeout;
    return o;
  }

  void ExpectNoSets() {
    EXPECT_TRUE(engine_->ListSnapshotSets().empty())
        << engine_->ListSnapshotSets().size() << " snapshot set(s) left";
  }

  // Runs background work and scrubs the engine.
  void ExpectClean() {
    ASSERT_OK(engine_->RunBackgroundWork());
    ASSERT_OK_AND_ASSIGN(CheckReport report, engine_->Check());
    EXPECT_TRUE(report.ok()) << ::testing::PrintToString(report.problems);
  }

 private:
  TempDir tmp_;
  std::unique_ptr<Engine> engine_;
  std::vector<std::unique_ptr<TestWriter>> writers_;
  std::unique_ptr<WriterRegistry> registry_;
};

// Whether, after its Freeze, `events` hold exactly one of Thaw or Abort
// (vacuously true without a Freeze).
inline bool ExactlyOneThawOrAbortAfterFreeze(
    const std::vector<WriterEvent>& events) {
  bool frozen = false;
  int endings = 0;
  for (WriterEvent e : events) {
    if (e == WriterEvent::kFreeze) frozen = true;
    if (frozen && (e == WriterEvent::kThaw || e == WriterEvent::kAbort)) {
      ++endings;
    }
  }
  return !frozen || endings == 1;
}

}  // namespace shadowset::testing

#endif  // SHADOWSET_TESTS_REQUESTOR_HARNESS_H_
