// The expiry token's byte layout (docs/token-format.md), below the public
// EncodeToken/DecodeToken/CheckToken of engine/backup/token.h.
//
// Thread safety: free functions, no shared state.

#ifndef SHADOWSET_ENGINE_BACKUP_INTERNAL_TOKEN_CODEC_H_
#define SHADOWSET_ENGINE_BACKUP_INTERNAL_TOKEN_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "engine/backup/token.h"

namespace shadowset::internal {

inline constexpr size_t kTokenHeaderSize = 12;   // magic, major, minor, length
inline constexpr size_t kTokenTrailerSize = 41;  // flags, mac, checksum
inline constexpr size_t kTokenMaxSize = 64 * 1024;
inline constexpr size_t kTokenMaxIdLength = 255;
inline constexpr size_t kTokenMaxWriters = 1024;
inline constexpr uint8_t kTokenFlagSigned = 0x01;

// The bytes the MAC covers: header, body and flags (everything but the MAC
// and the checksum).
std::string TokenMacInput(const ExpiryToken& token);

// Serialises `token` with its own is_signed and mac, unchanged.
std::string EncodeTokenVerbatim(const ExpiryToken& token);

// HMAC-SHA-256 of `bytes` under `key` (non-empty).
Sha256Digest HmacSha256(absl::string_view key, absl::string_view bytes);

// Attaches `error` to `status` as its TokenError payload.
absl::Status WithTokenError(absl::Status status, TokenError error);

}  // namespace shadowset::internal

#endif  // SHADOWSET_ENGINE_BACKUP_INTERNAL_TOKEN_CODEC_H_
