// Encodings of the catalog's keys and values (docs/formats.md).
// Each value starts with a one-byte format version; decoders refuse newer
// ones.

#ifndef SHADOWSET_ENGINE_INTERNAL_CATALOG_RECORDS_H_
#define SHADOWSET_ENGINE_INTERNAL_CATALOG_RECORDS_H_

#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/statusor.h"
#include "engine/types.h"

namespace shadowset::internal {

// meta keys
inline constexpr absl::string_view kMetaFormat = "format";  // u32 major, u32 minor
inline constexpr absl::string_view kMetaBlockSize = "block_size";
inline constexpr absl::string_view kMetaDiffAreaMax = "diff_area_max";
inline constexpr absl::string_view kMetaSegmentSize = "segment_size";
inline constexpr absl::string_view kMetaNextVolumeId = "next_volume_id";
inline constexpr absl::string_view kMetaNextCommitSeq = "next_commit_seq";
inline constexpr absl::string_view kMetaNextEventSeq = "next_event_seq";
inline constexpr absl::string_view kMetaClockHighWater = "clock_high_water";
inline constexpr absl::string_view kMetaOpen = "open";  // 1 while open
inline constexpr uint32_t kCatalogFormatMajor = 1;
inline constexpr uint32_t kCatalogFormatMinor = 0;

std::string EncodeU64(uint64_t v);
absl::StatusOr<uint64_t> DecodeU64(absl::string_view v, absl::string_view what);

// --- exception index ---
// A diff-area position: segment sequence number and byte offset within it.
struct DiffPos {
  uint64_t seq = 0;
  uint64_t offset = 0;
  friend auto operator<=>(const DiffPos&, const DiffPos&) = default;
};

struct IndexValue {
  uint64_t seq = 0;          // segment
  uint32_t header_offset = 0;
  uint32_t entry = 0;        // index into the record's entries
  uint32_t data_offset = 0;  // meaningless when length == 0
  uint32_t length = 0;       // 0: zero block
  uint64_t data_hash = 0;
};

std::string IndexKey(uint32_t volume, uint64_t block, uint64_t epoch);
void DecodeIndexKey(absl::string_view key, uint32_t* volume, uint64_t* block,
                    uint64_t* epoch);
std::string ChangesKey(uint32_t volume, uint64_t epoch, uint64_t block);
void DecodeChangesKey(absl::string_view key, uint32_t* volume, uint64_t* epoch,
                      uint64_t* block);
std::string EncodeIndexValue(const IndexValue& v);
absl::StatusOr<IndexValue> DecodeIndexValue(absl::string_view v);
inline constexpr size_t kIndexKeySize = 20;

// --- volumes ---
struct VolumeRecord {
  uint32_t id = 0;
  std::string name;
  uint64_t block_count = 0;
  uint64_t epoch = 1;  // the persisted current write epoch C (a lower bound)
  DiffPos checkpoint;  // every record below is in the index
  std::string device_path;  // empty: <data>/volumes/<id>.vol
  uint64_t created_us = 0;
  // A restore's staging volume for `name`, not yet switched in; dropped at
  // open if the restore did not finish.
  bool staging = false;
};
std::string VolumeKey(uint32_t id);
std::string EncodeVolumeRecord(const VolumeRecord& r);
absl::StatusOr<VolumeRecord> DecodeVolumeRecord(absl::string_view v);

// --- snapshot sets (persistent) ---
struct SetRecord {
  SetId id;
  uint64_t commit_seq = 0;
  uint64_t created_us = 0;
  bool corrupt = false;
  std::vector<std::pair<uint32_t, uint64_t>> snapshots;  // (volume, epoch)
};
std::string EncodeSetRecord(const SetRecord& r);
absl::StatusOr<SetRecord> DecodeSetRecord(absl::string_view key,
                                          absl::string_view v);

// --- segments ---
struct SegRecord {
  uint32_t volume = 0;
  uint64_t live = 0;  // index entries pointing into the segment
};
std::string SegKey(uint64_t seq);
std::string EncodeSegRecord(const SegRecord& r);
absl::StatusOr<SegRecord> DecodeSegRecord(absl::string_view v);

// --- gc work: epochs (lo, hi] of a volume to examine ---
std::string GcKey(uint32_t volume, uint64_t lo, uint64_t hi);
void DecodeGcKey(absl::string_view key, uint32_t* volume, uint64_t* lo,
                 uint64_t* hi);

// --- backups ---
std::string EncodeBackupRecord(const BackupRecord& r);
absl::StatusOr<BackupRecord> DecodeBackupRecord(absl::string_view v);

// --- events ---
std::string EncodeEvent(const Event& e);
absl::StatusOr<Event> DecodeEvent(absl::string_view key, absl::string_view v);

}  // namespace shadowset::internal

#endif  // SHADOWSET_ENGINE_INTERNAL_CATALOG_RECORDS_H_
