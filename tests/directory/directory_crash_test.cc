// Power loss at every I/O of the directory: a fixed workload of changes
// (adds, modifies, deletes, a tombstone-lifetime change, a garbage
// collection), log generation rolls, a checkpoint and a truncation runs on
// a FaultInjectionEnv. A clean run records the committed state after every
// operation and counts the I/O operations; then, for each of them, a fresh
// run crashes exactly there, the disk is rewritten to what a power loss
// leaves (seeded, printed), and the reopened directory must hold exactly
// the changes whose calls returned OK, plus at most the one in flight
// (wholly or not at all). Both the directory's and the engine's checks
// must pass.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/engine.h"
#include "engine/fault_env.h"
#include "engine/internal/status_macros.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/directory/directory_fixture.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "writers/directory/directory_service.h"

namespace shadowset {
namespace {

using ::shadowset::testing::FakeClock;
using ::shadowset::testing::SmallInit;
using ::shadowset::testing::TempDir;

constexpr char kRoot[] = "DC=example,DC=test";
constexpr char kOu[] = "OU=Hosts,DC=example,DC=test";

std::string Host(int i) { return absl::StrCat("CN=host", i, ",", kOu); }

// One directory on one fault-injecting engine.
struct Rig {
  TempDir tmp;
  FaultInjectionEnv env;
  FakeClock clock;
  std::unique_ptr<Engine> engine;
  std::unique_ptr<DirectoryService> directory;

  DirectoryOptions Options() {
    DirectoryOptions o;
    o.clock = clock.AsFunction();
    o.env = &env;
    o.background = BackgroundMode::kInline;
    return o;
  }

  absl::Status OpenEngine() {
    EngineOptions eo;
    eo.env = &env;
    eo.background = BackgroundMode::kInline;
    ASSIGN_OR_RETURN(engine, Engine::Open(tmp.Sub("data"), eo));
    return absl::OkStatus();
  }

  absl::Status OpenDirectory() {
    ASSIGN_OR_RETURN(directory, DirectoryService::Open(engine.get(), Options()));
    return absl::OkStatus();
  }

  absl::Status Open() {
    RETURN_IF_ERROR(OpenEngine());
    return OpenDirectory();
  }

  absl::Status Setup() {
    InitOptions init;
    init.block_size = 4096;
    init.diff_area_max = uint64_t{16} << 20;
    RETURN_IF_ERROR(Engine::Init(tmp.Sub("data"), init, &env));
    RETURN_IF_ERROR(OpenEngine());
    RETURN_IF_ERROR(DirectoryService::Create(engine.get(), SmallInit(), Options()));
    return OpenDirectory();
  }

  void Close() {
    directory.reset();
    engine.reset();
  }
};

using Op = std::function<absl::Status(Rig&)>;

absl::Status Ok(const absl::StatusOr<uint64_t>& r) { return r.status(); }

// The workload. Values are large enough that the 64 KiB generations roll.
std::vector<Op> Workload() {
  const std::string pad(20000, 'p');
  using Kind = AttributeChange::Kind;
  std::vector<Op> ops;
  ops.push_back([](Rig& r) { return Ok(r.directory->AddObject(kRoot, "domain")); });
  ops.push_back(
      [](Rig& r) { return Ok(r.directory->AddObject(kOu, "organizationalUnit")); });
  for (int i = 0; i < 4; ++i) {
    ops.push_back([i, pad](Rig& r) {
      return Ok(r.directory->AddObject(Host(i), "computer", {{"pad", {pad}}}));
    });
  }
  ops.push_back([](Rig& r) {
    return Ok(r.directory->ModifyObject(
        Host(1), {{Kind::kReplace, "pad", {"short"}}, {Kind::kAdd, "n", {"1"}}}));
  });
  ops.push_back([](Rig& r) { return r.directory->Checkpoint(); });
  ops.push_back([](Rig& r) { return Ok(r.directory->DeleteObject(Host(2))); });
  ops.push_back([](Rig& r) {
    return Ok(r.directory->SetTombstoneLifetime(absl::Hours(24 * 30)));
  });
  ops.push_back([pad](Rig& r) {
    return Ok(r.directory->AddObject(Host(4), "computer", {{"pad", {pad}}}));
  });
  ops.push_back([](Rig& r) {
    r.clock.Advance(absl::Hours(24 * 31));
    absl::StatusOr<size_t> n = r.directory->CollectGarbage();
    if (n.ok() && *n != 1) return absl::InternalError("expected one purge");
    return n.status();
  });
  ops.push_back([](Rig& r) {
    return r.directory->TruncateLogs(r.directory->LogStatus().current_gen);
  });
  ops.push_back([](Rig& r) { return Ok(r.directory->DeleteObject(Host(0))); });
  ops.push_back([pad](Rig& r) {
    return Ok(r.directory->AddObject(Host(5), "computer", {{"pad", {pad}}}));
  });
  return ops;
}

// What the directory holds, plus its USN and lifetime.
struct State {
  std::vector<DirectoryObject> objects;
  uint64_t usn = 0;
  absl::Duration lifetime;
  friend bool operator==(const State&, const State&) = default;
};

State Capture(DirectoryService& d) {
  State s;
  s.objects = d.ListObjects().value();
  s.usn = d.usn();
  s.lifetime = d.TombstoneLifetime();
  return s;
}

TEST(DirectoryCrashTest, EveryIoOfChangesAndCheckpointsRecovers) {
  const std::vector<Op> ops = Workload();
  // Clean run: the state after each operation, and the I/O count.
  std::vector<State> states;
  uint64_t total_ops = 0;
  {
    Rig rig;
    ASSERT_OK(rig.Setup());
    states.push_back(Capture(*rig.directory));
    const uint64_t before = rig.env.ops();
    for (const Op& op : ops) {
      ASSERT_OK(op(rig));
      states.push_back(Capture(*rig.directory));
    }
    total_ops = rig.env.ops() - before;
    EXPECT_GE(rig.directory->LogStatus().first_retained_gen, 2u);  // truncated
  }
  ASSERT_GT(total_ops, 30u);

  for (uint64_t n = 1; n <= total_ops; ++n) {
    const uint64_t seed = 7919 * n + 17;
    SCOPED_TRACE(absl::StrCat("crash at I/O operation ", n, " of ", total_ops,
                              ", power-loss seed ", seed));
    Rig rig;
    ASSERT_OK(rig.Setup());
    rig.env.CrashAtOp(n);
    size_t committed = 0;  // operations whose call returned OK
    bool in_doubt = false;
    for (const Op& op : ops) {
      if (!op(rig).ok()) {
        in_doubt = true;
        break;
      }
      ++committed;
      if (rig.env.crashed()) break;
    }
    ASSERT_TRUE(rig.env.crashed());
    rig.Close();
    ASSERT_OK(rig.env.PowerLoss(seed));
    ASSERT_OK(rig.Open());
    State recovered = Capture(*rig.directory);
    bool matches = recovered == states[committed];
    if (!matches && in_doubt) matches = recovered == states[committed + 1];
    EXPECT_TRUE(matches) << "committed " << committed << " operations; got USN "
                         << recovered.usn << " with " << recovered.objects.size()
                         << " objects, expected USN " << states[committed].usn;
    ASSERT_OK_AND_ASSIGN(DirectoryCheckReport report, rig.directory->Check());
    EXPECT_TRUE(report.ok()) << ::testing::PrintToString(report.problems);
    ASSERT_OK_AND_ASSIGN(CheckReport engine_report, rig.engine->Check());
    EXPECT_TRUE(engine_report.ok())
        << ::testing::PrintToString(engine_report.problems);
    // It keeps working after recovery, at the next USN.
    ASSERT_OK_AND_ASSIGN(uint64_t usn,
                         rig.directory->AddObject("DC=after", "domain"));
    EXPECT_EQ(usn, recovered.usn + 1);
    if (HasFailure()) break;
  }
}

}  // namespace
}  // namespace shadowset
