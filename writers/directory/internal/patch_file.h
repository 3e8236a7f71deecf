// The patch file ("ntds.pat"): the small descriptor an online backup adds
// to the database and its logs (docs/directory-format.md §5). It says
// which image and which log generations make up the backup and the USN the
// restored directory must reach; the expiry token's manifest hash covers its
// exact bytes, so a token and a backup belong together.
//
// Thread safety: free functions and plain values.

#ifndef SHADOWSET_WRITERS_DIRECTORY_INTERNAL_PATCH_FILE_H_
#define SHADOWSET_WRITERS_DIRECTORY_INTERNAL_PATCH_FILE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/types.h"

namespace shadowset::directory_internal {

inline constexpr uint32_t kPatchMagic = 0x53534450;  // "SSDP"
inline constexpr uint16_t kPatchFormatMajor = 1;
inline constexpr uint16_t kPatchFormatMinor = 0;

struct PatchFile {
  SetId instance_id;         // the directory backed up
  std::string server_name;
  SetId set_id;              // the engine snapshot set read
  absl::Time created;        // the directory clock at the snapshot
  uint64_t usn = 0;          // the last change in the backup
  uint64_t image_length = 0; // of ntds.dit
  uint64_t image_xxh3 = 0;
  uint64_t first_gen = 0;    // log files edb<first_gen>.log ..
  uint64_t last_gen = 0;     //   .. edb<last_gen>.log
  uint64_t log_generation_size = 0;
  uint32_t log_generations = 0;
};

std::string EncodePatchFile(const PatchFile& patch);
// kDataLoss for anything but a well-formed patch file; kFailedPrecondition
// for a newer major format version.
absl::StatusOr<PatchFile> DecodePatchFile(absl::string_view bytes);

}  // namespace shadowset::directory_internal

#endif  // SHADOWSET_WRITERS_DIRECTORY_INTERNAL_PATCH_FILE_H_
