// WriterLane: the threads that deliver events to one registered writer, and
// WriterCall, the outcome of one delivery.
//
// Every call into a writer runs on its lane, never on the caller's thread,
// so the caller can stop waiting at a deadline while a stuck writer keeps
// its thread. A lane delivers one event at a time, in submission order,
// with one exception the writer contract allows: an Abort submitted while a
// Freeze is running runs at once on the lane's second thread, concurrently
// with that Freeze. Events submitted after such an Abort wait until it has
// returned, so the writer never sees two calls at once otherwise.
//
//   auto call = lane.Submit(WriterEvent::kThaw, [&] { return w->Thaw(ctx); });
//   if (!call->WaitUntil(deadline) && call->CancelIfNotStarted()) ...
//
// An exception escaping the writer is caught on the lane and becomes a
// status with WriterFailure::kNonRetryable.
//
// Thread safety: WriterLane and WriterCall are safe for concurrent use.

#ifndef SHADOWSET_WRITERS_INTERNAL_WRITER_LANE_H_
#define SHADOWSET_WRITERS_INTERNAL_WRITER_LANE_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/env.h"
#include "writers/writer.h"

namespace shadowset::internal {

// Counts completed calls so one thread can wait for "any of these returned".
class CompletionSignal {
 public:
  uint64_t count() const;
  // Waits until count() differs from `seen` or `deadline` passes; returns
  // the count.
  uint64_t WaitForChange(uint64_t seen, absl::Time deadline) const;
  void Bump();

 private:
  mutable absl::Mutex mu_;
  uint64_t count_ ABSL_GUARDED_BY(mu_) = 0;
};

class WriterCall {
 public:
  WriterCall(WriterEvent event, std::shared_ptr<CompletionSignal> signal);

  WriterEvent event() const { return event_; }

  // Waits until the call has returned (or was withdrawn) or `deadline`
  // passes; true if it has returned or was withdrawn.
  bool WaitUntil(absl::Time deadline) const;
  // Withdraws the call if it has not started: it will never run, and
  // status() reports `why`. True if withdrawn.
  bool CancelIfNotStarted(const absl::Status& why);

  bool started() const;   // the writer was called (it may still run)
  bool finished() const;  // it returned, or was withdrawn
  bool cancelled() const;
  // The writer's status once finished(); kUnknown before.
  absl::Status status() const;
  absl::Time start_time() const;  // InfinitePast until started
  absl::Time end_time() const;    // InfiniteFuture until finished

 private:
  friend class WriterLane;
  enum class Phase { kQueued, kRunning, kDone, kCancelled };

  bool TryStart(absl::Time now);
  void Finish(absl::Status status, absl::Time now);

  const WriterEvent event_;
  const std::shared_ptr<CompletionSignal> signal_;
  mutable absl::Mutex mu_;
  Phase phase_ ABSL_GUARDED_BY(mu_) = Phase::kQueued;
  absl::Status status_ ABSL_GUARDED_BY(mu_);
  absl::Time start_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Time end_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
};

class WriterLane {
 public:
  // Starts the lane's two threads through `env`.
  explicit WriterLane(Env* env);
  // Close()s the lane.
  ~WriterLane();
  WriterLane(const WriterLane&) = delete;
  WriterLane& operator=(const WriterLane&) = delete;

  // Queues `fn` (a call into the writer) and returns its call. `signal`,
  // if given, is bumped when the call finishes. After Close() the call is
  // returned already withdrawn, with kFailedPrecondition (NONRETRYABLE).
  std::shared_ptr<WriterCall> Submit(
      WriterEvent event, absl::AnyInvocable<absl::Status()> fn,
      std::shared_ptr<CompletionSignal> signal = nullptr);

  // Refuses new calls, withdraws queued ones, waits for running ones to
  // return and joins the threads. Idempotent.
  void Close();

 private:
  struct Job {
    std::shared_ptr<WriterCall> call;
    absl::AnyInvocable<absl::Status()> fn;
  };

  void MainLoop();
  void AbortLoop();
  // Runs one job on the calling thread (nothing if it was withdrawn).
  void Run(Job& job);

  Env* const env_;
  absl::Mutex mu_;
  std::deque<Job> main_queue_ ABSL_GUARDED_BY(mu_);
  std::deque<Job> abort_queue_ ABSL_GUARDED_BY(mu_);
  std::optional<WriterEvent> main_running_ ABSL_GUARDED_BY(mu_);
  bool abort_running_ ABSL_GUARDED_BY(mu_) = false;
  bool closing_ ABSL_GUARDED_BY(mu_) = false;
  absl::Mutex join_mu_;  // serializes Close()
  std::thread main_thread_ ABSL_GUARDED_BY(join_mu_);
  std::thread abort_thread_ ABSL_GUARDED_BY(join_mu_);
};

}  // namespace shadowset::internal

#endif  // SHADOWSET_WRITERS_INTERNAL_WRITER_LANE_H_
