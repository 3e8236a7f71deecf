// OpRecordWriter: the payload framing of the reference services' records
// (docs/service-log-format.md): a u32 operation count, then each operation
// as a u8 kind followed by its fields.
//
//   service::OpRecordWriter w;
//   w.Op(static_cast<uint8_t>(OpKind::kAddAdmin)).Str("alice");
//   if (!w.empty()) ASSIGN_OR_RETURN(lsn, log->Append(w.Finish()));
//
// The service's record builder owns one and names the operations; what the
// kinds mean and how their fields read is the service's.
// Thread safety: thread-compatible.

#ifndef SHADOWSET_WRITERS_SERVICE_OP_RECORD_H_
#define SHADOWSET_WRITERS_SERVICE_OP_RECORD_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "writers/service/coding.h"

namespace shadowset::service {

class OpRecordWriter {
 public:
  // Starts one more operation of `kind`; returns the encoder its fields go
  // to (valid until the next call).
  Encoder& Op(uint8_t kind) {
    body_.U8(kind);
    ++ops_;
    return body_;
  }

  bool empty() const { return ops_ == 0; }
  // The size of the payload Finish would return.
  size_t size() const { return body_.size() + 4; }
  // The payload: u32 operation count, then the operations. Resets.
  std::string Finish() {
    Encoder out;
    out.U32(ops_);
    std::string payload = out.Release() + body_.Release();
    body_.Clear();
    ops_ = 0;
    return payload;
  }

 private:
  Encoder body_;
  uint32_t ops_ = 0;
};

}  // namespace shadowset::service

#endif  // SHADOWSET_WRITERS_SERVICE_OP_RECORD_H_
