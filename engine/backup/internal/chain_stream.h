// MergedVolumeStream: a VolumeStream over the volume files of one or more
// backup sets, oldest first; each block comes from the newest file that
// records it. One image alone streams the image; one delta alone streams
// its changed blocks; an image followed by deltas streams the volume's full
// contents at the last delta's instant.
//
// Thread safety: thread-compatible.

#ifndef SHADOWSET_ENGINE_BACKUP_INTERNAL_CHAIN_STREAM_H_
#define SHADOWSET_ENGINE_BACKUP_INTERNAL_CHAIN_STREAM_H_

#include <memory>
#include <vector>

#include "engine/backup/backup_set_reader.h"
#include "engine/backup/internal/volume_file_reader.h"

namespace shadowset::internal {

class MergedVolumeStream final : public VolumeStream {
 public:
  // `sources`: non-empty, oldest first, all of the same volume geometry.
  MergedVolumeStream(std::vector<std::unique_ptr<VolumeFileReader>> sources,
                     size_t buffer_size);

  const std::string& volume() const override;
  uint32_t block_size() const override;
  uint64_t block_count() const override;
  absl::StatusOr<std::optional<BlockRun>> Next() override;

 private:
  std::vector<std::unique_ptr<VolumeFileReader>> sources_;
  std::vector<size_t> cursors_;  // per source: first run ending after next_
  const uint64_t max_blocks_;    // per data run handed out
  std::vector<uint8_t> buffer_;
  uint64_t next_ = 0;     // first block not yet handed out
  absl::Status failure_;  // sticky
};

}  // namespace shadowset::internal

#endif  // SHADOWSET_ENGINE_BACKUP_INTERNAL_CHAIN_STREAM_H_
