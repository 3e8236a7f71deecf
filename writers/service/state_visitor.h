// ApplyingVisitor: the LogVisitor (record_log.h) that rebuilds a service's
// in-memory state by applying every base record and every mutation, in
// order, to it.
//
//   DhcpState state;
//   service::ApplyingVisitor<DhcpState> visitor(&state);
//   ASSIGN_OR_RETURN(auto log,
//                    service::RecordLog::Open(volume, magic, visitor));
//
// CheckAgainstLog replays a service's log into a fresh state and compares
// it with the state the service serves (the service's Check()).
//
// `State` needs `absl::Status ApplyRecord(absl::string_view payload)`; the
// first error it returns stops the replay (the state is then partial and
// must be dropped); CheckAgainstLog also needs a default constructor and
// ==. Thread safety: as `State`; one replay at a time.

#ifndef SHADOWSET_WRITERS_SERVICE_STATE_VISITOR_H_
#define SHADOWSET_WRITERS_SERVICE_STATE_VISITOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "writers/service/record_log.h"

namespace shadowset::service {

template <typename State>
class ApplyingVisitor final : public LogVisitor {
 public:
  explicit ApplyingVisitor(State* state) : state_(state) {}
  absl::Status OnBase(absl::string_view payload) override {
    return state_->ApplyRecord(payload);
  }
  absl::Status OnMutation(uint64_t seq, absl::string_view payload) override {
    return state_->ApplyRecord(payload);
  }

 private:
  State* const state_;
};

// The ways `log` does not hold `served` at sequence `seq`, as sentences
// naming the volume `volume` (e.g. "router volume") and the service
// `holder` (e.g. "router"); empty when it does. Writes nothing.
template <typename State>
std::vector<std::string> CheckAgainstLog(RecordLog& log, uint64_t seq,
                                         const State& served,
                                         absl::string_view volume,
                                         absl::string_view holder) {
  std::vector<std::string> problems;
  State replayed;
  ApplyingVisitor<State> visitor(&replayed);
  absl::StatusOr<LogSummary> summary = log.Replay(visitor);
  if (!summary.ok()) {
    problems.push_back(absl::StrCat("the ", volume, " does not read back: ",
                                    summary.status().message()));
    return problems;
  }
  if (summary->seq != seq) {
    problems.push_back(
        absl::StrFormat("the volume holds sequence %d but the %s is at %d",
                        summary->seq, holder, seq));
  }
  if (!(replayed == served)) {
    problems.push_back("the volume's records differ from the served state");
  }
  return problems;
}

}  // namespace shadowset::service

#endif  // SHADOWSET_WRITERS_SERVICE_STATE_VISITOR_H_
