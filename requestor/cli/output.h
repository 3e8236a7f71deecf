// How the backup commands print: sizes, instants, durations, and a
// progress line for long copies.
//
//   ProgressPrinter progress("backup", /*quiet=*/ctx.json);
//   options.progress = progress.Callback();
//
// Progress goes to stderr once a copy has run for a while: on a terminal
// one line rewritten in place (bytes, percent, rate, ETA) every 200 ms;
// otherwise a plain line every second; nothing when quiet (--json; JSON
// progress lines are later work).
//
// Thread safety: thread-compatible (a callback runs on the copying thread).

#ifndef SHADOWSET_REQUESTOR_CLI_OUTPUT_H_
#define SHADOWSET_REQUESTOR_CLI_OUTPUT_H_

#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "requestor/progress.h"

namespace shadowset::cli {

// "512 B", "1.5 MiB".
std::string HumanSize(uint64_t bytes);
// "2024-05-01T12:00:00.123Z"; "never" for InfiniteFuture.
std::string TimeText(absl::Time t);
// Milliseconds as a double (for JSON); -1 for InfiniteDuration.
double Millis(absl::Duration d);

class ProgressPrinter {
 public:
  ProgressPrinter(std::string what, bool quiet);
  // Ends a line left open on a terminal.
  ~ProgressPrinter();
  ProgressCallback Callback();

 private:
  void Print(const TransferProgress& p);

  const std::string what_;
  const bool quiet_;
  const bool terminal_;
  absl::Time last_;         // last line printed (or construction)
  bool printed_ = false;    // any line printed
  bool open_line_ = false;  // a terminal line waits for its newline
};

}  // namespace shadowset::cli

#endif  // SHADOWSET_REQUESTOR_CLI_OUTPUT_H_
