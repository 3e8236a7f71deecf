#include "writers/internal/writer_lane.h"

#include <exception>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

namespace shadowset::internal {

// --- CompletionSignal ---

uint64_t CompletionSignal::count() const {
  absl::MutexLock l(&mu_);
  return count_;
}

uint64_t CompletionSignal::WaitForChange(uint64_t seen,
                                         absl::Time deadline) const {
  absl::MutexLock l(&mu_);
  auto changed = [this, seen]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return count_ != seen;
  };
  mu_.AwaitWithDeadline(absl::Condition(&changed), deadline);
  return count_;
}

void CompletionSignal::Bump() {
  absl::MutexLock l(&mu_);
  ++count_;
}

// --- WriterCall ---

WriterCall::WriterCall(WriterEvent event,
                       std::shared_ptr<CompletionSignal> signal)
    : event_(event), signal_(std::move(signal)) {}

bool WriterCall::WaitUntil(absl::Time deadline) const {
  absl::MutexLock l(&mu_);
  auto finished = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return phase_ == Phase::kDone || phase_ == Phase::kCancelled;
  };
  return mu_.AwaitWithDeadline(absl::Condition(&finished), deadline);
}

bool WriterCall::CancelIfNotStarted(const absl::Status& why) {
  {
    absl::MutexLock l(&mu_);
    if (phase_ != Phase::kQueued) return false;
    phase_ = Phase::kCancelled;
    status_ = why;
  }
  if (signal_ != nullptr) signal_->Bump();
  return true;
}

bool WriterCall::started() const {
  absl::MutexLock l(&mu_);
  return phase_ == Phase::kRunning || phase_ == Phase::kDone;
}

bool WriterCall::finished() const {
  absl::MutexLock l(&mu_);
  return phase_ == Phase::kDone || phase_ == Phase::kCancelled;
}

bool WriterCall::cancelled() const {
  absl::MutexLock l(&mu_);
  return phase_ == Phase::kCancelled;
}

absl::Status WriterCall::status() const {
  absl::MutexLock l(&mu_);
  if (phase_ == Phase::kDone || phase_ == Phase::kCancelled) return status_;
  return absl::UnknownError("the call has not returned");
}

absl::Time WriterCall::start_time() const {
  absl::MutexLock l(&mu_);
  return start_;
}

absl::Time WriterCall::end_time() const {
  absl::MutexLock l(&mu_);
  return end_;
}

bool WriterCall::TryStart(absl::Time now) {
  absl::MutexLock l(&mu_);
  if (phase_ != Phase::kQueued) return false;
  phase_ = Phase::kRunning;
  start_ = now;
  return true;
}

void WriterCall::Finish(absl::Status status, absl::Time now) {
  {
    absl::MutexLock l(&mu_);
    phase_ = Phase::kDone;
    status_ = std::move(status);
    end_ = now;
  }
  if (signal_ != nullptr) signal_->Bump();
}

// --- WriterLane ---

namespace {

absl::Status Unregistered() {
  return WriterError(WriterFailure::kNonRetryable,
                     "the writer was unregistered");
}

// Calls into the writer; an exception stops here (no exceptions cross the
// API) and counts as NONRETRYABLE.
absl::Status CallGuarded(WriterEvent event,
                         absl::AnyInvocable<absl::Status()>& fn) {
  try {
    return fn();
  } catch (const std::exception& e) {
    return WriterError(WriterFailure::kNonRetryable,
                       absl::StrCat(WriterEventName(event),
                                    " threw an exception: ", e.what()));
  } catch (...) {
    return WriterError(WriterFailure::kNonRetryable,
                       absl::StrCat(WriterEventName(event),
                                    " threw a non-standard exception"));
  }
}

}  // namespace

WriterLane::WriterLane(Env* env) : env_(env) {
  absl::MutexLock l(&join_mu_);
  main_thread_ = env_->StartThread("writer-lane", [this] { MainLoop(); });
  abort_thread_ = env_->StartThread("writer-abort", [this] { AbortLoop(); });
}

WriterLane::~WriterLane() { Close(); }

std::shared_ptr<WriterCall> WriterLane::Submit(
    WriterEvent event, absl::AnyInvocable<absl::Status()> fn,
    std::shared_ptr<CompletionSignal> signal) {
  auto call = std::make_shared<WriterCall>(event, std::move(signal));
  absl::MutexLock l(&mu_);
  if (closing_) {
    call->CancelIfNotStarted(Unregistered());
    return call;
  }
  Job job{call, std::move(fn)};
  // Only an Abort may overtake, and only a running Freeze (writer.h).
  if (event == WriterEvent::kAbort && main_running_ == WriterEvent::kFreeze) {
    abort_queue_.push_back(std::move(job));
  } else {
    main_queue_.push_back(std::move(job));
  }
  return call;
}

void WriterLane::Run(Job& job) {
  if (!job.call->TryStart(env_->Now())) return;  // withdrawn meanwhile
  absl::Status status = CallGuarded(job.call->event(), job.fn);
  job.call->Finish(std::move(status), env_->Now());
}

void WriterLane::MainLoop() {
  while (true) {
    Job job;
    {
      absl::MutexLock l(&mu_);
      // An Abort that overtook a Freeze returns before anything else runs.
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return closing_ ||
               (!main_queue_.empty() && abort_queue_.empty() &&
                !abort_running_);
      };
      mu_.Await(absl::Condition(&ready));
      if (main_queue_.empty()) return;  // closing, nothing left
      job = std::move(main_queue_.front());
      main_queue_.pop_front();
      main_running_ = job.call->event();
    }
    Run(job);
    absl::MutexLock l(&mu_);
    main_running_.reset();
  }
}

void WriterLane::AbortLoop() {
  while (true) {
    Job job;
    {
      absl::MutexLock l(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return closing_ || !abort_queue_.empty();
      };
      mu_.Await(absl::Condition(&ready));
      if (abort_queue_.empty()) return;
      job = std::move(abort_queue_.front());
      abort_queue_.pop_front();
      abort_running_ = true;
    }
    Run(job);
    absl::MutexLock l(&mu_);
    abort_running_ = false;
  }
}

void WriterLane::Close() {
  absl::MutexLock join(&join_mu_);
  std::deque<Job> withdrawn;
  {
    absl::MutexLock l(&mu_);
    closing_ = true;
    withdrawn.swap(main_queue_);
    for (Job& job : abort_queue_) withdrawn.push_back(std::move(job));
    abort_queue_.clear();
  }
  for (Job& job : withdrawn) job.call->CancelIfNotStarted(Unregistered());
  if (main_thread_.joinable()) main_thread_.join();
  if (abort_thread_.joinable()) abort_thread_.join();
}

}  // namespace shadowset::internal
