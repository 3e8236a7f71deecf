#include "writers/directory/internal/patch_file.h"

#include <xxhash.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/internal/coding.h"
#include "engine/internal/status_macros.h"
#include "writers/directory/internal/change.h"

namespace shadowset::directory_internal {

using internal::Decoder;
using internal::LoadBE64;
using internal::PutBE16;
using internal::PutBE32;
using internal::PutBE64;
using internal::PutString;

std::string EncodePatchFile(const PatchFile& patch) {
  std::string out;
  PutBE32(&out, kPatchMagic);
  PutBE16(&out, kPatchFormatMajor);
  PutBE16(&out, kPatchFormatMinor);
  absl::StrAppend(&out, patch.instance_id.bytes());
  PutString(&out, patch.server_name);
  absl::StrAppend(&out, patch.set_id.bytes());
  PutTime(&out, patch.created);
  PutBE64(&out, patch.usn);
  PutBE64(&out, patch.image_length);
  PutBE64(&out, patch.image_xxh3);
  PutBE64(&out, patch.first_gen);
  PutBE64(&out, patch.last_gen);
  PutBE64(&out, patch.log_generation_size);
  PutBE32(&out, patch.log_generations);
  PutBE64(&out, XXH3_64bits(out.data(), out.size()));
  return out;
}

absl::StatusOr<PatchFile> DecodePatchFile(absl::string_view bytes) {
  if (bytes.size() < 16 ||
      XXH3_64bits(bytes.data(), bytes.size() - 8) !=
          LoadBE64(bytes.data() + bytes.size() - 8)) {
    return absl::DataLossError(
        "ntds.pat is damaged (it fails its xxh3-64 checksum)");
  }
  Decoder d(bytes.substr(0, bytes.size() - 8), "ntds.pat");
  if (d.BE32() != kPatchMagic) {
    return absl::DataLossError("ntds.pat is not a directory patch file");
  }
  uint16_t major = d.BE16();
  d.BE16();
  if (major > kPatchFormatMajor) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "ntds.pat format %u is newer than this build (%u)", major,
        kPatchFormatMajor));
  }
  PatchFile patch;
  patch.instance_id = SetId::FromBytes(d.Bytes(16));
  patch.server_name = d.String();
  patch.set_id = SetId::FromBytes(d.Bytes(16));
  patch.created = GetTime(&d);
  patch.usn = d.BE64();
  patch.image_length = d.BE64();
  patch.image_xxh3 = d.BE64();
  patch.first_gen = d.BE64();
  patch.last_gen = d.BE64();
  patch.log_generation_size = d.BE64();
  patch.log_generations = d.BE32();
  RETURN_IF_ERROR(d.status());
  if (!d.done() || patch.first_gen == 0 || patch.first_gen > patch.last_gen) {
    return absl::DataLossError("ntds.pat fields are inconsistent");
  }
  return patch;
}

}  // namespace shadowset::directory_internal
