// Tracks, per 512-byte sector, the contents a file or device has had since
// its last sync, so a simulated power loss can keep a random subset of the
// unsynced writes, torn at sector granularity (DESIGN §2.9).
//
// Thread-compatible: callers serialise access.

#ifndef SHADOWSET_ENGINE_INTERNAL_UNSYNCED_TRACKER_H_
#define SHADOWSET_ENGINE_INTERNAL_UNSYNCED_TRACKER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace shadowset::internal {

inline constexpr uint64_t kSectorSize = 512;

class UnsyncedTracker {
 public:
  // Reads sector `s` as it is now; nullopt if it lies past the end.
  using SectorReader = std::function<std::optional<std::string>(uint64_t s)>;

  explicit UnsyncedTracker(uint64_t durable_size = 0)
      : durable_size_(durable_size) {}

  // Call before a write of [offset, offset+length): remembers the durable
  // contents of every sector it touches that has no history yet.
  void BeforeWrite(uint64_t offset, uint64_t length, const SectorReader& read);
  // Call after the write: records the new contents of those sectors.
  void AfterWrite(uint64_t offset, uint64_t length, const SectorReader& read);
  // Everything written so far is durable.
  void Synced(uint64_t size);
  bool empty() const { return versions_.empty(); }

  // Chooses, for every sector with history, one of its versions at random
  // (the durable one or any later write). The caller truncates the file to
  // `size` and then writes every sector of `sectors` below `size` (a nullopt
  // version is written as zeros: the sector never reached the disk).
  struct Outcome {
    uint64_t size;
    std::vector<std::pair<uint64_t, std::optional<std::string>>> sectors;
  };
  Outcome PowerLoss(std::mt19937_64& rng);

 private:
  uint64_t durable_size_;
  // sector -> [durable version (nullopt past the end), later versions...]
  std::map<uint64_t, std::vector<std::optional<std::string>>> versions_;
};

}  // namespace shadowset::internal

#endif  // SHADOWSET_ENGINE_INTERNAL_UNSYNCED_TRACKER_H_
