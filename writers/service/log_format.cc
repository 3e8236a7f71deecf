#include "writers/service/log_format.h"

#include <cstring>

#include "writers/service/coding.h"
#include "xxhash.h"

namespace shadowset::service {
namespace {

uint64_t RecordChecksum(absl::string_view header, absl::string_view payload) {
  XXH3_state_t* state = XXH3_createState();
  XXH3_64bits_reset(state);
  XXH3_64bits_update(state, header.data(), 32);
  XXH3_64bits_update(state, payload.data(), payload.size());
  uint64_t sum = XXH3_64bits_digest(state);
  XXH3_freeState(state);
  return sum;
}

}  // namespace

std::string EncodeSuperblock(const Superblock& sb) {
  Encoder e;
  std::string magic = sb.magic;
  magic.resize(kMagicSize, '\0');
  for (char c : magic) e.U8(static_cast<uint8_t>(c));
  e.U32(sb.version);
  e.U32(kChecksumXxh3_64);
  e.U64(sb.counter);
  e.U64(sb.mount_gen);
  e.U64(sb.half_size);
  e.U32(sb.active_half);
  e.U32(0);
  e.U64(sb.half_gen);
  e.U64(sb.base_seq);
  e.U64(sb.commit_seq);
  e.U64(sb.commit_end);
  std::string out = e.Release();
  Encoder sum;
  sum.U64(XXH3_64bits(out.data(), out.size()));
  out += sum.data();
  return out;
}

std::optional<Superblock> DecodeSuperblock(absl::string_view bytes) {
  if (bytes.size() < kSuperblockSize) return std::nullopt;
  bytes = bytes.substr(0, kSuperblockSize);
  if (LoadLE64(bytes.data() + kSuperblockSize - 8) !=
      XXH3_64bits(bytes.data(), kSuperblockSize - 8)) {
    return std::nullopt;
  }
  Superblock sb;
  sb.magic.assign(bytes.data(), kMagicSize);
  Decoder d(bytes.substr(kMagicSize));
  uint32_t algorithm = 0, reserved = 0;
  if (!d.U32(&sb.version) || !d.U32(&algorithm) || !d.U64(&sb.counter) ||
      !d.U64(&sb.mount_gen) || !d.U64(&sb.half_size) ||
      !d.U32(&sb.active_half) || !d.U32(&reserved) || !d.U64(&sb.half_gen) ||
      !d.U64(&sb.base_seq) || !d.U64(&sb.commit_seq) ||
      !d.U64(&sb.commit_end)) {
    return std::nullopt;
  }
  if (algorithm != kChecksumXxh3_64 || sb.active_half > 1) return std::nullopt;
  return sb;
}

std::string EncodeRecord(const RecordHeader& header, absl::string_view payload) {
  std::string out(kRecordHeaderSize, '\0');
  char* p = out.data();
  StoreLE32(p, kRecordMagic);
  p[4] = static_cast<char>(header.type);
  p[5] = static_cast<char>(kChecksumXxh3_64);
  StoreLE32(p + 8, static_cast<uint32_t>(payload.size()));
  StoreLE64(p + 16, header.gen);
  StoreLE64(p + 24, header.seq);
  StoreLE64(p + 32, RecordChecksum(out, payload));
  out.append(payload.data(), payload.size());
  return out;
}

std::optional<RecordHeader> DecodeRecordHeader(absl::string_view header) {
  if (header.size() < kRecordHeaderSize) return std::nullopt;
  const char* p = header.data();
  if (LoadLE32(p) != kRecordMagic) return std::nullopt;
  uint8_t type = static_cast<uint8_t>(p[4]);
  if (static_cast<uint8_t>(p[5]) != kChecksumXxh3_64 || p[6] != 0 || p[7] != 0 ||
      LoadLE32(p + 12) != 0) {
    return std::nullopt;
  }
  if (type < 1 || type > 3) return std::nullopt;
  RecordHeader h;
  h.type = static_cast<RecordType>(type);
  h.length = LoadLE32(p + 8);
  if (h.length > kMaxRecordPayload) return std::nullopt;
  h.gen = LoadLE64(p + 16);
  h.seq = LoadLE64(p + 24);
  return h;
}

bool RecordChecksumOk(absl::string_view header, absl::string_view payload) {
  return header.size() >= kRecordHeaderSize &&
         LoadLE64(header.data() + 32) == RecordChecksum(header, payload);
}

}  // namespace shadowset::service
