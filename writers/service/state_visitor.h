// ApplyingVisitor: the LogVisitor (record_log.h) that rebuilds a service's
// in-memory state by applying every base record and every mutation, in
// order, to it.
//
//   DhcpState state;
//   service::ApplyingVisitor<DhcpState> visitor(&state);
//   ASSIGN_OR_RETURN(auto log, service::RecordLog::Open(volume, magic, visitor));
//
// `State` needs `absl::Status ApplyRecord(absl::string_view payload)`; the
// first error it returns stops the replay (the state is then partial and
// must be dropped). Thread safety: as `State`; one replay at a time.

#ifndef SHADOWSET_WRITERS_SERVICE_STATE_VISITOR_H_
#define SHADOWSET_WRITERS_SERVICE_STATE_VISITOR_H_

#include <cstdint>

#include "absl/status/status.h"
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

}  // namespace shadowset::service

#endif  // SHADOWSET_WRITERS_SERVICE_STATE_VISITOR_H_
