#include "requestor/writer_metadata_json.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace shadowset {

absl::string_view UsageTypeName(UsageType usage) {
  switch (usage) {
    case UsageType::kBootableSystemState:
      return "BOOTABLESYSTEMSTATE";
    case UsageType::kSystemService:
      return "SYSTEMSERVICE";
    case UsageType::kUserData:
      return "USERDATA";
    case UsageType::kOther:
      return "OTHER";
  }
  return "";
}

absl::string_view SourceTypeName(SourceType source) {
  switch (source) {
    case SourceType::kTransactedDb:
      return "TRANSACTEDDB";
    case SourceType::kNonTransactedDb:
      return "NONTRANSACTEDDB";
    case SourceType::kOther:
      return "OTHER";
  }
  return "";
}

absl::string_view RestoreMethodName(RestoreMethod method) {
  switch (method) {
    case RestoreMethod::kRestoreIfNotThere:
      return "RESTORE_IF_NOT_THERE";
    case RestoreMethod::kRestoreIfCanReplace:
      return "RESTORE_IF_CAN_REPLACE";
    case RestoreMethod::kStopRestoreStart:
      return "STOP_RESTORE_START";
    case RestoreMethod::kRestoreToAlternateLocation:
      return "RESTORE_TO_ALTERNATE_LOCATION";
    case RestoreMethod::kCustom:
      return "CUSTOM";
    case RestoreMethod::kRestoreStopStart:
      return "RESTORE_STOP_START";
  }
  return "";
}

absl::string_view ComponentTypeName(ComponentType type) {
  switch (type) {
    case ComponentType::kDatabase:
      return "DATABASE";
    case ComponentType::kFileGroup:
      return "FILEGROUP";
  }
  return "";
}

std::string DurationText(absl::Duration d) {
  if (d == absl::InfiniteDuration()) return "inf";
  const int64_t s = absl::ToInt64Seconds(d);
  if (absl::Seconds(s) != d) return absl::FormatDuration(d);
  if (s != 0 && s % 86400 == 0) return absl::StrCat(s / 86400, "d");
  if (s != 0 && s % 3600 == 0) return absl::StrCat(s / 3600, "h");
  if (s != 0 && s % 60 == 0) return absl::StrCat(s / 60, "m");
  return absl::StrCat(s, "s");
}

nlohmann::json WriterMetadataToJson(const WriterMetadata& m) {
  nlohmann::json types = nlohmann::json::array();
  for (BackupType t : m.supported_types) {
    types.push_back(std::string(BackupTypeName(t)));
  }
  nlohmann::json components = nlohmann::json::array();
  for (const Component& c : m.components) {
    components.push_back({{"type", std::string(ComponentTypeName(c.type))},
                          {"name", c.name},
                          {"logical_path", c.logical_path},
                          {"selectable_for_backup", c.selectable_for_backup},
                          {"selectable_for_restore", c.selectable_for_restore},
                          {"volumes", c.volumes},
                          {"files", c.files}});
  }
  return {{"name", m.name},
          {"class_id", m.class_id},
          {"instance_id", m.instance_id},
          {"usage", std::string(UsageTypeName(m.usage))},
          {"source", std::string(SourceTypeName(m.source))},
          {"supported_types", types},
          {"restore_method", std::string(RestoreMethodName(m.restore_method))},
          {"restore_lifetime", DurationText(m.restore_lifetime)},
          {"freeze_timeout", DurationText(m.freeze_timeout)},
          {"components", components}};
}

std::string ManifestWriterId(const WriterMetadata& m) {
  constexpr size_t kMaxId = 128;
  std::string id = m.name.empty() ? m.instance_id : m.name;
  if (id.size() > kMaxId) id.resize(kMaxId);
  for (char& c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' &&
        c != '_' && c != '-') {
      c = '_';
    }
  }
  if (id.empty()) return "writer";
  if (id[0] == '.' || id[0] == '-') id[0] = '_';
  return id;
}

}  // namespace shadowset
