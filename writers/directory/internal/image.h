// The database image: the whole tree as of one update sequence number,
// written by a checkpoint into an image slot of the database volume and
// served as the backup's "ntds.dit" file (docs/directory-format.md §3).
//
//   std::string bytes = EncodeImage(tree, usn, checkpoint_gen);
//   ASSIGN_OR_RETURN(LoadedImage image, DecodeImage(bytes));
//
// Thread safety: free functions.

#ifndef SHADOWSET_WRITERS_DIRECTORY_INTERNAL_IMAGE_H_
#define SHADOWSET_WRITERS_DIRECTORY_INTERNAL_IMAGE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "writers/directory/internal/tree.h"

namespace shadowset::directory_internal {

inline constexpr uint32_t kImageMagic = 0x53534449;  // "SSDI"
inline constexpr uint16_t kImageFormatMajor = 1;
inline constexpr uint16_t kImageFormatMinor = 0;
// Bytes before the first object.
inline constexpr size_t kImageHeaderSize = 40;

struct ImageHeader {
  uint64_t usn = 0;             // every change up to this one is included
  uint64_t checkpoint_gen = 0;  // replay starts at this log generation
  uint64_t object_count = 0;
};

struct LoadedImage {
  ImageHeader header;
  std::unique_ptr<Tree> tree;
};

// Serialises `tree`. The last 8 bytes are the xxh3-64 of everything before.
std::string EncodeImage(const Tree& tree, uint64_t usn,
                        uint64_t checkpoint_gen);

// Parses and verifies an image. kDataLoss for a bad magic, a checksum
// mismatch or a malformed object; kFailedPrecondition for a newer major
// format version.
absl::StatusOr<LoadedImage> DecodeImage(absl::string_view bytes);

// The checksum stored in an image's trailer (no other validation).
uint64_t ImageChecksum(absl::string_view bytes);

}  // namespace shadowset::directory_internal

#endif  // SHADOWSET_WRITERS_DIRECTORY_INTERNAL_IMAGE_H_
