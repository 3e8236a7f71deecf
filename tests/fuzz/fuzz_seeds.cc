// Seed inputs for the fuzz targets: the files of small backup sets written
// by BackupSetWriter into a scratch directory.

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/backup/backup_set_writer.h"
#include "engine/backup/verify.h"
#include "engine/env.h"
#include "engine/internal/status_macros.h"
#include "tests/fuzz/fuzz_targets.h"

namespace shadowset::fuzz {
namespace {

absl::Span<const uint8_t> Bytes(absl::string_view s) {
  return absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(s.data()),
                             s.size());
}

// A full and an incremental set (keyed or not) under `root`.
absl::Status WriteSets(Env* env, const std::string& root, bool keyed) {
  const absl::Time created = absl::FromUnixSeconds(1714564800);
  BackupSetOptions o;
  o.backup_id = "full";
  o.set_id = SetId::Random();
  o.created = created;
  ManifestWriter w;
  w.id = "dhcp";
  w.restore_lifetime = absl::Hours(24 * 30);
  w.metadata = {{"name", "DHCP"},
                {"components", {{{"name", "db"}, {"files", {"a", "b"}}}}},
                {"n", 1.25},
                {"flag", true}};
  o.writers = {w};
  if (keyed) o.key = "a fuzzing key of 16+ bytes";
  o.write_buffer_size = 4096;
  // 12 blocks of 512 bytes: data, zeros and a gap.
  std::string blocks(12 * 512, '\0');
  for (size_t i = 0; i < blocks.size(); ++i) {
    if ((i / 512) % 3 != 1) blocks[i] = static_cast<char>(i * 131 + 7);
  }
  {
    ASSIGN_OR_RETURN(auto writer, BackupSetWriter::Create(env, root, o));
    RETURN_IF_ERROR(writer->BeginImage("db", 512, 14));
    RETURN_IF_ERROR(writer->AddBlocks(0, Bytes(blocks)));
    RETURN_IF_ERROR(writer->EndVolume());
    RETURN_IF_ERROR(writer->AddWriterFile("dhcp", "meta/state", "dhcp state"));
    RETURN_IF_ERROR(writer->Publish().status());
  }
  o.backup_id = "inc";
  o.type = BackupSetType::kIncremental;
  o.base_backup_id = "full";
  o.created = created + absl::Minutes(5);
  o.expires_in = absl::Hours(24);
  {
    ASSIGN_OR_RETURN(auto writer, BackupSetWriter::Create(env, root, o));
    RETURN_IF_ERROR(writer->BeginDelta("db", 512, 14));
    RETURN_IF_ERROR(writer->AddBlocks(2, Bytes(std::string(512, 'x'))));
    RETURN_IF_ERROR(writer->AddZeroBlocks(3, 2));
    RETURN_IF_ERROR(writer->AddBlocks(9, Bytes(blocks.substr(0, 3 * 512))));
    RETURN_IF_ERROR(writer->EndVolume());
    RETURN_IF_ERROR(writer->Publish().status());
  }
  for (const char* id : {"full", "inc"}) {
    RETURN_IF_ERROR(VerifyBackupSet(env, JoinPath(root, id), o.key,
                                    created + absl::Hours(1))
                        .status());
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<std::string>> SeedCorpus(Target target) {
  Env* env = Env::Default();
  std::string pattern =
      (std::filesystem::temp_directory_path() / "shadowset-fuzz-seeds-XXXXXX")
          .string();
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError("cannot create a scratch directory");
  }
  const std::string scratch = pattern;
  std::vector<std::string> seeds;
  absl::Status st;
  for (bool keyed : {false, true}) {
    std::string root = JoinPath(scratch, keyed ? "keyed" : "plain");
    st = env->CreateDir(root);
    if (st.ok()) st = WriteSets(env, root, keyed);
    if (!st.ok()) break;
    std::vector<std::string> files;
    switch (target) {
      case Target::kManifest:
        files = {"full/manifest.json", "inc/manifest.json"};
        break;
      case Target::kVolumeFile:
        files = {"full/volumes/db.img", "inc/volumes/db.delta"};
        break;
      case Target::kSumsFile:
        files = {"full/volumes/db.sums", "inc/volumes/db.sums"};
        break;
      case Target::kToken:
        files = {"full/token", "inc/token"};
        break;
    }
    for (const std::string& f : files) {
      absl::StatusOr<std::string> bytes =
          ReadFileToString(env, JoinPath(root, f));
      if (!bytes.ok()) {
        st = bytes.status();
        break;
      }
      seeds.push_back(std::move(*bytes));
    }
  }
  RemoveTree(env, scratch).IgnoreError();
  RETURN_IF_ERROR(st);
  seeds.push_back("");
  if (target == Target::kManifest) {
    seeds.push_back("{}");
    seeds.push_back(
        "{\"format\": \"shadowset-backup-manifest\", \"format_version\": "
        "{\"major\": 2, \"minor\": 0}}");
  }
  return seeds;
}

}  // namespace shadowset::fuzz
