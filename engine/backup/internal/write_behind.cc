#include "engine/backup/internal/write_behind.h"

namespace shadowset::internal {

WriteBehind::WriteBehind(Env* env, File* file, size_t buffer_size, size_t depth,
                         FileDigester* digester)
    : file_(file), digester_(digester) {
  buffers_.reserve(depth);
  for (size_t i = 0; i < depth; ++i) buffers_.emplace_back(buffer_size);
  {
    absl::MutexLock l(&mu_);
    for (AlignedBuffer& b : buffers_) free_.push_back(&b);
  }
  thread_ = env->StartThread("backup-write", [this] { Run(); });
}

WriteBehind::~WriteBehind() {
  {
    absl::MutexLock l(&mu_);
    stop_ = true;
  }
  thread_.join();
}

absl::StatusOr<AlignedBuffer*> WriteBehind::Acquire() {
  absl::MutexLock l(&mu_);
  mu_.Await(absl::Condition(this, &WriteBehind::FreeOrFailed));
  if (!error_.ok()) return error_;
  AlignedBuffer* b = free_.back();
  free_.pop_back();
  return b;
}

void WriteBehind::Submit(AlignedBuffer* buffer, size_t length,
                         uint64_t offset) {
  absl::MutexLock l(&mu_);
  queue_.push_back({buffer, length, offset});
}

absl::Status WriteBehind::Drain() {
  absl::MutexLock l(&mu_);
  mu_.Await(absl::Condition(this, &WriteBehind::Idle));
  return error_;
}

void WriteBehind::Run() {
  mu_.Lock();
  while (true) {
    mu_.Await(absl::Condition(this, &WriteBehind::WorkOrStop));
    if (queue_.empty()) break;  // stopping, nothing left
    Job job = queue_.front();
    queue_.pop_front();
    if (error_.ok()) {
      writing_ = true;
      mu_.Unlock();
      absl::Span<const uint8_t> bytes =
          job.buffer->span().subspan(0, job.length);
      if (digester_ != nullptr) digester_->Update(bytes);
      absl::Status st = file_->WriteAt(job.offset, bytes);
      mu_.Lock();
      writing_ = false;
      if (!st.ok()) error_ = st;
    }
    free_.push_back(job.buffer);
  }
  mu_.Unlock();
}

}  // namespace shadowset::internal
