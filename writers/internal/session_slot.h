// WriterSession's per-writer record and pending-call record, shared by
// framework.cc (the sequential events) and framework_freeze.cc (Freeze,
// Thaw and Abort). Not part of the API.

#ifndef SHADOWSET_WRITERS_INTERNAL_SESSION_SLOT_H_
#define SHADOWSET_WRITERS_INTERNAL_SESSION_SLOT_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "writers/framework.h"
#include "writers/internal/writer_lane.h"
#include "writers/writer.h"

namespace shadowset {

struct WriterSession::Slot {
  Writer* writer = nullptr;
  std::shared_ptr<internal::WriterLane> lane;
  std::string name;  // the metadata's name once identified
  WriterMetadata metadata;
  bool identified = false;
  bool involved = false;
  bool contacted = false;  // some event was submitted: BackupShutdown is due
  WriterState state = WriterState::kUnknown;
  WriterFailure failure = WriterFailure::kNone;
  absl::Status error;
  // The calls that decide which events may still follow (Abort's rule).
  std::shared_ptr<internal::WriterCall> prepare_backup;
  std::shared_ptr<internal::WriterCall> freeze;
  std::shared_ptr<internal::WriterCall> thaw;
  std::shared_ptr<internal::WriterCall> post_snapshot;
  std::shared_ptr<internal::WriterCall> abort;
  // A call that did not return by its deadline and may still be running:
  // later calls queue behind it.
  std::shared_ptr<internal::WriterCall> stuck;
  absl::Time freeze_start = absl::InfinitePast();  // when Freeze was raised
  absl::Time window_end = absl::InfiniteFuture();  // of the freeze window
  absl::Time abort_raised = absl::InfiniteFuture();
};

struct WriterSession::Pending {
  Slot* slot = nullptr;
  std::shared_ptr<internal::WriterCall> call;
  absl::Time deadline;
  absl::Duration timeout;  // deadline - submission time
  absl::Status result;  // after WaitAll
};

namespace internal {

// True if `call` reached the writer (it started, or may still start).
inline bool Delivered(const std::shared_ptr<WriterCall>& call) {
  return call != nullptr && !call->cancelled();
}

inline bool IsFailedState(WriterState state) {
  return static_cast<uint32_t>(state) >=
         static_cast<uint32_t>(WriterState::kFailedAtIdentify);
}

}  // namespace internal
}  // namespace shadowset

#endif  // SHADOWSET_WRITERS_INTERNAL_SESSION_SLOT_H_
