// ReadFilesSequentially: the yardstick for the demo's backup throughput -
// the files behind the backed-up volumes read start to end, in large
// reads, through the same Env and page cache, with no hashing and no
// writing.
//
//   ASSIGN_OR_RETURN(RawReadResult raw, ReadFilesSequentially(env, paths));
//   double ratio = backup_bytes_per_second / raw.BytesPerSecond();
//
// Thread safety: a free function.

#ifndef SHADOWSET_REQUESTOR_DEMO_RAW_READ_H_
#define SHADOWSET_REQUESTOR_DEMO_RAW_READ_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/env.h"

namespace shadowset::demo {

struct RawReadResult {
  uint64_t bytes = 0;
  absl::Duration time;
  double BytesPerSecond() const {
    const double s = absl::ToDoubleSeconds(time);
    return s > 0 ? static_cast<double>(bytes) / s : 0;
  }
};

// Reads every byte of each file in `paths`, `chunk` bytes per read.
// Errors: the Env's (kNotFound for a missing file).
absl::StatusOr<RawReadResult> ReadFilesSequentially(
    Env* env, const std::vector<std::string>& paths,
    size_t chunk = size_t{8} << 20);

}  // namespace shadowset::demo

#endif  // SHADOWSET_REQUESTOR_DEMO_RAW_READ_H_
