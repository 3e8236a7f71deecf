// ProgressLine: how a long command (backup, restore, verify, the demo's
// phases) shows its progress on stdout - bytes (or items) done of the
// total, the share, the rate and the time left - in one of three styles:
//
//   terminal  stdout is a terminal: one live line, redrawn in place ("\r")
//             at most ten times a second, ended by a newline;
//   plain     otherwise: one line per report, at most one a second;
//   json      --json: the same reports as one JSON object per line:
//             {"progress":"backup","unit":"bytes","done":..,"total":..,
//              "rate":..,"eta_seconds":..,"finished":false}
//
// A quick transfer prints nothing: the first line waits until the work
// has run for a moment (0.2 s on a terminal, 1 s otherwise); once a line
// was printed, the finished report is printed too. So a command's own
// output (with --json its one JSON document) stands alone when it was
// quick, and comes after the progress lines when it was not.
//
//   ProgressLine line(ChooseProgressStyle(ctx.json), "backup");
//   options.progress = [&](const TransferProgress& p) { line.Update(p); };
//   ... RunBackup ...
//   line.Finish();
//
// Reports are timed by the elapsed time they carry, so the output of a
// given sequence of reports does not depend on the wall clock.
//
// Thread safety: thread-compatible (the pipelines report on the thread
// that runs them).

#ifndef SHADOWSET_REQUESTOR_CLI_PROGRESS_H_
#define SHADOWSET_REQUESTOR_CLI_PROGRESS_H_

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "requestor/progress.h"

namespace shadowset::cli {

enum class ProgressStyle { kTerminal, kPlain, kJson };
enum class ProgressUnit { kBytes, kItems };

// kJson with --json; else kTerminal when stdout is a terminal; else kPlain.
ProgressStyle ChooseProgressStyle(bool json);

// "backup  123.4 MiB of 580.0 MiB (21%)  45.6 MiB/s  ETA 8s" (items:
// "1,234 of 20,000 (6%)  812/s  ETA 23s"); "done in 12.8 s" in place of the
// ETA once finished.
std::string FormatProgress(absl::string_view label, ProgressUnit unit,
                           uint64_t done, uint64_t total,
                           absl::Duration elapsed, bool finished);

class ProgressLine {
 public:
  // Writes to `out` (default: stdout).
  ProgressLine(ProgressStyle style, std::string label,
               ProgressUnit unit = ProgressUnit::kBytes,
               std::FILE* out = nullptr);
  ~ProgressLine();  // Finish()
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  // One report; printed unless too early or too soon after the last (see
  // the banner).
  void Update(uint64_t done, uint64_t total, absl::Duration elapsed,
              bool finished);
  void Update(const TransferProgress& p) {
    Update(p.bytes_done, p.bytes_total, p.elapsed, p.done);
  }
  // Ends a live terminal line (a newline); further updates start a new
  // one. Idempotent.
  void Finish();

 private:
  const ProgressStyle style_;
  const std::string label_;
  const ProgressUnit unit_;
  std::FILE* const out_;
  std::optional<absl::Duration> last_printed_;  // nullopt: nothing yet
  bool live_ = false;  // a terminal line is drawn and not yet ended
};

}  // namespace shadowset::cli

#endif  // SHADOWSET_REQUESTOR_CLI_PROGRESS_H_
