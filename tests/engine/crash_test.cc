// Crash injection (DESIGN §2.9): a seeded workload of unaligned writes,
// persistent and auto-release snapshot sets, deletions (oldest and middle),
// flushes, garbage collection and reclamation runs on a FaultInjectionEnv
// in inline mode, so its I/O sequence is deterministic. For each crash
// point the n-th I/O is dropped and every later one fails; then power is
// "lost" (a seeded random subset of unsynced sectors survives, unsynced
// directory entries vanish, the catalog reverts to its last durable commit)
// and the engine is reopened and checked:
//  * every set whose commit returned OK and that was not deleted exists and
//    reads exactly the volumes as they were at its commit;
//  * every set whose deletion returned OK is gone; a set caught mid-commit
//    or mid-deletion may exist, and then is exact too;
//  * every live 512-byte sector holds a value it had since the last flush;
//  * the scrub is clean and the engine takes writes and snapshots again.
//
// SHADOWSET_CRASH_POINTS limits the crash points per seed (default: every
// one); SHADOWSET_CRASH_SEEDS the number of seeds.

#include <xxhash.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "engine/engine.h"
#include "engine/fault_env.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace shadowset {
namespace {

using ::shadowset::testing::TempDir;

constexpr uint32_t kBs = 4096;
constexpr uint64_t kSector = 512;

struct VolumeSpec {
  std::string name;
  uint64_t blocks;
};
const std::vector<VolumeSpec> kVolumes = {{"a", 40}, {"b", 24}};

uint64_t EnvOr(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::strtoull(v, nullptr, 10) : fallback;
}

// What the workload did, as far as it got.
struct Model {
  std::map<std::string, std::string> live;  // current contents
  // Per volume and sector: the hashes the sector may hold after a crash.
  std::map<std::string, std::vector<std::set<uint64_t>>> possible;
  struct SetState {
    std::map<std::string, std::string> contents;
  };
  std::map<SetId, SetState> committed;  // commit returned OK, not deleted
  std::map<SetId, SetState> uncertain;  // commit or deletion interrupted
  std::set<SetId> deleted;              // deletion returned OK
  std::vector<SetId> order;             // live sets, oldest first
  // The crash hit a write, which may have been deleting the oldest sets to
  // make room in the diff area.
  bool cap_deletion_in_flight = false;

  void Reset() {
    for (const VolumeSpec& v : kVolumes) {
      live[v.name] = std::string(v.blocks * kBs, '\0');
      possible[v.name].assign(v.blocks * kBs / kSector, {});
      Flushed(v.name);
    }
  }
  void Flushed(const std::string& vol) {
    const std::string& data = live[vol];
    auto& p = possible[vol];
    for (size_t s = 0; s < p.size(); ++s) {
      p[s] = {XXH3_64bits(data.data() + s * kSector, kSector)};
    }
  }
  void Wrote(const std::string& vol, uint64_t off, const std::string& bytes) {
    std::string& data = live[vol];
    data.replace(off, bytes.size(), bytes);
    auto& p = possible[vol];
    // The engine rewrites whole blocks: every sector of a touched block may
    // take its new value.
    for (uint64_t s = off / kBs * (kBs / kSector);
         s < (off + bytes.size() + kBs - 1) / kBs * (kBs / kSector); ++s) {
      p[s].insert(XXH3_64bits(data.data() + s * kSector, kSector));
    }
  }
};

struct Config {
  uint64_t cap;
  uint64_t seed;
  int steps;
};

// Runs the workload; stops at the first error (the crash) and returns it.
absl::Status RunWorkload(Engine* engine, const Config& config, Model* m) {
  std::mt19937_64 rng(config.seed);
  for (int step = 0; step < config.steps; ++step) {
    int kind = static_cast<int>(rng() % 100);
    const VolumeSpec& vs = kVolumes[rng() % kVolumes.size()];
    if (kind < 55) {
      uint64_t size = vs.blocks * kBs;
      uint64_t off = rng() % size;
      uint64_t n = 1 + rng() % std::min<uint64_t>(3 * kBs, size - off);
      std::string bytes(n, '\0');
      uint8_t fill = static_cast<uint8_t>(rng());
      for (uint64_t i = 0; i < n; ++i) {
        bytes[i] = static_cast<char>(fill + i * 13 + (i >> 9));
      }
      if (rng() % 8 == 0) bytes.assign(n, '\0');  // zero blocks too
      absl::StatusOr<Volume*> v = engine->GetVolume(vs.name);
      if (!v.ok()) return v.status();
      m->Wrote(vs.name, off, bytes);  // may be partly applied at a crash
      absl::Status st = (*v)->Write(
          off, absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(bytes.data()),
                                   bytes.size()));
      if (!st.ok()) {
        m->cap_deletion_in_flight = true;
        return st;
      }
    } else if (kind < 70) {
      bool persistent = rng() % 4 != 0;
      std::vector<std::string> names;
      for (const VolumeSpec& v : kVolumes) {
        if (rng() % 3 != 0 || names.empty()) names.push_back(v.name);
      }
      Model::SetState state;
      for (const std::string& n : names) state.contents[n] = m->live[n];
      SnapshotSetOptions o;
      o.persistent = persistent;
      absl::StatusOr<SnapshotSetInfo> set = engine->CreateSnapshotSet(names, o);
      if (!set.ok()) {
        // Interrupted: a persistent set may or may not have been recorded;
        // its id is unknown, so any unknown set found later must match one
        // of these contents.
        if (persistent) m->uncertain[SetId()] = state;
        return set.status();
      }
      if (persistent) {
        m->committed[set->id] = state;
        m->order.push_back(set->id);
        // A persistent commit flushes every volume of the set.
        for (const std::string& n : names) m->Flushed(n);
      }
    } else if (kind < 80) {
      if (m->order.empty()) continue;
      size_t i = rng() % 2 == 0 ? 0 : rng() % m->order.size();
      SetId id = m->order[i];
      Model::SetState state = m->committed[id];
      m->committed.erase(id);
      m->order.erase(m->order.begin() + static_cast<long>(i));
      m->uncertain[id] = state;
      absl::Status st = engine->DeleteSnapshotSet(id);
      if (!st.ok()) return st;
      m->uncertain.erase(id);
      m->deleted.insert(id);
    } else if (kind < 90) {
      absl::Status st = engine->Flush();
      if (!st.ok()) return st;
      for (const VolumeSpec& v : kVolumes) m->Flushed(v.name);
    } else {
      absl::Status st = engine->RunBackgroundWork();
      if (!st.ok()) return st;
    }
    // Cap deletions remove the oldest persistent sets: learn which.
    std::set<SetId> alive;
    for (const SnapshotSetInfo& s : engine->ListSnapshotSets()) alive.insert(s.id);
    for (auto it = m->order.begin(); it != m->order.end();) {
      if (!alive.contains(*it)) {
        m->committed.erase(*it);
        m->deleted.insert(*it);
        it = m->order.erase(it);
      } else {
        ++it;
      }
    }
  }
  return engine->Flush();
}

class CrashTest : public ::testing::Test {
 protected:
  // A data directory with the volumes created, reused as a template.
  void MakeTemplate(uint64_t cap) {
    template_ = tmp_.Sub("template");
    InitOptions init;
    init.block_size = kBs;
    init.diff_area_max = cap;
    ASSERT_OK(Engine::Init(template_, init));
    ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(template_));
    for (const VolumeSpec& v : kVolumes) {
      ASSERT_OK(engine->CreateVolume(v.name, v.blocks * kBs).status());
    }
  }

  std::string FreshCopy(const std::string& name) {
    std::string dir = tmp_.Sub(name);
    std::filesystem::remove_all(dir);
    std::filesystem::copy(template_, dir,
                          std::filesystem::copy_options::recursive);
    std::filesystem::remove(dir + "/LOCK");
    return dir;
  }

  // Runs the workload with a crash at `crash_at` (0: none); returns the
  // number of I/O operations it performed.
  uint64_t RunOnce(const Config& config, uint64_t crash_at, Model* model,
                   const std::string& dir) {
    FaultInjectionEnv env;
    EngineOptions o;
    o.env = &env;
    o.background = BackgroundMode::kInline;
    model->Reset();
    {
      absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Open(dir, o);
      EXPECT_OK(engine.status());
      if (!engine.ok()) return 0;
      env.CrashAtOp(crash_at);
      absl::Status st = RunWorkload(engine->get(), config, model);
      if (crash_at == 0) {
        EXPECT_OK(st);
      }
    }
    uint64_t ops = env.ops();
    if (crash_at != 0) {
      EXPECT_OK(env.PowerLoss(config.seed * 7919 + crash_at));
    }
    return ops;
  }

  void Verify(const std::string& dir, const Model& m, const std::string& what) {
    SCOPED_TRACE(what);
    absl::StatusOr<std::unique_ptr<Engine>> reopened = Engine::Open(dir);
    ASSERT_OK(reopened.status());
    Engine* engine = reopened->get();
    std::vector<SnapshotSetInfo> sets = engine->ListSnapshotSets();
    std::set<SetId> found;
    for (const SnapshotSetInfo& s : sets) {
      found.insert(s.id);
      ASSERT_FALSE(m.deleted.contains(s.id)) << "a deleted set came back";
      const Model::SetState* expect = nullptr;
      if (auto it = m.committed.find(s.id); it != m.committed.end()) {
        expect = &it->second;
      } else if (auto u = m.uncertain.find(s.id); u != m.uncertain.end()) {
        expect = &u->second;
      } else if (auto n = m.uncertain.find(SetId()); n != m.uncertain.end()) {
        expect = &n->second;  // the set whose commit was interrupted
      }
      ASSERT_NE(expect, nullptr) << "unexpected set " << s.id.ToString();
      ASSERT_EQ(s.snapshots.size(), expect->contents.size());
      for (const SnapshotInfo& snap : s.snapshots) {
        auto want = expect->contents.find(snap.volume);
        ASSERT_NE(want, expect->contents.end());
        ASSERT_OK_AND_ASSIGN(auto reader, engine->OpenSnapshot(s.id, snap.volume));
        std::string got(reader->size(), '\0');
        ASSERT_OK(reader->Read(0, absl::MakeSpan(
                                      reinterpret_cast<uint8_t*>(got.data()),
                                      got.size())));
        ASSERT_TRUE(got == want->second)
            << "set " << s.id.ToString() << " volume " << snap.volume
            << " differs from its commit instant";
      }
    }
    // Committed sets survive, except that a write caught by the crash may
    // have been deleting the oldest ones to make room (oldest first).
    bool prefix = m.cap_deletion_in_flight;
    for (const SetId& id : m.order) {
      if (found.contains(id)) {
        prefix = false;
        continue;
      }
      ASSERT_TRUE(prefix) << "committed set " << id.ToString()
                          << " was lost (not an oldest-first cap deletion)";
    }
    for (const VolumeSpec& vs : kVolumes) {
      ASSERT_OK_AND_ASSIGN(Volume * v, engine->GetVolume(vs.name));
      std::string got(v->size(), '\0');
      ASSERT_OK(v->Read(0, absl::MakeSpan(reinterpret_cast<uint8_t*>(got.data()),
                                          got.size())));
      const auto& possible = m.possible.at(vs.name);
      for (size_t s = 0; s < possible.size(); ++s) {
        ASSERT_TRUE(possible[s].contains(
            XXH3_64bits(got.data() + s * kSector, kSector)))
            << vs.name << " sector " << s << " holds a value it never had";
      }
    }
    ASSERT_OK_AND_ASSIGN(CheckReport report, engine->Check());
    ASSERT_TRUE(report.ok()) << ::testing::PrintToString(report.problems);
    // Still usable. (Existing sets go first: under a tight cap they may hold
    // all the space, and the new set is what the write must preserve for.)
    for (const SnapshotSetInfo& s : sets) {
      ASSERT_OK(engine->DeleteSnapshotSet(s.id));
    }
    ASSERT_OK(engine->RunBackgroundWork());
    if (std::getenv("CRASH_DEBUG")) {
      DiffAreaUsage u = engine->GetDiffAreaUsage();
      std::printf("usage: cap %lu alloc %lu seg %lu inuse %lu free %lu\n",
                  (unsigned long)u.cap, (unsigned long)u.allocated,
                  (unsigned long)u.segment_size, (unsigned long)u.segments_in_use,
                  (unsigned long)u.segments_free);
    }
    ASSERT_OK_AND_ASSIGN(Volume * a, engine->GetVolume("a"));
    std::string before(a->size(), '\0');
    ASSERT_OK(a->Read(0, absl::MakeSpan(reinterpret_cast<uint8_t*>(before.data()),
                                        before.size())));
    ASSERT_OK_AND_ASSIGN(SnapshotSetInfo s, engine->CreateSnapshotSet({"a"}));
    std::vector<uint8_t> junk(3 * kBs + 7, 0xAB);
    ASSERT_OK(a->Write(kBs - 3, junk));
    ASSERT_OK_AND_ASSIGN(auto reader, engine->OpenSnapshot(s.id, "a"));
    std::string got(before.size(), '\0');
    ASSERT_OK(reader->Read(0, absl::MakeSpan(reinterpret_cast<uint8_t*>(got.data()),
                                             got.size())));
    ASSERT_TRUE(got == before);
    ASSERT_OK(engine->RunBackgroundWork());
    ASSERT_OK_AND_ASSIGN(report, engine->Check());
    ASSERT_TRUE(report.ok()) << ::testing::PrintToString(report.problems);
  }

  void Sweep(uint64_t cap, int steps) {
    MakeTemplate(cap);
    const uint64_t seeds = EnvOr("SHADOWSET_CRASH_SEEDS", 3);
    const uint64_t max_points = EnvOr("SHADOWSET_CRASH_POINTS", 0);
    uint64_t total = 0;
    for (uint64_t seed = 1; seed <= seeds; ++seed) {
      Config config{cap, seed * 1000003 + cap, steps};
      Model clean;
      std::string dir = FreshCopy("clean");
      uint64_t ops = RunOnce(config, 0, &clean, dir);
      ASSERT_GT(ops, 0u);
      Verify(dir, clean, absl::StrFormat("seed %u, no crash", config.seed));
      if (HasFatalFailure()) return;
      std::vector<uint64_t> points;
      for (uint64_t p = 1; p <= ops; ++p) points.push_back(p);
      if (uint64_t only = EnvOr("SHADOWSET_CRASH_POINT", 0); only != 0) {
        points = {only};
      } else if (max_points != 0 && points.size() > max_points) {
        std::mt19937_64 pick(config.seed);
        std::shuffle(points.begin(), points.end(), pick);
        points.resize(max_points);
      }
      for (uint64_t point : points) {
        Model m;
        std::string run = FreshCopy("run");
        RunOnce(config, point, &m, run);
        Verify(run, m,
               absl::StrFormat("seed %u, crash at I/O %u of %u (cap %u)",
                               config.seed, point, ops, cap));
        if (HasFatalFailure()) return;
        ++total;
      }
    }
    RecordProperty("crash_points", static_cast<int>(total));
    std::printf("[ crash    ] %u crash points verified (cap %u)\n",
                static_cast<unsigned>(total), static_cast<unsigned>(cap));
  }

  // The crash model is simulated, so real fsyncs only cost time: prefer
  // memory.
  TempDir tmp_{/*prefer_memory=*/true};
  std::string template_;
};

// Plenty of diff area: preserves, commits, deletions, GC, reclamation.
TEST_F(CrashTest, EveryIoOfPreservesCommitsAndDeletions) { Sweep(8 << 20, 150); }

// A tight cap: preserves trigger cap deletions and segment recycling.
TEST_F(CrashTest, EveryIoUnderCapPressure) { Sweep(256 << 10, 150); }

}  // namespace
}  // namespace shadowset
