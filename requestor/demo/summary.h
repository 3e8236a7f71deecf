// The demo's summary: its measured figures as a table for people and as
// one JSON document for programs.
//
//   std::cout << FormatSummary(report);
//   nlohmann::json doc = SummaryJson(report);
//
// The figures, for the full and the incremental backup: each writer's
// freeze window (Freeze raised to Thaw returned), the engine's commit hold,
// what was read from the snapshots and what the set holds (the
// incremental's size also as a share of the full's), the copy throughput
// and its ratio to a raw sequential read of the same volumes in the same
// run, and the verify and restore times; then the checks.
//
// Thread safety: free functions.

#ifndef SHADOWSET_REQUESTOR_DEMO_SUMMARY_H_
#define SHADOWSET_REQUESTOR_DEMO_SUMMARY_H_

#include <string>

#include "nlohmann/json.hpp"
#include "requestor/demo/demo.h"

namespace shadowset::demo {

// Lines ending in '\n'. The last is "result: every check passed (N
// checks)" or "result: FAILED: <k> of <N> checks failed: <names>".
std::string FormatSummary(const DemoReport& report);

nlohmann::json SummaryJson(const DemoReport& report);

}  // namespace shadowset::demo

#endif  // SHADOWSET_REQUESTOR_DEMO_SUMMARY_H_
