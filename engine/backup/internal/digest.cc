#include "engine/backup/internal/digest.h"

#include <openssl/evp.h>
#include <xxhash.h>
// On x86-64, xxHash's dispatching entry points pick the widest vector unit
// the CPU has (AVX-512/AVX2: about 1.5x the SSE2 baseline).
#if defined(__x86_64__) && __has_include(<xxh_x86dispatch.h>)
#include <xxh_x86dispatch.h>
#endif

#include <cstdlib>

namespace shadowset::internal {
namespace {

// Fetched once: an explicit fetch avoids OpenSSL 3's per-init lookup.
const EVP_MD* Sha256Md() {
  static const EVP_MD* md = [] {
    const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return fetched != nullptr ? fetched : EVP_sha256();
  }();
  return md;
}

constexpr char kHexDigits[] = "0123456789abcdef";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

uint64_t Xxh3(absl::string_view bytes) {
  return XXH3_64bits(bytes.data(), bytes.size());
}

Sha256Hasher::Sha256Hasher() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr || EVP_DigestInit_ex(ctx_, Sha256Md(), nullptr) != 1) {
    std::abort();  // out of memory: libcrypto cannot hash at all
  }
}

Sha256Hasher::~Sha256Hasher() { EVP_MD_CTX_free(ctx_); }

void Sha256Hasher::Update(absl::string_view bytes) {
  if (bytes.empty()) return;
  if (EVP_DigestUpdate(ctx_, bytes.data(), bytes.size()) != 1) std::abort();
}

Sha256Digest Sha256Hasher::Finish() {
  Sha256Digest out{};
  unsigned int n = 0;
  if (EVP_DigestFinal_ex(ctx_, out.data(), &n) != 1 || n != out.size() ||
      EVP_DigestInit_ex(ctx_, Sha256Md(), nullptr) != 1) {
    std::abort();
  }
  return out;
}

Sha256Digest Sha256Hasher::Digest(absl::string_view bytes) {
  if (EVP_DigestInit_ex(ctx_, Sha256Md(), nullptr) != 1) std::abort();
  Update(bytes);
  return Finish();
}

FileDigester::FileDigester(bool sha256) : xxh_(XXH3_createState()) {
  if (xxh_ == nullptr || XXH3_64bits_reset(xxh_) != XXH_OK) std::abort();
  if (sha256) sha_.emplace();
}

FileDigester::~FileDigester() { XXH3_freeState(xxh_); }

void FileDigester::Update(absl::Span<const uint8_t> bytes) {
  if (bytes.empty()) return;
  XXH3_64bits_update(xxh_, bytes.data(), bytes.size());
  if (sha_) sha_->Update(bytes);
  size_ += bytes.size();
}

FileDigest FileDigester::Finish() {
  FileDigest d;
  d.size = size_;
  d.xxh3 = XXH3_64bits_digest(xxh_);
  if (sha_) d.sha256 = sha_->Finish();
  return d;
}

std::string HexXxh3(uint64_t value) {
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i) {
    out[static_cast<size_t>(i)] = kHexDigits[value & 0xF];
    value >>= 4;
  }
  return out;
}

std::string HexSha256(const Sha256Digest& digest) {
  std::string out;
  out.reserve(64);
  for (uint8_t b : digest) {
    out.push_back(kHexDigits[b >> 4]);
    out.push_back(kHexDigits[b & 0xF]);
  }
  return out;
}

std::optional<uint64_t> ParseHexXxh3(absl::string_view text) {
  if (text.size() != 16) return std::nullopt;
  uint64_t v = 0;
  for (char c : text) {
    int d = HexValue(c);
    if (d < 0) return std::nullopt;
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  return v;
}

std::optional<Sha256Digest> ParseHexSha256(absl::string_view text) {
  if (text.size() != 64) return std::nullopt;
  Sha256Digest d{};
  for (size_t i = 0; i < d.size(); ++i) {
    int hi = HexValue(text[2 * i]);
    int lo = HexValue(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    d[i] = static_cast<uint8_t>((hi << 4) | lo);
  }
  return d;
}

}  // namespace shadowset::internal
