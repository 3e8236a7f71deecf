#include "writers/dhcp/internal/dhcp_records.h"

namespace shadowset::dhcp::internal {

using service::Decoder;
using service::Encoder;

namespace {

void EncodeHost(Encoder& e, const HostInfo& h) {
  e.U32(h.ip);
  e.Str(h.netbios_name);
  e.Str(h.host_name);
}

bool DecodeHost(Decoder& d, HostInfo* h) {
  return d.U32(&h->ip) && d.Str(&h->netbios_name) && d.Str(&h->host_name);
}

void EncodeRanges(Encoder& e, const std::vector<IpRange>& ranges) {
  e.U32(static_cast<uint32_t>(ranges.size()));
  for (const IpRange& r : ranges) {
    e.U32(r.start);
    e.U32(r.end);
  }
}

bool DecodeRanges(Decoder& d, std::vector<IpRange>* ranges) {
  uint32_t n;
  if (!d.U32(&n) || n > d.remaining() / 8) return false;
  ranges->resize(n);
  for (IpRange& r : *ranges) {
    if (!d.U32(&r.start) || !d.U32(&r.end)) return false;
  }
  return true;
}

}  // namespace

void EncodeClientInfo(Encoder& e, const ClientInfo& c) {
  e.U32(c.ip);
  e.U32(c.subnet_mask);
  e.Str(c.hardware_address);
  e.Str(c.name);
  e.Str(c.comment);
  e.U64(ToFileTime(c.expires));
  EncodeHost(e, c.owner);
  e.U8(static_cast<uint8_t>(c.client_type));
  e.U8(static_cast<uint8_t>(c.address_state));
  e.U32(static_cast<uint32_t>(c.quarantine_status));
  e.U64(ToFileTime(c.probation_ends));
  e.Bool(c.quarantine_capable);
}

bool DecodeClientInfo(Decoder& d, ClientInfo* c) {
  uint64_t expires, probation;
  uint8_t type, state;
  uint32_t quarantine;
  if (!d.U32(&c->ip) || !d.U32(&c->subnet_mask) ||
      !d.Str(&c->hardware_address) || !d.Str(&c->name) ||
      !d.Str(&c->comment) || !d.U64(&expires) || !DecodeHost(d, &c->owner) ||
      !d.U8(&type) || !d.U8(&state) || !d.U32(&quarantine) ||
      !d.U64(&probation) || !d.Bool(&c->quarantine_capable)) {
    return false;
  }
  c->expires = FromFileTime(expires);
  c->probation_ends = FromFileTime(probation);
  c->client_type = static_cast<ClientType>(type);
  c->address_state = static_cast<AddressState>(state);
  c->quarantine_status = static_cast<QuarantineStatus>(quarantine);
  return true;
}

void EncodeScope(Encoder& e, const Scope& s) {
  e.U32(s.info.address);
  e.U32(s.info.mask);
  e.Str(s.info.name);
  e.Str(s.info.comment);
  EncodeHost(e, s.info.primary_host);
  e.U32(static_cast<uint32_t>(s.info.state));
  EncodeRanges(e, s.ranges);
  EncodeRanges(e, s.exclusions);
}

bool DecodeScope(Decoder& d, Scope* s) {
  uint32_t state;
  if (!d.U32(&s->info.address) || !d.U32(&s->info.mask) ||
      !d.Str(&s->info.name) || !d.Str(&s->info.comment) ||
      !DecodeHost(d, &s->info.primary_host) || !d.U32(&state) ||
      !DecodeRanges(d, &s->ranges) || !DecodeRanges(d, &s->exclusions)) {
    return false;
  }
  s->info.state = static_cast<SubnetState>(state);
  return true;
}

void EncodeOptionKey(Encoder& e, const OptionKey& k) {
  e.U32(static_cast<uint32_t>(k.scope.type));
  e.U32(k.scope.subnet);
  e.U32(k.scope.reserved_ip);
  e.U32(k.id);
}

bool DecodeOptionKey(Decoder& d, OptionKey* k) {
  uint32_t type;
  if (!d.U32(&type) || !d.U32(&k->scope.subnet) ||
      !d.U32(&k->scope.reserved_ip) || !d.U32(&k->id)) {
    return false;
  }
  k->scope.type = static_cast<OptionScopeType>(type);
  return true;
}

void EncodeOptionValue(Encoder& e, const OptionValue& v) {
  e.U32(static_cast<uint32_t>(v.size()));
  for (const OptionElement& el : v) {
    e.U32(static_cast<uint32_t>(el.type));
    e.U64(el.number);
    e.Str(el.data);
  }
}

bool DecodeOptionValue(Decoder& d, OptionValue* v) {
  uint32_t n;
  if (!d.U32(&n) || n > d.remaining() / 16) return false;
  v->resize(n);
  for (OptionElement& el : *v) {
    uint32_t type;
    if (!d.U32(&type) || !d.U64(&el.number) || !d.Str(&el.data)) return false;
    el.type = static_cast<OptionDataType>(type);
  }
  return true;
}

void EncodeReservation(Encoder& e, const Reservation& r) {
  e.U32(r.ip);
  e.Str(r.hardware_address);
  e.U8(r.allowed_client_types);
}

bool DecodeReservation(Decoder& d, Reservation* r) {
  return d.U32(&r->ip) && d.Str(&r->hardware_address) &&
         d.U8(&r->allowed_client_types);
}

void EncodeServerConfig(Encoder& e, const ServerConfig& c) {
  e.U32(c.server_ip);
  e.Str(c.server_name);
  e.Str(c.instance_id);
}

bool DecodeServerConfig(Decoder& d, ServerConfig* c) {
  return d.U32(&c->server_ip) && d.Str(&c->server_name) &&
         d.Str(&c->instance_id);
}

void RecordBuilder::ServerConfigOp(const ServerConfig& config) {
  EncodeServerConfig(Op(OpKind::kServerConfig), config);
}

void RecordBuilder::AddAdmin(absl::string_view name) {
  Op(OpKind::kAddAdmin).Str(name);
}

void RecordBuilder::RemoveAdmin(absl::string_view name) {
  Op(OpKind::kRemoveAdmin).Str(name);
}

void RecordBuilder::PutSubnet(const Scope& scope) {
  EncodeScope(Op(OpKind::kPutSubnet), scope);
}

void RecordBuilder::DeleteSubnet(IpAddress subnet) {
  Op(OpKind::kDeleteSubnet).U32(subnet);
}

void RecordBuilder::PutReservation(const Reservation& reservation) {
  EncodeReservation(Op(OpKind::kPutReservation), reservation);
}

void RecordBuilder::DeleteReservation(IpAddress ip) {
  Op(OpKind::kDeleteReservation).U32(ip);
}

void RecordBuilder::PutOption(const OptionKey& key, const OptionValue& value) {
  Encoder& e = Op(OpKind::kPutOption);
  EncodeOptionKey(e, key);
  EncodeOptionValue(e, value);
}

void RecordBuilder::DeleteOption(const OptionKey& key) {
  EncodeOptionKey(Op(OpKind::kDeleteOption), key);
}

void RecordBuilder::PutLease(const ClientInfo& info) {
  EncodeClientInfo(Op(OpKind::kPutLease), info);
  leases_.push_back(info.ip);
}

void RecordBuilder::DeleteLease(IpAddress ip) {
  Op(OpKind::kDeleteLease).U32(ip);
  leases_.push_back(ip);
}

void RecordBuilder::SetPendingRestore(absl::string_view path) {
  Op(OpKind::kSetPendingRestore).Str(path);
}

void RecordBuilder::ClearPendingRestore() {
  Op(OpKind::kClearPendingRestore);
}

std::string RecordBuilder::Finish() {
  leases_.clear();
  return record_.Finish();
}

}  // namespace shadowset::dhcp::internal
