// manifest.json: encoding and strict validation (docs/backup-format.md).

#include "engine/backup/manifest.h"

#include <algorithm>
#include <initializer_list>
#include <set>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/backup/internal/digest.h"
#include "engine/backup/internal/names.h"
#include "engine/internal/status_macros.h"

namespace shadowset {
namespace {

using nlohmann::json;

constexpr absl::string_view kFormatName = "shadowset-backup-manifest";
constexpr absl::string_view kTimeFormat = "%Y-%m-%d%ET%H:%M:%E9SZ";

absl::Status Bad(absl::string_view path, absl::string_view why) {
  return absl::DataLossError(absl::StrCat("manifest.json: ", path, ": ", why));
}

std::string TimeText(absl::Time t) {
  return absl::FormatTime(kTimeFormat, t, absl::UTCTimeZone());
}

// Typed access to one JSON object, naming the field on every error.
class Fields {
 public:
  Fields(const json& object, std::string path, bool strict)
      : object_(object), path_(std::move(path)), strict_(strict) {}

  static absl::StatusOr<Fields> Of(const json& value, std::string path,
                                   bool strict) {
    if (!value.is_object()) return Bad(path, "not a JSON object");
    return Fields(value, std::move(path), strict);
  }

  std::string Path(absl::string_view key) const {
    return absl::StrCat(path_, ".", key);
  }

  absl::StatusOr<const json*> Get(absl::string_view key) {
    seen_.insert(std::string(key));
    auto it = object_.find(std::string(key));
    if (it == object_.end()) return Bad(Path(key), "missing");
    return &*it;
  }
  absl::StatusOr<std::string> String(absl::string_view key) {
    ASSIGN_OR_RETURN(const json* v, Get(key));
    if (!v->is_string()) return Bad(Path(key), "not a string");
    return v->get<std::string>();
  }
  // A string, or nullopt for null.
  absl::StatusOr<std::optional<std::string>> OptionalString(
      absl::string_view key) {
    ASSIGN_OR_RETURN(const json* v, Get(key));
    if (v->is_null()) return std::optional<std::string>();
    if (!v->is_string()) return Bad(Path(key), "neither a string nor null");
    return std::optional<std::string>(v->get<std::string>());
  }
  absl::StatusOr<uint64_t> Uint(absl::string_view key) {
    ASSIGN_OR_RETURN(const json* v, Get(key));
    if (!v->is_number_unsigned()) {
      return Bad(Path(key), "not an unsigned integer");
    }
    return v->get<uint64_t>();
  }
  absl::StatusOr<bool> Bool(absl::string_view key) {
    ASSIGN_OR_RETURN(const json* v, Get(key));
    if (!v->is_boolean()) return Bad(Path(key), "not a boolean");
    return v->get<bool>();
  }
  absl::StatusOr<const json*> Array(absl::string_view key) {
    ASSIGN_OR_RETURN(const json* v, Get(key));
    if (!v->is_array()) return Bad(Path(key), "not an array");
    return v;
  }
  absl::StatusOr<absl::Time> Time(absl::string_view key) {
    ASSIGN_OR_RETURN(std::string text, String(key));
    return ParseTimeText(key, text);
  }
  absl::StatusOr<absl::Time> ParseTimeText(absl::string_view key,
                                           const std::string& text) {
    absl::Time t;
    std::string err;
    if (!absl::ParseTime(absl::RFC3339_full, text, &t, &err) ||
        t == absl::InfiniteFuture() || t == absl::InfinitePast()) {
      return Bad(Path(key), absl::StrCat("not an RFC 3339 time: ", err));
    }
    return t;
  }
  // In strict mode (this build's minor version or older), a field nobody
  // asked for is damage, not a newer writer's addition.
  absl::Status CheckNoOthers() const {
    if (!strict_) return absl::OkStatus();
    for (auto it = object_.begin(); it != object_.end(); ++it) {
      if (!seen_.contains(it.key()))
        return Bad(Path(it.key()), "unexpected field");
    }
    return absl::OkStatus();
  }

 private:
  const json& object_;
  std::string path_;
  bool strict_;
  absl::flat_hash_set<std::string> seen_;
};

absl::StatusOr<BackupSetType> TypeField(Fields& f, absl::string_view key,
                                        const std::string& text) {
  std::optional<BackupSetType> type = ParseBackupSetType(text);
  if (!type)
    return Bad(f.Path(key), absl::StrCat("unknown backup type '", text, "'"));
  return *type;
}

absl::Status CheckNameField(absl::Status name_status, absl::string_view path) {
  if (name_status.ok()) return name_status;
  return Bad(path, name_status.message());
}

absl::StatusOr<ManifestWriter> ParseWriter(const json& value, std::string path,
                                           bool strict) {
  ASSIGN_OR_RETURN(Fields f, Fields::Of(value, path, strict));
  ManifestWriter w;
  ASSIGN_OR_RETURN(w.id, f.String("id"));
  RETURN_IF_ERROR(CheckNameField(internal::CheckWriterId(w.id), f.Path("id")));
  ASSIGN_OR_RETURN(std::string lifetime, f.String("restore_lifetime"));
  if (!absl::ParseDuration(lifetime, &w.restore_lifetime) ||
      w.restore_lifetime <= absl::ZeroDuration()) {
    return Bad(f.Path("restore_lifetime"),
               absl::StrCat("not a positive duration: '", lifetime, "'"));
  }
  ASSIGN_OR_RETURN(const json* metadata, f.Get("metadata"));
  if (!metadata->is_object())
    return Bad(f.Path("metadata"), "not a JSON object");
  w.metadata = *metadata;
  RETURN_IF_ERROR(f.CheckNoOthers());
  return w;
}

absl::StatusOr<ManifestVolume> ParseVolume(const json& value, std::string path,
                                           bool strict) {
  ASSIGN_OR_RETURN(Fields f, Fields::Of(value, path, strict));
  ManifestVolume v;
  ASSIGN_OR_RETURN(v.name, f.String("name"));
  RETURN_IF_ERROR(
      CheckNameField(internal::CheckVolumeName(v.name), f.Path("name")));
  ASSIGN_OR_RETURN(uint64_t block_size, f.Uint("block_size"));
  if (block_size < 512 || block_size > (1u << 20) ||
      (block_size & (block_size - 1)) != 0) {
    return Bad(f.Path("block_size"), "not a power of two from 512 to 1 MiB");
  }
  v.block_size = static_cast<uint32_t>(block_size);
  ASSIGN_OR_RETURN(v.block_count, f.Uint("block_count"));
  if (v.block_count == 0 || v.block_count > (uint64_t{1} << 62) / block_size) {
    return Bad(f.Path("block_count"), "out of range");
  }
  ASSIGN_OR_RETURN(std::string kind, f.String("kind"));
  if (kind == "image") {
    v.kind = VolumeFileKind::kImage;
  } else if (kind == "delta") {
    v.kind = VolumeFileKind::kDelta;
  } else {
    return Bad(f.Path("kind"), absl::StrCat("unknown kind '", kind, "'"));
  }
  ASSIGN_OR_RETURN(v.data_blocks, f.Uint("data_blocks"));
  ASSIGN_OR_RETURN(v.zero_blocks, f.Uint("zero_blocks"));
  if (v.data_blocks > v.block_count ||
      v.zero_blocks > v.block_count - v.data_blocks) {
    return Bad(path, "more data and zero blocks than the volume has");
  }
  if (v.kind == VolumeFileKind::kImage &&
      v.data_blocks + v.zero_blocks != v.block_count) {
    return Bad(path, "an image's data and zero blocks do not cover the volume");
  }
  ASSIGN_OR_RETURN(v.data_file, f.String("data_file"));
  ASSIGN_OR_RETURN(v.sums_file, f.String("sums_file"));
  std::string want_data = absl::StrCat(
      "volumes/", v.name, v.kind == VolumeFileKind::kImage ? ".img" : ".delta");
  if (v.data_file != want_data) {
    return Bad(f.Path("data_file"), absl::StrCat("must be '", want_data, "'"));
  }
  if (v.sums_file != absl::StrCat("volumes/", v.name, ".sums")) {
    return Bad(f.Path("sums_file"),
               absl::StrCat("must be 'volumes/", v.name, ".sums'"));
  }
  RETURN_IF_ERROR(f.CheckNoOthers());
  return v;
}

absl::StatusOr<ManifestFile> ParseFile(const json& value, std::string path,
                                       bool strict, bool keyed) {
  ASSIGN_OR_RETURN(Fields f, Fields::Of(value, path, strict));
  ManifestFile file;
  ASSIGN_OR_RETURN(file.path, f.String("path"));
  ASSIGN_OR_RETURN(file.size, f.Uint("size"));
  ASSIGN_OR_RETURN(const json* sums_value, f.Get("checksums"));
  ASSIGN_OR_RETURN(Fields sums,
                   Fields::Of(*sums_value, f.Path("checksums"), strict));
  ASSIGN_OR_RETURN(std::string xxh3, sums.String(internal::kXxh3Name));
  std::optional<uint64_t> x = internal::ParseHexXxh3(xxh3);
  if (!x) {
    return Bad(sums.Path(internal::kXxh3Name), "not 16 lowercase hex digits");
  }
  file.xxh3 = *x;
  if (keyed) {
    ASSIGN_OR_RETURN(std::string sha, sums.String(internal::kSha256Name));
    file.sha256 = internal::ParseHexSha256(sha);
    if (!file.sha256) {
      return Bad(sums.Path(internal::kSha256Name),
                 "not 64 lowercase hex digits");
    }
  }
  // An unkeyed set lists no SHA-256: in strict mode one is unexpected.
  RETURN_IF_ERROR(sums.CheckNoOthers());
  RETURN_IF_ERROR(f.CheckNoOthers());
  return file;
}

absl::StatusOr<BackupManifest> ParseManifestJson(const json& doc) {
  BackupManifest m;
  // The version decides how strict the rest is, so it comes first.
  ASSIGN_OR_RETURN(Fields top, Fields::Of(doc, "(top)", false));
  ASSIGN_OR_RETURN(std::string format, top.String("format"));
  if (format != kFormatName) {
    return Bad(top.Path("format"),
               absl::StrCat("'", format, "' is not '", kFormatName, "'"));
  }
  ASSIGN_OR_RETURN(const json* version_value, top.Get("format_version"));
  ASSIGN_OR_RETURN(
      Fields version,
      Fields::Of(*version_value, top.Path("format_version"), false));
  ASSIGN_OR_RETURN(uint64_t major, version.Uint("major"));
  ASSIGN_OR_RETURN(uint64_t minor, version.Uint("minor"));
  if (major > kManifestFormatMajor) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "manifest.json: format %u.%u is newer than this build, which reads "
        "major version %u",
        major, minor, kManifestFormatMajor));
  }
  if (major == 0 || minor > 0xFFFF) {
    return Bad(top.Path("format_version"),
               absl::StrFormat("unknown version %u.%u", major, minor));
  }
  m.major = static_cast<uint16_t>(major);
  m.minor = static_cast<uint16_t>(minor);
  const bool strict = m.minor <= kManifestFormatMinor;
  Fields f(doc, "(top)", strict);
  RETURN_IF_ERROR(f.Get("format").status());
  RETURN_IF_ERROR(f.Get("format_version").status());
  Fields version_fields(*version_value, top.Path("format_version"), strict);
  RETURN_IF_ERROR(version_fields.Get("major").status());
  RETURN_IF_ERROR(version_fields.Get("minor").status());
  RETURN_IF_ERROR(version_fields.CheckNoOthers());

  ASSIGN_OR_RETURN(m.engine_version, f.String("engine_version"));
  ASSIGN_OR_RETURN(m.backup_id, f.String("backup_id"));
  RETURN_IF_ERROR(CheckNameField(internal::CheckBackupId(m.backup_id),
                                 f.Path("backup_id")));
  ASSIGN_OR_RETURN(std::string set_id, f.String("set_id"));
  std::optional<SetId> parsed_set = SetId::Parse(set_id);
  if (!parsed_set || parsed_set->is_nil()) {
    return Bad(f.Path("set_id"), "not a (non-nil) GUID");
  }
  m.set_id = *parsed_set;
  ASSIGN_OR_RETURN(std::string type, f.String("type"));
  ASSIGN_OR_RETURN(m.type, TypeField(f, "type", type));
  ASSIGN_OR_RETURN(std::optional<std::string> promoted,
                   f.OptionalString("promoted_from"));
  if (promoted) {
    ASSIGN_OR_RETURN(BackupSetType from,
                     TypeField(f, "promoted_from", *promoted));
    if (m.type != BackupSetType::kFull ||
        (from != BackupSetType::kIncremental &&
         from != BackupSetType::kDifferential)) {
      return Bad(f.Path("promoted_from"),
                 "only an incremental or differential backup is promoted, and "
                 "only to full");
    }
    m.promoted_from = from;
  }
  ASSIGN_OR_RETURN(const json* base_value, f.Get("base"));
  bool wants_base = m.type == BackupSetType::kIncremental ||
                    m.type == BackupSetType::kDifferential;
  if (base_value->is_null()) {
    if (wants_base) {
      return Bad(f.Path("base"), absl::StrCat("a ", BackupSetTypeName(m.type),
                                              " backup needs a base"));
    }
  } else {
    if (!wants_base) {
      return Bad(f.Path("base"), absl::StrCat("a ", BackupSetTypeName(m.type),
                                              " backup has no base"));
    }
    ASSIGN_OR_RETURN(Fields base,
                     Fields::Of(*base_value, f.Path("base"), strict));
    ASSIGN_OR_RETURN(m.base_backup_id, base.String("backup_id"));
    RETURN_IF_ERROR(CheckNameField(internal::CheckBackupId(m.base_backup_id),
                                   base.Path("backup_id")));
    if (m.base_backup_id == m.backup_id) {
      return Bad(base.Path("backup_id"), "a backup cannot be its own base");
    }
    ASSIGN_OR_RETURN(std::string hash, base.String("manifest_sha256"));
    m.base_manifest_sha256 = internal::ParseHexSha256(hash);
    if (!m.base_manifest_sha256) {
      return Bad(base.Path("manifest_sha256"), "not 64 lowercase hex digits");
    }
    RETURN_IF_ERROR(base.CheckNoOthers());
  }
  ASSIGN_OR_RETURN(m.created, f.Time("created"));
  ASSIGN_OR_RETURN(std::optional<std::string> expires,
                   f.OptionalString("expires"));
  if (expires) {
    ASSIGN_OR_RETURN(m.expires, f.ParseTimeText("expires", *expires));
    if (m.expires < m.created)
      return Bad(f.Path("expires"), "before 'created'");
  }
  ASSIGN_OR_RETURN(m.keyed, f.Bool("keyed"));

  ASSIGN_OR_RETURN(const json* writers, f.Array("writers"));
  absl::flat_hash_set<std::string> writer_ids;
  for (size_t i = 0; i < writers->size(); ++i) {
    ASSIGN_OR_RETURN(
        ManifestWriter w,
        ParseWriter((*writers)[i], absl::StrCat("writers[", i, "]"), strict));
    if (!writer_ids.insert(w.id).second) {
      return Bad(absl::StrCat("writers[", i, "].id"),
                 absl::StrCat("writer '", w.id, "' is listed twice"));
    }
    if (w.restore_lifetime != absl::InfiniteDuration() &&
        m.expires > m.created + w.restore_lifetime) {
      return Bad(
          f.Path("expires"),
          absl::StrCat("later than writer '", w.id, "' allows (created + ",
                       absl::FormatDuration(w.restore_lifetime), ")"));
    }
    m.writers.push_back(std::move(w));
  }

  ASSIGN_OR_RETURN(const json* files, f.Array("files"));
  absl::flat_hash_set<std::string> paths;
  for (size_t i = 0; i < files->size(); ++i) {
    std::string path = absl::StrCat("files[", i, "]");
    ASSIGN_OR_RETURN(ManifestFile file,
                     ParseFile((*files)[i], path, strict, m.keyed));
    if (!paths.insert(file.path).second) {
      return Bad(path, absl::StrCat("'", file.path, "' is listed twice"));
    }
    m.files.push_back(std::move(file));
  }

  ASSIGN_OR_RETURN(const json* volumes, f.Array("volumes"));
  absl::flat_hash_set<std::string> volume_names;
  absl::flat_hash_set<std::string> volume_files;
  for (size_t i = 0; i < volumes->size(); ++i) {
    std::string path = absl::StrCat("volumes[", i, "]");
    ASSIGN_OR_RETURN(ManifestVolume v,
                     ParseVolume((*volumes)[i], path, strict));
    if (!volume_names.insert(v.name).second) {
      return Bad(path, absl::StrCat("volume '", v.name, "' is listed twice"));
    }
    if (v.kind == VolumeFileKind::kDelta && !wants_base) {
      return Bad(path, absl::StrCat("a ", BackupSetTypeName(m.type),
                                    " backup holds images only"));
    }
    for (const std::string& file : {v.data_file, v.sums_file}) {
      if (!paths.contains(file)) {
        return Bad(path, absl::StrCat("'", file, "' is not listed in files"));
      }
      volume_files.insert(file);
    }
    m.volumes.push_back(std::move(v));
  }

  // Every file is a volume's or under writers/<a listed writer>/.
  for (size_t i = 0; i < m.files.size(); ++i) {
    const std::string& path = m.files[i].path;
    if (volume_files.contains(path)) continue;
    std::string where = absl::StrCat("files[", i, "].path");
    if (!absl::StartsWith(path, "writers/")) {
      return Bad(where, absl::StrCat("'", path,
                                     "' belongs to no volume and no writer"));
    }
    absl::string_view rest = absl::string_view(path).substr(8);
    size_t slash = rest.find('/');
    if (slash == absl::string_view::npos ||
        !writer_ids.contains(rest.substr(0, slash))) {
      return Bad(where,
                 absl::StrCat("'", path, "' is not under a listed writer"));
    }
    RETURN_IF_ERROR(CheckNameField(
        internal::CheckWriterFilePath(rest.substr(slash + 1)), where));
  }
  RETURN_IF_ERROR(f.CheckNoOthers());
  return m;
}

}  // namespace

absl::string_view BackupSetTypeName(BackupSetType type) {
  switch (type) {
    case BackupSetType::kFull:
      return "full";
    case BackupSetType::kIncremental:
      return "incremental";
    case BackupSetType::kDifferential:
      return "differential";
    case BackupSetType::kCopy:
      return "copy";
  }
  return "unknown";
}

std::optional<BackupSetType> ParseBackupSetType(absl::string_view name) {
  for (BackupSetType t : {BackupSetType::kFull, BackupSetType::kIncremental,
                          BackupSetType::kDifferential, BackupSetType::kCopy}) {
    if (BackupSetTypeName(t) == name) return t;
  }
  return std::nullopt;
}

const ManifestVolume* BackupManifest::FindVolume(absl::string_view name) const {
  for (const ManifestVolume& v : volumes) {
    if (v.name == name) return &v;
  }
  return nullptr;
}

const ManifestFile* BackupManifest::FindFile(absl::string_view path) const {
  for (const ManifestFile& f : files) {
    if (f.path == path) return &f;
  }
  return nullptr;
}

absl::StatusOr<std::string> EncodeManifest(const BackupManifest& m) {
  json doc = json::object();
  doc["format"] = kFormatName;
  doc["format_version"] = {{"major", m.major}, {"minor", m.minor}};
  doc["engine_version"] = m.engine_version;
  doc["backup_id"] = m.backup_id;
  doc["set_id"] = m.set_id.ToString();
  doc["type"] = BackupSetTypeName(m.type);
  doc["promoted_from"] = m.promoted_from
                             ? json(BackupSetTypeName(*m.promoted_from))
                             : json(nullptr);
  if (m.base_backup_id.empty()) {
    doc["base"] = nullptr;
  } else {
    doc["base"] = {
        {"backup_id", m.base_backup_id},
        {"manifest_sha256",
         internal::HexSha256(m.base_manifest_sha256.value_or(Sha256Digest{}))}};
  }
  doc["created"] = TimeText(m.created);
  doc["expires"] = m.expires == absl::InfiniteFuture()
                       ? json(nullptr)
                       : json(TimeText(m.expires));
  doc["keyed"] = m.keyed;
  json writers = json::array();
  for (const ManifestWriter& w : m.writers) {
    if (!w.metadata.is_object()) {
      return absl::InvalidArgumentError(
          absl::StrCat("metadata of writer '", w.id, "' is not a JSON object"));
    }
    writers.push_back(
        {{"id", w.id},
         {"restore_lifetime", absl::FormatDuration(w.restore_lifetime)},
         {"metadata", w.metadata}});
  }
  doc["writers"] = std::move(writers);
  json volumes = json::array();
  for (const ManifestVolume& v : m.volumes) {
    volumes.push_back(
        {{"name", v.name},
         {"block_size", v.block_size},
         {"block_count", v.block_count},
         {"kind", v.kind == VolumeFileKind::kImage ? "image" : "delta"},
         {"data_blocks", v.data_blocks},
         {"zero_blocks", v.zero_blocks},
         {"data_file", v.data_file},
         {"sums_file", v.sums_file}});
  }
  doc["volumes"] = std::move(volumes);
  json files = json::array();
  for (const ManifestFile& f : m.files) {
    json sums = {{std::string(internal::kXxh3Name), internal::HexXxh3(f.xxh3)}};
    if (f.sha256)
      sums[std::string(internal::kSha256Name)] = internal::HexSha256(*f.sha256);
    files.push_back({{"path", f.path}, {"size", f.size}, {"checksums", sums}});
  }
  doc["files"] = std::move(files);
  try {
    return doc.dump(2) + "\n";
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot encode the manifest: ", e.what()));
  }
}

absl::StatusOr<BackupManifest> ParseManifest(absl::string_view bytes) {
  try {
    json doc = json::parse(bytes.begin(), bytes.end(), nullptr,
                           /*allow_exceptions=*/false);
    if (doc.is_discarded()) {
      return absl::DataLossError("manifest.json: not valid JSON");
    }
    return ParseManifestJson(doc);
  } catch (const json::exception& e) {
    return absl::DataLossError(absl::StrCat("manifest.json: ", e.what()));
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError("manifest.json: out of memory parsing");
  }
}

}  // namespace shadowset
