// BackupSetReader: token and manifest checks, volume streams and chains.

#include "engine/backup/backup_set_reader.h"

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/backup/internal/chain_stream.h"
#include "engine/backup/internal/digest.h"
#include "engine/backup/internal/token_codec.h"
#include "engine/backup/internal/volume_file_reader.h"
#include "engine/internal/status_macros.h"

namespace shadowset {
namespace {

using internal::WithTokenError;

// Longest chain of deltas followed back to an image.
constexpr int kMaxChainLength = 10000;

std::string BaseName(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  size_t slash = dir.find_last_of('/');
  return slash == std::string::npos ? dir : dir.substr(slash + 1);
}

// `status` with `prefix` before its message, payloads kept.
absl::Status Prefixed(const absl::Status& status, absl::string_view prefix) {
  absl::Status out(status.code(), absl::StrCat(prefix, status.message()));
  status.ForEachPayload(
      [&out](absl::string_view url, const absl::Cord& payload) {
        out.SetPayload(url, payload);
      });
  return out;
}

absl::Status Tampered(absl::string_view message) {
  return WithTokenError(absl::PermissionDeniedError(message),
                        TokenError::kTampered);
}

// A token naming this backup with a manifest hash that no longer matches
// means the manifest changed; one naming another backup (or another
// snapshot set) is foreign.
absl::Status ClassifyManifestMismatch(const ExpiryToken& token,
                                      const std::string& dir_name,
                                      absl::string_view manifest_bytes,
                                      absl::Status foreign) {
  std::string prefix = absl::StrCat("backup ", dir_name, ": ");
  if (token.backup_id != dir_name) {
    return WithTokenError(absl::FailedPreconditionError(absl::StrCat(
                              prefix, "the expiry token belongs to backup '",
                              token.backup_id, "' (", foreign.message(), ")")),
                          TokenError::kForeign);
  }
  absl::StatusOr<BackupManifest> manifest = ParseManifest(manifest_bytes);
  if (manifest.ok() && manifest->backup_id == dir_name &&
      manifest->set_id != token.set_id) {
    return WithTokenError(
        absl::FailedPreconditionError(absl::StrCat(
            prefix, "the expiry token was issued for snapshot set ",
            token.set_id.ToString(), ", the backup holds set ",
            manifest->set_id.ToString())),
        TokenError::kForeign);
  }
  return Tampered(absl::StrCat(
      prefix,
      "manifest.json changed since its expiry token was issued (its SHA-256 "
      "is not the one the token carries)"));
}

// Every field the token repeats must equal the manifest's.
absl::Status CompareTokenWithManifest(const ExpiryToken& t,
                                      const BackupManifest& m,
                                      const std::string& dir_name) {
  absl::string_view field;
  if (t.backup_id != m.backup_id) {
    field = "backup id";
  } else if (t.set_id != m.set_id) {
    field = "snapshot set id";
  } else if (t.created != m.created) {
    field = "creation time";
  } else if (t.expires != m.expires) {
    field = "expiry";
  } else if (t.is_signed != m.keyed) {
    field = "signed/keyed";
  } else {
    std::vector<std::string> ids;
    for (const ManifestWriter& w : m.writers) ids.push_back(w.id);
    if (ids != t.writer_ids) field = "writer ids";
  }
  if (field.empty()) return absl::OkStatus();
  return Tampered(absl::StrCat("backup ", dir_name,
                               ": the expiry token and the manifest disagree "
                               "on the ",
                               field));
}

}  // namespace

absl::StatusOr<std::unique_ptr<BackupSetReader>> BackupSetReader::Open(
    Env* env, const std::string& dir, const BackupReadOptions& options,
    absl::Time now) {
  return OpenInternal(env, dir, options, now);
}

absl::StatusOr<std::unique_ptr<BackupSetReader>> BackupSetReader::OpenInternal(
    Env* env, const std::string& dir, const BackupReadOptions& options,
    std::optional<absl::Time> now) {
  if (env == nullptr) env = Env::Default();
  const std::string dir_name = BaseName(dir);
  std::unique_ptr<BackupSetReader> r(new BackupSetReader(env, dir, options));

  // 1. The token: present, readable, well-formed.
  std::string token_path = JoinPath(dir, "token");
  ASSIGN_OR_RETURN(FileType type, env->GetFileType(token_path));
  if (type == FileType::kMissing) {
    ASSIGN_OR_RETURN(FileType dir_type, env->GetFileType(dir));
    if (dir_type != FileType::kDirectory) {
      return absl::NotFoundError(absl::StrCat("no backup set at ", dir));
    }
    return WithTokenError(absl::NotFoundError(absl::StrCat(
                              "backup ", dir_name, " has no expiry token (",
                              token_path, " is missing)")),
                          TokenError::kMissing);
  }
  absl::StatusOr<std::string> token_bytes = ReadFileToString(env, token_path);
  if (!token_bytes.ok()) {
    absl::Status st(token_bytes.status().code(),
                    absl::StrCat("cannot read the expiry token ", token_path,
                                 ": ", token_bytes.status().message()));
    return WithTokenError(st, TokenError::kUnreadable);
  }
  absl::StatusOr<ExpiryToken> token = DecodeToken(*token_bytes);
  if (!token.ok()) {
    return Prefixed(token.status(), absl::StrCat(token_path, ": "));
  }
  r->token_ = std::move(*token);

  // 2. The manifest's exact bytes, judged by the token.
  absl::StatusOr<std::string> manifest_bytes =
      ReadFileToString(env, JoinPath(dir, "manifest.json"));
  if (!manifest_bytes.ok()) {
    if (absl::IsNotFound(manifest_bytes.status())) {
      return absl::DataLossError(
          absl::StrCat("backup ", dir_name, ": manifest.json is missing"));
    }
    return manifest_bytes.status();
  }
  r->manifest_bytes_ = std::move(*manifest_bytes);
  // Without a clock (a base of a chain), judge the token at its own
  // creation instant: every check but the times applies.
  absl::Time judged_at = now.value_or(r->token_.created);
  absl::Status checked =
      CheckToken(r->token_, r->manifest_bytes_, options.key, judged_at);
  if (!checked.ok()) {
    if (TokenErrorOf(checked) == TokenError::kForeign) {
      return ClassifyManifestMismatch(r->token_, dir_name, r->manifest_bytes_,
                                      checked);
    }
    return checked;
  }

  // 3. The manifest itself, and its agreement with the token.
  absl::StatusOr<BackupManifest> manifest = ParseManifest(r->manifest_bytes_);
  if (!manifest.ok()) {
    return Prefixed(manifest.status(), absl::StrCat("backup ", dir_name, ": "));
  }
  r->manifest_ = std::move(*manifest);
  RETURN_IF_ERROR(CompareTokenWithManifest(r->token_, r->manifest_, dir_name));
  if (r->manifest_.backup_id != dir_name) {
    return absl::FailedPreconditionError(absl::StrCat(
        "directory ", dir, " holds backup '", r->manifest_.backup_id,
        "'; a set's directory is named after its backup id"));
  }
  return r;
}

absl::StatusOr<std::unique_ptr<VolumeStream>> BackupSetReader::OpenVolume(
    const std::string& volume) const {
  const ManifestVolume* v = manifest_.FindVolume(volume);
  if (v == nullptr) {
    return absl::NotFoundError(absl::StrCat("backup ", manifest_.backup_id,
                                            " holds no volume '", volume, "'"));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<internal::VolumeFileReader> file,
                   internal::VolumeFileReader::Open(env_, dir_, manifest_, *v,
                                                    options_.read_buffer_size));
  std::vector<std::unique_ptr<internal::VolumeFileReader>> sources;
  sources.push_back(std::move(file));
  return std::unique_ptr<VolumeStream>(new internal::MergedVolumeStream(
      std::move(sources), options_.read_buffer_size));
}

std::vector<std::string> BackupSetReader::WriterFiles(
    const std::string& writer_id) const {
  std::string prefix = absl::StrCat("writers/", writer_id, "/");
  std::vector<std::string> out;
  for (const ManifestFile& f : manifest_.files) {
    if (absl::StartsWith(f.path, prefix))
      out.push_back(f.path.substr(prefix.size()));
  }
  return out;
}

absl::StatusOr<std::string> BackupSetReader::ReadWriterFile(
    const std::string& writer_id, const std::string& path) const {
  std::string relative = absl::StrCat("writers/", writer_id, "/", path);
  const ManifestFile* listed = manifest_.FindFile(relative);
  if (listed == nullptr) {
    return absl::NotFoundError(absl::StrCat("backup ", manifest_.backup_id,
                                            " holds no file ", relative));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<File> file,
                   internal::OpenListedFile(env_, dir_, *listed));
  std::string out(listed->size, '\0');
  RETURN_IF_ERROR(file->ReadAt(
      0, absl::MakeSpan(reinterpret_cast<uint8_t*>(out.data()), out.size())));
  internal::FileDigester digester(listed->sha256.has_value());
  digester.Update(out);
  RETURN_IF_ERROR(internal::CompareDigest(*listed, digester.Finish()));
  return out;
}

absl::StatusOr<std::unique_ptr<VolumeStream>> OpenVolumeAt(
    Env* env, const std::string& parent_dir, const std::string& backup_id,
    const std::string& volume, const BackupReadOptions& options,
    absl::Time now) {
  if (env == nullptr) env = Env::Default();
  ASSIGN_OR_RETURN(std::unique_ptr<BackupSetReader> set,
                   BackupSetReader::OpenInternal(
                       env, JoinPath(parent_dir, backup_id), options, now));
  const ManifestVolume* top = set->manifest().FindVolume(volume);
  if (top == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("backup ", backup_id, " holds no volume '", volume, "'"));
  }
  const ManifestVolume geometry = *top;
  // Newest first while walking back; reversed before merging.
  std::vector<std::unique_ptr<internal::VolumeFileReader>> sources;
  for (int depth = 0;; ++depth) {
    const BackupManifest& m = set->manifest();
    const ManifestVolume* v = m.FindVolume(volume);
    if (v == nullptr || v->block_size != geometry.block_size ||
        v->block_count != geometry.block_count) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "base backup '%s' %s volume '%s' as backup '%s' has it", m.backup_id,
          v == nullptr ? "lacks" : "holds another geometry of", volume,
          backup_id));
    }
    ASSIGN_OR_RETURN(std::unique_ptr<internal::VolumeFileReader> file,
                     internal::VolumeFileReader::Open(
                         env, set->dir(), m, *v, options.read_buffer_size));
    sources.push_back(std::move(file));
    if (v->kind == VolumeFileKind::kImage) break;
    if (depth >= kMaxChainLength) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "backup '%s': the chain of volume '%s' is longer than %d backups",
          backup_id, volume, kMaxChainLength));
    }
    std::string base_dir = JoinPath(parent_dir, m.base_backup_id);
    ASSIGN_OR_RETURN(FileType base_type, env->GetFileType(base_dir));
    if (base_type == FileType::kMissing) {
      return absl::NotFoundError(absl::StrCat(
          "base backup '", m.base_backup_id, "' of backup '", m.backup_id,
          "' is missing from ", parent_dir, "; the chain cannot be restored"));
    }
    ASSIGN_OR_RETURN(
        std::unique_ptr<BackupSetReader> base,
        BackupSetReader::OpenInternal(env, base_dir, options, std::nullopt));
    if (Sha256(base->manifest_bytes()) != *m.base_manifest_sha256) {
      return absl::FailedPreconditionError(
          absl::StrCat("base backup '", m.base_backup_id, "' in ", parent_dir,
                       " is not the one backup '", m.backup_id,
                       "' was taken against (its manifest SHA-256 differs)"));
    }
    if (base->manifest().created >= m.created) {
      return absl::FailedPreconditionError(
          absl::StrCat("base backup '", m.base_backup_id,
                       "' is not older than backup '", m.backup_id, "'"));
    }
    set = std::move(base);
  }
  std::reverse(sources.begin(), sources.end());
  return std::unique_ptr<VolumeStream>(new internal::MergedVolumeStream(
      std::move(sources), options.read_buffer_size));
}

}  // namespace shadowset
