#include "engine/internal/deferred_writes.h"

#include <algorithm>
#include <cstring>

namespace shadowset::internal {

void DeferredWrites::Pending(uint64_t first, std::vector<bool>* out) {
  if (empty()) {
    std::fill(out->begin(), out->end(), false);
    return;
  }
  absl::MutexLock l(&mu_);
  for (size_t i = 0; i < out->size(); ++i) {
    (*out)[i] = entries_.contains(first + i);
  }
}

bool DeferredWrites::Update(uint64_t block, uint32_t offset,
                            absl::Span<const uint8_t> bytes) {
  absl::MutexLock l(&mu_);
  auto it = entries_.find(block);
  if (it == entries_.end()) return false;
  std::memcpy(it->second.data.data() + offset, bytes.data(), bytes.size());
  it->second.version = next_version_++;
  return true;
}

bool DeferredWrites::Read(uint64_t block, absl::Span<uint8_t> out) {
  if (empty()) return false;
  absl::MutexLock l(&mu_);
  auto it = entries_.find(block);
  if (it == entries_.end()) return false;
  std::memcpy(out.data(), it->second.data.data(), block_size_);
  return true;
}

void DeferredWrites::Insert(uint64_t block, uint64_t epoch, DiffPos record_end,
                            absl::Span<const uint8_t> contents) {
  AlignedBuffer data(block_size_);
  std::memcpy(data.data(), contents.data(), block_size_);
  absl::MutexLock l(&mu_);
  auto [it, inserted] = entries_.try_emplace(
      block, Entry{epoch, record_end, next_version_++, std::move(data)});
  if (!inserted) {
    // Cannot happen: a pending block is classified "buffered", not
    // preserved. Keep the newest contents regardless.
    std::memcpy(it->second.data.data(), contents.data(), block_size_);
    it->second.version = next_version_++;
    it->second.record_end = std::max(it->second.record_end, record_end);
    return;
  }
  count_.fetch_add(1, std::memory_order_release);
}

std::vector<DeferredWrites::Ready> DeferredWrites::TakeReady(DiffPos synced) {
  std::vector<Ready> out;
  if (empty()) return out;
  absl::MutexLock l(&mu_);
  for (const auto& [block, entry] : entries_) {
    if (entry.record_end <= synced) {
      AlignedBuffer copy(block_size_);
      std::memcpy(copy.data(), entry.data.data(), block_size_);
      out.push_back(Ready{block, entry.epoch, entry.version, std::move(copy)});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const Ready& a, const Ready& b) { return a.block < b.block; });
  return out;
}

size_t DeferredWrites::Retire(
    const std::vector<Ready>& ready,
    const std::function<void(uint64_t, uint64_t)>& retired) {
  absl::MutexLock l(&mu_);
  size_t removed = 0;
  for (const Ready& r : ready) {
    auto it = entries_.find(r.block);
    if (it == entries_.end() || it->second.version != r.version) continue;
    retired(r.block, r.epoch);
    entries_.erase(it);
    ++removed;
  }
  count_.fetch_sub(removed, std::memory_order_release);
  return removed;
}

}  // namespace shadowset::internal
