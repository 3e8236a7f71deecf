// QuiesceGate: the "mutations wait while quiesced" part of a
// QuiescableService (quiescable.h), kept under the service's own mutex.
//
//   absl::MutexLock l(&mu_);
//   gate_.PassLocked();     // a mutation: waits here while quiesced
//   ... mutate ...
//
//   gate_.Close();          // Quiesce, under mu_
//   gate_.Open();           // Resume, under mu_
//
// Thread safety: every method but AwaitBlocked needs the service's mutex
// (the one given at construction); AwaitBlocked takes it itself.

#ifndef SHADOWSET_WRITERS_SERVICE_QUIESCE_GATE_H_
#define SHADOWSET_WRITERS_SERVICE_QUIESCE_GATE_H_

#include <cstddef>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace shadowset::service {

class QuiesceGate {
 public:
  // `mu` is the service's mutex and outlives the gate.
  explicit QuiesceGate(absl::Mutex* mu) : mu_(*mu) {}
  QuiesceGate(const QuiesceGate&) = delete;
  QuiesceGate& operator=(const QuiesceGate&) = delete;

  // Returns at once while open. While closed, waits (with the mutex
  // released, counted as blocked) until Open, and returns holding it again.
  void PassLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!closed_) return;
    ++blocked_;
    mu_.Await(absl::Condition(this, &QuiesceGate::IsOpen));
    --blocked_;
  }
  // Makes later PassLocked calls wait.
  void Close() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { closed_ = true; }
  // Lets the waiting calls proceed. Idempotent.
  void Open() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { closed_ = false; }
  bool closed() const ABSL_SHARED_LOCKS_REQUIRED(mu_) { return closed_; }

  // Blocks until at least `n` calls wait in PassLocked.
  void AwaitBlocked(size_t n) const ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock l(&mu_);
    auto enough = [this, n]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return blocked_ >= n;
    };
    mu_.Await(absl::Condition(&enough));
  }

 private:
  bool IsOpen() const ABSL_SHARED_LOCKS_REQUIRED(mu_) { return !closed_; }

  absl::Mutex& mu_;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  size_t blocked_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace shadowset::service

#endif  // SHADOWSET_WRITERS_SERVICE_QUIESCE_GATE_H_
