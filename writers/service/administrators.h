// The administrator rules of the reference services: who may be added to
// and removed from a service's set of administrators, with the codes both
// services' management APIs document (SEMANTICS.md).
//
//   return Mutate(caller, [&](const State& state, RecordBuilder& b) {
//     RETURN_IF_ERROR(service::CheckAdministratorAdd(state.admins(), name));
//     b.AddAdmin(name);
//     return absl::OkStatus();
//   });
//
// The checks only read `admins`; the caller records the change itself.
// Thread safety: plain functions; the caller holds whatever lock guards
// `admins`.

#ifndef SHADOWSET_WRITERS_SERVICE_ADMINISTRATORS_H_
#define SHADOWSET_WRITERS_SERVICE_ADMINISTRATORS_H_

#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace shadowset::service {

// OK when `name` may become an administrator. Errors:
// ERROR_INVALID_PARAMETER (87, kInvalidArgument) for an empty name;
// ERROR_ALREADY_EXISTS (183, kAlreadyExists) when it already is one.
absl::Status CheckAdministratorAdd(const std::set<std::string>& admins,
                                   absl::string_view name);

// OK when `name` may stop being an administrator. Errors: ERROR_NOT_FOUND
// (1168, kNotFound) when it is not one; ERROR_NOT_SUPPORTED (50,
// kFailedPrecondition) when it is the last one (a service always keeps one).
absl::Status CheckAdministratorRemove(const std::set<std::string>& admins,
                                      absl::string_view name);

}  // namespace shadowset::service

#endif  // SHADOWSET_WRITERS_SERVICE_ADMINISTRATORS_H_
