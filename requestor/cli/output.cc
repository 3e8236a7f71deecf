#include "requestor/cli/output.h"

#include <unistd.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace shadowset::cli {

std::string HumanSize(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  if (u == 0) return absl::StrFormat("%u B", bytes);
  return absl::StrFormat("%.1f %s", v, units[u]);
}

std::string TimeText(absl::Time t) {
  if (t == absl::InfiniteFuture()) return "never";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

double Millis(absl::Duration d) {
  if (d == absl::InfiniteDuration()) return -1;
  return absl::ToDoubleMilliseconds(d);
}

ProgressPrinter::ProgressPrinter(std::string what, bool quiet)
    : what_(std::move(what)),
      quiet_(quiet),
      terminal_(isatty(2) == 1),
      last_(absl::Now()) {}

ProgressPrinter::~ProgressPrinter() {
  if (open_line_) std::fputc('\n', stderr);
}

ProgressCallback ProgressPrinter::Callback() {
  return [this](const TransferProgress& p) { Print(p); };
}

void ProgressPrinter::Print(const TransferProgress& p) {
  if (quiet_) return;
  const absl::Time now = absl::Now();
  const absl::Duration every =
      terminal_ ? absl::Milliseconds(200) : absl::Seconds(1);
  if (!p.done && now - last_ < every) return;
  if (p.done && !printed_) return;  // quick: the summary says it all
  last_ = now;
  printed_ = true;
  const double pct =
      p.bytes_total > 0 ? 100.0 * p.bytes_done / p.bytes_total : 100.0;
  const absl::Duration eta = p.Eta();
  std::string line = absl::StrFormat(
      "%s: %s / %s (%.0f%%), %s/s, %s", what_, HumanSize(p.bytes_done),
      HumanSize(p.bytes_total), pct,
      HumanSize(static_cast<uint64_t>(p.BytesPerSecond())),
      p.done ? "done"
      : eta == absl::InfiniteDuration()
          ? std::string("ETA unknown")
          : absl::StrCat("ETA ", absl::FormatDuration(
                                     absl::Trunc(eta, absl::Seconds(1)))));
  if (terminal_) {
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    open_line_ = !p.done;
    if (p.done) std::fputc('\n', stderr);
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
}

}  // namespace shadowset::cli
