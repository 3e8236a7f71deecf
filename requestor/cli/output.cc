#include "requestor/cli/output.h"

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

}  // namespace shadowset::cli
