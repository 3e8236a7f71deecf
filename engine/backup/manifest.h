// The manifest of a backup set (<backup>/manifest.json, DESIGN §2.7): what
// the set holds, which backup it continues, until when it may be restored,
// the writers' metadata (opaque JSON objects supplied by the caller) and the
// size and checksums of every other file of the set. The expiry token
// carries the SHA-256 of the manifest's exact bytes, so the manifest is
// trusted once the token checks out. The schema is in
// docs/backup-format.md.
//
//   ASSIGN_OR_RETURN(std::string bytes, EncodeManifest(manifest));
//   ASSIGN_OR_RETURN(BackupManifest back, ParseManifest(bytes));
//
// Thread safety: plain values and free functions.

#ifndef SHADOWSET_ENGINE_BACKUP_MANIFEST_H_
#define SHADOWSET_ENGINE_BACKUP_MANIFEST_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/backup/token.h"
#include "engine/types.h"
#include "nlohmann/json.hpp"

namespace shadowset {

inline constexpr uint16_t kManifestFormatMajor = 1;
inline constexpr uint16_t kManifestFormatMinor = 0;

// What a backup set captures. Persisted by name ("full", ...); the numbers
// are the protocol's backup types (SEMANTICS.md §1); never renumber.
enum class BackupSetType : uint32_t {
  kFull = 1,
  kIncremental = 2,   // changes since the previous full or incremental
  kDifferential = 3,  // changes since the last full
  kCopy = 5,          // a full copy that does not update history
};
absl::string_view BackupSetTypeName(BackupSetType type);
std::optional<BackupSetType> ParseBackupSetType(absl::string_view name);

// A writer whose data the set holds.
struct ManifestWriter {
  std::string id;
  // How long after `created` the backup may be restored. Default: forever.
  absl::Duration restore_lifetime = absl::InfiniteDuration();
  // Opaque to the engine: the writer's metadata and components.
  nlohmann::json metadata = nlohmann::json::object();

  friend bool operator==(const ManifestWriter&,
                         const ManifestWriter&) = default;
};

// How a volume is stored (persisted by name: "image", "delta").
enum class VolumeFileKind : uint8_t {
  kImage = 1,  // every block: volumes/<v>.img
  kDelta = 2,  // blocks changed since the base backup: volumes/<v>.delta
};

struct ManifestVolume {
  std::string name;
  uint32_t block_size = 0;
  uint64_t block_count = 0;
  VolumeFileKind kind = VolumeFileKind::kImage;
  uint64_t data_blocks = 0;  // blocks stored with their contents
  uint64_t zero_blocks = 0;  // blocks recorded as zero (holes, now-zero)
  std::string data_file;     // "volumes/<v>.img" or "volumes/<v>.delta"
  std::string sums_file;     // "volumes/<v>.sums"

  friend bool operator==(const ManifestVolume&,
                         const ManifestVolume&) = default;
};

// A file of the set other than manifest.json and token, with its checksums
// (xxh3-64 always; SHA-256 when the set is keyed).
struct ManifestFile {
  std::string path;  // relative to the set, '/'-separated
  uint64_t size = 0;
  uint64_t xxh3 = 0;
  std::optional<Sha256Digest> sha256;

  friend bool operator==(const ManifestFile&, const ManifestFile&) = default;
};

struct BackupManifest {
  uint16_t major = kManifestFormatMajor;
  uint16_t minor = kManifestFormatMinor;
  std::string engine_version;  // of the build that wrote the set
  std::string backup_id;       // also the set's directory name
  SetId set_id;                // the snapshot set backed up
  BackupSetType type = BackupSetType::kFull;
  // Set when a requested incremental/differential was taken as a full
  // backup because its base snapshot was gone.
  std::optional<BackupSetType> promoted_from;
  std::string base_backup_id;  // incremental/differential only
  std::optional<Sha256Digest> base_manifest_sha256;  // with base_backup_id
  absl::Time created;  // the snapshot set's commit instant
  absl::Time expires = absl::InfiniteFuture();
  bool keyed = false;  // SHA-256 checksums and a signed token
  std::vector<ManifestWriter> writers;
  std::vector<ManifestVolume> volumes;
  std::vector<ManifestFile> files;

  const ManifestVolume* FindVolume(absl::string_view name) const;
  const ManifestFile* FindFile(absl::string_view path) const;
  friend bool operator==(const BackupManifest&,
                         const BackupManifest&) = default;
};

// Serialises `manifest` as JSON. kInvalidArgument if a writer's metadata is
// not a JSON object or holds a string that is not UTF-8.
absl::StatusOr<std::string> EncodeManifest(const BackupManifest& manifest);

// Parses and validates a manifest (every field, and that fields agree:
// volume files are listed, checksums match `keyed`, a base is named exactly
// for incremental and differential sets, `expires` is no later than any
// writer's lifetime allows). kDataLoss naming the first bad field;
// kFailedPrecondition for a newer major format version.
absl::StatusOr<BackupManifest> ParseManifest(absl::string_view bytes);

}  // namespace shadowset

#endif  // SHADOWSET_ENGINE_BACKUP_MANIFEST_H_
