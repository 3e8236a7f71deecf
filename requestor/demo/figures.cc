#include "requestor/demo/figures.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace shadowset::demo {

constexpr double kMiB = 1048576.0;

std::string FormatCount(uint64_t n) {
  const std::string digits = absl::StrCat(n);
  std::string out;
  out.reserve(digits.size() + digits.size() / 3);
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
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
