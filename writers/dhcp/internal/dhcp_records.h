// The DHCP database's record grammar (docs/dhcp-format.md): each log record
// (mutation or base part) is a list of operations; applying them in order
// rebuilds the state.
//
//   RecordBuilder b;
//   b.PutLease(info);
//   std::string payload = b.Finish();   // append to the RecordLog
//
// Operation kinds are persisted: never renumber.
//
// Thread safety: thread-compatible.

#ifndef SHADOWSET_WRITERS_DHCP_INTERNAL_DHCP_RECORDS_H_
#define SHADOWSET_WRITERS_DHCP_INTERNAL_DHCP_RECORDS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "writers/dhcp/dhcp_types.h"
#include "writers/service/coding.h"
#include "writers/service/op_record.h"

namespace shadowset::dhcp::internal {

enum class OpKind : uint8_t {
  kServerConfig = 1,
  kAddAdmin = 2,
  kRemoveAdmin = 3,
  kPutSubnet = 4,
  kDeleteSubnet = 5,
  kPutReservation = 6,
  kDeleteReservation = 7,
  kPutOption = 8,
  kDeleteOption = 9,
  kPutLease = 10,
  kDeleteLease = 11,
  kSetPendingRestore = 12,
  kClearPendingRestore = 13,
};

struct ServerConfig {
  IpAddress server_ip = 0;
  std::string server_name;
  std::string instance_id;  // a GUID, fixed at creation
  friend bool operator==(const ServerConfig&, const ServerConfig&) = default;
};

// A scope with its elements.
struct Scope {
  SubnetInfo info;
  std::vector<IpRange> ranges;      // sorted, disjoint
  std::vector<IpRange> exclusions;  // sorted, disjoint
  friend bool operator==(const Scope&, const Scope&) = default;
};

struct OptionKey {
  OptionScope scope;
  uint32_t id = 0;
  friend bool operator==(const OptionKey&, const OptionKey&) = default;
  friend auto operator<=>(const OptionKey&, const OptionKey&) = default;
};

class RecordBuilder {
 public:
  void ServerConfigOp(const ServerConfig& config);
  void AddAdmin(absl::string_view name);
  void RemoveAdmin(absl::string_view name);
  void PutSubnet(const Scope& scope);
  void DeleteSubnet(IpAddress subnet);
  void PutReservation(const Reservation& reservation);
  void DeleteReservation(IpAddress ip);
  void PutOption(const OptionKey& key, const OptionValue& value);
  void DeleteOption(const OptionKey& key);
  void PutLease(const ClientInfo& info);
  void DeleteLease(IpAddress ip);
  void SetPendingRestore(absl::string_view path);
  void ClearPendingRestore();

  bool empty() const { return record_.empty(); }
  // Addresses of the leases put or deleted so far.
  const std::vector<IpAddress>& leases() const { return leases_; }
  size_t size() const { return record_.size(); }
  // The payload: u32 operation count, then the operations. Resets.
  std::string Finish();

 private:
  service::Encoder& Op(OpKind kind) {
    return record_.Op(static_cast<uint8_t>(kind));
  }

  service::OpRecordWriter record_;
  std::vector<IpAddress> leases_;
};

// Field codecs shared by the records and the backup file.
void EncodeClientInfo(service::Encoder& e, const ClientInfo& info);
bool DecodeClientInfo(service::Decoder& d, ClientInfo* info);
void EncodeScope(service::Encoder& e, const Scope& scope);
bool DecodeScope(service::Decoder& d, Scope* scope);
void EncodeOptionKey(service::Encoder& e, const OptionKey& key);
bool DecodeOptionKey(service::Decoder& d, OptionKey* key);
void EncodeOptionValue(service::Encoder& e, const OptionValue& value);
bool DecodeOptionValue(service::Decoder& d, OptionValue* value);
void EncodeReservation(service::Encoder& e, const Reservation& r);
bool DecodeReservation(service::Decoder& d, Reservation* r);
void EncodeServerConfig(service::Encoder& e, const ServerConfig& c);
bool DecodeServerConfig(service::Decoder& d, ServerConfig* c);

}  // namespace shadowset::dhcp::internal

#endif  // SHADOWSET_WRITERS_DHCP_INTERNAL_DHCP_RECORDS_H_
