// On-disk formats of the diff area (docs/formats.md has the grammar).
//
// A segment is a file of fixed size made of 4 KiB slots. Slot 0 is the
// segment header; records follow, each starting on a slot boundary:
//
//   record := header-slot data*
//   header-slot (4096 bytes, zero padded):
//     u32 magic "SSDR"  u16 version  u16 reserved
//     u64 segment seq   u32 volume   u32 count
//     u64 epoch         u32 block size  u32 data slots
//     u64 reserved
//     entry[count]: u64 block  u32 length (0: zero block)  u32 reserved
//                   u64 xxh3-64(data)
//     u64 xxh3-64 of everything above, seeded with the segment's salt
//   data: the non-zero blocks' contents in entry order, each `length` bytes.
//
// The salt is random per segment use, so a block of application data that
// happens to look like a header never validates, and records left from a
// segment's previous use are invalid under its new sequence number.
//
// All integers big-endian.

#ifndef SHADOWSET_ENGINE_INTERNAL_RECORD_FORMAT_H_
#define SHADOWSET_ENGINE_INTERNAL_RECORD_FORMAT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace shadowset::internal {

inline constexpr uint32_t kSlotSize = 4096;
inline constexpr uint64_t kSegmentMagic = 0x5353444946534547ull;  // "SSDIFSEG"
inline constexpr uint16_t kSegmentFormatMajor = 1;
inline constexpr uint32_t kRecordMagic = 0x53534452;  // "SSDR"
inline constexpr uint16_t kRecordFormatVersion = 1;
inline constexpr uint32_t kRecordFixedHeader = 48;
inline constexpr uint32_t kRecordEntrySize = 24;
// Entries that fit one header slot with its trailing checksum.
inline constexpr uint32_t kMaxEntriesPerRecord =
    (kSlotSize - kRecordFixedHeader - 8) / kRecordEntrySize;  // 168

struct SegmentHeader {
  uint16_t major = kSegmentFormatMajor;
  uint16_t minor = 0;
  uint32_t volume = 0;
  uint64_t seq = 0;
  uint64_t salt = 0;
  uint64_t segment_size = 0;
  uint32_t block_size = 0;
  uint64_t created_us = 0;
};

// Fills `slot` (kSlotSize bytes) with the encoded header.
void EncodeSegmentHeader(const SegmentHeader& header, absl::Span<uint8_t> slot);
// nullopt if the slot holds no valid header (torn, never written, or
// a different format); kFailedPrecondition for a newer major version.
absl::StatusOr<std::optional<SegmentHeader>> DecodeSegmentHeader(
    absl::Span<const uint8_t> slot);

struct RecordEntry {
  uint64_t block = 0;
  uint32_t length = 0;  // 0: a zero block with no data
  uint64_t data_hash = 0;
};

struct RecordHeader {
  uint64_t seq = 0;
  uint32_t volume = 0;
  uint64_t epoch = 0;
  uint32_t block_size = 0;
  uint32_t data_slots = 0;
  std::vector<RecordEntry> entries;
};

// Encodes into `slot` (kSlotSize bytes). entries.size() must be in
// [1, kMaxEntriesPerRecord].
void EncodeRecordHeader(const RecordHeader& header, uint64_t salt,
                        absl::Span<uint8_t> slot);
// nullopt unless `slot` holds a header whose checksum verifies under `salt`
// and whose sequence number is `seq`.
std::optional<RecordHeader> DecodeRecordHeader(absl::Span<const uint8_t> slot,
                                               uint64_t salt, uint64_t seq);

uint64_t HashData(absl::Span<const uint8_t> data);
bool IsAllZero(absl::Span<const uint8_t> data);

}  // namespace shadowset::internal

#endif  // SHADOWSET_ENGINE_INTERNAL_RECORD_FORMAT_H_
