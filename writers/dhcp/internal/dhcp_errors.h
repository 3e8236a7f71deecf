// Status constructors for the DHCP server: each pairs the canonical code
// (what the caller should do next) with the dhcpsapi code (payload).

#ifndef SHADOWSET_WRITERS_DHCP_INTERNAL_DHCP_ERRORS_H_
#define SHADOWSET_WRITERS_DHCP_INTERNAL_DHCP_ERRORS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "engine/codes.h"
#include "writers/dhcp/dhcp_codes.h"
#include "writers/dhcp/dhcp_types.h"

namespace shadowset::dhcp::internal {

inline absl::Status AccessDenied(absl::string_view caller) {
  return MakeError(absl::StatusCode::kPermissionDenied, kErrorAccessDenied,
                   absl::StrCat("'", caller,
                                "' is not a member of DHCP Administrators"));
}

inline absl::Status InvalidParameter(absl::string_view message) {
  return MakeError(absl::StatusCode::kInvalidArgument, kErrorInvalidParameter,
                   message);
}

inline absl::Status SubnetNotPresent(IpAddress subnet) {
  return MakeError(absl::StatusCode::kNotFound, kErrorDhcpSubnetNotPresent,
                   absl::StrCat("no scope ", FormatIp(subnet)));
}

inline absl::Status OutsideEveryScope(IpAddress ip) {
  return MakeError(absl::StatusCode::kNotFound, kErrorDhcpSubnetNotPresent,
                   absl::StrCat("address ", FormatIp(ip),
                                " is outside every scope"));
}

inline absl::Status NoSuchClient(absl::string_view what) {
  return MakeError(absl::StatusCode::kNotFound, kErrorDhcpInvalidDhcpClient,
                   absl::StrCat("no lease record ", what));
}

// A database failure (I/O, a full volume) wrapped as ERROR_DHCP_JET_ERROR.
inline absl::Status JetError(const absl::Status& cause) {
  absl::StatusCode canonical =
      cause.code() == absl::StatusCode::kResourceExhausted
          ? absl::StatusCode::kResourceExhausted
          : absl::StatusCode::kInternal;
  return MakeError(canonical, kErrorDhcpJetError,
                   absl::StrCat("DHCP database error: ", cause.message()));
}

}  // namespace shadowset::dhcp::internal

#endif  // SHADOWSET_WRITERS_DHCP_INTERNAL_DHCP_ERRORS_H_
