// Time scaling for tests with real timeouts: sanitizers slow code down
// 3-15x, so a window that is generous in a plain build can expire under
// TSan. Scaled(d) multiplies by $SHADOWSET_TIME_SCALE, else by 10 when
// $SHADOWSET_SANITIZER is set (scripts/test sets it), else by 1.

#ifndef SHADOWSET_TESTS_TESTING_TIMING_H_
#define SHADOWSET_TESTS_TESTING_TIMING_H_

#include <cstdlib>

#include "absl/time/time.h"

namespace shadowset::testing {

inline int TimeScale() {
  if (const char* s = std::getenv("SHADOWSET_TIME_SCALE")) {
    int v = std::atoi(s);
    if (v > 0) return v;
  }
  const char* sanitizer = std::getenv("SHADOWSET_SANITIZER");
  return sanitizer != nullptr && *sanitizer != '\0' ? 10 : 1;
}

inline absl::Duration Scaled(absl::Duration d) { return d * TimeScale(); }

}  // namespace shadowset::testing

#endif  // SHADOWSET_TESTS_TESTING_TIMING_H_
