// The router configuration's record grammar (docs/rras-format.md): each log
// record (mutation or base part) is a list of operations.
//
// Operation kinds are persisted: never renumber.
//
// Thread safety: thread-compatible.

#ifndef SHADOWSET_WRITERS_RRAS_INTERNAL_RRAS_RECORDS_H_
#define SHADOWSET_WRITERS_RRAS_INTERNAL_RRAS_RECORDS_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "writers/rras/rras_types.h"
#include "writers/service/coding.h"
#include "writers/service/op_record.h"

namespace shadowset::rras::internal {

enum class OpKind : uint8_t {
  kConfig = 1,
  kAddAdmin = 2,
  kRemoveAdmin = 3,
  kPutTransport = 4,
  kDeleteTransport = 5,
  kPutInterface = 6,
  kDeleteInterface = 7,
  kPutPhonebookEntry = 8,
  kDeletePhonebookEntry = 9,
};

class RecordBuilder {
 public:
  void Config(absl::string_view instance_id);
  void AddAdmin(absl::string_view name);
  void RemoveAdmin(absl::string_view name);
  void PutTransport(const Transport& t);
  void DeleteTransport(uint32_t id);
  void PutInterface(const Interface& i);
  void DeleteInterface(absl::string_view name);
  void PutPhonebookEntry(const PhonebookEntry& e);
  void DeletePhonebookEntry(absl::string_view name);

  bool empty() const { return record_.empty(); }
  size_t size() const { return record_.size(); }
  // The payload: u32 operation count, then the operations. Resets.
  std::string Finish();

 private:
  service::Encoder& Op(OpKind kind) {
    return record_.Op(static_cast<uint8_t>(kind));
  }

  service::OpRecordWriter record_;
};

void EncodeTransport(service::Encoder& e, const Transport& t);
bool DecodeTransport(service::Decoder& d, Transport* t);
void EncodeInterface(service::Encoder& e, const Interface& i);
bool DecodeInterface(service::Decoder& d, Interface* i);
void EncodePhonebookEntry(service::Encoder& e, const PhonebookEntry& p);
bool DecodePhonebookEntry(service::Decoder& d, PhonebookEntry* p);

}  // namespace shadowset::rras::internal

#endif  // SHADOWSET_WRITERS_RRAS_INTERNAL_RRAS_RECORDS_H_
