// Fixed-width big-endian encoding (so LMDB's byte order is key order) and a
// bounds-checked decoder for the catalog's and the diff area's records.

#ifndef SHADOWSET_ENGINE_INTERNAL_CODING_H_
#define SHADOWSET_ENGINE_INTERNAL_CODING_H_

#include <cstdint>
#include <cstring>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace shadowset::internal {

inline void PutBE32(std::string* out, uint32_t v) {
  char b[4] = {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
  out->append(b, 4);
}
inline void PutBE64(std::string* out, uint64_t v) {
  PutBE32(out, static_cast<uint32_t>(v >> 32));
  PutBE32(out, static_cast<uint32_t>(v));
}
inline void PutBE16(std::string* out, uint16_t v) {
  char b[2] = {char(v >> 8), char(v)};
  out->append(b, 2);
}
inline void PutString(std::string* out, absl::string_view s) {
  PutBE32(out, static_cast<uint32_t>(s.size()));
  out->append(s.data(), s.size());
}

inline uint16_t LoadBE16(const void* p) {
  const uint8_t* b = static_cast<const uint8_t*>(p);
  return static_cast<uint16_t>((b[0] << 8) | b[1]);
}
inline uint32_t LoadBE32(const void* p) {
  const uint8_t* b = static_cast<const uint8_t*>(p);
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) |
         (uint32_t{b[2]} << 8) | uint32_t{b[3]};
}
inline uint64_t LoadBE64(const void* p) {
  const uint8_t* b = static_cast<const uint8_t*>(p);
  return (uint64_t{LoadBE32(b)} << 32) | LoadBE32(b + 4);
}
inline void StoreBE16(void* p, uint16_t v) {
  uint8_t* b = static_cast<uint8_t*>(p);
  b[0] = uint8_t(v >> 8);
  b[1] = uint8_t(v);
}
inline void StoreBE32(void* p, uint32_t v) {
  uint8_t* b = static_cast<uint8_t*>(p);
  b[0] = uint8_t(v >> 24);
  b[1] = uint8_t(v >> 16);
  b[2] = uint8_t(v >> 8);
  b[3] = uint8_t(v);
}
inline void StoreBE64(void* p, uint64_t v) {
  StoreBE32(p, static_cast<uint32_t>(v >> 32));
  StoreBE32(static_cast<uint8_t*>(p) + 4, static_cast<uint32_t>(v));
}

// Reads fields in order; any read past the end sets a DataLoss status and
// yields zeros, so callers check status() once at the end.
class Decoder {
 public:
  Decoder(absl::string_view data, absl::string_view what)
      : data_(data), what_(what) {}

  uint16_t BE16() { return Take(2) ? LoadBE16(data_.data() + pos_ - 2) : 0; }
  uint32_t BE32() { return Take(4) ? LoadBE32(data_.data() + pos_ - 4) : 0; }
  uint64_t BE64() { return Take(8) ? LoadBE64(data_.data() + pos_ - 8) : 0; }
  uint8_t U8() { return Take(1) ? uint8_t(data_[pos_ - 1]) : 0; }
  std::string String() {
    uint32_t n = BE32();
    if (!Take(n)) return {};
    return std::string(data_.substr(pos_ - n, n));
  }
  absl::string_view Bytes(size_t n) {
    if (!Take(n)) return {};
    return data_.substr(pos_ - n, n);
  }
  size_t remaining() const { return data_.size() - pos_; }
  bool done() const { return pos_ == data_.size(); }

  absl::Status status() const {
    if (ok_) return absl::OkStatus();
    return absl::DataLossError(absl::StrCat("truncated ", what_));
  }

 private:
  bool Take(size_t n) {
    if (!ok_ || data_.size() - pos_ < n) {
      ok_ = false;
      return false;
    }
    pos_ += n;
    return true;
  }

  absl::string_view data_;
  absl::string_view what_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace shadowset::internal

#endif  // SHADOWSET_ENGINE_INTERNAL_CODING_H_
