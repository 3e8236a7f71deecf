// PacedLoop: runs a step function on its own thread at a fixed rate (or as
// fast as possible) until stopped, a step budget is spent, or a step fails.
// The load generators of the reference services are built on it.
//
//   PacedLoop loop(env, {.ops_per_second = 500}, [&] { return DoOneOp(); });
//   loop.Start();
//   ...
//   loop.Stop();            // joins; loop.status() is the first error
//
// Pacing is open-loop: step n starts no earlier than start + n / rate, so a
// slow step is caught up by the following ones (like real clients).
//
// Thread safety: Start, Stop, Wait and the accessors are safe from any
// thread; the step runs only on the loop's thread.

#ifndef SHADOWSET_WRITERS_SERVICE_PACED_LOOP_H_
#define SHADOWSET_WRITERS_SERVICE_PACED_LOOP_H_

#include <cstdint>
#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "engine/env.h"

namespace shadowset::service {

struct PacedLoopOptions {
  // Steps per second; 0 runs them back to back. Default: 0.
  double ops_per_second = 0;
  // Stop after this many steps; 0 = until Stop(). Default: 0.
  uint64_t max_steps = 0;
};

class PacedLoop {
 public:
  // `env` (for the clock and the thread) must outlive the loop.
  PacedLoop(Env* env, PacedLoopOptions options,
            std::function<absl::Status()> step);
  ~PacedLoop();  // Stop()

  PacedLoop(const PacedLoop&) = delete;
  PacedLoop& operator=(const PacedLoop&) = delete;

  // Starts the thread. kFailedPrecondition if already started.
  absl::Status Start();
  // Asks the loop to stop after the current step and joins it.
  void Stop();
  // Blocks until the loop ends by itself (budget spent or a step failed),
  // joins it, and returns status().
  absl::Status Wait();

  uint64_t steps() const;
  // OK, or the first failed step's error (which ended the loop).
  absl::Status status() const;

 private:
  void Run();

  Env* const env_;
  const PacedLoopOptions options_;
  const std::function<absl::Status()> step_;

  mutable absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t steps_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status status_ ABSL_GUARDED_BY(mu_);
  absl::Mutex join_mu_ ABSL_ACQUIRED_AFTER(mu_);
  std::thread thread_ ABSL_GUARDED_BY(join_mu_);
};

}  // namespace shadowset::service

#endif  // SHADOWSET_WRITERS_SERVICE_PACED_LOOP_H_
