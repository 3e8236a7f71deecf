#include "engine/backup/verify.h"

#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/backup/backup_set_reader.h"
#include "engine/backup/internal/volume_file_reader.h"
#include "engine/internal/status_macros.h"

namespace shadowset {
namespace {

constexpr size_t kVerifyBufferSize = 4 << 20;

// Every entry under `dir` (relative paths) must be a listed file or a
// directory on the way to one.
absl::Status CheckListing(Env* env, const std::string& root,
                          const std::string& relative,
                          const std::set<std::string>& files,
                          const std::set<std::string>& dirs) {
  std::string path = relative.empty() ? root : JoinPath(root, relative);
  ASSIGN_OR_RETURN(std::vector<std::string> names, env->ListDir(path));
  for (const std::string& name : names) {
    std::string entry =
        relative.empty() ? name : absl::StrCat(relative, "/", name);
    ASSIGN_OR_RETURN(FileType type, env->GetFileType(JoinPath(root, entry)));
    if (type == FileType::kDirectory && dirs.contains(entry)) {
      RETURN_IF_ERROR(CheckListing(env, root, entry, files, dirs));
    } else if (type != FileType::kFile || !files.contains(entry)) {
      return absl::DataLossError(
          absl::StrCat(entry, ": not listed in the manifest"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<VerifyReport> VerifyBackupSet(Env* env, const std::string& dir,
                                             absl::string_view key,
                                             absl::Time now) {
  if (env == nullptr) env = Env::Default();
  BackupReadOptions options;
  options.key = std::string(key);
  options.read_buffer_size = kVerifyBufferSize;
  ASSIGN_OR_RETURN(std::unique_ptr<BackupSetReader> set,
                   BackupSetReader::Open(env, dir, options, now));
  const BackupManifest& m = set->manifest();
  VerifyReport report;
  report.files = 2;

  std::set<std::string> files = {"manifest.json", "token"};
  std::set<std::string> dirs = {"volumes"};
  for (const ManifestFile& f : m.files) {
    files.insert(f.path);
    for (size_t slash = f.path.find('/'); slash != std::string::npos;
         slash = f.path.find('/', slash + 1)) {
      dirs.insert(f.path.substr(0, slash));
    }
  }
  RETURN_IF_ERROR(CheckListing(env, dir, "", files, dirs));

  std::set<std::string> volume_files;
  for (const ManifestVolume& v : m.volumes) {
    ASSIGN_OR_RETURN(
        std::unique_ptr<internal::VolumeFileReader> reader,
        internal::VolumeFileReader::Open(env, dir, m, v, kVerifyBufferSize));
    RETURN_IF_ERROR(reader->VerifyAll(&report.blocks, &report.bytes));
    // Open checked the sums file whole against the manifest.
    report.bytes += m.FindFile(v.sums_file)->size;
    report.files += 2;
    volume_files.insert(v.data_file);
    volume_files.insert(v.sums_file);
  }
  for (const ManifestFile& f : m.files) {
    if (volume_files.contains(f.path)) continue;
    RETURN_IF_ERROR(internal::VerifyListedFile(env, dir, f, kVerifyBufferSize,
                                               &report.bytes));
    ++report.files;
  }
  return report;
}

}  // namespace shadowset
