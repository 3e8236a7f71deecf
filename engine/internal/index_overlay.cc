#include "engine/internal/index_overlay.h"

#include <limits>

namespace shadowset::internal {
namespace {

constexpr uint64_t kMax64 = std::numeric_limits<uint64_t>::max();

}  // namespace

bool IndexOverlay::TryAcquire(size_t n) {
  absl::MutexLock l(&mu_);
  if (used_ != 0 && used_ + n > capacity_) return false;
  used_ += n;
  return true;
}

bool IndexOverlay::AcquireWithDeadline(size_t n, absl::Time deadline) {
  struct Args {
    IndexOverlay* self;
    size_t n;
  } args{this, n};
  absl::MutexLock l(&mu_);
  // An oversized request proceeds once the overlay is empty.
  bool ok = mu_.AwaitWithDeadline(
      absl::Condition(
          +[](Args* a) ABSL_NO_THREAD_SAFETY_ANALYSIS {
            return a->self->used_ == 0 ||
                   a->self->used_ + a->n <= a->self->capacity_;
          },
          &args),
      deadline);
  if (ok) used_ += n;
  return ok;
}

void IndexOverlay::Release(size_t n) {
  absl::MutexLock l(&mu_);
  used_ -= n;
}

void IndexOverlay::Insert(const OverlayEntry& entry) {
  absl::MutexLock l(&mu_);
  Key key{entry.volume, entry.block, entry.epoch};
  auto it = by_key_.find(key);
  if (it != by_key_.end()) {
    if (it->second.record <= entry.record) {
      --used_;
      return;
    }
    by_pos_.erase(PosKey{entry.volume, it->second.record.seq,
                         it->second.record.offset, it->second.value.entry});
    it->second = entry;
    --used_;  // replaced: the old entry's room is reused
  } else {
    by_key_.emplace(key, entry);
  }
  by_pos_.emplace(PosKey{entry.volume, entry.record.seq, entry.record.offset,
                         entry.value.entry},
                  key);
}

std::optional<OverlayEntry> IndexOverlay::FirstAbove(uint32_t volume,
                                                     uint64_t block,
                                                     uint64_t epoch) {
  absl::MutexLock l(&mu_);
  if (epoch == kMax64) return std::nullopt;
  auto it = by_key_.lower_bound(Key{volume, block, epoch + 1});
  if (it == by_key_.end() || std::get<0>(it->first) != volume ||
      std::get<1>(it->first) != block) {
    return std::nullopt;
  }
  return it->second;
}

uint64_t IndexOverlay::LargestEpoch(uint32_t volume, uint64_t block) {
  absl::MutexLock l(&mu_);
  auto it = by_key_.upper_bound(Key{volume, block, kMax64});
  if (it == by_key_.begin()) return 0;
  --it;
  if (std::get<0>(it->first) != volume || std::get<1>(it->first) != block) {
    return 0;
  }
  return std::get<2>(it->first);
}

std::vector<OverlayEntry> IndexOverlay::Range(uint32_t volume, uint64_t first,
                                              uint64_t last) {
  absl::MutexLock l(&mu_);
  std::vector<OverlayEntry> out;
  for (auto it = by_key_.lower_bound(Key{volume, first, 0});
       it != by_key_.end() && std::get<0>(it->first) == volume &&
       std::get<1>(it->first) <= last;
       ++it) {
    out.push_back(it->second);
  }
  return out;
}

void IndexOverlay::ChangedBlocks(uint32_t volume, uint64_t lo, uint64_t hi,
                                 std::set<uint64_t>* out) {
  absl::MutexLock l(&mu_);
  for (auto it = by_key_.lower_bound(Key{volume, 0, 0});
       it != by_key_.end() && std::get<0>(it->first) == volume; ++it) {
    uint64_t epoch = std::get<2>(it->first);
    if (epoch > lo && epoch <= hi) out->insert(std::get<1>(it->first));
  }
}

std::vector<OverlayEntry> IndexOverlay::Batch(uint32_t volume, DiffPos limit,
                                              size_t max, bool* complete) {
  absl::MutexLock l(&mu_);
  std::vector<OverlayEntry> out;
  *complete = true;
  for (auto it = by_pos_.lower_bound(PosKey{volume, 0, 0, 0});
       it != by_pos_.end() && std::get<0>(it->first) == volume; ++it) {
    DiffPos pos{std::get<1>(it->first), std::get<2>(it->first)};
    if (!(pos < limit)) break;
    if (out.size() >= max && !(out.back().record == pos)) {
      *complete = false;
      break;
    }
    out.push_back(by_key_.at(it->second));
  }
  return out;
}

void IndexOverlay::Remove(const std::vector<OverlayEntry>& entries) {
  absl::MutexLock l(&mu_);
  for (const OverlayEntry& e : entries) {
    auto pos = by_pos_.find(
        PosKey{e.volume, e.record.seq, e.record.offset, e.value.entry});
    if (pos == by_pos_.end()) continue;
    by_key_.erase(pos->second);
    by_pos_.erase(pos);
    --used_;
  }
}

std::vector<uint32_t> IndexOverlay::Volumes() {
  absl::MutexLock l(&mu_);
  std::vector<uint32_t> out;
  for (const auto& [key, entry] : by_key_) {
    if (out.empty() || out.back() != std::get<0>(key)) {
      out.push_back(std::get<0>(key));
    }
  }
  return out;
}

size_t IndexOverlay::size() {
  absl::MutexLock l(&mu_);
  return by_key_.size();
}

}  // namespace shadowset::internal
