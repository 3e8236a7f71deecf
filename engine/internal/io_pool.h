// IoPool: runs batches of independent I/O tasks at queue depth. The caller
// works on its own batch too, so a batch always completes even when every
// pool thread is busy with other batches. With zero threads (inline mode)
// the caller runs the whole batch itself, in order.
//
// Thread safety: safe for concurrent use.

#ifndef SHADOWSET_ENGINE_INTERNAL_IO_POOL_H_
#define SHADOWSET_ENGINE_INTERNAL_IO_POOL_H_

#include <deque>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "engine/env.h"

namespace shadowset::internal {

class IoPool {
 public:
  using Task = std::function<absl::Status()>;

  IoPool(Env* env, int threads);
  ~IoPool();

  // Runs every task and returns the first error (all tasks run to the end
  // regardless, so none is left touching the caller's buffers).
  absl::Status RunAll(std::vector<Task> tasks);

 private:
  struct Batch;
  void WorkerLoop();
  // Runs tasks of `batch` until none is left to claim.
  static void Drain(Batch* batch);

  absl::Mutex mu_;
  std::deque<std::shared_ptr<Batch>> queue_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace shadowset::internal

#endif  // SHADOWSET_ENGINE_INTERNAL_IO_POOL_H_
