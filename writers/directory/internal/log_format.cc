#include "writers/directory/internal/log_format.h"

#include <xxhash.h>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "engine/internal/coding.h"

namespace shadowset::directory_internal {

using internal::LoadBE16;
using internal::LoadBE32;
using internal::LoadBE64;
using internal::PutBE16;
using internal::PutBE32;
using internal::PutBE64;

namespace {
constexpr size_t kHeaderEncodedSize = 48;  // 40 bytes of fields + xxh3
}  // namespace

std::string EncodeGenerationHeader(const GenerationHeader& header) {
  std::string out;
  PutBE32(&out, kGenerationMagic);
  PutBE16(&out, kLogFormatMajor);
  PutBE16(&out, kLogFormatMinor);
  PutBE64(&out, header.generation);
  PutBE64(&out, header.salt);
  PutBE64(&out, header.prev_salt);
  PutBE64(&out, header.first_usn);
  PutBE64(&out, XXH3_64bits(out.data(), out.size()));
  return out;
}

std::optional<GenerationHeader> DecodeGenerationHeader(absl::string_view bytes) {
  if (bytes.size() < kHeaderEncodedSize) return std::nullopt;
  const char* p = bytes.data();
  if (LoadBE32(p) != kGenerationMagic || LoadBE16(p + 4) > kLogFormatMajor ||
      XXH3_64bits(p, kHeaderEncodedSize - 8) != LoadBE64(p + 40)) {
    return std::nullopt;
  }
  GenerationHeader header;
  header.generation = LoadBE64(p + 8);
  header.salt = LoadBE64(p + 16);
  header.prev_salt = LoadBE64(p + 24);
  header.first_usn = LoadBE64(p + 32);
  return header;
}

std::string EncodeRecord(RecordType type, uint64_t usn,
                         absl::string_view payload, uint64_t seed) {
  std::string out(8, '\0');
  PutBE32(&out, static_cast<uint32_t>(payload.size()));
  PutBE16(&out, static_cast<uint16_t>(type));
  PutBE16(&out, 0);
  PutBE64(&out, usn);
  out.append(payload.data(), payload.size());
  internal::StoreBE64(out.data(),
                      XXH3_64bits_withSeed(out.data() + 8, out.size() - 8, seed));
  return out;
}

std::optional<RecordView> DecodeRecord(absl::string_view bytes, uint64_t seed) {
  if (bytes.size() < kRecordHeaderSize) return std::nullopt;
  const char* p = bytes.data();
  uint64_t length = LoadBE32(p + 8);
  if (length > bytes.size() - kRecordHeaderSize) return std::nullopt;
  uint64_t size = kRecordHeaderSize + length;
  if (XXH3_64bits_withSeed(p + 8, size - 8, seed) != LoadBE64(p)) {
    return std::nullopt;
  }
  uint16_t type = LoadBE16(p + 12);
  if (type < static_cast<uint16_t>(RecordType::kSeed) ||
      type > static_cast<uint16_t>(RecordType::kSetTombstoneLifetime)) {
    return std::nullopt;
  }
  return RecordView{static_cast<RecordType>(type), LoadBE64(p + 16),
                    bytes.substr(kRecordHeaderSize, length), size};
}

std::string LogFileName(uint64_t generation) {
  return absl::StrFormat("edb%08X.log", generation);
}

std::optional<uint64_t> ParseLogFileName(absl::string_view name) {
  if (name.size() != 15 || !absl::StartsWith(name, "edb") ||
      !absl::EndsWith(name, ".log")) {
    return std::nullopt;
  }
  uint64_t generation = 0;
  for (char c : name.substr(3, 8)) {
    int v = (c >= '0' && c <= '9')   ? c - '0'
            : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                     : -1;
    if (v < 0) return std::nullopt;
    generation = generation * 16 + static_cast<uint64_t>(v);
  }
  if (generation == 0) return std::nullopt;
  return generation;
}

}  // namespace shadowset::directory_internal
