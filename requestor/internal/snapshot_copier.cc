#include "requestor/internal/snapshot_copier.h"

#include <algorithm>
#include <deque>
#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "engine/internal/status_macros.h"

namespace shadowset::internal {
namespace {

// Runs [first_run, first_run + run_count) read into one buffer.
struct Batch {
  size_t first_run = 0;
  size_t run_count = 0;
  uint64_t bytes = 0;
};

std::vector<Batch> PlanBatches(const std::vector<CopyRun>& runs,
                               uint32_t block_size, size_t buffer_bytes) {
  std::vector<Batch> batches;
  for (size_t i = 0; i < runs.size(); ++i) {
    const uint64_t bytes = runs[i].block_count * block_size;
    if (batches.empty() || batches.back().bytes + bytes > buffer_bytes) {
      batches.push_back({i, 0, 0});
    }
    batches.back().run_count++;
    batches.back().bytes += bytes;
  }
  return batches;
}

// The buffers and the two queues between the reader thread and the
// consumer. Buffer i is owned by whoever took index i from a queue.
class ReadAhead {
 public:
  // Buffers hold the largest batch (not more), uninitialised: a small
  // volume does not pay for zeroing read runs it never fills.
  ReadAhead(Snapshot* snapshot, const std::vector<CopyRun>& runs,
            std::vector<Batch> batches, const CopyOptions& options)
      : snapshot_(snapshot),
        runs_(runs),
        batches_(std::move(batches)),
        buffers_(std::min(options.buffers, batches_.size())) {
    uint64_t largest = 0;
    for (const Batch& b : batches_) largest = std::max(largest, b.bytes);
    for (size_t i = 0; i < buffers_.size(); ++i) {
      buffers_[i].reset(new uint8_t[largest]);
      free_.push_back(i);
    }
  }

  void Start(Env* env) {
    thread_ = env->StartThread("ss-backup-read", [this] { ReadLoop(); });
  }

  // Stops the reader (it finishes the read in progress) and joins it.
  void Stop() {
    {
      absl::MutexLock l(&mu_);
      stop_ = true;
    }
    if (thread_.joinable()) thread_.join();
  }

  // The next filled batch, in order: its buffer index, or the read error.
  absl::StatusOr<size_t> Next() {
    absl::MutexLock l(&mu_);
    mu_.Await(absl::Condition(
        +[](std::deque<Filled>* q) { return !q->empty(); }, &filled_));
    Filled f = filled_.front();
    filled_.pop_front();
    if (!f.status.ok()) return f.status;
    return f.buffer;
  }

  void Release(size_t buffer) {
    absl::MutexLock l(&mu_);
    free_.push_back(buffer);
  }

  const uint8_t* data(size_t buffer) const { return buffers_[buffer].get(); }

 private:
  struct Filled {
    size_t buffer = 0;
    absl::Status status;
  };

  bool MayFill() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stop_ || !free_.empty();
  }

  void ReadLoop() {
    const uint32_t bs = snapshot_->block_size();
    for (const Batch& batch : batches_) {
      size_t buffer;
      {
        absl::MutexLock l(&mu_);
        mu_.Await(absl::Condition(this, &ReadAhead::MayFill));
        if (stop_) return;
        buffer = free_.front();
        free_.pop_front();
      }
      absl::Status status;
      uint8_t* out = buffers_[buffer].get();
      for (size_t r = batch.first_run; r < batch.first_run + batch.run_count;
           ++r) {
        const size_t bytes = runs_[r].block_count * bs;
        status = snapshot_->Read(runs_[r].first_block * bs,
                                 absl::MakeSpan(out, bytes));
        if (!status.ok()) break;
        out += bytes;
      }
      absl::MutexLock l(&mu_);
      filled_.push_back({buffer, status});
      if (!status.ok()) return;
    }
  }

  Snapshot* const snapshot_;
  const std::vector<CopyRun>& runs_;
  const std::vector<Batch> batches_;
  std::vector<std::unique_ptr<uint8_t[]>> buffers_;
  std::thread thread_;

  absl::Mutex mu_;
  std::deque<size_t> free_ ABSL_GUARDED_BY(mu_);
  std::deque<Filled> filled_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace

std::vector<CopyRun> ImageRuns(uint64_t block_count, uint64_t max_blocks) {
  std::vector<CopyRun> runs;
  for (uint64_t b = 0; b < block_count; b += max_blocks) {
    runs.push_back({b, std::min(max_blocks, block_count - b)});
  }
  return runs;
}

std::vector<CopyRun> DeltaRuns(const std::vector<uint64_t>& blocks,
                               uint64_t max_blocks) {
  std::vector<CopyRun> runs;
  for (uint64_t b : blocks) {
    if (!runs.empty() &&
        runs.back().first_block + runs.back().block_count == b &&
        runs.back().block_count < max_blocks) {
      runs.back().block_count++;
    } else {
      runs.push_back({b, 1});
    }
  }
  return runs;
}

absl::Status CopyRuns(Env* env, Snapshot* snapshot,
                      const std::vector<CopyRun>& runs,
                      const CopyOptions& options, BackupSetWriter* writer,
                      absl::FunctionRef<void(uint64_t bytes)> on_bytes) {
  const uint32_t bs = snapshot->block_size();
  if (options.buffers < 2) {
    return absl::InvalidArgumentError("the copy needs at least two buffers");
  }
  for (const CopyRun& run : runs) {
    if (run.block_count == 0 || run.block_count * bs > options.buffer_bytes) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "run of %u blocks at block %u does not fit a %u-byte buffer",
          run.block_count, run.first_block, options.buffer_bytes));
    }
  }
  std::vector<Batch> batches = PlanBatches(runs, bs, options.buffer_bytes);
  if (batches.empty()) return absl::OkStatus();
  ReadAhead reader(snapshot, runs, batches, options);
  reader.Start(env);
  absl::Status status;
  for (const Batch& batch : batches) {
    if (options.cancel != nullptr && options.cancel->load()) {
      status = absl::CancelledError("the backup was cancelled");
      break;
    }
    absl::StatusOr<size_t> buffer = reader.Next();
    if (!buffer.ok()) {
      status = buffer.status();
      break;
    }
    const uint8_t* data = reader.data(*buffer);
    for (size_t r = batch.first_run; r < batch.first_run + batch.run_count;
         ++r) {
      const size_t bytes = runs[r].block_count * bs;
      status = writer->AddBlocks(runs[r].first_block,
                                 absl::MakeConstSpan(data, bytes));
      if (!status.ok()) break;
      data += bytes;
    }
    reader.Release(*buffer);
    if (!status.ok()) break;
    on_bytes(batch.bytes);
  }
  reader.Stop();
  return status;
}

}  // namespace shadowset::internal
