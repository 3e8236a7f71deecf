// WriteBehind: a background thread that writes filled buffers to one file
// while the caller hashes and fills the next, so hashing overlaps I/O. The
// thread also feeds each buffer to the file's digester before writing it,
// so the whole-file checksums cost the caller nothing.
//
//   WriteBehind wb(env, file.get(), 4 << 20, /*depth=*/2, &digester);
//   ASSIGN_OR_RETURN(AlignedBuffer* buf, wb.Acquire());   // waits for a free
//   one
//   ... fill buf ...
//   wb.Submit(buf, length, offset);
//   RETURN_IF_ERROR(wb.Drain());   // every submitted write done
//
// The first failed write is sticky: later Acquire and Drain return it, and
// queued writes are dropped.
//
// Thread safety: Acquire, Submit and Drain are called by one thread (the
// owner); the writer thread is internal. The file and the digester must
// outlive the object; the owner reads the digester only after Drain.

#ifndef SHADOWSET_ENGINE_BACKUP_INTERNAL_WRITE_BEHIND_H_
#define SHADOWSET_ENGINE_BACKUP_INTERNAL_WRITE_BEHIND_H_

#include <cstdint>
#include <deque>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "engine/backup/internal/digest.h"
#include "engine/env.h"
#include "engine/internal/aligned_buffer.h"

namespace shadowset::internal {

class WriteBehind {
 public:
  // `digester` (may be null) sees every submitted byte, in file order.
  WriteBehind(Env* env, File* file, size_t buffer_size, size_t depth,
              FileDigester* digester);
  // Waits for queued writes (their errors are dropped) and the thread.
  ~WriteBehind();
  WriteBehind(const WriteBehind&) = delete;
  WriteBehind& operator=(const WriteBehind&) = delete;

  // A buffer to fill, once one is free; the first write error otherwise.
  absl::StatusOr<AlignedBuffer*> Acquire();
  // Queues buffer[0, length) to be written at `offset`; the buffer returns
  // to the free list once written.
  void Submit(AlignedBuffer* buffer, size_t length, uint64_t offset);
  // Waits until every submitted write is done; the first error if any.
  absl::Status Drain();

 private:
  struct Job {
    AlignedBuffer* buffer;
    size_t length;
    uint64_t offset;
  };
  void Run();
  // Conditions for mu_.Await.
  bool FreeOrFailed() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !free_.empty() || !error_.ok();
  }
  bool Idle() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return queue_.empty() && !writing_;
  }
  bool WorkOrStop() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !queue_.empty() || stop_;
  }

  File* const file_;
  FileDigester* const digester_;        // used by the writer thread only
  std::vector<AlignedBuffer> buffers_;  // fixed after construction
  mutable absl::Mutex mu_;
  std::vector<AlignedBuffer*> free_ ABSL_GUARDED_BY(mu_);
  std::deque<Job> queue_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status error_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace shadowset::internal

#endif  // SHADOWSET_ENGINE_BACKUP_INTERNAL_WRITE_BEHIND_H_
