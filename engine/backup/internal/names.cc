#include "engine/backup/internal/names.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace shadowset::internal {
namespace {

bool NameOk(absl::string_view name, size_t max) {
  if (name.empty() || name.size() > max || name[0] == '.' || name[0] == '-') {
    return false;
  }
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' &&
        c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

absl::Status BadName(absl::string_view what, absl::string_view name,
                     size_t max) {
  return absl::InvalidArgumentError(absl::StrCat(
      "bad ", what, " '", absl::CHexEscape(name), "': use 1-", max,
      " letters, digits, '.', '_' or '-', not starting with '.' or '-'"));
}

}  // namespace

absl::Status CheckBackupId(absl::string_view id) {
  if (!NameOk(id, 128)) return BadName("backup id", id, 128);
  if (absl::EndsWith(id, kPartialSuffix)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "bad backup id '", id, "': it may not end in '", kPartialSuffix, "'"));
  }
  return absl::OkStatus();
}

absl::Status CheckVolumeName(absl::string_view name) {
  return NameOk(name, 64) ? absl::OkStatus() : BadName("volume name", name, 64);
}

absl::Status CheckWriterId(absl::string_view id) {
  return NameOk(id, 128) ? absl::OkStatus() : BadName("writer id", id, 128);
}

absl::Status CheckWriterFilePath(absl::string_view path) {
  std::vector<absl::string_view> parts = absl::StrSplit(path, '/');
  if (parts.size() > 16) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad writer file path '", absl::CHexEscape(path),
                     "': more than 16 components"));
  }
  for (absl::string_view part : parts) {
    if (!NameOk(part, 255)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "bad writer file path '", absl::CHexEscape(path),
          "': each '/'-separated component needs 1-255 letters, digits, '.', "
          "'_' or '-', not starting with '.' or '-'"));
    }
  }
  return absl::OkStatus();
}

}  // namespace shadowset::internal
