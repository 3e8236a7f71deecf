// Expiry tokens: encoding, strict decoding and checking (docs/token-format.md).

#include "engine/backup/token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/backup/internal/digest.h"
#include "engine/backup/internal/token_codec.h"
#include "engine/env.h"
#include "engine/internal/coding.h"
#include "engine/internal/status_macros.h"

namespace shadowset {
namespace {

using internal::Decoder;
using internal::PutBE16;
using internal::PutBE32;
using internal::PutBE64;

constexpr absl::string_view kTokenErrorUrl = "type.shadowset.dev/token-error";
constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

int64_t EncodeTime(absl::Time t) {
  if (t == absl::InfiniteFuture()) return kNever;
  return absl::ToUnixNanos(t);  // saturates; rounds down
}

absl::Time DecodeTime(int64_t nanos) {
  if (nanos == kNever) return absl::InfiniteFuture();
  return absl::FromUnixNanos(nanos);
}

void PutString16(std::string* out, absl::string_view s) {
  PutBE16(out, static_cast<uint16_t>(s.size()));
  out->append(s.data(), s.size());
}

std::string EncodeBody(const ExpiryToken& t) {
  std::string body;
  body.append(t.set_id.bytes().data(), t.set_id.bytes().size());
  PutString16(&body, t.backup_id);
  PutBE64(&body, static_cast<uint64_t>(EncodeTime(t.created)));
  PutBE64(&body, static_cast<uint64_t>(EncodeTime(t.expires)));
  body.append(reinterpret_cast<const char*>(t.manifest_sha256.data()),
              t.manifest_sha256.size());
  PutBE16(&body, static_cast<uint16_t>(t.writer_ids.size()));
  for (const std::string& id : t.writer_ids) PutString16(&body, id);
  body.append(t.extensions);
  return body;
}

absl::Status Unreadable(absl::string_view why) {
  return internal::WithTokenError(absl::InvalidArgumentError(absl::StrCat(
                                      "unreadable expiry token: ", why)),
                                  TokenError::kUnreadable);
}

std::string TimeText(absl::Time t) {
  if (t == absl::InfiniteFuture()) return "never";
  return absl::FormatTime(absl::RFC3339_full, t, absl::UTCTimeZone());
}

}  // namespace

namespace internal {

std::string TokenMacInput(const ExpiryToken& token) {
  std::string body = EncodeBody(token);
  std::string out;
  out.reserve(kTokenHeaderSize + body.size() + 1);
  PutBE32(&out, kTokenMagic);
  PutBE16(&out, token.major);
  PutBE16(&out, token.minor);
  PutBE32(&out, static_cast<uint32_t>(body.size()));
  out += body;
  out.push_back(static_cast<char>(token.is_signed ? kTokenFlagSigned : 0));
  return out;
}

std::string EncodeTokenVerbatim(const ExpiryToken& token) {
  std::string out = TokenMacInput(token);
  out.append(reinterpret_cast<const char*>(token.mac.data()), token.mac.size());
  PutBE64(&out, Xxh3(out));
  return out;
}

Sha256Digest HmacSha256(absl::string_view key, absl::string_view bytes) {
  Sha256Digest out{};
  unsigned int n = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
           out.data(), &n) == nullptr ||
      n != out.size()) {
    std::abort();  // libcrypto cannot compute an HMAC: nothing to fall back on
  }
  return out;
}

absl::Status WithTokenError(absl::Status status, TokenError error) {
  if (status.ok()) return status;
  status.SetPayload(kTokenErrorUrl,
                    absl::Cord(absl::StrCat(static_cast<uint32_t>(error))));
  return status;
}

}  // namespace internal

std::optional<TokenError> TokenErrorOf(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kTokenErrorUrl);
  if (!payload.has_value()) return std::nullopt;
  std::string text(*payload);
  uint32_t value = 0;
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 1 ||
      value > static_cast<uint32_t>(TokenError::kNotYetValid)) {
    return std::nullopt;
  }
  return static_cast<TokenError>(value);
}

Sha256Digest Sha256(absl::string_view bytes) {
  internal::Sha256Hasher hasher;
  return hasher.Digest(bytes);
}

std::string EncodeToken(const ExpiryToken& token, absl::string_view key) {
  ExpiryToken t = token;
  t.is_signed = !key.empty();
  t.mac = {};
  if (t.is_signed)
    t.mac = internal::HmacSha256(key, internal::TokenMacInput(t));
  return internal::EncodeTokenVerbatim(t);
}

absl::StatusOr<ExpiryToken> DecodeToken(absl::string_view bytes) {
  using internal::kTokenHeaderSize;
  using internal::kTokenTrailerSize;
  // Every major version keeps the header's first 12 bytes and ends with the
  // xxh3-64 of all preceding bytes, so damage is told apart from a newer
  // format before the version is believed.
  if (bytes.size() < kTokenHeaderSize + 8) {
    return Unreadable(absl::StrFormat("truncated: %u bytes", bytes.size()));
  }
  if (bytes.size() > internal::kTokenMaxSize) {
    return Unreadable(
        absl::StrFormat("%u bytes, more than the %u a token may hold",
                        bytes.size(), internal::kTokenMaxSize));
  }
  Decoder header(bytes.substr(0, kTokenHeaderSize), "token header");
  uint32_t magic = header.BE32();
  ExpiryToken t;
  t.major = header.BE16();
  t.minor = header.BE16();
  uint32_t body_length = header.BE32();
  if (magic != kTokenMagic) {
    return Unreadable(absl::StrFormat(
        "not an expiry token (magic 0x%08X, expected 0x%08X \"SSTX\")", magic,
        kTokenMagic));
  }
  absl::string_view checked = bytes.substr(0, bytes.size() - 8);
  uint64_t checksum = internal::LoadBE64(bytes.data() + bytes.size() - 8);
  if (internal::Xxh3(checked) != checksum) {
    return Unreadable("checksum mismatch (the token is damaged or truncated)");
  }
  if (t.major > kTokenFormatMajor) {
    return Unreadable(absl::StrFormat(
        "format %u.%u is newer than this build, which reads major version %u",
        t.major, t.minor, kTokenFormatMajor));
  }
  if (t.major == 0) return Unreadable("unknown format major version 0");
  uint64_t expected =
      uint64_t{kTokenHeaderSize} + body_length + kTokenTrailerSize;
  if (bytes.size() != expected) {
    return Unreadable(absl::StrFormat("%u bytes, but its header announces %u",
                                      bytes.size(), expected));
  }

  Decoder body(bytes.substr(kTokenHeaderSize, body_length), "token body");
  absl::string_view set_id = body.Bytes(16);
  uint16_t id_length = body.BE16();
  t.backup_id = std::string(body.Bytes(id_length));
  t.created = DecodeTime(static_cast<int64_t>(body.BE64()));
  t.expires = DecodeTime(static_cast<int64_t>(body.BE64()));
  absl::string_view manifest_hash = body.Bytes(32);
  uint16_t writers = body.BE16();
  if (writers > internal::kTokenMaxWriters) {
    return Unreadable(absl::StrFormat("%u writer ids, more than the %u allowed",
                                      writers, internal::kTokenMaxWriters));
  }
  for (uint16_t i = 0; i < writers && body.status().ok(); ++i) {
    uint16_t n = body.BE16();
    t.writer_ids.emplace_back(body.Bytes(n));
  }
  if (!body.status().ok()) return Unreadable("truncated body");
  if (t.backup_id.size() > internal::kTokenMaxIdLength) {
    return Unreadable("backup id longer than 255 bytes");
  }
  for (const std::string& id : t.writer_ids) {
    if (id.empty() || id.size() > internal::kTokenMaxIdLength) {
      return Unreadable("a writer id is empty or longer than 255 bytes");
    }
  }
  t.set_id = SetId::FromBytes(set_id);
  std::memcpy(t.manifest_sha256.data(), manifest_hash.data(), 32);
  if (body.remaining() > 0) {
    // A newer minor version may append fields; this one has none.
    if (t.minor <= kTokenFormatMinor) {
      return Unreadable(absl::StrFormat(
          "%u unexpected bytes after the writer ids", body.remaining()));
    }
    t.extensions = std::string(body.Bytes(body.remaining()));
  }
  if (t.created == absl::InfiniteFuture()) {
    return Unreadable("creation time is 'never'");
  }

  Decoder trailer(bytes.substr(kTokenHeaderSize + body_length),
                  "token trailer");
  uint8_t flags = trailer.U8();
  absl::string_view mac = trailer.Bytes(32);
  if (flags & ~internal::kTokenFlagSigned) {
    return Unreadable(absl::StrFormat("unknown flags 0x%02X", flags));
  }
  t.is_signed = (flags & internal::kTokenFlagSigned) != 0;
  std::memcpy(t.mac.data(), mac.data(), 32);
  if (!t.is_signed && t.mac != Sha256Digest{}) {
    return Unreadable("an unsigned token carries a MAC");
  }
  return t;
}

absl::Status CheckToken(const ExpiryToken& token,
                        absl::string_view manifest_bytes, absl::string_view key,
                        absl::Time now) {
  using internal::WithTokenError;
  if (!key.empty() && !token.is_signed) {
    return WithTokenError(
        absl::PermissionDeniedError(absl::StrCat(
            "expiry token of backup '", token.backup_id,
            "' is unsigned, and unsigned tokens are refused while a key is "
            "configured")),
        TokenError::kUnsigned);
  }
  if (!key.empty()) {
    Sha256Digest mac =
        internal::HmacSha256(key, internal::TokenMacInput(token));
    if (CRYPTO_memcmp(mac.data(), token.mac.data(), mac.size()) != 0) {
      return WithTokenError(
          absl::PermissionDeniedError(absl::StrCat(
              "expiry token of backup '", token.backup_id,
              "' fails its MAC: it was changed, or signed with another key")),
          TokenError::kTampered);
    }
  }
  if (Sha256(manifest_bytes) != token.manifest_sha256) {
    return WithTokenError(
        absl::FailedPreconditionError(absl::StrCat(
            "expiry token of backup '", token.backup_id,
            "' does not belong to this manifest (its manifest SHA-256 is ",
            internal::HexSha256(token.manifest_sha256), ", the manifest's is ",
            internal::HexSha256(Sha256(manifest_bytes)), ")")),
        TokenError::kForeign);
  }
  if (now < token.created) {
    return WithTokenError(
        absl::FailedPreconditionError(absl::StrCat(
            "expiry token of backup '", token.backup_id, "' was created at ",
            TimeText(token.created), ", after the current time ", TimeText(now),
            " (is the clock set back?)")),
        TokenError::kNotYetValid);
  }
  if (now > token.expires) {
    return WithTokenError(absl::FailedPreconditionError(absl::StrCat(
                              "backup '", token.backup_id, "' expired at ",
                              TimeText(token.expires), " (now ", TimeText(now),
                              "); it may no longer be restored")),
                          TokenError::kExpired);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadKeyFile(Env* env, const std::string& path) {
  absl::StatusOr<std::string> key = ReadFileToString(env, path);
  if (!key.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot read key file ", path, ": ", key.status().message()));
  }
  if (key->size() < 16) {
    return absl::InvalidArgumentError(
        absl::StrFormat("key file %s holds %u bytes; a key needs at least 16",
                        path, key->size()));
  }
  return key;
}

}  // namespace shadowset
