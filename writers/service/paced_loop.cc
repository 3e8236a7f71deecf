#include "writers/service/paced_loop.h"

#include <utility>

namespace shadowset::service {

PacedLoop::PacedLoop(Env* env, PacedLoopOptions options,
                     std::function<absl::Status()> step)
    : env_(env != nullptr ? env : Env::Default()),
      options_(options),
      step_(std::move(step)) {}

PacedLoop::~PacedLoop() { Stop(); }

absl::Status PacedLoop::Start() {
  {
    absl::MutexLock l(&mu_);
    if (started_) return absl::FailedPreconditionError("already started");
    started_ = true;
  }
  absl::MutexLock j(&join_mu_);
  thread_ = env_->StartThread("paced-loop", [this] { Run(); });
  return absl::OkStatus();
}

void PacedLoop::Run() {
  const absl::Time start = env_->Now();
  for (uint64_t n = 0;; ++n) {
    if (options_.max_steps != 0 && n >= options_.max_steps) break;
    if (options_.ops_per_second > 0) {
      absl::Time due =
          start + absl::Seconds(static_cast<double>(n) / options_.ops_per_second);
      absl::MutexLock l(&mu_);
      mu_.AwaitWithDeadline(absl::Condition(&stop_), due);
      if (stop_) break;
    } else {
      absl::MutexLock l(&mu_);
      if (stop_) break;
    }
    absl::Status s = step_();
    absl::MutexLock l(&mu_);
    ++steps_;
    if (!s.ok()) {
      status_ = s;
      break;
    }
  }
  absl::MutexLock l(&mu_);
  done_ = true;
}

void PacedLoop::Stop() {
  {
    absl::MutexLock l(&mu_);
    stop_ = true;
  }
  absl::MutexLock j(&join_mu_);
  if (thread_.joinable()) thread_.join();
}

absl::Status PacedLoop::Wait() {
  {
    absl::MutexLock l(&mu_);
    if (!started_) return status_;
    mu_.Await(absl::Condition(&done_));
  }
  absl::MutexLock j(&join_mu_);
  if (thread_.joinable()) thread_.join();
  return status();
}

uint64_t PacedLoop::steps() const {
  absl::MutexLock l(&mu_);
  return steps_;
}

absl::Status PacedLoop::status() const {
  absl::MutexLock l(&mu_);
  return status_;
}

}  // namespace shadowset::service
