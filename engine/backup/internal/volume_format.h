// Byte layout of a volume's files in a backup set (docs/backup-format.md):
//
//   volumes/<v>.img    image:  header, data blocks, block map, footer
//   volumes/<v>.delta  delta:  the same layout, map of changed blocks only
//   volumes/<v>.sums   sums:   header, one checksum entry per stored data
//                              block, footer
//
// Integers are big-endian. Every part carries its own xxh3-64, so a damaged
// byte anywhere is reported before anything it describes is trusted; data
// blocks are checked against their sums entries. Every major version keeps
// magic, major and minor in a file's first 8 bytes and the header checksum
// where this version has it, so damage is told from a newer format.
//
// Parsers return kDataLoss (naming the file) for damaged or truncated input
// and kFailedPrecondition for a newer major version.
//
// Thread safety: free functions, no shared state.

#ifndef SHADOWSET_ENGINE_BACKUP_INTERNAL_VOLUME_FORMAT_H_
#define SHADOWSET_ENGINE_BACKUP_INTERNAL_VOLUME_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/backup/internal/block_map.h"
#include "engine/backup/token.h"

namespace shadowset::internal {

inline constexpr uint32_t kImageMagic = 0x5353494D;  // "SSIM"
inline constexpr uint32_t kDeltaMagic = 0x5353444C;  // "SSDL"
inline constexpr uint32_t kSumsMagic = 0x53535355;   // "SSSU"
inline constexpr uint16_t kVolumeFormatMajor = 1;
inline constexpr uint16_t kVolumeFormatMinor = 0;

inline constexpr size_t kDataHeaderSize = 4096;
inline constexpr size_t kRunSize = 17;  // first u64, count u64, kind u8
inline constexpr size_t kDataFooterSize = 40;
inline constexpr size_t kSumsFooterSize = 72;
inline constexpr size_t kSumsMaxHeaderSize = 4096;
inline constexpr uint32_t kMinBlockSize = 512;
inline constexpr uint32_t kMaxBlockSize = 1u << 20;

// --- image and delta files ---

struct DataHeader {
  uint32_t magic = kImageMagic;  // kImageMagic or kDeltaMagic
  uint16_t major = kVolumeFormatMajor;
  uint16_t minor = kVolumeFormatMinor;
  uint32_t block_size = 0;
  uint64_t block_count = 0;  // of the volume

  BlockMapKind map_kind() const {
    return magic == kImageMagic ? BlockMapKind::kImage : BlockMapKind::kDelta;
  }
};

struct DataFooter {
  uint64_t payload_blocks = 0;
  uint64_t run_count = 0;
  uint64_t runs_xxh3 = 0;
  uint32_t magic = kImageMagic;
  uint16_t major = kVolumeFormatMajor;
  uint16_t minor = kVolumeFormatMinor;
};

std::string EncodeDataHeader(const DataHeader& header);
// `bytes` must be the first kDataHeaderSize bytes of the file.
absl::StatusOr<DataHeader> ParseDataHeader(absl::string_view bytes,
                                           absl::string_view file);

std::string EncodeDataFooter(const DataFooter& footer);
// `bytes`: the file's last kDataFooterSize bytes; `header` was parsed.
absl::StatusOr<DataFooter> ParseDataFooter(absl::string_view bytes,
                                           const DataHeader& header,
                                           absl::string_view file);

std::string EncodeRuns(const std::vector<MapRun>& runs);
// Decodes and validates (ValidateBlockMap) the runs region.
absl::StatusOr<std::vector<MapRun>> ParseRuns(absl::string_view bytes,
                                              const DataHeader& header,
                                              const DataFooter& footer,
                                              absl::string_view file);

// Offset of the runs region, or kDataLoss when `file_size` does not match
// the layout the header and footer describe.
absl::StatusOr<uint64_t> RunsOffset(const DataHeader& header,
                                    const DataFooter& footer,
                                    uint64_t file_size, absl::string_view file);

// --- sums files ---

struct SumsHeader {
  uint16_t major = kVolumeFormatMajor;
  uint16_t minor = kVolumeFormatMinor;
  uint32_t header_length = 0;  // set by Encode/Parse
  uint32_t block_size = 0;
  uint32_t data_magic = kImageMagic;  // the file the sums describe
  bool sha256 = false;                // entries carry a SHA-256

  size_t entry_size() const { return sha256 ? 40 : 8; }
};

struct SumsFooter {
  uint64_t entry_count = 0;
  uint64_t entries_xxh3 = 0;        // of every entry byte
  uint64_t data_meta_xxh3 = 0;      // of the data file minus its payload
  Sha256Digest data_meta_sha256{};  // the same, when sha256; else zeros
  uint16_t major = kVolumeFormatMajor;
  uint16_t minor = kVolumeFormatMinor;
};

struct BlockSum {
  uint64_t xxh3 = 0;
  Sha256Digest sha256{};  // zeros unless the sums carry SHA-256
  friend bool operator==(const BlockSum&, const BlockSum&) = default;
};

// Sets header->header_length.
std::string EncodeSumsHeader(SumsHeader* header);
// `bytes` holds at least the whole header (it may hold more of the file).
absl::StatusOr<SumsHeader> ParseSumsHeader(absl::string_view bytes,
                                           absl::string_view file);
std::string EncodeSumsFooter(const SumsFooter& footer);
absl::StatusOr<SumsFooter> ParseSumsFooter(absl::string_view bytes,
                                           const SumsHeader& header,
                                           uint64_t file_size,
                                           absl::string_view file);
void EncodeBlockSum(const BlockSum& sum, bool sha256, std::string* out);
BlockSum DecodeBlockSum(const char* p, bool sha256);

// --- whole files (tests, fuzzers, small files) ---

struct ParsedDataFile {
  DataHeader header;
  DataFooter footer;
  std::vector<MapRun> runs;
  absl::string_view payload;  // points into the parsed bytes
};
absl::StatusOr<ParsedDataFile> ParseDataFile(absl::string_view bytes,
                                             absl::string_view file);

struct ParsedSumsFile {
  SumsHeader header;
  SumsFooter footer;
  std::vector<BlockSum> entries;
};
absl::StatusOr<ParsedSumsFile> ParseSumsFile(absl::string_view bytes,
                                             absl::string_view file);

}  // namespace shadowset::internal

#endif  // SHADOWSET_ENGINE_BACKUP_INTERNAL_VOLUME_FORMAT_H_
