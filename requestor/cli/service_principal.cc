// Who runs a service command, and where its paths point.

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "requestor/cli/service_commands.h"

namespace shadowset::cli {

std::string CurrentUser() {
  if (const passwd* pw = getpwuid(geteuid()); pw != nullptr && pw->pw_name) {
    return pw->pw_name;
  }
  if (const char* user = std::getenv("USER"); user != nullptr && *user) {
    return user;
  }
  return absl::StrCat("uid-", geteuid());
}

std::string AbsolutePath(const std::string& path) {
  if (path.empty() || path.front() == '/') return path;
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(path, ec);
  if (ec) return path;
  std::string out = abs.lexically_normal().string();
  if (path.back() == '/' && (out.empty() || out.back() != '/')) out += '/';
  return out;
}

}  // namespace shadowset::cli
