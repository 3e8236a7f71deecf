// Expiry tokens (DESIGN §2.8), modelled on the opaque token
// DsBackupPrepare returns and DsRestorePrepare takes back.
//
// A token is kept with its backup (<backup>/token) and says which backup
// it belongs to (set id and the SHA-256 of the exact manifest bytes), when
// the snapshot was taken and until when the backup may be restored. With a
// key configured it carries an HMAC-SHA-256 over every other field; without
// one it is marked unsigned. The binary format is in docs/token-format.md.
//
//   ExpiryToken t;  t.set_id = ...;  t.created = ...;  t.expires = ...;
//   t.manifest_sha256 = Sha256(manifest_bytes);
//   std::string bytes = EncodeToken(t, key);      // key empty: unsigned
//   ASSIGN_OR_RETURN(ExpiryToken back, DecodeToken(bytes));
//   RETURN_IF_ERROR(CheckToken(back, manifest_bytes, key, absl::Now()));
//
// Errors are distinct per cause; each status carries a TokenError payload
// (TokenErrorOf) so callers map them (the directory service maps kMissing,
// kUnreadable and kExpired to hrMissingExpiryToken, hrUnknownExpiryTokenFormat
// and hrContentsExpired).
//
// Thread safety: free functions, no shared state.

#ifndef SHADOWSET_ENGINE_BACKUP_TOKEN_H_
#define SHADOWSET_ENGINE_BACKUP_TOKEN_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/types.h"

namespace shadowset {

inline constexpr uint32_t kTokenMagic = 0x53535458;  // "SSTX"
inline constexpr uint16_t kTokenFormatMajor = 1;
inline constexpr uint16_t kTokenFormatMinor = 0;

using Sha256Digest = std::array<uint8_t, 32>;

struct ExpiryToken {
  uint16_t major = kTokenFormatMajor;
  uint16_t minor = 0;
  SetId set_id;                                 // the snapshot set backed up
  std::string backup_id;                        // the backup set's id
  absl::Time created;                           // the set's commit instant
  absl::Time expires = absl::InfiniteFuture();  // InfiniteFuture: never
  Sha256Digest manifest_sha256{};               // of the exact manifest bytes
  std::vector<std::string> writer_ids;
  bool is_signed = false;  // a MAC is present
  Sha256Digest mac{};      // HMAC-SHA-256 (when is_signed)
  // Fields appended by a newer minor version, kept verbatim so that the
  // MAC of such a token still verifies. Empty for this version's tokens.
  std::string extensions;

  friend bool operator==(const ExpiryToken&, const ExpiryToken&) = default;
};

// Why a token was refused (persisted in statuses; never renumber).
enum class TokenError : uint32_t {
  kMissing = 1,      // no token where one is required
  kUnreadable = 2,   // not a token, truncated, unknown/newer format
  kExpired = 3,      // now > expires
  kTampered = 4,     // MAC does not verify (token or manifest changed)
  kForeign = 5,      // belongs to another backup (set/manifest mismatch)
  kUnsigned = 6,     // unsigned, but a key is configured
  kNotYetValid = 7,  // created in the future of the clock (clock rolled back)
};

// The TokenError carried by `status`, if any.
std::optional<TokenError> TokenErrorOf(const absl::Status& status);

Sha256Digest Sha256(absl::string_view bytes);

// Serialises `token`; signs it when `key` is non-empty (is_signed and mac
// are then set from the key, whatever the input said; an empty key gives an
// unsigned token). Times are kept to the nanosecond (rounded down);
// InfiniteFuture expires never.
std::string EncodeToken(const ExpiryToken& token, absl::string_view key);

// Parses a token. kInvalidArgument + kUnreadable for anything that is not
// a well-formed token of a known major version.
absl::StatusOr<ExpiryToken> DecodeToken(absl::string_view bytes);

// Checks a decoded token against the backup's manifest bytes, the key (may
// be empty) and the current time, in this order: unsigned-when-keyed,
// tampered (MAC), foreign (manifest hash), not yet valid, expired.
// Statuses: kPermissionDenied (kUnsigned, kTampered), kFailedPrecondition
// (kForeign, kNotYetValid, kExpired); each message names the cause.
absl::Status CheckToken(const ExpiryToken& token,
                        absl::string_view manifest_bytes, absl::string_view key,
                        absl::Time now);

// Reads a key file (its bytes are the key; at least 16 bytes).
// kInvalidArgument for a short or unreadable key, naming the file.
absl::StatusOr<std::string> ReadKeyFile(class Env* env,
                                        const std::string& path);

}  // namespace shadowset

#endif  // SHADOWSET_ENGINE_BACKUP_TOKEN_H_
