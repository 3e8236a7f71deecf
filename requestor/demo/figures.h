// How the demo prints its figures, in notes and in the summary alike:
// counts with thousands separators, sizes in MiB, rates in MiB/s, short
// durations in milliseconds and longer ones in seconds.
//
//   FormatCount(20000);                     // "20,000"
//   FormatMiB(44040192);                    // "42.0 MiB"
//   FormatMillis(absl::Microseconds(11690)) // "11.7 ms"
//
// Thread safety: free functions.

#ifndef SHADOWSET_REQUESTOR_DEMO_FIGURES_H_
#define SHADOWSET_REQUESTOR_DEMO_FIGURES_H_

#include <cstdint>
#include <string>

#include "absl/time/time.h"

namespace shadowset::demo {

std::string FormatCount(uint64_t n);
std::string FormatMiB(uint64_t bytes);
std::string FormatRate(double bytes_per_second);  // "269 MiB/s"
std::string FormatMillis(absl::Duration d);       // "11.7 ms"
std::string FormatSeconds(absl::Duration d);      // "1.25 s"

}  // namespace shadowset::demo

#endif  // SHADOWSET_REQUESTOR_DEMO_FIGURES_H_
