// Status constructors for the router configuration: canonical code (what
// the caller should do next) plus the mprapi code (payload).

#ifndef SHADOWSET_WRITERS_RRAS_INTERNAL_RRAS_ERRORS_H_
#define SHADOWSET_WRITERS_RRAS_INTERNAL_RRAS_ERRORS_H_

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "engine/codes.h"
#include "writers/rras/rras_codes.h"

namespace shadowset::rras::internal {

inline absl::Status AccessDenied(absl::string_view caller) {
  return MakeError(absl::StatusCode::kPermissionDenied, kErrorAccessDenied,
                   absl::StrCat("'", caller,
                                "' is not an administrator of the router"));
}

inline absl::Status InvalidParameter(absl::string_view message) {
  return MakeError(absl::StatusCode::kInvalidArgument, kErrorInvalidParameter,
                   message);
}

inline absl::Status UnknownProtocol(uint32_t id) {
  return MakeError(absl::StatusCode::kNotFound, kErrorUnknownProtocolId,
                   absl::StrFormat("no router manager for protocol 0x%x", id));
}

inline absl::Status NoSuchInterface(absl::string_view name) {
  return MakeError(absl::StatusCode::kNotFound, kErrorNoSuchInterface,
                   absl::StrCat("no interface '", name, "'"));
}

// A storage failure wrapped as ERROR_CAN_NOT_COMPLETE.
inline absl::Status StorageError(const absl::Status& cause) {
  absl::StatusCode canonical =
      cause.code() == absl::StatusCode::kResourceExhausted
          ? absl::StatusCode::kResourceExhausted
          : absl::StatusCode::kInternal;
  return MakeError(canonical, kErrorCanNotComplete,
                   absl::StrCat("router configuration storage error: ",
                                cause.message()));
}

}  // namespace shadowset::rras::internal

#endif  // SHADOWSET_WRITERS_RRAS_INTERNAL_RRAS_ERRORS_H_
