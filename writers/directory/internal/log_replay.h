// Replays the transaction log (docs/directory-format.md §4.3): from a
// starting generation, record by record, following the chain of
// generations, until the first record that does not verify.
//
//   ASSIGN_OR_RETURN(LogEnd end,
//       ReplayLog(read, geometry, image.checkpoint_gen, image.usn, kNoLastGen,
//                 [&](uint64_t usn, RecordType type, absl::string_view p) {
//                   ... apply ...
//                 }));
//
// The log ends at the first position where no record verifies under the
// current seed with the expected USN, unless the next generation's header
// continues the chain there (its prev_salt is this generation's salt and its
// first_usn is the expected USN). The same function reads the live volume
// at open, a snapshot for a check, and restored files before a restore is
// accepted.
//
// Thread safety: a free function; `read` is called from the caller's thread.

#ifndef SHADOWSET_WRITERS_DIRECTORY_INTERNAL_LOG_REPLAY_H_
#define SHADOWSET_WRITERS_DIRECTORY_INTERNAL_LOG_REPLAY_H_

#include <cstdint>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "writers/directory/internal/control_block.h"
#include "writers/directory/internal/log_format.h"

namespace shadowset::directory_internal {

using LogReadFn = ReadAtFn;  // reads the log volume or a snapshot of it

using RecordFn = absl::FunctionRef<absl::Status(
    uint64_t usn, RecordType type, absl::string_view payload)>;

// Where the log ends: the next record goes at `offset` of `generation`.
struct LogEnd {
  uint64_t generation = 0;
  uint64_t offset = 0;
  uint64_t seed = 0;      // the checksum seed in force there
  uint64_t salt = 0;      // the salt of `generation` (for the next header)
  uint64_t next_usn = 0;  // the USN of the next change
};

inline constexpr uint64_t kNoLastGen = UINT64_MAX;

// Calls `fn` for each change record with a USN above `after_usn`, in order,
// never reading past generation `last_gen`.
// Errors: kDataLoss if generation `start_gen` is missing or damaged, or
// starts after after_usn + 1 (changes would be missing); whatever `fn` or
// `read` returns.
absl::StatusOr<LogEnd> ReplayLog(LogReadFn read, const LogGeometry& geometry,
                                 uint64_t start_gen, uint64_t after_usn,
                                 uint64_t last_gen, RecordFn fn);

}  // namespace shadowset::directory_internal

#endif  // SHADOWSET_WRITERS_DIRECTORY_INTERNAL_LOG_REPLAY_H_
