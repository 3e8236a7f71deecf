// Value types of the engine's public API: ids, descriptions of volumes,
// snapshot sets and events, and the scrub report.

#ifndef SHADOWSET_ENGINE_TYPES_H_
#define SHADOWSET_ENGINE_TYPES_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/time/time.h"

namespace shadowset {

// A snapshot set id: 16 random bytes, printed as a GUID
// ("1b4e28ba-2fa1-11d2-883f-0016d3cca427"), as VSS names its sets.
class SetId {
 public:
  SetId() = default;
  static SetId Random();
  // Accepts the GUID form (case-insensitive); nullopt otherwise.
  static std::optional<SetId> Parse(absl::string_view text);
  static SetId FromBytes(absl::string_view sixteen_bytes);

  std::string ToString() const;
  absl::string_view bytes() const {
    return {reinterpret_cast<const char*>(bytes_.data()), bytes_.size()};
  }
  bool is_nil() const { return bytes_ == std::array<uint8_t, 16>{}; }

  friend bool operator==(const SetId& a, const SetId& b) = default;
  friend auto operator<=>(const SetId& a, const SetId& b) = default;
  template <typename H>
  friend H AbslHashValue(H h, const SetId& id) {
    return H::combine(std::move(h), id.bytes());
  }

 private:
  std::array<uint8_t, 16> bytes_{};
};

struct VolumeInfo {
  uint32_t id = 0;
  std::string name;
  uint64_t size = 0;  // bytes
  uint32_t block_size = 0;
  uint64_t block_count = 0;
  std::string path;  // backing file or raw device
  uint32_t live_snapshots = 0;
  absl::Time created;
};

struct SnapshotInfo {
  std::string volume;
  uint32_t volume_id = 0;
  uint64_t epoch = 0;
};

struct SnapshotSetInfo {
  SetId id;
  bool persistent = true;
  uint64_t commit_seq = 0;  // commit order; oldest first
  absl::Time created;       // the commit instant
  std::vector<SnapshotInfo> snapshots;
  bool corrupt = false;  // a record it needs failed its checksum
};

// Persisted enum: never renumber.
enum class EventKind : uint16_t {
  kSetCreated = 1,
  kSetDeleted = 2,
  kCapDeletion = 3,   // a set deleted to make room in the diff area
  kCorruption = 4,    // a record failed its checksum / index disagrees
  kRecovery = 5,      // records replayed or GC resumed at open
  kVolumeCreated = 6,
  kRestore = 7,       // volumes switched in by a restore
  kBackup = 8,        // a backup published (recorded by the requestor)
  kPromotedToFull = 9,
};
absl::string_view EventKindName(EventKind kind);

struct Event {
  uint64_t seq = 0;
  absl::Time time;
  EventKind kind = EventKind::kSetCreated;
  SetId set;                // nil when not about a set
  std::string volume;       // empty when not about a volume
  std::string message;
};

struct CheckReport {
  uint64_t records_checked = 0;   // index entries whose record was verified
  uint64_t bytes_checked = 0;
  uint64_t segments = 0;
  std::vector<std::string> problems;  // empty: the engine is consistent
  bool ok() const { return problems.empty(); }
};

// A published backup set as the catalog remembers it (recorded by the
// requestor after publication; the engine keeps it opaque beyond these
// fields). `type` holds the requestor's BackupType value.
struct BackupRecord {
  std::string id;
  SetId set;                 // the snapshot set it was taken from
  uint32_t type = 0;
  std::string base_id;       // the backup it is a delta of; empty for a full
  std::string path;          // where it was published
  absl::Time created;        // the set's commit instant
  absl::Time expires = absl::InfiniteFuture();
  std::vector<std::string> volumes;
  std::string details;       // opaque to the engine (JSON)
};

struct DiffAreaUsage {
  uint64_t cap = 0;            // bytes
  uint64_t allocated = 0;      // bytes allocated to segment files
  uint64_t segment_size = 0;
  uint64_t segments_in_use = 0;
  uint64_t segments_free = 0;
};

}  // namespace shadowset

#endif  // SHADOWSET_ENGINE_TYPES_H_
