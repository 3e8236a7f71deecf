#include "engine/internal/sync_primitives.h"

#include <algorithm>
#include <limits>

namespace shadowset::internal {

// --- RangeLock --------------------------------------------------------------

bool RangeLock::FreeLocked(uint64_t first, uint64_t last) const {
  for (const auto& [a, b] : held_) {
    if (first <= b && a <= last) return false;
  }
  return true;
}

void RangeLock::Lock(uint64_t first, uint64_t last) {
  struct Args {
    const RangeLock* self;
    uint64_t first, last;
  } args{this, first, last};
  mu_.LockWhen(absl::Condition(
      +[](Args* a) ABSL_NO_THREAD_SAFETY_ANALYSIS {
        return a->self->FreeLocked(a->first, a->last);
      },
      &args));
  held_.emplace_back(first, last);
  mu_.Unlock();
}

void RangeLock::Unlock(uint64_t first, uint64_t last) {
  absl::MutexLock l(&mu_);
  auto it = std::find(held_.begin(), held_.end(), std::make_pair(first, last));
  if (it != held_.end()) {
    *it = held_.back();
    held_.pop_back();
  }
}

// --- WriteGate --------------------------------------------------------------

void WriteGate::Enter() {
  mu_.LockWhen(absl::Condition(
      +[](bool* closed) { return !*closed; }, &closed_));
  ++inside_;
  mu_.Unlock();
}

void WriteGate::Exit() {
  absl::MutexLock l(&mu_);
  --inside_;
}

bool WriteGate::Close(absl::Time deadline) {
  absl::MutexLock l(&mu_);
  closed_ = true;
  bool drained = mu_.AwaitWithDeadline(
      absl::Condition(+[](int* n) { return *n == 0; }, &inside_), deadline);
  if (!drained) closed_ = false;
  return drained;
}

void WriteGate::Open() {
  absl::MutexLock l(&mu_);
  closed_ = false;
}

// --- WriteEpochs ------------------------------------------------------------

WriteEpochs::WriteEpochs(uint64_t blocks)
    : pages_((blocks + kPageSize - 1) / kPageSize) {
  for (auto& p : pages_) p.store(nullptr, std::memory_order_relaxed);
}

WriteEpochs::~WriteEpochs() {
  for (auto& p : pages_) delete p.load(std::memory_order_relaxed);
}

uint64_t WriteEpochs::Get(uint64_t block) const {
  const Page* page = pages_[block >> kPageShift].load(std::memory_order_acquire);
  if (page == nullptr) return 0;
  return page->e[block & (kPageSize - 1)].load(std::memory_order_acquire);
}

void WriteEpochs::Set(uint64_t block, uint64_t epoch) {
  std::atomic<Page*>& slot = pages_[block >> kPageShift];
  Page* page = slot.load(std::memory_order_acquire);
  if (page == nullptr) {
    Page* fresh = new Page();
    for (auto& e : fresh->e) e.store(0, std::memory_order_relaxed);
    if (slot.compare_exchange_strong(page, fresh, std::memory_order_acq_rel)) {
      page = fresh;
    } else {
      delete fresh;  // another thread installed one; `page` holds it
    }
  }
  uint32_t value = static_cast<uint32_t>(
      std::min<uint64_t>(epoch, std::numeric_limits<uint32_t>::max()));
  page->e[block & (kPageSize - 1)].store(value, std::memory_order_release);
}

}  // namespace shadowset::internal
