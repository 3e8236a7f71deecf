// Model check: seeded random rounds of unaligned writes to several volumes
// from several threads (their byte ranges interleave inside blocks, so
// partial-block writes race on shared blocks), snapshot sets, deletions of
// the oldest and of middle sets, reopens, and changed-block queries. After
// every step every live snapshot must read back byte for byte as the
// reference model, also while writers run; every changed-block list must
// cover every block that differs and name no block that was not written in
// the interval. SHADOWSET_MODEL_ROUNDS scales the run.

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "engine/engine.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace shadowset {
namespace {

using ::shadowset::testing::TempDir;

struct Params {
  BackgroundMode mode;
  uint32_t block_size;
  const char* name;
};

class ModelTest : public ::testing::TestWithParam<Params> {
 protected:
  static constexpr int kWriters = 4;
  static constexpr int kVolumes = 3;

  struct LiveSet {
    SetId id;
    bool persistent;
    int round;  // writes of rounds >= this happened after it
    std::map<std::string, std::string> contents;
  };

  void SetUp() override {
    const char* s = std::getenv("SHADOWSET_MODEL_SEED");
    seed_ = s != nullptr ? std::strtoull(s, nullptr, 10) : 20261122;
    const char* r = std::getenv("SHADOWSET_MODEL_ROUNDS");
    rounds_ = r != nullptr ? std::atoi(r) : 60;
    dir_ = tmp_.Sub("data");
    InitOptions init;
    init.block_size = GetParam().block_size;
    init.diff_area_max = 256 << 20;
    ASSERT_OK(Engine::Init(dir_, init));
    Open();
    bs_ = GetParam().block_size;
    for (int v = 0; v < kVolumes; ++v) {
      std::string name = "vol" + std::to_string(v);
      uint64_t size = (24 + 8 * v) * uint64_t{bs_};
      ASSERT_OK(engine_->CreateVolume(name, size).status());
      model_[name] = std::string(size, '\0');
      names_.push_back(name);
    }
  }

  void Open() {
    engine_.reset();
    EngineOptions o;
    o.background = GetParam().mode;
    // Small overlay and deferred budgets make writers wait on the
    // background commit now and then.
    o.overlay_max_entries = 256;
    o.deferred_write_bytes = 64 * 1024;
    o.overlay_commit_interval = absl::Milliseconds(5);
    ASSERT_OK_AND_ASSIGN(engine_, Engine::Open(dir_, o));
  }

  std::string ReadSnapshot(const SetId& id, const std::string& vol) {
    absl::StatusOr<std::unique_ptr<Snapshot>> snap = engine_->OpenSnapshot(id, vol);
    EXPECT_OK(snap.status());
    if (!snap.ok()) return "";
    std::string out((*snap)->size(), '\0');
    EXPECT_OK((*snap)->Read(0, absl::MakeSpan(reinterpret_cast<uint8_t*>(out.data()),
                                              out.size())));
    return out;
  }

  void VerifyAll(const std::string& when) {
    SCOPED_TRACE(when);
    for (const LiveSet& set : sets_) {
      for (const auto& [vol, want] : set.contents) {
        ASSERT_TRUE(ReadSnapshot(set.id, vol) == want)
            << "set " << set.id.ToString() << " volume " << vol;
      }
    }
    for (const std::string& vol : names_) {
      ASSERT_OK_AND_ASSIGN(Volume * v, engine_->GetVolume(vol));
      std::string got(v->size(), '\0');
      ASSERT_OK(v->Read(0, absl::MakeSpan(reinterpret_cast<uint8_t*>(got.data()),
                                          got.size())));
      ASSERT_TRUE(got == model_[vol]) << "live volume " << vol;
    }
  }

  // One round: kWriters threads write unaligned ranges inside their own
  // interleaved byte stripes while a reader checks random snapshots.
  void WriteRound(std::mt19937_64& rng, int round) {
    // Stripe boundaries are random, not block aligned: neighbouring threads
    // share blocks.
    std::map<std::string, std::vector<uint64_t>> cuts;
    for (const std::string& vol : names_) {
      std::set<uint64_t> c = {0, model_[vol].size()};
      while (c.size() < kWriters + 1) c.insert(1 + rng() % (model_[vol].size() - 1));
      cuts[vol] = std::vector<uint64_t>(c.begin(), c.end());
    }
    std::vector<uint64_t> seeds;
    for (int t = 0; t < kWriters; ++t) seeds.push_back(rng());
    std::atomic<bool> done{false};
    std::vector<std::thread> threads;
    std::vector<absl::Status> results(kWriters + 1);
    std::map<std::string, std::set<uint64_t>>& written = written_[round];
    absl::Mutex written_mu;
    for (int t = 0; t < kWriters; ++t) {
      threads.emplace_back([&, t] {
        std::mt19937_64 r(seeds[t]);
        for (int i = 0; i < 12; ++i) {
          const std::string& vol = names_[r() % names_.size()];
          uint64_t lo = cuts[vol][t], hi = cuts[vol][t + 1];
          uint64_t off = lo + r() % (hi - lo);
          uint64_t n = 1 + r() % std::min<uint64_t>(hi - off, 3 * bs_);
          std::string bytes(n, '\0');
          for (auto& c : bytes) c = static_cast<char>(r());
          if (r() % 6 == 0) bytes.assign(n, '\0');
          absl::StatusOr<Volume*> v = engine_->GetVolume(vol);
          absl::Status st = v.ok() ? (*v)->Write(off, absl::MakeConstSpan(
                                         reinterpret_cast<const uint8_t*>(bytes.data()),
                                         n))
                                   : v.status();
          if (!st.ok()) {
            results[t] = st;
            return;
          }
          // Disjoint bytes: the model needs no ordering between threads.
          std::memcpy(model_[vol].data() + off, bytes.data(), n);
          absl::MutexLock l(&written_mu);
          for (uint64_t b = off / bs_; b <= (off + n - 1) / bs_; ++b) {
            written[vol].insert(b);
          }
        }
      });
    }
    // A reader races the writers: snapshots must stay exact throughout.
    threads.emplace_back([&] {
      std::mt19937_64 r(seeds[0] ^ 0x5eed);
      while (!done.load() && !sets_.empty()) {
        const LiveSet& set = sets_[r() % sets_.size()];
        const auto& [vol, want] = *std::next(set.contents.begin(),
                                            r() % set.contents.size());
        uint64_t off = r() % want.size();
        uint64_t n = 1 + r() % std::min<uint64_t>(want.size() - off, 5 * bs_);
        absl::StatusOr<std::unique_ptr<Snapshot>> snap =
            engine_->OpenSnapshot(set.id, vol);
        std::string got(n, '\0');
        absl::Status st = snap.ok() ? (*snap)->Read(off, absl::MakeSpan(
                                          reinterpret_cast<uint8_t*>(got.data()), n))
                                    : snap.status();
        if (!st.ok() || got != want.substr(off, n)) {
          results[kWriters] = st.ok() ? absl::DataLossError(absl::StrFormat(
                                            "concurrent read of %s at %u differs",
                                            vol, off))
                                      : st;
          return;
        }
      }
    });
    for (int t = 0; t < kWriters; ++t) threads[t].join();
    done = true;
    threads.back().join();
    for (const absl::Status& st : results) ASSERT_OK(st);
  }

  void CheckChangedBlocks(const LiveSet& older, const LiveSet& newer) {
    for (const auto& [vol, new_contents] : newer.contents) {
      auto it = older.contents.find(vol);
      if (it == older.contents.end()) continue;
      ASSERT_OK_AND_ASSIGN(std::vector<uint64_t> changed,
                           engine_->ChangedBlocks(older.id, newer.id, vol));
      std::set<uint64_t> listed(changed.begin(), changed.end());
      std::set<uint64_t> written;
      for (int r = older.round; r < newer.round; ++r) {
        for (uint64_t b : written_[r][vol]) written.insert(b);
      }
      for (uint64_t b = 0; b < new_contents.size() / bs_; ++b) {
        bool differs = new_contents.compare(b * bs_, bs_, it->second, b * bs_,
                                            bs_) != 0;
        if (differs) {
          ASSERT_TRUE(listed.contains(b)) << vol << " block " << b;
        }
      }
      for (uint64_t b : listed) {
        ASSERT_TRUE(written.contains(b))
            << vol << " block " << b << " listed but not written";
      }
    }
  }

  TempDir tmp_;
  std::string dir_;
  uint64_t seed_ = 0;
  int rounds_ = 0;
  uint32_t bs_ = 0;
  std::unique_ptr<Engine> engine_;
  std::vector<std::string> names_;
  std::map<std::string, std::string> model_;
  std::vector<LiveSet> sets_;  // oldest first
  std::map<int, std::map<std::string, std::set<uint64_t>>> written_;
};

TEST_P(ModelTest, SnapshotsMatchTheModelThroughWritesDeletionsAndReopens) {
  SCOPED_TRACE(absl::StrFormat("SHADOWSET_MODEL_SEED=%u", seed_));
  std::mt19937_64 rng(seed_);
  for (int round = 0; round < rounds_; ++round) {
    SCOPED_TRACE(absl::StrFormat("round %d", round));
    WriteRound(rng, round);
    if (HasFatalFailure()) return;
    int action = static_cast<int>(rng() % 10);
    if (action < 4 && sets_.size() < 24) {
      std::vector<std::string> vols;
      for (const std::string& v : names_) {
        if (rng() % 2 == 0) vols.push_back(v);
      }
      if (vols.empty()) vols.push_back(names_[0]);
      SnapshotSetOptions o;
      o.persistent = rng() % 3 != 0;
      ASSERT_OK_AND_ASSIGN(SnapshotSetInfo info, engine_->CreateSnapshotSet(vols, o));
      LiveSet set{info.id, o.persistent, round + 1, {}};
      for (const std::string& v : vols) set.contents[v] = model_[v];
      sets_.push_back(std::move(set));
    } else if (action < 6 && !sets_.empty()) {
      size_t i = rng() % 2 == 0 ? 0 : rng() % sets_.size();  // oldest or any
      ASSERT_OK(engine_->DeleteSnapshotSet(sets_[i].id));
      sets_.erase(sets_.begin() + static_cast<long>(i));
      if (rng() % 2 == 0) {
        ASSERT_OK(engine_->RunBackgroundWork());
      }
    } else if (action == 6) {
      Open();
      // Auto-release sets end with the engine.
      std::erase_if(sets_, [](const LiveSet& s) { return !s.persistent; });
    } else if (action < 9 && sets_.size() >= 2) {
      size_t a = rng() % sets_.size(), b = rng() % sets_.size();
      if (a > b) std::swap(a, b);
      if (a != b) CheckChangedBlocks(sets_[a], sets_[b]);
    }
    VerifyAll(absl::StrFormat("after round %d (action %d)", round, action));
    if (HasFatalFailure()) return;
  }
  ASSERT_OK(engine_->RunBackgroundWork());
  ASSERT_OK_AND_ASSIGN(CheckReport report, engine_->Check());
  EXPECT_TRUE(report.ok()) << ::testing::PrintToString(report.problems);
  Open();
  std::erase_if(sets_, [](const LiveSet& s) { return !s.persistent; });
  VerifyAll("after the final reopen");
}

INSTANTIATE_TEST_SUITE_P(
    Engines, ModelTest,
    ::testing::Values(Params{BackgroundMode::kThreads, 4096, "Threads4K"},
                      Params{BackgroundMode::kThreads, 16384, "Threads16K"},
                      Params{BackgroundMode::kInline, 4096, "Inline4K"}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace shadowset
