// The block map of a volume file (.img or .delta): which blocks the file
// records, as runs of data blocks (stored in the payload, in block order)
// and zero blocks (holes of an image, "now zero" entries of a delta).
//
// A map is canonical: runs are non-empty, ascending and non-overlapping,
// and two touching runs never have the same kind. An image's map covers
// every block of the volume; a delta's lists only the changed blocks.
//
//   BlockMapBuilder b(BlockMapKind::kImage, /*block_count=*/8);
//   b.Add(0, 2, RunKind::kData);  b.Add(5, 1, RunKind::kData);
//   std::vector<BlockRun> runs = b.Finish();   // data 0-1, zero 2-4,
//                                              // data 5, zero 6-7
//
// Thread safety: thread-compatible.

#ifndef SHADOWSET_ENGINE_BACKUP_INTERNAL_BLOCK_MAP_H_
#define SHADOWSET_ENGINE_BACKUP_INTERNAL_BLOCK_MAP_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace shadowset::internal {

// Persisted in run records: never renumber.
enum class RunKind : uint8_t {
  kData = 1,  // blocks stored in the payload
  kZero = 2,  // all-zero blocks, not stored
};

enum class BlockMapKind {
  kImage,  // covers blocks [0, block_count) without gaps
  kDelta,  // changed blocks only; gaps are unchanged blocks
};

struct MapRun {
  uint64_t first_block = 0;
  uint64_t block_count = 0;
  RunKind kind = RunKind::kData;

  uint64_t end() const { return first_block + block_count; }
  friend bool operator==(const MapRun&, const MapRun&) = default;
};

// Builds a canonical map from runs added in ascending block order.
class BlockMapBuilder {
 public:
  BlockMapBuilder(BlockMapKind kind, uint64_t block_count)
      : kind_(kind), block_count_(block_count) {}

  // The first block a later Add may name.
  uint64_t next_block() const { return next_; }
  // Adds `count` (> 0) blocks from `first` (>= next_block(), within the
  // volume; the caller has checked both). For an image, skipped blocks
  // become zero runs.
  void Add(uint64_t first, uint64_t count, RunKind kind);
  // Completes the map (an image's tail becomes a zero run).
  std::vector<MapRun> Finish();

  uint64_t data_blocks() const { return data_blocks_; }
  uint64_t zero_blocks() const { return zero_blocks_; }

 private:
  void Append(uint64_t first, uint64_t count, RunKind kind);

  const BlockMapKind kind_;
  const uint64_t block_count_;
  uint64_t next_ = 0;
  uint64_t data_blocks_ = 0;
  uint64_t zero_blocks_ = 0;
  std::vector<MapRun> runs_;
};

// Checks that `runs` is a canonical map of `kind` for a volume of
// `block_count` blocks holding exactly `payload_blocks` data blocks.
// kDataLoss naming `file` and the first offending run otherwise.
absl::Status ValidateBlockMap(const std::vector<MapRun>& runs,
                              BlockMapKind kind, uint64_t block_count,
                              uint64_t payload_blocks, absl::string_view file);

}  // namespace shadowset::internal

#endif  // SHADOWSET_ENGINE_BACKUP_INTERNAL_BLOCK_MAP_H_
