#include "engine/types.h"

#include <cstring>

#include "absl/random/random.h"
#include "absl/synchronization/mutex.h"
#include "absl/strings/str_format.h"

namespace shadowset {

SetId SetId::Random() {
  static absl::Mutex* mu = new absl::Mutex;
  static absl::BitGen* gen = new absl::BitGen;
  SetId id;
  absl::MutexLock l(mu);
  for (uint8_t& b : id.bytes_) b = absl::Uniform<uint8_t>(*gen);
  id.bytes_[6] = (id.bytes_[6] & 0x0f) | 0x40;  // version 4
  id.bytes_[8] = (id.bytes_[8] & 0x3f) | 0x80;  // RFC 4122 variant
  return id;
}

std::optional<SetId> SetId::Parse(absl::string_view text) {
  if (text.size() != 36) return std::nullopt;
  SetId id;
  size_t out = 0;
  for (size_t i = 0; i < text.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return std::nullopt;
      ++i;
      continue;
    }
    auto nibble = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    int hi = nibble(text[i]), lo = nibble(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    id.bytes_[out++] = static_cast<uint8_t>(hi << 4 | lo);
    i += 2;
  }
  return id;
}

SetId SetId::FromBytes(absl::string_view sixteen_bytes) {
  SetId id;
  std::memcpy(id.bytes_.data(), sixteen_bytes.data(),
              std::min<size_t>(16, sixteen_bytes.size()));
  return id;
}

std::string SetId::ToString() const {
  const uint8_t* b = bytes_.data();
  return absl::StrFormat(
      "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
      b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
      b[12], b[13], b[14], b[15]);
}

absl::string_view EventKindName(EventKind kind) {
  switch (kind) {
    case EventKind::kSetCreated: return "set-created";
    case EventKind::kSetDeleted: return "set-deleted";
    case EventKind::kCapDeletion: return "cap-deletion";
    case EventKind::kCorruption: return "corruption";
    case EventKind::kRecovery: return "recovery";
    case EventKind::kVolumeCreated: return "volume-created";
    case EventKind::kRestore: return "restore";
    case EventKind::kBackup: return "backup";
    case EventKind::kPromotedToFull: return "promoted-to-full";
  }
  return "unknown";
}

}  // namespace shadowset
