#include "writers/directory/identity.h"

#include <pwd.h>
#include <unistd.h>

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "engine/codes.h"
#include "engine/internal/status_macros.h"

namespace shadowset {
namespace {

absl::Status CheckPart(absl::string_view what, absl::string_view part) {
  for (char c : part) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F || c == '\\') {
      return MakeError(absl::StatusCode::kInvalidArgument,
                       kErrorInvalidParameter,
                       absl::StrCat("bad ", what, " '", part,
                                    "': control characters and '\\' are not "
                                    "allowed"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> PrincipalName(absl::string_view user,
                                          absl::string_view domain) {
  if (user.empty()) {
    return MakeError(absl::StatusCode::kInvalidArgument, kErrorInvalidParameter,
                     "the user name is empty");
  }
  RETURN_IF_ERROR(CheckPart("user name", user));
  RETURN_IF_ERROR(CheckPart("domain name", domain));
  std::string name = domain.empty() ? std::string(user)
                                    : absl::StrCat(domain, "\\", user);
  if (name.size() > 256) {
    return MakeError(absl::StatusCode::kInvalidArgument, kErrorInvalidParameter,
                     "the principal name is longer than 256 bytes");
  }
  return absl::AsciiStrToLower(name);
}

absl::StatusOr<std::string> ParsePrincipal(absl::string_view name) {
  size_t slash = name.find('\\');
  if (slash == absl::string_view::npos) return PrincipalName(name);
  return PrincipalName(name.substr(slash + 1), name.substr(0, slash));
}

std::string CurrentUserPrincipal() {
  uid_t uid = geteuid();
  std::vector<char> buf(16384);
  struct passwd pw;
  struct passwd* found = nullptr;
  if (getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 &&
      found != nullptr && found->pw_name != nullptr && *found->pw_name) {
    absl::StatusOr<std::string> name = PrincipalName(found->pw_name);
    if (name.ok()) return *name;
  }
  return absl::StrCat("uid-", uid);
}

absl::StatusOr<std::string> ParseServerName(absl::string_view name) {
  absl::string_view bare = name;
  while (!bare.empty() && bare.front() == '\\') bare.remove_prefix(1);
  bool ok = !bare.empty() && bare.size() <= 255 && bare.front() != '-' &&
            bare.front() != '.';
  for (char c : bare) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' &&
        c != '.') {
      ok = false;
    }
  }
  if (ok) return std::string(bare);
  if (bare.find('_') != absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "server name '", name, "' contains '_', which is never allowed"));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "server name '", name,
      "' is malformed (use letters, digits, '-' and '.', optionally after "
      "leading backslashes)"));
}

std::string LocalHostName() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') {
    return "localhost";
  }
  return host;
}

}  // namespace shadowset
