// Value types of the DHCP server's management API (SEMANTICS.md §2), the
// C++ counterparts of dhcpsapi's structures, plus text helpers for
// addresses, hardware addresses and lease times.
//
// Addresses are IPv4 in host byte order (10.1.0.5 == 0x0A010005), as
// DHCP_IP_ADDRESS. Hardware addresses are raw bytes (usually a 6-byte MAC).
// Enum values are dhcpsapi's and are persisted: never renumber.

#ifndef SHADOWSET_WRITERS_DHCP_DHCP_TYPES_H_
#define SHADOWSET_WRITERS_DHCP_DHCP_TYPES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace shadowset::dhcp {

using IpAddress = uint32_t;

enum class ClientType : uint8_t {
  kUnspecified = 0,
  kDhcp = 1,
  kBootp = 2,
  kBoth = 3,
  kReservationFlag = 4,
  kNone = 0x64,
};

enum class AddressState : uint8_t {
  kOffered = 0,
  kActive = 1,
  kDeclined = 2,
  kDoom = 3,  // due to be deleted
};

enum class QuarantineStatus : uint32_t {
  kNoQuarantine = 0,
  kRestrictedAccess = 1,
  kDropPacket = 2,
  kProbation = 3,
  kExempt = 4,
  kDefaultQuarSetting = 5,
  kNoQuarInfo = 6,
};

enum class SubnetState : uint32_t {
  kEnabled = 0,
  kDisabled = 1,
  kEnabledSwitched = 2,
  kDisabledSwitched = 3,
};

// DHCP_FORCE_FLAG.
enum class ForceFlag : uint32_t { kFullForce = 0, kNoForce = 1 };

// DHCP_SEARCH_INFO_TYPE.
enum class SearchType : uint32_t {
  kIpAddress = 0,
  kHardwareAddress = 1,
  kName = 2,
};

// DHCP_HOST_INFO.
struct HostInfo {
  IpAddress ip = 0;
  std::string netbios_name;
  std::string host_name;
  friend bool operator==(const HostInfo&, const HostInfo&) = default;
};

// DHCP_CLIENT_INFO_VQ: one lease record.
struct ClientInfo {
  IpAddress ip = 0;           // ClientIpAddress (required)
  IpAddress subnet_mask = 0;  // 0 on input: the scope's mask
  std::string hardware_address;  // ClientHardwareAddress (required)
  std::string name;              // ClientName
  std::string comment;           // ClientComment
  // ClientLeaseExpires (UTC). InfiniteFuture = never (reservations);
  // InfinitePast = not set.
  absl::Time expires = absl::InfiniteFuture();
  HostInfo owner;  // OwnerHost: the server that granted the lease
  ClientType client_type = ClientType::kDhcp;
  AddressState address_state = AddressState::kActive;
  QuarantineStatus quarantine_status = QuarantineStatus::kNoQuarantine;
  absl::Time probation_ends = absl::InfinitePast();
  bool quarantine_capable = false;
  friend bool operator==(const ClientInfo&, const ClientInfo&) = default;
};

// DHCP_SUBNET_INFO: a scope.
struct SubnetInfo {
  IpAddress address = 0;  // SubnetAddress: the network (address & mask)
  IpAddress mask = 0;     // contiguous
  std::string name;
  std::string comment;
  HostInfo primary_host;
  SubnetState state = SubnetState::kEnabled;
  friend bool operator==(const SubnetInfo&, const SubnetInfo&) = default;
};

// DHCP_IP_RANGE: [start, end], inclusive.
struct IpRange {
  IpAddress start = 0;
  IpAddress end = 0;
  friend bool operator==(const IpRange&, const IpRange&) = default;
  friend auto operator<=>(const IpRange&, const IpRange&) = default;
};

// DHCP_IP_RESERVATION_V4.
struct Reservation {
  IpAddress ip = 0;
  std::string hardware_address;
  uint8_t allowed_client_types = static_cast<uint8_t>(ClientType::kBoth);
  friend bool operator==(const Reservation&, const Reservation&) = default;
};

// DHCP_SUBNET_ELEMENT_TYPE (the ones this server keeps).
enum class ElementType : uint32_t {
  kIpRanges = 0,
  kReservedIps = 2,
  kExcludedIpRanges = 3,
};

// One DHCP_SUBNET_ELEMENT_DATA_V4.
struct SubnetElement {
  ElementType type = ElementType::kIpRanges;
  IpRange range;            // kIpRanges, kExcludedIpRanges
  Reservation reservation;  // kReservedIps
  friend bool operator==(const SubnetElement&, const SubnetElement&) = default;
};

// DHCP_OPTION_SCOPE_TYPE (the levels this server keeps).
enum class OptionScopeType : uint32_t {
  kGlobal = 1,    // server level
  kSubnet = 2,    // scope level
  kReserved = 3,  // reservation level
};

// DHCP_OPTION_SCOPE_INFO.
struct OptionScope {
  OptionScopeType type = OptionScopeType::kGlobal;
  IpAddress subnet = 0;       // kSubnet, kReserved
  IpAddress reserved_ip = 0;  // kReserved
  static OptionScope Global() { return {}; }
  static OptionScope Subnet(IpAddress subnet) {
    return {OptionScopeType::kSubnet, subnet, 0};
  }
  static OptionScope Reserved(IpAddress subnet, IpAddress ip) {
    return {OptionScopeType::kReserved, subnet, ip};
  }
  friend bool operator==(const OptionScope&, const OptionScope&) = default;
  friend auto operator<=>(const OptionScope&, const OptionScope&) = default;
};

// DHCP_OPTION_DATA_TYPE.
enum class OptionDataType : uint32_t {
  kByte = 0,
  kWord = 1,
  kDWord = 2,
  kDWordDWord = 3,
  kIpAddress = 4,
  kString = 5,
  kBinary = 6,
  kEncapsulated = 7,
  kIpv6Address = 8,
};

// One DHCP_OPTION_DATA_ELEMENT: numeric types use `number`, the others
// `data`.
struct OptionElement {
  OptionDataType type = OptionDataType::kDWord;
  uint64_t number = 0;
  std::string data;
  friend bool operator==(const OptionElement&, const OptionElement&) = default;
};
using OptionValue = std::vector<OptionElement>;

// DHCP_SEARCH_INFO.
struct SearchInfo {
  SearchType type = SearchType::kIpAddress;
  IpAddress ip = 0;
  std::string hardware_address;
  std::string name;
  static SearchInfo ByIp(IpAddress ip) {
    return {SearchType::kIpAddress, ip, "", ""};
  }
  static SearchInfo ByHardwareAddress(std::string hw) {
    return {SearchType::kHardwareAddress, 0, std::move(hw), ""};
  }
  static SearchInfo ByName(std::string name) {
    return {SearchType::kName, 0, "", std::move(name)};
  }
};

// --- text forms ---
// "10.1.0.5".
std::string FormatIp(IpAddress ip);
// Dotted quad; nullopt otherwise.
std::optional<IpAddress> ParseIp(absl::string_view text);
// "aa:bb:cc:dd:ee:ff" (lower case, any length).
std::string FormatHardwareAddress(absl::string_view bytes);
// "aa:bb:cc:dd:ee:ff" or "aa-bb-..." (1 to 32 bytes); nullopt otherwise.
std::optional<std::string> ParseHardwareAddress(absl::string_view text);
// "10.1.0.0/24" -> (address, mask); nullopt if malformed or the address has
// host bits set.
std::optional<std::pair<IpAddress, IpAddress>> ParseSubnet(
    absl::string_view text);
// The prefix length of a contiguous mask; nullopt if not contiguous.
std::optional<int> PrefixLength(IpAddress mask);
IpAddress MaskFromPrefix(int prefix);

// FILETIME (100 ns ticks since 1601-01-01 UTC) <-> absl::Time, as DATE_TIME
// carries it. 0 <-> InfinitePast ("not set"); kFileTimeInfinite <->
// InfiniteFuture ("never expires").
inline constexpr uint64_t kFileTimeInfinite = 0x7FFFFFFFFFFFFFFFull;
uint64_t ToFileTime(absl::Time t);
absl::Time FromFileTime(uint64_t filetime);

}  // namespace shadowset::dhcp

#endif  // SHADOWSET_WRITERS_DHCP_DHCP_TYPES_H_
