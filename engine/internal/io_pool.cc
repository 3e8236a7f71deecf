#include "engine/internal/io_pool.h"

#include <atomic>

namespace shadowset::internal {

struct IoPool::Batch {
  std::vector<Task> tasks;
  std::atomic<size_t> next{0};
  absl::Mutex mu;
  size_t done ABSL_GUARDED_BY(mu) = 0;
  absl::Status first_error ABSL_GUARDED_BY(mu);
};

IoPool::IoPool(Env* env, int threads) {
  for (int i = 0; i < threads; ++i) {
    threads_.push_back(env->StartThread("ss-io", [this] { WorkerLoop(); }));
  }
}

IoPool::~IoPool() {
  {
    absl::MutexLock l(&mu_);
    stop_ = true;
  }
  for (std::thread& t : threads_) t.join();
}

void IoPool::Drain(Batch* batch) {
  for (;;) {
    size_t i = batch->next.fetch_add(1);
    if (i >= batch->tasks.size()) return;
    absl::Status st = batch->tasks[i]();
    absl::MutexLock l(&batch->mu);
    if (!st.ok() && batch->first_error.ok()) batch->first_error = st;
    ++batch->done;
  }
}

void IoPool::WorkerLoop() {
  for (;;) {
    std::shared_ptr<Batch> batch;
    {
      absl::MutexLock l(&mu_);
      mu_.Await(absl::Condition(
          +[](IoPool* p) ABSL_NO_THREAD_SAFETY_ANALYSIS {
            return p->stop_ || !p->queue_.empty();
          },
          this));
      if (stop_) return;
      batch = queue_.front();
      if (batch->next.load() + 1 >= batch->tasks.size()) queue_.pop_front();
    }
    Drain(batch.get());
  }
}

absl::Status IoPool::RunAll(std::vector<Task> tasks) {
  if (tasks.empty()) return absl::OkStatus();
  auto batch = std::make_shared<Batch>();
  batch->tasks = std::move(tasks);
  const size_t n = batch->tasks.size();
  if (!threads_.empty() && n > 1) {
    absl::MutexLock l(&mu_);
    queue_.push_back(batch);
  }
  Drain(batch.get());
  {
    // Wait for tasks other threads claimed.
    absl::MutexLock l(&batch->mu);
    batch->mu.Await(absl::Condition(
        +[](Batch* b) ABSL_NO_THREAD_SAFETY_ANALYSIS {
          return b->done == b->tasks.size();
        },
        batch.get()));
  }
  if (!threads_.empty() && n > 1) {
    absl::MutexLock l(&mu_);
    for (auto it = queue_.begin(); it != queue_.end(); ++it) {
      if (*it == batch) {
        queue_.erase(it);
        break;
      }
    }
  }
  absl::MutexLock l(&batch->mu);
  return batch->first_error;
}

}  // namespace shadowset::internal
