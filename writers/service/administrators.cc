#include "writers/service/administrators.h"

#include "absl/strings/str_cat.h"
#include "engine/codes.h"

namespace shadowset::service {

absl::Status CheckAdministratorAdd(const std::set<std::string>& admins,
                                   absl::string_view name) {
  if (name.empty()) {
    return MakeError(absl::StatusCode::kInvalidArgument, kErrorInvalidParameter,
                     "empty administrator name");
  }
  if (admins.count(std::string(name)) > 0) {
    return MakeError(absl::StatusCode::kAlreadyExists, kErrorAlreadyExists,
                     absl::StrCat("'", name, "' is already an administrator"));
  }
  return absl::OkStatus();
}

absl::Status CheckAdministratorRemove(const std::set<std::string>& admins,
                                      absl::string_view name) {
  if (admins.count(std::string(name)) == 0) {
    return MakeError(absl::StatusCode::kNotFound, kErrorNotFound,
                     absl::StrCat("'", name, "' is not an administrator"));
  }
  if (admins.size() == 1) {
    return MakeError(absl::StatusCode::kFailedPrecondition, kErrorNotSupported,
                     "the last administrator cannot be removed");
  }
  return absl::OkStatus();
}

}  // namespace shadowset::service
