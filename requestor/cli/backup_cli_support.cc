#include "requestor/cli/backup_cli_support.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "engine/backup/backup_set_reader.h"
#include "engine/backup/manifest.h"
#include "engine/backup/token.h"
#include "engine/backup/verify.h"
#include "engine/env.h"
#include "engine/internal/status_macros.h"

namespace shadowset::cli {
namespace {

absl::string_view TokenErrorWord(TokenError error) {
  switch (error) {
    case TokenError::kMissing:
      return "missing";
    case TokenError::kUnreadable:
      return "unreadable";
    case TokenError::kExpired:
      return "expired";
    case TokenError::kTampered:
      return "tampered";
    case TokenError::kForeign:
      return "foreign";
    case TokenError::kUnsigned:
      return "unsigned";
    case TokenError::kNotYetValid:
      return "not yet valid";
  }
  return "refused";
}

std::string Trimmed(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir;
}

std::string BaseName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The bytes the manifests of the chain ending at `top` list (what
// verifying it reads), as far as they can be read; for progress only.
uint64_t ListedBytes(Env* env, const std::string& top) {
  uint64_t bytes = 0;
  std::string dir = top;
  for (int sets = 0; sets < 10000 && !dir.empty(); ++sets) {
    absl::StatusOr<std::string> text =
        ReadFileToString(env, JoinPath(dir, "manifest.json"));
    if (!text.ok()) break;
    absl::StatusOr<BackupManifest> m = ParseManifest(*text);
    if (!m.ok()) break;
    for (const ManifestFile& f : m->files) bytes += f.size;
    dir = m->base_backup_id.empty() ? ""
                                    : JoinPath(DirName(top), m->base_backup_id);
  }
  return bytes;
}

}  // namespace

absl::StatusOr<Hosted> Host(const std::string& data_dir) {
  Hosted h;
  ASSIGN_OR_RETURN(h.engine, Engine::Open(data_dir));
  h.registry = std::make_unique<WriterRegistry>();
  ASSIGN_OR_RETURN(h.host, ServiceHost::Open(h.engine.get(), h.registry.get()));
  return h;
}

absl::StatusOr<std::string> ReadKey(const std::string& file) {
  if (file.empty()) return std::string();
  return ReadKeyFile(Env::Default(), file);
}

absl::Status Refusal(const absl::Status& status) {
  std::optional<TokenError> error = TokenErrorOf(status);
  if (!error) return status;
  absl::Status out(status.code(), absl::StrCat("expiry token refused (",
                                               TokenErrorWord(*error),
                                               "): ", status.message()));
  status.ForEachPayload([&out](absl::string_view url, const absl::Cord& p) {
    out.SetPayload(url, p);
  });
  return out;
}

absl::StatusOr<bool> PrepareTarget(const std::string& dir,
                                   const std::string& key,
                                   const std::string& target) {
  Env* env = Env::Default();
  BackupReadOptions options;
  options.key = key;
  absl::StatusOr<std::unique_ptr<BackupSetReader>> set =
      BackupSetReader::Open(env, Trimmed(dir), options, env->Now());
  if (!set.ok()) return Refusal(set.status());
  ASSIGN_OR_RETURN(FileType type, env->GetFileType(target));
  if (type == FileType::kDirectory) {
    ASSIGN_OR_RETURN(std::vector<std::string> entries, env->ListDir(target));
    if (!entries.empty()) return false;
  } else if (type != FileType::kMissing) {
    return absl::FailedPreconditionError(
        absl::StrCat(target, " is not a directory"));
  }
  const std::vector<ManifestVolume>& volumes = (*set)->manifest().volumes;
  if (volumes.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("backup ", (*set)->manifest().backup_id,
                     " holds no volumes to restore"));
  }
  InitOptions init;
  init.block_size = volumes.front().block_size;
  RETURN_IF_ERROR(Engine::Init(target, init));
  return true;
}

absl::Status RemoveEntries(Env* env, const std::string& dir) {
  ASSIGN_OR_RETURN(std::vector<std::string> entries, env->ListDir(dir));
  for (const std::string& e : entries) {
    RETURN_IF_ERROR(RemoveTree(env, JoinPath(dir, e)));
  }
  return absl::OkStatus();
}

absl::StatusOr<ChainReport> VerifyChain(const std::string& dir,
                                        const std::string& key,
                                        const ProgressCallback& progress,
                                        const std::atomic<bool>* cancel) {
  Env* env = Env::Default();
  const std::string top = Trimmed(dir);
  const std::string parent = DirName(top);
  const absl::Time now = env->Now();
  ChainReport report;
  TransferProgress done;
  done.volume = BaseName(top);
  done.bytes_total = ListedBytes(env, top);
  auto add = [&](const std::string& set_dir,
                 absl::Time judged_at) -> absl::StatusOr<BackupManifest> {
    if (cancel != nullptr && cancel->load()) {
      return absl::CancelledError("the verification was cancelled");
    }
    absl::StatusOr<VerifyReport> r =
        VerifyBackupSet(env, set_dir, key, judged_at);
    if (!r.ok()) return Refusal(r.status());
    report.files += r->files;
    report.blocks += r->blocks;
    report.bytes += r->bytes;
    done.bytes_done = std::min(done.bytes_total, report.bytes);
    done.elapsed = env->Now() - now;
    if (progress) progress(done);
    ASSIGN_OR_RETURN(std::string bytes,
                     ReadFileToString(env, JoinPath(set_dir, "manifest.json")));
    return ParseManifest(bytes);
  };
  ASSIGN_OR_RETURN(BackupManifest manifest, add(top, now));
  report.chain.push_back(manifest.backup_id);
  std::string base = manifest.base_backup_id;
  while (!base.empty()) {
    const std::string base_dir = JoinPath(parent, base);
    absl::StatusOr<std::string> bytes =
        ReadFileToString(env, JoinPath(base_dir, "manifest.json"));
    if (absl::IsNotFound(bytes.status())) {
      return absl::NotFoundError(absl::StrCat(
          "base backup '", base, "' of the chain is missing from ", parent));
    }
    RETURN_IF_ERROR(bytes.status());
    absl::StatusOr<BackupManifest> unverified = ParseManifest(*bytes);
    ASSIGN_OR_RETURN(
        BackupManifest m,
        add(base_dir, unverified.ok() ? unverified->created : now));
    report.chain.push_back(m.backup_id);
    base = m.base_backup_id;
    if (report.chain.size() > 10000) {
      return absl::FailedPreconditionError("the chain does not end");
    }
  }
  std::reverse(report.chain.begin(), report.chain.end());
  done.bytes_done = done.bytes_total;
  done.elapsed = env->Now() - now;
  done.done = true;
  if (progress) progress(done);
  BackupReadOptions options;
  options.key = key;
  for (const ManifestVolume& v : manifest.volumes) {
    absl::StatusOr<std::unique_ptr<VolumeStream>> stream =
        OpenVolumeAt(env, parent, BaseName(top), v.name, options, now);
    if (!stream.ok()) return Refusal(stream.status());
  }
  return report;
}

}  // namespace shadowset::cli
