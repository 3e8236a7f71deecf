#include "writers/dhcp/dhcp_types.h"

#include <charconv>

#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace shadowset::dhcp {
namespace {

// Seconds from 1601-01-01 to 1970-01-01.
constexpr int64_t kEpochDeltaSeconds = 11644473600;

bool ParseUint(absl::string_view text, int base, uint32_t max, uint32_t* out) {
  if (text.empty()) return false;
  uint32_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v, base);
  if (ec != std::errc() || end != text.data() + text.size() || v > max) {
    return false;
  }
  *out = v;
  return true;
}

}  // namespace

std::string FormatIp(IpAddress ip) {
  return absl::StrFormat("%d.%d.%d.%d", ip >> 24, (ip >> 16) & 0xff,
                         (ip >> 8) & 0xff, ip & 0xff);
}

std::optional<IpAddress> ParseIp(absl::string_view text) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, '.');
  if (parts.size() != 4) return std::nullopt;
  IpAddress ip = 0;
  for (absl::string_view part : parts) {
    uint32_t octet;
    if (part.size() > 3 || !ParseUint(part, 10, 255, &octet)) {
      return std::nullopt;
    }
    ip = (ip << 8) | octet;
  }
  return ip;
}

std::string FormatHardwareAddress(absl::string_view bytes) {
  std::string out;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i > 0) out += ':';
    out += absl::StrFormat("%02x", static_cast<uint8_t>(bytes[i]));
  }
  return out;
}

std::optional<std::string> ParseHardwareAddress(absl::string_view text) {
  char sep = text.find('-') != absl::string_view::npos ? '-' : ':';
  std::vector<absl::string_view> parts = absl::StrSplit(text, sep);
  if (parts.empty() || parts.size() > 32) return std::nullopt;
  std::string out;
  for (absl::string_view part : parts) {
    uint32_t byte;
    if (part.size() != 2 || !ParseUint(part, 16, 255, &byte)) {
      return std::nullopt;
    }
    out += static_cast<char>(byte);
  }
  return out;
}

std::optional<int> PrefixLength(IpAddress mask) {
  int prefix = 0;
  while (prefix < 32 && (mask & (0x80000000u >> prefix)) != 0) ++prefix;
  if (MaskFromPrefix(prefix) != mask) return std::nullopt;
  return prefix;
}

IpAddress MaskFromPrefix(int prefix) {
  if (prefix <= 0) return 0;
  if (prefix >= 32) return 0xFFFFFFFFu;
  return ~((1u << (32 - prefix)) - 1);
}

std::optional<std::pair<IpAddress, IpAddress>> ParseSubnet(
    absl::string_view text) {
  size_t slash = text.find('/');
  if (slash == absl::string_view::npos) return std::nullopt;
  std::optional<IpAddress> ip = ParseIp(text.substr(0, slash));
  uint32_t prefix;
  if (!ip || !ParseUint(text.substr(slash + 1), 10, 32, &prefix)) {
    return std::nullopt;
  }
  IpAddress mask = MaskFromPrefix(static_cast<int>(prefix));
  if ((*ip & ~mask) != 0) return std::nullopt;
  return std::make_pair(*ip, mask);
}

uint64_t ToFileTime(absl::Time t) {
  if (t == absl::InfiniteFuture()) return kFileTimeInfinite;
  if (t == absl::InfinitePast()) return 0;
  absl::Duration since = t - absl::FromUnixSeconds(-kEpochDeltaSeconds);
  if (since <= absl::ZeroDuration()) return 0;
  int64_t ticks = absl::IDivDuration(since, absl::Nanoseconds(100), &since);
  if (ticks < 1 || static_cast<uint64_t>(ticks) >= kFileTimeInfinite) {
    return ticks < 1 ? 1 : kFileTimeInfinite - 1;
  }
  return static_cast<uint64_t>(ticks);
}

absl::Time FromFileTime(uint64_t filetime) {
  if (filetime == 0) return absl::InfinitePast();
  if (filetime >= kFileTimeInfinite) return absl::InfiniteFuture();
  return absl::FromUnixSeconds(-kEpochDeltaSeconds) +
         absl::Nanoseconds(100) * static_cast<int64_t>(filetime);
}

}  // namespace shadowset::dhcp
