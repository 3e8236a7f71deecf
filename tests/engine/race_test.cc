// Races: writes racing a snapshot-set commit land wholly before or wholly
// after it, in every snapshot and across volumes; reads of a snapshot set
// being deleted either return its exact contents or fail with kAborted,
// never live data. Run under TSan too.

#include <atomic>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/synchronization/notification.h"
#include "engine/codes.h"
#include "engine/engine.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace shadowset {
namespace {

using ::shadowset::testing::StatusIs;
using ::shadowset::testing::TempDir;

constexpr uint32_t kBs = 4096;
constexpr int kWriters = 3;
// Each writer owns an unaligned region spanning several blocks.
constexpr uint64_t kRegion = 5 * kBs;
constexpr uint64_t kRegionOffset = 700;
constexpr uint64_t kRegionLength = 4 * kBs - 333;

// Every 8-byte word of a write carries its sequence number.
std::string Fill(uint64_t seq, uint64_t n) {
  std::string out(n, '\0');
  for (uint64_t i = 0; i + 8 <= n; i += 8) std::memcpy(&out[i], &seq, 8);
  return out;
}

// The sequence number a region holds, or -1 if it is torn.
int64_t SeqOf(const std::string& region) {
  uint64_t first;
  std::memcpy(&first, region.data(), 8);
  for (uint64_t i = 0; i + 8 <= region.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, region.data() + i, 8);
    if (w != first) return -1;
  }
  return static_cast<int64_t>(first);
}

class RaceTest : public ::testing::TestWithParam<BackgroundMode> {
 protected:
  void SetUp() override {
    dir_ = tmp_.Sub("data");
    InitOptions init;
    init.block_size = kBs;
    init.diff_area_max = 512 << 20;
    ASSERT_OK(Engine::Init(dir_, init));
    EngineOptions o;
    o.background = GetParam();
    ASSERT_OK_AND_ASSIGN(engine_, Engine::Open(dir_, o));
    for (const char* name : {"a", "b"}) {
      ASSERT_OK(engine_->CreateVolume(name, kWriters * kRegion).status());
    }
  }

  std::string ReadRegion(Snapshot* snap, int writer) {
    std::string out(kRegionLength, '\0');
    absl::Status st = snap->Read(
        writer * kRegion + kRegionOffset,
        absl::MakeSpan(reinterpret_cast<uint8_t*>(out.data()), out.size()));
    EXPECT_OK(st);
    return out;
  }

  TempDir tmp_;
  std::string dir_;
  std::unique_ptr<Engine> engine_;
};

// Writer t writes seq k to its region of "a", then the same seq to "b".
// A set over both volumes at one instant therefore holds, for each writer,
// a = k and b in {k, k - 1}; and neither region is ever torn.
TEST_P(RaceTest, WritesRacingCommitsLandWhollyBeforeOrAfter) {
  ASSERT_OK_AND_ASSIGN(Volume * a, engine_->GetVolume("a"));
  ASSERT_OK_AND_ASSIGN(Volume * b, engine_->GetVolume("b"));
  std::atomic<bool> stop{false};
  std::vector<std::atomic<uint64_t>> done(kWriters);
  std::vector<std::thread> writers;
  std::vector<absl::Status> errors(kWriters);
  for (int t = 0; t < kWriters; ++t) {
    writers.emplace_back([&, t] {
      for (uint64_t seq = 1; !stop.load(); ++seq) {
        std::string data = Fill(seq, kRegionLength);
        auto span = absl::MakeConstSpan(
            reinterpret_cast<const uint8_t*>(data.data()), data.size());
        absl::Status st = a->Write(t * kRegion + kRegionOffset, span);
        if (st.ok()) st = b->Write(t * kRegion + kRegionOffset, span);
        if (!st.ok()) {
          errors[t] = st;
          return;
        }
        done[t].store(seq);
      }
    });
  }
  struct Taken {
    SetId id;
    std::vector<uint64_t> before;  // writes completed before the commit
  };
  std::vector<Taken> taken;
  for (int i = 0; i < 60; ++i) {
    Taken t;
    for (int w = 0; w < kWriters; ++w) t.before.push_back(done[w].load());
    SnapshotSetOptions o;
    o.persistent = i % 2 == 0;
    ASSERT_OK_AND_ASSIGN(SnapshotSetInfo set,
                         engine_->CreateSnapshotSet({"a", "b"}, o));
    t.id = set.id;
    taken.push_back(t);
  }
  stop = true;
  for (std::thread& w : writers) w.join();
  for (const absl::Status& st : errors) ASSERT_OK(st);

  for (const Taken& t : taken) {
    ASSERT_OK_AND_ASSIGN(auto sa, engine_->OpenSnapshot(t.id, "a"));
    ASSERT_OK_AND_ASSIGN(auto sb, engine_->OpenSnapshot(t.id, "b"));
    for (int w = 0; w < kWriters; ++w) {
      SCOPED_TRACE(absl::StrFormat("set %s writer %d", t.id.ToString(), w));
      int64_t ka = SeqOf(ReadRegion(sa.get(), w));
      int64_t kb = SeqOf(ReadRegion(sb.get(), w));
      ASSERT_GE(ka, 0) << "a write to 'a' was split by the commit";
      ASSERT_GE(kb, 0) << "a write to 'b' was split by the commit";
      ASSERT_TRUE(ka == kb || ka == kb + 1)
          << "volumes disagree on the instant: a=" << ka << " b=" << kb;
      ASSERT_GE(static_cast<uint64_t>(kb), t.before[w])
          << "a write acknowledged before the commit is missing";
    }
  }
  ASSERT_OK(engine_->RunBackgroundWork());
  ASSERT_OK_AND_ASSIGN(CheckReport report, engine_->Check());
  EXPECT_TRUE(report.ok()) << ::testing::PrintToString(report.problems);
}

// Readers hammer a set while it is deleted and writers overwrite every
// block: each read returns the set's exact contents or kAborted.
TEST_P(RaceTest, ReadsOfADeletedSetNeverReturnLiveData) {
  ASSERT_OK_AND_ASSIGN(Volume * a, engine_->GetVolume("a"));
  const uint64_t size = a->size();
  for (int round = 0; round < 25; ++round) {
    SCOPED_TRACE(absl::StrFormat("round %d", round));
    std::string before = Fill(1000 + round, size);
    ASSERT_OK(a->Write(0, absl::MakeConstSpan(
                              reinterpret_cast<const uint8_t*>(before.data()),
                              before.size())));
    ASSERT_OK_AND_ASSIGN(SnapshotSetInfo set, engine_->CreateSnapshotSet({"a"}));
    ASSERT_OK_AND_ASSIGN(auto snap, engine_->OpenSnapshot(set.id, "a"));
    absl::Notification go;
    std::atomic<int> aborted{0}, exact{0};
    std::vector<std::thread> threads;
    std::vector<absl::Status> errors(3);
    for (int r = 0; r < 2; ++r) {
      threads.emplace_back([&, r] {
        go.WaitForNotification();
        std::mt19937_64 rng(round * 10 + r);
        for (int i = 0; i < 200; ++i) {
          uint64_t off = rng() % size;
          uint64_t n = 1 + rng() % std::min<uint64_t>(size - off, 3 * kBs);
          std::string got(n, '\0');
          absl::Status st = snap->Read(
              off, absl::MakeSpan(reinterpret_cast<uint8_t*>(got.data()), n));
          if (absl::IsAborted(st)) {
            ++aborted;
            continue;
          }
          if (!st.ok() || got != before.substr(off, n)) {
            errors[r] = st.ok() ? absl::DataLossError(absl::StrFormat(
                                      "read at %u returned other data", off))
                                : st;
            return;
          }
          ++exact;
        }
      });
    }
    threads.emplace_back([&] {
      go.WaitForNotification();
      std::string after = Fill(2000 + round, size);
      for (uint64_t off = 0; off < size; off += kBs) {
        absl::Status st = a->Write(
            off, absl::MakeConstSpan(
                     reinterpret_cast<const uint8_t*>(after.data()) + off, kBs));
        if (!st.ok()) {
          errors[2] = st;
          return;
        }
      }
    });
    go.Notify();
    ASSERT_OK(engine_->DeleteSnapshotSet(set.id));
    for (std::thread& t : threads) t.join();
    for (const absl::Status& st : errors) ASSERT_OK(st);
    std::string buf(16, '\0');
    EXPECT_THAT(snap->Read(0, absl::MakeSpan(
                                  reinterpret_cast<uint8_t*>(buf.data()), 16)),
                StatusIs(absl::StatusCode::kAborted));
  }
  ASSERT_OK(engine_->RunBackgroundWork());
  ASSERT_OK_AND_ASSIGN(CheckReport report, engine_->Check());
  EXPECT_TRUE(report.ok()) << ::testing::PrintToString(report.problems);
}

// One creation at a time: a concurrent second creation is refused with
// VSS_E_SNAPSHOT_SET_IN_PROGRESS, never queued into a second hold.
TEST_P(RaceTest, ConcurrentCreationsAreRefusedNotInterleaved) {
  std::atomic<int> in_progress{0}, ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 30; ++i) {
        SnapshotSetOptions o;
        o.persistent = false;
        absl::StatusOr<SnapshotSetInfo> set = engine_->CreateSnapshotSet({"a"}, o);
        if (set.ok()) {
          ++ok;
          EXPECT_OK(engine_->DeleteSnapshotSet(set->id));
        } else if (CodeOf(set.status()) == kVssSnapshotSetInProgress) {
          ++in_progress;
        } else {
          ADD_FAILURE() << set.status();
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok + in_progress, 120);
  EXPECT_GT(ok, 0);
  EXPECT_TRUE(engine_->ListSnapshotSets().empty());
}

INSTANTIATE_TEST_SUITE_P(Modes, RaceTest,
                         ::testing::Values(BackgroundMode::kThreads,
                                           BackgroundMode::kInline),
                         [](const auto& info) {
                           return info.param == BackgroundMode::kThreads
                                      ? "Threads"
                                      : "Inline";
                         });

}  // namespace
}  // namespace shadowset
