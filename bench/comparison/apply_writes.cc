// apply_writes: replays a list of writes on a shadowset volume in one
// process, so bench/compare can lay out the same data on a shadowset
// volume and (with qemu-io) on a qcow2 image without one process per write.
//
//   apply_writes DATA_DIR VOLUME PATTERN < ops
//
// `ops` holds one "OFFSET LENGTH" pair per line; every byte written is
// PATTERN (a number, e.g. 0x5a). The volume is flushed before exit. Exits
// 0 on success, 1 with a message on stderr on any error.

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "engine/engine.h"
#include "engine/internal/aligned_buffer.h"

namespace {

int Fail(const std::string& what, const absl::Status& st) {
  std::fprintf(stderr, "apply_writes: %s: %s\n", what.c_str(),
               std::string(st.message()).c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using shadowset::internal::AlignedBuffer;
  if (argc != 4) {
    std::fprintf(stderr, "usage: apply_writes DATA_DIR VOLUME PATTERN < ops\n");
    return 2;
  }
  const int pattern = static_cast<int>(std::strtol(argv[3], nullptr, 0));
  auto engine = shadowset::Engine::Open(argv[1]);
  if (!engine.ok()) return Fail("open", engine.status());
  auto volume = (*engine)->GetVolume(argv[2]);
  if (!volume.ok()) return Fail("volume", volume.status());
  AlignedBuffer buf;
  unsigned long long offset = 0, length = 0;
  while (std::scanf("%llu %llu", &offset, &length) == 2) {
    if (buf.size() < length) {
      buf = AlignedBuffer(length);
      std::memset(buf.data(), pattern, buf.size());
    }
    absl::Status st = (*volume)->Write(offset, buf.span().first(length));
    if (!st.ok()) return Fail("write at " + std::to_string(offset), st);
  }
  absl::Status st = (*volume)->Flush();
  if (!st.ok()) return Fail("flush", st);
  return 0;
}
