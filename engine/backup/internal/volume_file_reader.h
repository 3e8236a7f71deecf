// VolumeFileReader: one volume of a published backup set (its image or
// delta and its sums file), opened with every structural check done up
// front, then read block by block with every block verified.
//
// Open() trusts nothing but the manifest (itself vouched for by the
// token): it checks both files' sizes, the data file's header, block map
// and footer, and the whole sums file against the manifest's checksums;
// the sums footer in turn vouches for the data file's header, map and
// footer. ReadData() checks each data block against its sums entry (xxh3-64,
// and SHA-256 when the set is keyed) before handing it out.
//
// Thread safety: thread-compatible.

#ifndef SHADOWSET_ENGINE_BACKUP_INTERNAL_VOLUME_FILE_READER_H_
#define SHADOWSET_ENGINE_BACKUP_INTERNAL_VOLUME_FILE_READER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "engine/backup/internal/block_map.h"
#include "engine/backup/internal/digest.h"
#include "engine/backup/internal/volume_format.h"
#include "engine/backup/manifest.h"
#include "engine/env.h"

namespace shadowset::internal {

class VolumeFileReader {
 public:
  // `root` is the set's directory; `volume` one of `manifest`'s volumes.
  // kDataLoss naming the file and the problem; I/O errors.
  static absl::StatusOr<std::unique_ptr<VolumeFileReader>> Open(
      Env* env, const std::string& root, const BackupManifest& manifest,
      const ManifestVolume& volume, size_t buffer_size);

  const ManifestVolume& volume() const { return volume_; }
  const std::vector<MapRun>& runs() const { return runs_; }
  // Payload index (rank) of the first data block of runs()[i] (data runs).
  uint64_t rank_of_run(size_t i) const { return run_ranks_[i]; }
  // The data file's path relative to the set, for messages.
  const std::string& data_file() const { return volume_.data_file; }

  // Reads `count` data blocks from payload index `rank` into `out`
  // (count * block_size bytes), each verified. kDataLoss naming the file
  // and the volume block on a mismatch; I/O errors.
  absl::Status ReadData(uint64_t rank, uint64_t count, absl::Span<uint8_t> out);

  // Reads the whole data file once, verifying every data block and the
  // file's own checksums in the manifest. Adds the blocks verified to
  // `blocks` and bytes read to `bytes`.
  absl::Status VerifyAll(uint64_t* blocks, uint64_t* bytes);

 private:
  VolumeFileReader(ManifestVolume volume, bool keyed, size_t buffer_size)
      : volume_(std::move(volume)), keyed_(keyed), buffer_size_(buffer_size) {}
  absl::Status OpenDataFile(Env* env, const std::string& root,
                            const ManifestFile& listed);
  absl::Status OpenSumsFile(Env* env, const std::string& root,
                            const ManifestFile& listed);
  absl::Status CheckBlocks(uint64_t rank, absl::Span<const uint8_t> data);
  // The volume block stored at payload index `rank`.
  uint64_t BlockOfRank(uint64_t rank) const;

  const ManifestVolume volume_;
  const bool keyed_;
  const size_t buffer_size_;
  ManifestFile data_listed_;
  std::unique_ptr<File> data_;
  std::unique_ptr<File> sums_;
  DataHeader header_;
  DataFooter footer_;
  SumsHeader sums_header_;
  std::string header_bytes_;
  std::string runs_bytes_;
  std::string footer_bytes_;
  std::vector<MapRun> runs_;
  std::vector<uint64_t> run_ranks_;
  std::optional<Sha256Hasher> sha_;
  std::string sums_buffer_;
};

// Checks that the file at `path` (relative to `root`) has the size and
// checksums `listed` gives. kDataLoss naming the file; I/O errors. Adds
// the bytes read to `bytes` when given.
absl::Status VerifyListedFile(Env* env, const std::string& root,
                              const ManifestFile& listed, size_t buffer_size,
                              uint64_t* bytes = nullptr);

// Opens a listed file and checks its size. kDataLoss when it is missing or
// of another size.
absl::StatusOr<std::unique_ptr<File>> OpenListedFile(
    Env* env, const std::string& root, const ManifestFile& listed);

// kDataLoss if `digest` differs from what `listed` says (SHA-256 compared
// when both have one).
absl::Status CompareDigest(const ManifestFile& listed,
                           const FileDigest& digest);

}  // namespace shadowset::internal

#endif  // SHADOWSET_ENGINE_BACKUP_INTERNAL_VOLUME_FILE_READER_H_
