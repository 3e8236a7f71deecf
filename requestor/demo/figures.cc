#include "requestor/demo/figures.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace shadowset::demo {

constexpr double kMiB = 1048576.0;

std::string FormatCount(uint64_t n) {
  std::string digits = absl::StrCat(n);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) {
    digits.insert(i, ",");
  }
  return digits;
}

std::string FormatMiB(uint64_t bytes) {
  return absl::StrFormat("%.1f MiB", bytes / kMiB);
}

std::string FormatRate(double bytes_per_second) {
  return absl::StrFormat("%.0f MiB/s", bytes_per_second / kMiB);
}

std::string FormatMillis(absl::Duration d) {
  return absl::StrFormat("%.1f ms", absl::ToDoubleMilliseconds(d));
}

std::string FormatSeconds(absl::Duration d) {
  return absl::StrFormat("%.2f s", absl::ToDoubleSeconds(d));
}

}  // namespace shadowset::demo
