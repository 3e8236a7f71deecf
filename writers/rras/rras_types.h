// Value types of the router configuration service (SEMANTICS.md §3), the
// C++ counterparts of mprapi's: router managers (transports), interfaces
// with their per-transport information, and phone-book entries.
//
// Enum values are mprapi's and are persisted: never renumber.

#ifndef SHADOWSET_WRITERS_RRAS_RRAS_TYPES_H_
#define SHADOWSET_WRITERS_RRAS_RRAS_TYPES_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace shadowset::rras {

// Router manager (transport) ids.
inline constexpr uint32_t kPidIp = 0x21;
inline constexpr uint32_t kPidIpv6 = 0x57;

inline constexpr size_t kMaxInterfaceNameLength = 256;
inline constexpr size_t kMaxTransportNameLength = 40;

// ROUTER_INTERFACE_TYPE.
enum class InterfaceType : uint32_t {
  kClient = 0,
  kHomeRouter = 1,
  kFullRouter = 2,
  kDedicated = 3,
  kInternal = 4,
  kLoopback = 5,
  kTunnel1 = 6,
  kDialout = 7,
};

// A router manager: one per transport protocol.
struct Transport {
  uint32_t id = kPidIp;  // kPidIp or kPidIpv6
  std::string name;      // at most kMaxTransportNameLength bytes
  std::string global_info;            // opaque blob
  std::string client_interface_info;  // opaque blob
  std::string dll_path;
  friend bool operator==(const Transport&, const Transport&) = default;
};

// A transport bound to an interface.
struct InterfaceTransport {
  uint32_t transport_id = kPidIp;
  std::string name;
  std::string info;  // opaque blob
  friend bool operator==(const InterfaceTransport&,
                         const InterfaceTransport&) = default;
};

struct Interface {
  std::string name;  // 1..kMaxInterfaceNameLength bytes; unique ignoring case
  InterfaceType type = InterfaceType::kDedicated;
  bool enabled = true;
  std::vector<InterfaceTransport> transports;  // ascending by transport id
  friend bool operator==(const Interface&, const Interface&) = default;
};

// A phone-book entry (a section of rasphone.pbk).
struct PhonebookEntry {
  std::string name;    // no ']' and no line breaks
  std::string device;  // e.g. "modem1", "vpn"
  std::string number;  // phone number or host
  std::map<std::string, std::string> options;  // key=value lines
  friend bool operator==(const PhonebookEntry&, const PhonebookEntry&) = default;
};

// "full-router", "dedicated", "internal", "loopback", "tunnel", "dialout",
// "home-router", "client".
absl::string_view InterfaceTypeName(InterfaceType type);
std::optional<InterfaceType> ParseInterfaceType(absl::string_view name);
// "ip" (0x21), "ipv6" (0x57); "" for others.
absl::string_view TransportName(uint32_t id);
std::optional<uint32_t> ParseTransport(absl::string_view name);

}  // namespace shadowset::rras

#endif  // SHADOWSET_WRITERS_RRAS_RRAS_TYPES_H_
