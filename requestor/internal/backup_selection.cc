#include "requestor/internal/backup_selection.h"

#include <algorithm>
#include <random>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "engine/codes.h"
#include "engine/internal/status_macros.h"
#include "requestor/writer_metadata_json.h"

namespace shadowset::internal {
namespace {

bool OnVolumes(const WriterMetadata& m,
               const std::vector<std::string>& volumes) {
  for (const Component& c : m.components) {
    for (const std::string& v : c.volumes) {
      if (std::find(volumes.begin(), volumes.end(), v) != volumes.end()) {
        return true;
      }
    }
  }
  return false;
}

void AddOnce(std::vector<std::string>& list, const std::string& item) {
  if (std::find(list.begin(), list.end(), item) == list.end()) {
    list.push_back(item);
  }
}

}  // namespace

std::string GenerateBackupId(absl::Time now) {
  std::random_device device;
  return absl::StrFormat(
      "%s-%08x", absl::FormatTime("%Y%m%dT%H%M%SZ", now, absl::UTCTimeZone()),
      static_cast<uint32_t>(device()));
}

absl::Status CheckNewBackupId(absl::string_view id) {
  bool ok = !id.empty() && id.size() <= 128 && id[0] != '.' && id[0] != '-' &&
            !absl::EndsWith(id, ".partial");
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' &&
        c != '_' && c != '-') {
      ok = false;
    }
  }
  if (ok) return absl::OkStatus();
  return MakeError(
      absl::StatusCode::kInvalidArgument, kErrorInvalidParameter,
      absl::StrCat("'", id,
                   "' is not a valid backup id (1-128 letters, digits, '.', "
                   "'_' or '-', not starting with '.' or '-', not ending in "
                   "'.partial')"));
}

absl::StatusOr<std::vector<std::string>> SelectVolumes(
    Engine* engine, const std::vector<WriterMetadata>& metadata,
    const std::vector<std::string>& volumes,
    const std::vector<std::string>& writer_names) {
  std::vector<std::string> out;
  for (const std::string& name : writer_names) {
    auto it = std::find_if(metadata.begin(), metadata.end(),
                           [&](const WriterMetadata& m) {
                             return m.name == name || m.instance_id == name;
                           });
    if (it == metadata.end()) {
      std::vector<std::string> known;
      for (const WriterMetadata& m : metadata) known.push_back(m.name);
      return MakeError(
          absl::StatusCode::kNotFound, kErrorNotFound,
          absl::StrCat("no writer named '", name, "' is registered",
                       known.empty()
                           ? std::string(" (there are no writers)")
                           : absl::StrCat(" (writers: ",
                                          absl::StrJoin(known, ", "), ")")));
    }
    for (const Component& c : it->components) {
      for (const std::string& v : c.volumes) AddOnce(out, v);
    }
  }
  for (const std::string& v : volumes) {
    RETURN_IF_ERROR(engine->GetVolume(v).status());
    AddOnce(out, v);
  }
  if (writer_names.empty() && volumes.empty()) {
    for (const VolumeInfo& v : engine->ListVolumes()) AddOnce(out, v.name);
  }
  if (out.empty()) {
    return absl::FailedPreconditionError(
        "nothing to back up: the data directory has no volumes");
  }
  return out;
}

absl::Status CheckExpiresIn(const std::vector<WriterMetadata>& metadata,
                            const std::vector<std::string>& volumes,
                            std::optional<absl::Duration> expires_in) {
  if (!expires_in) return absl::OkStatus();
  for (const WriterMetadata& m : metadata) {
    if (!OnVolumes(m, volumes) || m.restore_lifetime >= *expires_in) continue;
    return MakeError(absl::StatusCode::kInvalidArgument, kErrorInvalidParameter,
                     absl::StrCat("expires-in ", DurationText(*expires_in),
                                  " is longer than writer '", m.name,
                                  "' allows (restore lifetime ",
                                  DurationText(m.restore_lifetime),
                                  "); it can only shorten the expiry"));
  }
  return absl::OkStatus();
}

}  // namespace shadowset::internal
