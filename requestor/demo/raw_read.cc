#include "requestor/demo/raw_read.h"

#include <algorithm>
#include <memory>

#include "engine/internal/status_macros.h"

namespace shadowset::demo {

absl::StatusOr<RawReadResult> ReadFilesSequentially(
    Env* env, const std::vector<std::string>& paths, size_t chunk) {
  std::unique_ptr<uint8_t[]> buffer(new uint8_t[chunk]);
  RawReadResult result;
  const absl::Time start = env->Now();
  for (const std::string& path : paths) {
    ASSIGN_OR_RETURN(std::unique_ptr<File> file,
                     env->OpenFile(path, {.read_only = true}));
    ASSIGN_OR_RETURN(uint64_t size, file->Size());
    for (uint64_t offset = 0; offset < size; offset += chunk) {
      const size_t n =
          static_cast<size_t>(std::min<uint64_t>(chunk, size - offset));
      RETURN_IF_ERROR(file->ReadAt(offset, absl::MakeSpan(buffer.get(), n)));
      result.bytes += n;
    }
  }
  result.time = env->Now() - start;
  return result;
}

}  // namespace shadowset::demo
