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
  body_.U8(static_cast<uint8_t>(OpKind::kConfig));
  body_.Str(instance_id);
  ++ops_;
}

void RecordBuilder::AddAdmin(absl::string_view name) {
  body_.U8(static_cast<uint8_t>(OpKind::kAddAdmin));
  body_.Str(name);
  ++ops_;
}

void RecordBuilder::RemoveAdmin(absl::string_view name) {
  body_.U8(static_cast<uint8_t>(OpKind::kRemoveAdmin));
  body_.Str(name);
  ++ops_;
}

void RecordBuilder::PutTransport(const Transport& t) {
  body_.U8(static_cast<uint8_t>(OpKind::kPutTransport));
  EncodeTransport(body_, t);
  ++ops_;
}

void RecordBuilder::DeleteTransport(uint32_t id) {
  body_.U8(static_cast<uint8_t>(OpKind::kDeleteTransport));
  body_.U32(id);
  ++ops_;
}

void RecordBuilder::PutInterface(const Interface& i) {
  body_.U8(static_cast<uint8_t>(OpKind::kPutInterface));
  EncodeInterface(body_, i);
  ++ops_;
}

void RecordBuilder::DeleteInterface(absl::string_view name) {
  body_.U8(static_cast<uint8_t>(OpKind::kDeleteInterface));
  body_.Str(name);
  ++ops_;
}

void RecordBuilder::PutPhonebookEntry(const PhonebookEntry& e) {
  body_.U8(static_cast<uint8_t>(OpKind::kPutPhonebookEntry));
  EncodePhonebookEntry(body_, e);
  ++ops_;
}

void RecordBuilder::DeletePhonebookEntry(absl::string_view name) {
  body_.U8(static_cast<uint8_t>(OpKind::kDeletePhonebookEntry));
  body_.Str(name);
  ++ops_;
}

std::string RecordBuilder::Finish() {
  Encoder out;
  out.U32(ops_);
  std::string payload = out.Release() + body_.Release();
  body_.Clear();
  ops_ = 0;
  return payload;
}

}  // namespace shadowset::rras::internal
