#include "requestor/cli/progress.h"

#include <unistd.h>

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "nlohmann/json.hpp"
#include "requestor/demo/figures.h"

namespace shadowset::cli {
namespace {

// Terminal: the first line after 0.2 s, then ten a second. Otherwise: the
// first after 1 s, then one a second.
constexpr absl::Duration kTerminalDelay = absl::Milliseconds(200);
constexpr absl::Duration kTerminalInterval = absl::Milliseconds(100);
constexpr absl::Duration kLineDelay = absl::Seconds(1);
constexpr absl::Duration kLineInterval = absl::Seconds(1);

std::string Amount(ProgressUnit unit, double n) {
  if (unit == ProgressUnit::kItems) {
    return demo::FormatCount(static_cast<uint64_t>(std::llround(n)));
  }
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (n >= 1024 && u < 4) {
    n /= 1024;
    ++u;
  }
  return u == 0 ? absl::StrFormat("%.0f B", n)
                : absl::StrFormat("%.1f %s", n, units[u]);
}

double Rate(uint64_t done, absl::Duration elapsed) {
  const double s = absl::ToDoubleSeconds(elapsed);
  return s > 0 ? static_cast<double>(done) / s : 0;
}

// Seconds left at the rate so far; nullopt while unknown.
std::optional<double> EtaSeconds(uint64_t done, uint64_t total,
                                 absl::Duration elapsed) {
  if (done >= total) return 0.0;
  const double rate = Rate(done, elapsed);
  if (rate <= 0) return std::nullopt;
  return static_cast<double>(total - done) / rate;
}

std::string EtaText(std::optional<double> seconds) {
  if (!seconds) return "ETA --";
  const int64_t s = static_cast<int64_t>(std::ceil(*seconds));
  if (s >= 3600) return absl::StrFormat("ETA %dh%02dm", s / 3600, s / 60 % 60);
  if (s >= 60) return absl::StrFormat("ETA %dm%02ds", s / 60, s % 60);
  return absl::StrFormat("ETA %ds", s);
}

}  // namespace

ProgressStyle ChooseProgressStyle(bool json) {
  if (json) return ProgressStyle::kJson;
  return isatty(STDOUT_FILENO) ? ProgressStyle::kTerminal
                               : ProgressStyle::kPlain;
}

std::string FormatProgress(absl::string_view label, ProgressUnit unit,
                           uint64_t done, uint64_t total,
                           absl::Duration elapsed, bool finished) {
  const double share = total > 0 ? 100.0 * done / total : 100.0;
  return absl::StrCat(
      label, "  ", Amount(unit, done), " of ", Amount(unit, total),
      absl::StrFormat(" (%.0f%%)", std::floor(share)), "  ",
      Amount(unit, Rate(done, elapsed)), "/s  ",
      finished
          ? absl::StrFormat("done in %.1f s", absl::ToDoubleSeconds(elapsed))
          : EtaText(EtaSeconds(done, total, elapsed)));
}

ProgressLine::ProgressLine(ProgressStyle style, std::string label,
                           ProgressUnit unit, std::FILE* out)
    : style_(style),
      label_(std::move(label)),
      unit_(unit),
      out_(out != nullptr ? out : stdout) {}

ProgressLine::~ProgressLine() { Finish(); }

void ProgressLine::Update(uint64_t done, uint64_t total, absl::Duration elapsed,
                          bool finished) {
  const bool terminal = style_ == ProgressStyle::kTerminal;
  if (!last_printed_) {
    // Nothing printed yet: a quick transfer stays silent, even finished.
    if (elapsed < (terminal ? kTerminalDelay : kLineDelay)) return;
  } else if (!finished && elapsed - *last_printed_ <
                              (terminal ? kTerminalInterval : kLineInterval)) {
    return;
  }
  last_printed_ = elapsed;
  std::string line;
  switch (style_) {
    case ProgressStyle::kTerminal:
      line = absl::StrCat(
          "\r", FormatProgress(label_, unit_, done, total, elapsed, finished),
          "\033[K");
      live_ = true;
      break;
    case ProgressStyle::kPlain:
      line = absl::StrCat(
          FormatProgress(label_, unit_, done, total, elapsed, finished), "\n");
      break;
    case ProgressStyle::kJson: {
      std::optional<double> eta = EtaSeconds(done, total, elapsed);
      nlohmann::json doc = {
          {"progress", label_},
          {"unit", unit_ == ProgressUnit::kBytes ? "bytes" : "items"},
          {"done", done},
          {"total", total},
          {"rate", Rate(done, elapsed)},
          {"eta_seconds", eta ? nlohmann::json(*eta) : nlohmann::json()},
          {"finished", finished}};
      line = doc.dump() + "\n";
      break;
    }
  }
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
  if (finished) Finish();
}

void ProgressLine::Finish() {
  if (!live_) return;
  live_ = false;
  std::fputc('\n', out_);
  std::fflush(out_);
}

}  // namespace shadowset::cli
