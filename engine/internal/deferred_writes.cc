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
  Entry& e = it->second;
  // Copy on write: the shared extent may be being written by the group
  // commit right now.
  auto own = std::make_shared<AlignedBuffer>(block_size_);
  std::memcpy(own->data(), e.extent->data() + e.index * block_size_,
              block_size_);
  std::memcpy(own->data() + offset, bytes.data(), bytes.size());
  e.extent = std::move(own);
  e.index = 0;
  e.version = next_version_++;
  return true;
}

bool DeferredWrites::Read(uint64_t block, absl::Span<uint8_t> out) {
  if (empty()) return false;
  absl::MutexLock l(&mu_);
  auto it = entries_.find(block);
  if (it == entries_.end()) return false;
  std::memcpy(out.data(),
              it->second.extent->data() + it->second.index * block_size_,
              block_size_);
  return true;
}

void DeferredWrites::Insert(const std::vector<uint64_t>& blocks,
                            uint64_t epoch, DiffPos record_end,
                            std::shared_ptr<const AlignedBuffer> extent) {
  absl::MutexLock l(&mu_);
  size_t added = 0;
  for (size_t i = 0; i < blocks.size(); ++i) {
    Entry entry{epoch, record_end, next_version_++, extent, i};
    auto [it, inserted] = entries_.try_emplace(blocks[i], entry);
    if (inserted) {
      ++added;
    } else {
      // Cannot happen (a pending block is classified "buffered", not
      // preserved); keep the newest contents regardless.
      entry.record_end = std::max(it->second.record_end, record_end);
      it->second = entry;
    }
  }
  count_.fetch_add(added, std::memory_order_release);
}

std::vector<DeferredWrites::Ready> DeferredWrites::TakeReady(DiffPos synced) {
  std::vector<Ready> out;
  if (empty()) return out;
  absl::MutexLock l(&mu_);
  for (const auto& [block, entry] : entries_) {
    if (entry.record_end <= synced) {
      out.push_back(Ready{block, entry.epoch, entry.version, entry.extent,
                          entry.index, block_size_});
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
