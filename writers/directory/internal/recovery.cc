#include "writers/directory/internal/recovery.h"

#include <string>

#include "absl/strings/str_format.h"
#include "engine/internal/status_macros.h"
#include "writers/directory/internal/change.h"

namespace shadowset::directory_internal {

absl::StatusOr<LoadedImage> ReadImage(ReadAtFn read, uint64_t offset,
                                      uint64_t length, uint64_t expected_xxh3) {
  std::string bytes(length, '\0');
  RETURN_IF_ERROR(read(offset, absl::MakeSpan(reinterpret_cast<uint8_t*>(
                                                  bytes.data()),
                                              bytes.size())));
  if (ImageChecksum(bytes) != expected_xxh3) {
    return absl::DataLossError(
        "the directory image is not the one its control block names");
  }
  return DecodeImage(bytes);
}

absl::StatusOr<LogEnd> ReplayInto(Tree& tree, ReadAtFn read,
                                  const LogGeometry& geometry,
                                  uint64_t start_gen, uint64_t after_usn,
                                  uint64_t last_gen, uint64_t* replayed_bytes) {
  if (replayed_bytes != nullptr) *replayed_bytes = 0;
  return ReplayLog(
      read, geometry, start_gen, after_usn, last_gen,
      [&](uint64_t usn, RecordType type,
          absl::string_view payload) -> absl::Status {
        ASSIGN_OR_RETURN(Change change, DecodeChange(type, payload));
        absl::Status st = tree.Apply(change, usn, /*dry_run=*/false);
        if (!st.ok()) {
          return absl::DataLossError(absl::StrFormat(
              "logged change USN %u does not apply: %s", usn, st.message()));
        }
        if (replayed_bytes != nullptr) {
          *replayed_bytes += payload.size() + kRecordHeaderSize;
        }
        return absl::OkStatus();
      });
}

}  // namespace shadowset::directory_internal
