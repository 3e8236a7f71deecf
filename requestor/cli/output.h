// How the backup commands print sizes, instants and durations (progress
// lines: progress.h).
//
// Thread safety: free functions.

#ifndef SHADOWSET_REQUESTOR_CLI_OUTPUT_H_
#define SHADOWSET_REQUESTOR_CLI_OUTPUT_H_

#include <cstdint>
#include <string>

#include "absl/time/time.h"

namespace shadowset::cli {

// "512 B", "1.5 MiB".
std::string HumanSize(uint64_t bytes);
// "2024-05-01T12:00:00.123Z"; "never" for InfiniteFuture.
std::string TimeText(absl::Time t);
// Milliseconds as a double (for JSON); -1 for InfiniteDuration.
double Millis(absl::Duration d);

}  // namespace shadowset::cli

#endif  // SHADOWSET_REQUESTOR_CLI_OUTPUT_H_
