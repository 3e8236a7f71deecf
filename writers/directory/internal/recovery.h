// Recovery's two steps, shared by opening the directory, Check() and the
// validation of a restore: read and verify an image, then replay the log
// into its tree.
//
//   ASSIGN_OR_RETURN(LoadedImage image,
//                    ReadImage(read_db, slot_offset, length, xxh3));
//   ASSIGN_OR_RETURN(LogEnd end,
//                    ReplayInto(*image.tree, read_log, geometry,
//                               image.header.checkpoint_gen,
//                               image.header.usn, kNoLastGen));
//
// Thread safety: free functions; the caller owns the tree.

#ifndef SHADOWSET_WRITERS_DIRECTORY_INTERNAL_RECOVERY_H_
#define SHADOWSET_WRITERS_DIRECTORY_INTERNAL_RECOVERY_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "writers/directory/internal/control_block.h"
#include "writers/directory/internal/image.h"
#include "writers/directory/internal/log_replay.h"
#include "writers/directory/internal/tree.h"

namespace shadowset::directory_internal {

// Reads `length` bytes at `offset` and decodes them as an image whose
// trailer checksum must be `expected_xxh3`. kDataLoss when it is another
// image or damaged; read errors.
absl::StatusOr<LoadedImage> ReadImage(ReadAtFn read, uint64_t offset,
                                      uint64_t length, uint64_t expected_xxh3);

// Applies every logged change after `after_usn` to `tree` (ReplayLog's
// rules). kDataLoss when a change does not apply; `replayed_bytes`, when
// given, receives the size of the records applied.
absl::StatusOr<LogEnd> ReplayInto(Tree& tree, ReadAtFn read,
                                  const LogGeometry& geometry,
                                  uint64_t start_gen, uint64_t after_usn,
                                  uint64_t last_gen,
                                  uint64_t* replayed_bytes = nullptr);

}  // namespace shadowset::directory_internal

#endif  // SHADOWSET_WRITERS_DIRECTORY_INTERNAL_RECOVERY_H_
