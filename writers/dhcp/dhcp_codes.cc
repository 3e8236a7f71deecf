#include "writers/dhcp/dhcp_codes.h"

#include "engine/codes.h"

namespace shadowset::dhcp {

absl::string_view DhcpCodeName(uint32_t code) {
  switch (code) {
    case kErrorDhcpSubnetExists:
      return "ERROR_DHCP_SUBNET_EXITS";
    case kErrorDhcpSubnetNotPresent:
      return "ERROR_DHCP_SUBNET_NOT_PRESENT";
    case kErrorDhcpElementCantRemove:
      return "ERROR_DHCP_ELEMENT_CANT_REMOVE";
    case kErrorDhcpOptionNotPresent:
      return "ERROR_DHCP_OPTION_NOT_PRESENT";
    case kErrorDhcpAddressNotAvailable:
      return "ERROR_DHCP_ADDRESS_NOT_AVAILABLE";
    case kErrorDhcpRangeFull:
      return "ERROR_DHCP_RANGE_FULL";
    case kErrorDhcpJetError:
      return "ERROR_DHCP_JET_ERROR";
    case kErrorDhcpClientExists:
      return "ERROR_DHCP_CLIENT_EXISTS";
    case kErrorDhcpInvalidDhcpClient:
      return "ERROR_DHCP_INVALID_DHCP_CLIENT";
    case kErrorDhcpNotReservedClient:
      return "ERROR_DHCP_NOT_RESERVED_CLIENT";
    case kErrorDhcpReservedIpExists:
      return "ERROR_DHCP_RESERVEDIP_EXITS";
    case kErrorDhcpInvalidRange:
      return "ERROR_DHCP_INVALID_RANGE";
    default:
      return CodeName(code);
  }
}

}  // namespace shadowset::dhcp
