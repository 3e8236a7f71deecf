// The transaction log's binary format (docs/directory-format.md §4): a ring
// of fixed-size generations on the log volume, each a header followed by
// records.
//
//   generation g lives in slot g % generations, at (g % generations) * size
//   [header: 4 KiB][record][record]...      records never span generations
//
// A record's checksum is seeded with the current seed: the generation's
// salt, switched by seed records written at each open, so stale bytes past
// the end of the log (an older cycle of the ring, or writes that a crash
// left behind) never verify.
//
// Thread safety: free functions.

#ifndef SHADOWSET_WRITERS_DIRECTORY_INTERNAL_LOG_FORMAT_H_
#define SHADOWSET_WRITERS_DIRECTORY_INTERNAL_LOG_FORMAT_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "writers/directory/internal/change.h"

namespace shadowset::directory_internal {

inline constexpr uint32_t kGenerationMagic = 0x5353444C;  // "SSDL"
inline constexpr uint16_t kLogFormatMajor = 1;
inline constexpr uint16_t kLogFormatMinor = 0;
// Records start this far into a generation.
inline constexpr uint64_t kGenerationHeaderSize = 4096;
// checksum u64, length u32, type u16, reserved u16, usn u64.
inline constexpr uint64_t kRecordHeaderSize = 24;

struct GenerationHeader {
  uint64_t generation = 0;
  uint64_t salt = 0;       // random; seeds the generation's first records
  uint64_t prev_salt = 0;  // salt of generation - 1 (chains the log)
  uint64_t first_usn = 0;  // USN of the first change record in it
};

struct LogGeometry {
  uint64_t generation_size = 0;  // bytes per generation (a multiple of 4 KiB)
  uint32_t generations = 0;      // slots in the ring

  uint64_t SlotOffset(uint64_t generation) const {
    return (generation % generations) * generation_size;
  }
  uint64_t max_payload() const {
    return generation_size - kGenerationHeaderSize - kRecordHeaderSize;
  }
};

std::string EncodeGenerationHeader(const GenerationHeader& header);
// nullopt unless `bytes` starts with a valid header (magic, a major version
// this build reads, checksum).
std::optional<GenerationHeader> DecodeGenerationHeader(absl::string_view bytes);

// A record as it will be written.
std::string EncodeRecord(RecordType type, uint64_t usn,
                         absl::string_view payload, uint64_t seed);

struct RecordView {
  RecordType type;
  uint64_t usn;
  absl::string_view payload;
  uint64_t size;  // header + payload
};
// The record at the start of `bytes` (which runs to the end of its
// generation), if it verifies under `seed`.
std::optional<RecordView> DecodeRecord(absl::string_view bytes, uint64_t seed);

// The backup file name of a generation: "edb0000002A.log" style
// ("edb%08X.log"); and back (nullopt for another name).
std::string LogFileName(uint64_t generation);
std::optional<uint64_t> ParseLogFileName(absl::string_view name);

}  // namespace shadowset::directory_internal

#endif  // SHADOWSET_WRITERS_DIRECTORY_INTERNAL_LOG_FORMAT_H_
