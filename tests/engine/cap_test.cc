// The diff-area cap (DESIGN §2.3): filling it deletes whole snapshot sets,
// oldest commit first, each an event; a live write never fails because of
// snapshots; the surviving sets stay exact; the allocated bytes never pass
// the cap; space freed by deleting a middle set comes back.

#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "engine/codes.h"
#include "engine/engine.h"
#include "engine/env.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace shadowset {
namespace {

using ::shadowset::testing::TempDir;

constexpr uint32_t kBs = 4096;

std::string Fill(uint32_t tag, uint64_t n) {
  std::string out(n, '\0');
  for (uint64_t i = 0; i < n; ++i) out[i] = static_cast<char>(tag * 131 + i / 512 + 1);
  return out;
}

class CapTest : public ::testing::TestWithParam<BackgroundMode> {
 protected:
  void Open(uint64_t cap, uint64_t volume_bytes) {
    dir_ = tmp_.Sub("data");
    InitOptions init;
    init.block_size = kBs;
    init.diff_area_max = cap;
    ASSERT_OK(Engine::Init(dir_, init));
    EngineOptions o;
    o.background = GetParam();
    ASSERT_OK_AND_ASSIGN(engine_, Engine::Open(dir_, o));
    ASSERT_OK(engine_->CreateVolume("v", volume_bytes).status());
    ASSERT_OK_AND_ASSIGN(volume_, engine_->GetVolume("v"));
  }

  void Overwrite(uint32_t tag) {
    std::string data = Fill(tag, volume_->size());
    ASSERT_OK(volume_->Write(0, absl::MakeConstSpan(
                                    reinterpret_cast<const uint8_t*>(data.data()),
                                    data.size())));
  }

  std::string ReadSet(const SetId& id) {
    absl::StatusOr<std::unique_ptr<Snapshot>> snap = engine_->OpenSnapshot(id, "v");
    EXPECT_OK(snap.status());
    if (!snap.ok()) return {};
    std::string out((*snap)->size(), '\0');
    EXPECT_OK((*snap)->Read(0, absl::MakeSpan(reinterpret_cast<uint8_t*>(out.data()),
                                              out.size())));
    return out;
  }

  uint64_t SegmentFilesBytes() {
    uint64_t total = 0;
    Env* env = Env::Default();
    std::vector<std::string> names = env->ListDir(dir_ + "/diff").value();
    for (const std::string& name : names) {
      auto f = env->OpenFile(dir_ + "/diff/" + name, {.read_only = true});
      total += (*f)->AllocatedBytes().value();
    }
    return total;
  }

  TempDir tmp_;
  std::string dir_;
  std::unique_ptr<Engine> engine_;
  Volume* volume_ = nullptr;
};

TEST_P(CapTest, FillingTheCapDeletesWholeSetsOldestFirst) {
  const uint64_t cap = 2 << 20;
  Open(cap, 512 * 1024);  // each full overwrite preserves ~0.5 MiB
  std::vector<std::pair<SetId, std::string>> sets;
  for (uint32_t i = 0; i < 12; ++i) {
    Overwrite(i);  // never fails, whatever the diff area holds
    ASSERT_LE(engine_->GetDiffAreaUsage().allocated, cap);
    ASSERT_OK_AND_ASSIGN(SnapshotSetInfo s, engine_->CreateSnapshotSet({"v"}));
    sets.emplace_back(s.id, Fill(i, volume_->size()));
  }
  Overwrite(99);
  ASSERT_OK(engine_->RunBackgroundWork());
  ASSERT_LE(engine_->GetDiffAreaUsage().allocated, cap);
  ASSERT_LE(SegmentFilesBytes(), cap);

  // The survivors are exactly the newest sets, and they read exactly.
  std::vector<SnapshotSetInfo> live = engine_->ListSnapshotSets();
  ASSERT_FALSE(live.empty());
  ASSERT_LT(live.size(), sets.size()) << "the cap never forced a deletion";
  size_t first = sets.size() - live.size();
  for (size_t i = 0; i < live.size(); ++i) {
    EXPECT_EQ(live[i].id, sets[first + i].first) << "not oldest-first";
    EXPECT_TRUE(ReadSet(live[i].id) == sets[first + i].second) << i;
  }
  // Every cap deletion is an event, oldest first.
  std::vector<SetId> deleted;
  for (const Event& e : engine_->Events()) {
    if (e.kind == EventKind::kCapDeletion) deleted.push_back(e.set);
  }
  ASSERT_EQ(deleted.size(), first);
  for (size_t i = 0; i < first; ++i) EXPECT_EQ(deleted[i], sets[i].first);
  // The live volume holds the last write.
  std::string now(volume_->size(), '\0');
  ASSERT_OK(volume_->Read(0, absl::MakeSpan(reinterpret_cast<uint8_t*>(now.data()),
                                            now.size())));
  EXPECT_TRUE(now == Fill(99, volume_->size()));
  ASSERT_OK_AND_ASSIGN(CheckReport report, engine_->Check());
  EXPECT_TRUE(report.ok()) << ::testing::PrintToString(report.problems);
}

TEST_P(CapTest, AMiddleDeletionsSpaceComesBack) {
  const uint64_t cap = 64 << 20;
  Open(cap, 1 << 20);
  std::vector<std::pair<SetId, std::string>> sets;
  for (uint32_t i = 0; i < 3; ++i) {
    Overwrite(i);
    ASSERT_OK_AND_ASSIGN(SnapshotSetInfo s, engine_->CreateSnapshotSet({"v"}));
    sets.emplace_back(s.id, Fill(i, volume_->size()));
  }
  Overwrite(50);
  ASSERT_OK(engine_->RunBackgroundWork());
  const uint64_t before = SegmentFilesBytes();
  // The middle set's pre-images (epoch range between its neighbours) are
  // read by no other set: their space must come back.
  ASSERT_OK(engine_->DeleteSnapshotSet(sets[1].first));
  ASSERT_OK(engine_->RunBackgroundWork());
  const uint64_t after = SegmentFilesBytes();
  EXPECT_LE(after + volume_->size(), before)
      << "before " << before << " after " << after;
  EXPECT_EQ(engine_->GetDiffAreaUsage().allocated + volume_->size(),
            before)
      << "the cap accounting must see the freed bytes";
  EXPECT_TRUE(ReadSet(sets[0].first) == sets[0].second);
  EXPECT_TRUE(ReadSet(sets[2].first) == sets[2].second);
  ASSERT_OK_AND_ASSIGN(CheckReport report, engine_->Check());
  EXPECT_TRUE(report.ok()) << ::testing::PrintToString(report.problems);
}

TEST_P(CapTest, WithoutSnapshotsWritesNeverPreserve) {
  Open(MinDiffAreaMax(kBs), 4 << 20);
  for (uint32_t i = 0; i < 3; ++i) Overwrite(i);
  ASSERT_OK(engine_->RunBackgroundWork());
  EXPECT_EQ(engine_->GetDiffAreaUsage().allocated, 0u);
  // A set, then more data than the cap can hold: the set goes, the write
  // succeeds.
  ASSERT_OK_AND_ASSIGN(SnapshotSetInfo s, engine_->CreateSnapshotSet({"v"}));
  Overwrite(7);
  EXPECT_THAT(engine_->OpenSnapshot(s.id, "v").status(),
              ::shadowset::testing::HasCode(kVssObjectNotFound));
  std::string now(volume_->size(), '\0');
  ASSERT_OK(volume_->Read(0, absl::MakeSpan(reinterpret_cast<uint8_t*>(now.data()),
                                            now.size())));
  EXPECT_TRUE(now == Fill(7, volume_->size()));
  ASSERT_LE(engine_->GetDiffAreaUsage().allocated, MinDiffAreaMax(kBs));
}

INSTANTIATE_TEST_SUITE_P(Modes, CapTest,
                         ::testing::Values(BackgroundMode::kThreads,
                                           BackgroundMode::kInline),
                         [](const auto& info) {
                           return info.param == BackgroundMode::kThreads
                                      ? "Threads"
                                      : "Inline";
                         });

}  // namespace
}  // namespace shadowset
