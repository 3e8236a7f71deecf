// Little-endian fixed-width encoding for the reference services' records
// (docs/service-log-format.md), and a bounds-checked decoder.
//
//   Encoder e;
//   e.U32(7);
//   e.Str("name");
//   Decoder d(e.data());
//   uint32_t n; std::string s;
//   if (!d.U32(&n) || !d.Str(&s)) ... malformed ...
//
// Strings and byte strings are a u32 length followed by the bytes.
//
// Thread safety: thread-compatible.

#ifndef SHADOWSET_WRITERS_SERVICE_CODING_H_
#define SHADOWSET_WRITERS_SERVICE_CODING_H_

#include <cstdint>
#include <cstring>
#include <string>

#include "absl/strings/string_view.h"

namespace shadowset::service {

inline void StoreLE32(void* p, uint32_t v) {
  uint8_t* b = static_cast<uint8_t*>(p);
  for (int i = 0; i < 4; ++i) b[i] = static_cast<uint8_t>(v >> (8 * i));
}
inline void StoreLE64(void* p, uint64_t v) {
  uint8_t* b = static_cast<uint8_t*>(p);
  for (int i = 0; i < 8; ++i) b[i] = static_cast<uint8_t>(v >> (8 * i));
}
inline uint32_t LoadLE32(const void* p) {
  const uint8_t* b = static_cast<const uint8_t*>(p);
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | b[i];
  return v;
}
inline uint64_t LoadLE64(const void* p) {
  const uint8_t* b = static_cast<const uint8_t*>(p);
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | b[i];
  return v;
}

class Encoder {
 public:
  void U8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void U16(uint16_t v) {
    U8(static_cast<uint8_t>(v));
    U8(static_cast<uint8_t>(v >> 8));
  }
  void U32(uint32_t v) {
    char b[4];
    StoreLE32(b, v);
    out_.append(b, 4);
  }
  void U64(uint64_t v) {
    char b[8];
    StoreLE64(b, v);
    out_.append(b, 8);
  }
  void I64(int64_t v) { U64(static_cast<uint64_t>(v)); }
  void Bool(bool v) { U8(v ? 1 : 0); }
  void Str(absl::string_view s) {
    U32(static_cast<uint32_t>(s.size()));
    out_.append(s.data(), s.size());
  }

  const std::string& data() const { return out_; }
  std::string Release() { return std::move(out_); }
  size_t size() const { return out_.size(); }
  void Clear() { out_.clear(); }

 private:
  std::string out_;
};

// Every getter returns false (and consumes nothing more) when the input is
// too short; callers turn that into kDataLoss.
class Decoder {
 public:
  explicit Decoder(absl::string_view in) : in_(in) {}

  bool U8(uint8_t* v) {
    if (in_.size() < 1) return false;
    *v = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return true;
  }
  bool U16(uint16_t* v) {
    uint8_t lo, hi;
    if (in_.size() < 2 || !U8(&lo) || !U8(&hi)) return false;
    *v = static_cast<uint16_t>(lo | (hi << 8));
    return true;
  }
  bool U32(uint32_t* v) {
    if (in_.size() < 4) return false;
    *v = LoadLE32(in_.data());
    in_.remove_prefix(4);
    return true;
  }
  bool U64(uint64_t* v) {
    if (in_.size() < 8) return false;
    *v = LoadLE64(in_.data());
    in_.remove_prefix(8);
    return true;
  }
  bool I64(int64_t* v) {
    uint64_t u;
    if (!U64(&u)) return false;
    *v = static_cast<int64_t>(u);
    return true;
  }
  bool Bool(bool* v) {
    uint8_t b;
    if (!U8(&b) || b > 1) return false;
    *v = b == 1;
    return true;
  }
  bool Str(std::string* s) {
    uint32_t n;
    if (in_.size() < 4) return false;
    n = LoadLE32(in_.data());
    if (in_.size() - 4 < n) return false;
    s->assign(in_.data() + 4, n);
    in_.remove_prefix(4 + size_t{n});
    return true;
  }

  bool done() const { return in_.empty(); }
  size_t remaining() const { return in_.size(); }

 private:
  absl::string_view in_;
};

}  // namespace shadowset::service

#endif  // SHADOWSET_WRITERS_SERVICE_CODING_H_
