// DirectoryWriter: the directory service as a writer of the snapshot
// protocol (writers/writer.h, SEMANTICS.md §1 and §4).
//
//   DirectoryWriter writer(&directory);
//   ... the requestor raises Identify, PrepareBackup, PrepareSnapshot,
//   ... Freeze, (engine snapshot of writer volumes), Thaw, PostSnapshot,
//   ... BackupComplete, BackupShutdown; PreRestore / PostRestore.
//
// What it does at each event:
//  * Identify: one database component on both of the directory's volumes;
//    FULL and COPY backups; STOP_RESTORE_START; restore lifetime = the
//    tombstone lifetime, so every backup set holding the directory expires
//    when restoring it would bring deleted objects back.
//  * PrepareSnapshot: makes the log and the database durable (the heavy
//    flush), so Freeze only has to hold and flush what came since.
//  * Freeze: quiesces the directory (changes wait, they do not fail), waits
//    for a running checkpoint, makes every change durable and records the
//    USN and log generation of the instant (frozen_at()).
//  * Thaw / Abort: resume. Abort is idempotent and may run while Freeze
//    does; a Freeze that finishes after its Abort resumes and returns
//    kAborted. A Freeze after an Abort of the same backup does nothing.
//  * BackupComplete: only when the backup succeeded and the requested type
//    is FULL, truncates the log generations the snapshot holds whole
//    (never for COPY or any other type, never after a failure).
//  * PreRestore takes the directory offline; PostRestore brings it back
//    online, recovering from the restored volumes (RECOVERY_FAILED when
//    that fails).
//
// Failures carry a WriterFailure code: TIMEOUT for a freeze deadline,
// RETRYABLE when the directory is offline, RECOVERY_FAILED at PostRestore,
// NONRETRYABLE otherwise.
//
// Thread safety: safe for concurrent use as writer.h requires (Abort
// concurrently with Freeze). The DirectoryService must outlive it.

#ifndef SHADOWSET_WRITERS_DIRECTORY_DIRECTORY_WRITER_H_
#define SHADOWSET_WRITERS_DIRECTORY_DIRECTORY_WRITER_H_

#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "writers/directory/directory_service.h"
#include "writers/writer.h"

namespace shadowset {

// The class id of the Windows NTDS writer, which this one stands in for.
inline constexpr char kDirectoryWriterClassId[] =
    "b2014c9e-8711-4c5c-a5a9-3cf384484761";
inline constexpr char kDirectoryComponent[] = "ntds";

class DirectoryWriter final : public Writer {
 public:
  explicit DirectoryWriter(DirectoryService* service) : service_(service) {}
  ~DirectoryWriter() override;

  absl::StatusOr<WriterMetadata> Identify() override;
  absl::Status PrepareBackup(const BackupContext& ctx) override;
  absl::Status PrepareSnapshot(const BackupContext& ctx) override;
  absl::Status Freeze(const BackupContext& ctx) override;
  absl::Status Thaw(const BackupContext& ctx) override;
  absl::Status PostSnapshot(const BackupContext& ctx) override;
  absl::Status Abort(const BackupContext& ctx) override;
  absl::Status BackupComplete(const BackupContext& ctx,
                              const BackupResult& result) override;
  absl::Status BackupShutdown(const BackupContext& ctx) override;
  absl::Status PreRestore(const RestoreContext& ctx) override;
  absl::Status PostRestore(const RestoreContext& ctx) override;

  // Where the last successful Freeze of the current backup held the
  // directory; nullopt before one.
  std::optional<QuiescePoint> frozen_at();

 private:
  // Ends this writer's quiesce if it holds one.
  void ResumeLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  DirectoryService* const service_;
  absl::Mutex mu_;
  bool quiesced_ ABSL_GUARDED_BY(mu_) = false;  // holds a BeginQuiesce
  bool aborted_ ABSL_GUARDED_BY(mu_) = false;   // this backup was aborted
  std::optional<QuiescePoint> frozen_at_ ABSL_GUARDED_BY(mu_);
};

}  // namespace shadowset

#endif  // SHADOWSET_WRITERS_DIRECTORY_DIRECTORY_WRITER_H_
