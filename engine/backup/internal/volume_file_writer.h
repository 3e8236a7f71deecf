// VolumeFileWriter: streams one volume of a backup set into its image or
// delta file and its sums file (internal/volume_format.h), building the
// block map and the per-block checksums as blocks arrive.
//
//   ASSIGN_OR_RETURN(auto v, VolumeFileWriter::Create(env, root, "db",
//       VolumeFileKind::kImage, 4096, blocks, options));
//   RETURN_IF_ERROR(v->AddBlocks(0, first_blocks));
//   RETURN_IF_ERROR(v->AddZeroBlocks(100, 28));
//   ASSIGN_OR_RETURN(VolumeFileWriter::Result r, v->Finish());  // synced
//
// Thread safety: thread-compatible.

#ifndef SHADOWSET_ENGINE_BACKUP_INTERNAL_VOLUME_FILE_WRITER_H_
#define SHADOWSET_ENGINE_BACKUP_INTERNAL_VOLUME_FILE_WRITER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "engine/backup/internal/block_map.h"
#include "engine/backup/internal/digest.h"
#include "engine/backup/internal/hashed_file_writer.h"
#include "engine/backup/manifest.h"
#include "engine/env.h"

namespace shadowset::internal {

class VolumeFileWriter {
 public:
  struct Options {
    size_t buffer_size = 4 << 20;
    bool sha256 = false;
    bool detect_zero_blocks = true;
    bool background_writes = false;  // for the data file
    ProgressCounter* progress = nullptr;
  };
  struct Result {
    ManifestVolume volume;
    ManifestFile data_file;
    ManifestFile sums_file;
  };

  // Creates volumes/<name>.img (or .delta) and volumes/<name>.sums under
  // `root` and writes their headers. The caller validated the arguments.
  static absl::StatusOr<std::unique_ptr<VolumeFileWriter>> Create(
      Env* env, const std::string& root, const std::string& name,
      VolumeFileKind kind, uint32_t block_size, uint64_t block_count,
      const Options& options);

  // Adds whole blocks from `first_block` on, in ascending order (see
  // BackupSetWriter::AddBlocks for the contract and the errors).
  absl::Status AddBlocks(uint64_t first_block, absl::Span<const uint8_t> data);
  absl::Status AddZeroBlocks(uint64_t first_block, uint64_t count);

  // Writes the block map, the footers and syncs both files.
  absl::StatusOr<Result> Finish();

  const std::string& name() const { return name_; }

 private:
  VolumeFileWriter(std::string name, VolumeFileKind kind, uint32_t block_size,
                   uint64_t block_count, const Options& options);
  absl::Status CheckRange(uint64_t first_block, uint64_t count) const;
  absl::Status AddDataRun(uint64_t first_block,
                          absl::Span<const uint8_t> blocks);

  const std::string name_;
  const VolumeFileKind kind_;
  const uint32_t block_size_;
  const uint64_t block_count_;
  const Options options_;
  std::string data_path_;  // relative to the set
  std::string sums_path_;
  std::unique_ptr<HashedFileWriter> data_;
  std::unique_ptr<HashedFileWriter> sums_;
  std::string data_header_;
  BlockMapBuilder map_;
  FileDigester entries_digest_{false};
  std::optional<Sha256Hasher> block_sha_;
  std::string pending_sums_;
};

}  // namespace shadowset::internal

#endif  // SHADOWSET_ENGINE_BACKUP_INTERNAL_VOLUME_FILE_WRITER_H_
