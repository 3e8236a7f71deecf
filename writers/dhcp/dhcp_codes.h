// The DHCP server management API's result codes (dhcpsapi; public Windows
// constants: never renumber) and their names.
//
// DhcpServer statuses carry one of these, or a generic Win32 code from
// engine/codes.h, as their payload (CodeOf(status)); the C API returns the
// number itself.

#ifndef SHADOWSET_WRITERS_DHCP_DHCP_CODES_H_
#define SHADOWSET_WRITERS_DHCP_DHCP_CODES_H_

#include <cstdint>

#include "absl/strings/string_view.h"

namespace shadowset::dhcp {

inline constexpr uint32_t kErrorDhcpSubnetExists = 20004;       // SUBNET_EXITS
inline constexpr uint32_t kErrorDhcpSubnetNotPresent = 20005;
inline constexpr uint32_t kErrorDhcpElementCantRemove = 20007;
inline constexpr uint32_t kErrorDhcpOptionNotPresent = 20010;
inline constexpr uint32_t kErrorDhcpAddressNotAvailable = 20011;
inline constexpr uint32_t kErrorDhcpRangeFull = 20012;
inline constexpr uint32_t kErrorDhcpJetError = 20013;
inline constexpr uint32_t kErrorDhcpClientExists = 20014;
inline constexpr uint32_t kErrorDhcpInvalidDhcpClient = 20016;
inline constexpr uint32_t kErrorDhcpNotReservedClient = 20018;
inline constexpr uint32_t kErrorDhcpReservedIpExists = 20022;   // RESERVEDIP_EXITS
inline constexpr uint32_t kErrorDhcpInvalidRange = 20023;

// "ERROR_DHCP_CLIENT_EXISTS" etc. for the codes above and every generic
// Win32 code of engine/codes.h; empty for an unknown code.
absl::string_view DhcpCodeName(uint32_t code);

}  // namespace shadowset::dhcp

#endif  // SHADOWSET_WRITERS_DHCP_DHCP_CODES_H_
