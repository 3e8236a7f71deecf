#include "writers/directory/internal/image.h"

#include <xxhash.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/internal/coding.h"
#include "engine/internal/status_macros.h"

namespace shadowset::directory_internal {

using internal::Decoder;
using internal::LoadBE64;
using internal::PutBE16;
using internal::PutBE32;
using internal::PutBE64;

std::string EncodeImage(const Tree& tree, uint64_t usn,
                        uint64_t checkpoint_gen) {
  std::string out;
  PutBE32(&out, kImageMagic);
  PutBE16(&out, kImageFormatMajor);
  PutBE16(&out, kImageFormatMinor);
  PutBE64(&out, usn);
  PutBE64(&out, checkpoint_gen);
  PutBE64(&out, static_cast<uint64_t>(
                    absl::ToInt64Seconds(tree.tombstone_lifetime())));
  PutBE64(&out, tree.size());
  tree.ForEach([&out](const DirectoryObject& o) { EncodeObject(o, &out); });
  PutBE64(&out, XXH3_64bits(out.data(), out.size()));
  return out;
}

uint64_t ImageChecksum(absl::string_view bytes) {
  return bytes.size() < 8 ? 0 : LoadBE64(bytes.data() + bytes.size() - 8);
}

absl::StatusOr<LoadedImage> DecodeImage(absl::string_view bytes) {
  if (bytes.size() < kImageHeaderSize + 8) {
    return absl::DataLossError(absl::StrFormat(
        "directory image of %u bytes is too short", bytes.size()));
  }
  absl::string_view body = bytes.substr(0, bytes.size() - 8);
  if (XXH3_64bits(body.data(), body.size()) != ImageChecksum(bytes)) {
    return absl::DataLossError("directory image fails its xxh3-64 checksum");
  }
  Decoder d(body, "directory image");
  if (d.BE32() != kImageMagic) {
    return absl::DataLossError("not a directory image (bad magic)");
  }
  uint16_t major = d.BE16();
  d.BE16();  // minor: newer minors only add fields we may ignore
  if (major > kImageFormatMajor) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "directory image format %u is newer than this build (%u)", major,
        kImageFormatMajor));
  }
  LoadedImage image;
  image.header.usn = d.BE64();
  image.header.checkpoint_gen = d.BE64();
  int64_t lifetime_s = static_cast<int64_t>(d.BE64());
  image.header.object_count = d.BE64();
  if (lifetime_s <= 0) {
    return absl::DataLossError("directory image has no tombstone lifetime");
  }
  image.tree = std::make_unique<Tree>(absl::Seconds(lifetime_s));
  for (uint64_t i = 0; i < image.header.object_count; ++i) {
    DirectoryObject object = DecodeObject(&d);
    RETURN_IF_ERROR(d.status());
    RETURN_IF_ERROR(image.tree->Insert(std::move(object)));
  }
  RETURN_IF_ERROR(d.status());
  if (!d.done()) {
    return absl::DataLossError("trailing bytes in the directory image");
  }
  return image;
}

}  // namespace shadowset::directory_internal
