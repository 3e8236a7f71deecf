#include "writers/directory/directory_object.h"

#include "absl/strings/ascii.h"

namespace shadowset {

bool AttributeNameLess::operator()(const std::string& a,
                                   const std::string& b) const {
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    char x = absl::ascii_tolower(static_cast<unsigned char>(a[i]));
    char y = absl::ascii_tolower(static_cast<unsigned char>(b[i]));
    if (x != y) return x < y;
  }
  return a.size() < b.size();
}

}  // namespace shadowset
