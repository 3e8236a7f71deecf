#include "engine/internal/unsynced_tracker.h"

#include <algorithm>
#include <utility>

namespace shadowset::internal {

void UnsyncedTracker::BeforeWrite(uint64_t offset, uint64_t length,
                                  const SectorReader& read) {
  if (length == 0) return;
  uint64_t first = offset / kSectorSize;
  uint64_t last = (offset + length - 1) / kSectorSize;
  for (uint64_t s = first; s <= last; ++s) {
    auto [it, inserted] = versions_.try_emplace(s);
    if (!inserted) continue;
    if (s * kSectorSize >= durable_size_) {
      it->second.push_back(std::nullopt);
    } else {
      it->second.push_back(read(s));
    }
  }
}

void UnsyncedTracker::AfterWrite(uint64_t offset, uint64_t length,
                                 const SectorReader& read) {
  if (length == 0) return;
  uint64_t first = offset / kSectorSize;
  uint64_t last = (offset + length - 1) / kSectorSize;
  for (uint64_t s = first; s <= last; ++s) {
    versions_[s].push_back(read(s));
  }
}

void UnsyncedTracker::Synced(uint64_t size) {
  versions_.clear();
  durable_size_ = size;
}

UnsyncedTracker::Outcome UnsyncedTracker::PowerLoss(std::mt19937_64& rng) {
  Outcome out{durable_size_, {}};
  for (auto& [sector, versions] : versions_) {
    std::uniform_int_distribution<size_t> pick(0, versions.size() - 1);
    std::optional<std::string> chosen = versions[pick(rng)];
    if (chosen) {
      out.size = std::max(out.size, sector * kSectorSize + chosen->size());
    }
    out.sectors.emplace_back(sector, std::move(chosen));
  }
  versions_.clear();
  durable_size_ = out.size;
  return out;
}

}  // namespace shadowset::internal
