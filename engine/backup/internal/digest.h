// Checksums of the backup-set formats: xxh3-64 (always; corruption) and
// SHA-256 via OpenSSL libcrypto (when a key is configured; tampering), and
// their lowercase-hex spelling in manifests.
//
//   Sha256Hasher sha;                 // one EVP context, reused
//   sha.Update(bytes);
//   Sha256Digest d = sha.Finish();    // and ready for the next message
//
//   FileDigester file(/*sha256=*/true);
//   file.Update(chunk); ...
//   FileDigest digest = file.Finish();
//
// Thread safety: thread-compatible (each object used by one thread at a
// time); the free functions are safe for concurrent use.

#ifndef SHADOWSET_ENGINE_BACKUP_INTERNAL_DIGEST_H_
#define SHADOWSET_ENGINE_BACKUP_INTERNAL_DIGEST_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "engine/backup/token.h"

struct evp_md_ctx_st;
struct XXH3_state_s;

namespace shadowset::internal {

// Algorithm names, stored beside every checksum (manifests, sums headers).
inline constexpr absl::string_view kXxh3Name = "xxh3-64";
inline constexpr absl::string_view kSha256Name = "sha256";

uint64_t Xxh3(absl::string_view bytes);
inline uint64_t Xxh3(absl::Span<const uint8_t> bytes) {
  return Xxh3(absl::string_view(reinterpret_cast<const char*>(bytes.data()),
                                bytes.size()));
}

// Incremental SHA-256 on one reusable EVP_MD_CTX.
class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;

  void Update(absl::string_view bytes);
  void Update(absl::Span<const uint8_t> bytes) {
    Update(absl::string_view(reinterpret_cast<const char*>(bytes.data()),
                             bytes.size()));
  }
  // The digest of everything updated since the last Finish; restarts.
  Sha256Digest Finish();
  // SHA-256 of one message (the context is restarted first).
  Sha256Digest Digest(absl::string_view bytes);

 private:
  evp_md_ctx_st* ctx_;
};

// A file's size and checksums, as the manifest lists them.
struct FileDigest {
  uint64_t size = 0;
  uint64_t xxh3 = 0;
  std::optional<Sha256Digest> sha256;  // when keyed

  friend bool operator==(const FileDigest&, const FileDigest&) = default;
};

// Hashes a byte stream in pieces: xxh3-64 always, SHA-256 when asked.
class FileDigester {
 public:
  explicit FileDigester(bool sha256);
  ~FileDigester();
  FileDigester(const FileDigester&) = delete;
  FileDigester& operator=(const FileDigester&) = delete;

  void Update(absl::Span<const uint8_t> bytes);
  void Update(absl::string_view bytes) {
    Update(absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(bytes.data()),
                               bytes.size()));
  }
  FileDigest Finish();

 private:
  XXH3_state_s* xxh_;
  std::optional<Sha256Hasher> sha_;
  uint64_t size_ = 0;
};

// Lowercase hex, and back (nullopt unless exactly the expected length of
// [0-9a-f]).
std::string HexXxh3(uint64_t value);
std::string HexSha256(const Sha256Digest& digest);
std::optional<uint64_t> ParseHexXxh3(absl::string_view text);
std::optional<Sha256Digest> ParseHexSha256(absl::string_view text);

}  // namespace shadowset::internal

#endif  // SHADOWSET_ENGINE_BACKUP_INTERNAL_DIGEST_H_
