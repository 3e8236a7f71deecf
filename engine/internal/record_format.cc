#include "engine/internal/record_format.h"

#include <xxhash.h>

#include <cstring>

#include "absl/strings/str_format.h"
#include "engine/internal/coding.h"

namespace shadowset::internal {

void EncodeSegmentHeader(const SegmentHeader& h, absl::Span<uint8_t> slot) {
  std::memset(slot.data(), 0, kSlotSize);
  uint8_t* p = slot.data();
  StoreBE64(p + 0, kSegmentMagic);
  StoreBE16(p + 8, h.major);
  StoreBE16(p + 10, h.minor);
  StoreBE32(p + 12, h.volume);
  StoreBE64(p + 16, h.seq);
  StoreBE64(p + 24, h.salt);
  StoreBE64(p + 32, h.segment_size);
  StoreBE32(p + 40, h.block_size);
  StoreBE64(p + 48, h.created_us);
  StoreBE64(p + 56, XXH3_64bits(p, 56));
}

absl::StatusOr<std::optional<SegmentHeader>> DecodeSegmentHeader(
    absl::Span<const uint8_t> slot) {
  const uint8_t* p = slot.data();
  if (slot.size() < 64 || LoadBE64(p) != kSegmentMagic) {
    return std::optional<SegmentHeader>();
  }
  if (LoadBE64(p + 56) != XXH3_64bits(p, 56)) {
    return std::optional<SegmentHeader>();
  }
  SegmentHeader h;
  h.major = LoadBE16(p + 8);
  h.minor = LoadBE16(p + 10);
  if (h.major > kSegmentFormatMajor) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "diff-area segment format %u is newer than this build (%u)", h.major,
        kSegmentFormatMajor));
  }
  h.volume = LoadBE32(p + 12);
  h.seq = LoadBE64(p + 16);
  h.salt = LoadBE64(p + 24);
  h.segment_size = LoadBE64(p + 32);
  h.block_size = LoadBE32(p + 40);
  h.created_us = LoadBE64(p + 48);
  return std::optional<SegmentHeader>(h);
}

void EncodeRecordHeader(const RecordHeader& h, uint64_t salt,
                        absl::Span<uint8_t> slot) {
  std::memset(slot.data(), 0, kSlotSize);
  uint8_t* p = slot.data();
  StoreBE32(p + 0, kRecordMagic);
  StoreBE16(p + 4, kRecordFormatVersion);
  StoreBE64(p + 8, h.seq);
  StoreBE32(p + 16, h.volume);
  StoreBE32(p + 20, static_cast<uint32_t>(h.entries.size()));
  StoreBE64(p + 24, h.epoch);
  StoreBE32(p + 32, h.block_size);
  StoreBE32(p + 36, h.data_slots);
  uint8_t* e = p + kRecordFixedHeader;
  for (const RecordEntry& entry : h.entries) {
    StoreBE64(e, entry.block);
    StoreBE32(e + 8, entry.length);
    StoreBE64(e + 16, entry.data_hash);
    e += kRecordEntrySize;
  }
  StoreBE64(e, XXH3_64bits_withSeed(p, e - p, salt));
}

std::optional<RecordHeader> DecodeRecordHeader(absl::Span<const uint8_t> slot,
                                               uint64_t salt, uint64_t seq) {
  const uint8_t* p = slot.data();
  if (slot.size() < kSlotSize || LoadBE32(p) != kRecordMagic) {
    return std::nullopt;
  }
  uint32_t count = LoadBE32(p + 20);
  if (count == 0 || count > kMaxEntriesPerRecord) return std::nullopt;
  const uint8_t* end = p + kRecordFixedHeader + count * kRecordEntrySize;
  if (LoadBE64(end) != XXH3_64bits_withSeed(p, end - p, salt)) {
    return std::nullopt;
  }
  if (LoadBE16(p + 4) != kRecordFormatVersion || LoadBE64(p + 8) != seq) {
    return std::nullopt;
  }
  RecordHeader h;
  h.seq = seq;
  h.volume = LoadBE32(p + 16);
  h.epoch = LoadBE64(p + 24);
  h.block_size = LoadBE32(p + 32);
  h.data_slots = LoadBE32(p + 36);
  h.entries.resize(count);
  const uint8_t* e = p + kRecordFixedHeader;
  for (RecordEntry& entry : h.entries) {
    entry.block = LoadBE64(e);
    entry.length = LoadBE32(e + 8);
    entry.data_hash = LoadBE64(e + 16);
    e += kRecordEntrySize;
  }
  return h;
}

uint64_t HashData(absl::Span<const uint8_t> data) {
  return XXH3_64bits(data.data(), data.size());
}

bool IsAllZero(absl::Span<const uint8_t> data) {
  const uint8_t* p = data.data();
  size_t n = data.size();
  // Word at a time; blocks are large and aligned.
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    if (w != 0) return false;
    p += 8;
    n -= 8;
  }
  while (n > 0) {
    if (*p++ != 0) return false;
    --n;
  }
  return true;
}

}  // namespace shadowset::internal
