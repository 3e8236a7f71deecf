#include "writers/rras/internal/rras_records.h"

namespace shadowset::rras::internal {

using service::Decoder;
using service::Encoder;

void EncodeTransport(Encoder& e, const Transport& t) {
  e.U32(t.id);
  e.Str(t.name);
  e.Str(t.global_info);
  e.Str(t.client_interface_info);
  e.Str(t.dll_path);
}

bool DecodeTransport(Decoder& d, Transport* t) {
  return d.U32(&t->id) && d.Str(&t->name) && d.Str(&t->global_info) &&
         d.Str(&t->client_interface_info) && d.Str(&t->dll_path);
}

void EncodeInterface(Encoder& e, const Interface& i) {
  e.Str(i.name);
  e.U32(static_cast<uint32_t>(i.type));
  e.Bool(i.enabled);
  e.U32(static_cast<uint32_t>(i.transports.size()));
  for (const InterfaceTransport& t : i.transports) {
    e.U32(t.transport_id);
    e.Str(t.name);
    e.Str(t.info);
  }
}

bool DecodeInterface(Decoder& d, Interface* i) {
  uint32_t type, n;
  if (!d.Str(&i->name) || !d.U32(&type) || !d.Bool(&i->enabled) ||
      !d.U32(&n) || n > d.remaining() / 12) {
    return false;
  }
  i->type = static_cast<InterfaceType>(type);
  i->transports.resize(n);
  for (InterfaceTransport& t : i->transports) {
    if (!d.U32(&t.transport_id) || !d.Str(&t.name) || !d.Str(&t.info)) {
      return false;
    }
  }
  return true;
}

void EncodePhonebookEntry(Encoder& e, const PhonebookEntry& p) {
  e.Str(p.name);
  e.Str(p.device);
  e.Str(p.number);
  e.U32(static_cast<uint32_t>(p.options.size()));
  for (const auto& [key, value] : p.options) {
    e.Str(key);
    e.Str(value);
  }
}

bool DecodePhonebookEntry(Decoder& d, PhonebookEntry* p) {
  uint32_t n;
  if (!d.Str(&p->name) || !d.Str(&p->device) || !d.Str(&p->number) ||
      !d.U32(&n) || n > d.remaining() / 8) {
    return false;
  }
  for (uint32_t i = 0; i < n; ++i) {
    std::string key, value;
    if (!d.Str(&key) || !d.Str(&value)) return false;
    p->options[key] = value;
  }
  return true;
}

void RecordBuilder::Config(absl::string_view instance_id) {
  Op(OpKind::kConfig).Str(instance_id);
}

void RecordBuilder::AddAdmin(absl::string_view name) {
  Op(OpKind::kAddAdmin).Str(name);
}

void RecordBuilder::RemoveAdmin(absl::string_view name) {
  Op(OpKind::kRemoveAdmin).Str(name);
}

void RecordBuilder::PutTransport(const Transport& t) {
  EncodeTransport(Op(OpKind::kPutTransport), t);
}

void RecordBuilder::DeleteTransport(uint32_t id) {
  Op(OpKind::kDeleteTransport).U32(id);
}

void RecordBuilder::PutInterface(const Interface& i) {
  EncodeInterface(Op(OpKind::kPutInterface), i);
}

void RecordBuilder::DeleteInterface(absl::string_view name) {
  Op(OpKind::kDeleteInterface).Str(name);
}

void RecordBuilder::PutPhonebookEntry(const PhonebookEntry& e) {
  EncodePhonebookEntry(Op(OpKind::kPutPhonebookEntry), e);
}

void RecordBuilder::DeletePhonebookEntry(absl::string_view name) {
  Op(OpKind::kDeletePhonebookEntry).Str(name);
}

std::string RecordBuilder::Finish() {
  return record_.Finish();
}

}  // namespace shadowset::rras::internal
