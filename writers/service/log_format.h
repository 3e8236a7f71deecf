// On-volume structures of the service record log (docs/service-log-format.md):
// the superblock (two copies at the end of the volume) and the record header.
//
// Both carry an xxh3-64 checksum (algorithm id 1) over their own bytes (and,
// for a record, its payload), so a torn or stale structure is detected and
// never used.
//
// Thread safety: the functions are pure; the structs are plain values.

#ifndef SHADOWSET_WRITERS_SERVICE_LOG_FORMAT_H_
#define SHADOWSET_WRITERS_SERVICE_LOG_FORMAT_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace shadowset::service {

inline constexpr uint32_t kLogFormatVersion = 1;
// Checksum algorithm ids (persisted; never renumber).
inline constexpr uint8_t kChecksumXxh3_64 = 1;

// Each superblock copy owns a 4 KiB slot; only the first kSuperblockSize
// bytes are used (one 512-byte sector, so it tears as a whole or not at all).
inline constexpr uint64_t kSuperblockSlot = 4096;
inline constexpr size_t kSuperblockSize = 88;
// Magic numbers are 8 bytes, chosen by the service ("SSDHCPDB").
inline constexpr size_t kMagicSize = 8;

struct Superblock {
  std::string magic;         // kMagicSize bytes
  uint32_t version = kLogFormatVersion;
  uint64_t counter = 0;      // +1 per superblock write; the larger valid copy wins
  uint64_t mount_gen = 0;    // newest generation records may carry
  uint64_t half_size = 0;    // bytes per half
  uint32_t active_half = 0;  // 0 or 1
  uint64_t half_gen = 0;     // generation of the active half's base
  uint64_t base_seq = 0;     // sequence number the base represents
  uint64_t commit_seq = 0;   // every record up to this one is durable
  uint64_t commit_end = 0;   // offset in the half just past commit_seq's record
};

std::string EncodeSuperblock(const Superblock& sb);
// nullopt when the bytes are not a valid superblock (bad checksum, zeros).
// A valid superblock with another magic or a newer version is returned as
// is; the caller judges those.
std::optional<Superblock> DecodeSuperblock(absl::string_view bytes);

// Record types (persisted; never renumber).
enum class RecordType : uint8_t {
  kBase = 1,      // one part of the base state of a half
  kBaseEnd = 2,   // closes the base; payload: u64 number of kBase records
  kMutation = 3,  // one applied mutation
};

inline constexpr uint32_t kRecordMagic = 0x4C525353;  // "SSRL" little-endian
inline constexpr size_t kRecordHeaderSize = 40;
inline constexpr uint32_t kMaxRecordPayload = 16u << 20;

struct RecordHeader {
  RecordType type = RecordType::kMutation;
  uint32_t length = 0;  // payload bytes
  uint64_t gen = 0;
  uint64_t seq = 0;
};

// The header followed by the payload, checksummed.
std::string EncodeRecord(const RecordHeader& header, absl::string_view payload);

// Parses a header from kRecordHeaderSize bytes. nullopt if its magic,
// algorithm, type, reserved fields or length are not valid. The checksum is
// verified separately with RecordChecksumOk, once the payload is read.
std::optional<RecordHeader> DecodeRecordHeader(absl::string_view header);
bool RecordChecksumOk(absl::string_view header, absl::string_view payload);

}  // namespace shadowset::service

#endif  // SHADOWSET_WRITERS_SERVICE_LOG_FORMAT_H_
