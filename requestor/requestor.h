// Requestor: sequences one backup's snapshot protocol between the writers
// of a WriterRegistry and the engine (DESIGN §4, SEMANTICS.md §1,
// docs/protocol.md). The phases, in the only order accepted:
//
//   1. GatherWriterMetadata()   Identify in every writer (may be repeated
//                               until step 2).
//   2. StartSnapshotSet(), then AddToSnapshotSet(volume) for 1..64 volumes.
//   3. PrepareForBackup(type)   PrepareBackup in every writer with data on
//                               a volume of the set ("involved").
//   4. DoSnapshotSet()          PrepareSnapshot in all; the set's volumes
//                               flushed (so the commit's own flush, inside
//                               the freeze windows, is short); Freeze in
//                               all at once, each within its freeze
//                               window; the engine commits the set; Thaw
//                               in all (or, on any failure, Abort in all);
//                               then PostSnapshot in all.
//   -  (the caller reads the snapshots: engine->OpenSnapshot(set, volume))
//   5. GatherWriterStatus()     per-writer state, failure, freeze window;
//                               allowed at any time after step 1.
//   6. BackupComplete(result)   BackupComplete in all; then the set is kept
//                               (persistent, result succeeded) or deleted.
//   7. BackupShutdown()         BackupShutdown in every writer called; runs
//                               when the Requestor is destroyed if not
//                               called before, always, even after failure.
//   -  AbortBackup()            at any point from 3 to 6: Abort in every
//                               writer that may still expect it, and the
//                               set (if committed) is deleted. Every
//                               failure from step 3 on does this itself.
//
//   Requestor r(engine, &writers, {});
//   RETURN_IF_ERROR(r.GatherWriterMetadata().status());
//   RETURN_IF_ERROR(r.StartSnapshotSet());
//   RETURN_IF_ERROR(r.AddToSnapshotSet("db"));
//   RETURN_IF_ERROR(r.PrepareForBackup(BackupType::kFull));
//   ASSIGN_OR_RETURN(SnapshotSetInfo set, r.DoSnapshotSet());
//   ... copy from engine->OpenSnapshot(set.id, "db") ...
//   RETURN_IF_ERROR(r.BackupComplete({.succeeded = true}));
//
// A call out of this order fails with kFailedPrecondition
// (VSS_E_BAD_STATE) and changes nothing. One deadline, computed when the
// Requestor is made (RequestorOptions::timeout), bounds every phase.
//
// Thread safety: safe for concurrent use; calls are serialized (an
// AbortBackup from another thread waits for the phase in progress).

#ifndef SHADOWSET_REQUESTOR_REQUESTOR_H_
#define SHADOWSET_REQUESTOR_REQUESTOR_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/engine.h"
#include "writers/framework.h"
#include "writers/registry.h"
#include "writers/writer.h"

namespace shadowset {

// VSS_E_OBJECT_ALREADY_EXISTS: a volume added to the set twice.
inline constexpr uint32_t kVssObjectAlreadyExists = 0x8004230D;

// Whether DoSnapshotSet commits a persistent or an auto-release set.
enum class SetPersistence {
  // Persistent for FULL, INCREMENTAL and DIFFERENTIAL (the set is kept as
  // the base of the next backup in the chain); auto-release for COPY and
  // LOG.
  kByType,
  kPersistent,
  kAutoRelease,
};

struct RequestorOptions {
  // Clock and threads. Default: Env::Default().
  Env* env = nullptr;
  // Bounds the whole backup, from construction: every phase's deadline.
  // Default: InfiniteDuration (each event still has its own timeout).
  absl::Duration timeout = absl::InfiniteDuration();
  // Default: kByType.
  SetPersistence persistence = SetPersistence::kByType;
  // The engine's hold timeout for the commit; also never past the end of
  // the first frozen writer's freeze window. Default: 10 s.
  absl::Duration hold_timeout = absl::Seconds(10);
  // The writers' event timeouts. Default: FrameworkOptions{}.
  FrameworkOptions framework;
  // Names the backup to writers. Default: "" (a random GUID is made).
  std::string backup_id;
};

class Requestor {
 public:
  // `engine` must outlive the Requestor; `writers` (nullptr: no writers)
  // too; the writers registered now take part.
  Requestor(Engine* engine, WriterRegistry* writers,
            RequestorOptions options = {});
  // BackupShutdown() if it has not run (aborting a backup in progress).
  ~Requestor();
  Requestor(const Requestor&) = delete;
  Requestor& operator=(const Requestor&) = delete;

  // 1. Raises Identify in every writer and returns the metadata of each.
  // Errors: the first writer failure (FAILED_AT_IDENTIFY; its failure code
  // attached); then the phase does not advance and may be repeated.
  absl::StatusOr<std::vector<WriterMetadata>> GatherWriterMetadata();

  // 2. Starts an empty snapshot set.
  // Errors: kUnavailable (VSS_E_SNAPSHOT_SET_IN_PROGRESS) while another
  // Requestor on the same registry has a backup in progress.
  absl::Status StartSnapshotSet();
  // Errors: kNotFound (VSS_E_OBJECT_NOT_FOUND) for an unknown volume;
  // kAlreadyExists (VSS_E_OBJECT_ALREADY_EXISTS) if already added;
  // kResourceExhausted (VSS_E_MAXIMUM_NUMBER_OF_VOLUMES_REACHED) for a
  // 65th volume. The set is unchanged on error.
  absl::Status AddToSnapshotSet(const std::string& volume);

  // 3. Raises PrepareBackup in the involved writers, telling them `type`.
  // Errors: kInvalidArgument (ERROR_INVALID_PARAMETER) for a value that is
  // not a BackupType, kFailedPrecondition (VSS_E_BAD_STATE) for an empty
  // set and kDeadlineExceeded past the backup's deadline, all changing
  // nothing; a writer's failure, after which the backup is aborted.
  absl::Status PrepareForBackup(BackupType type);

  // 4. Creates the snapshot set (see the banner) and returns it.
  // Errors, each after aborting the backup (no set is left behind):
  //  a writer's failure: its canonical code and WriterFailure attached
  //    (e.g. kDeadlineExceeded + TIMEOUT 0x800423F2 for a freeze window that
  //    ended, kFailedPrecondition + INCONSISTENTSNAPSHOT 0x800423F0 for a
  //    writer with a volume missing from the set, kDeadlineExceeded +
  //    WRITER_NOT_RESPONDING 0x80042319);
  //  the engine's commit error (e.g. HOLD_WRITES_TIMEOUT,
  //    SNAPSHOT_SET_IN_PROGRESS);
  //  kDeadlineExceeded when the backup's deadline has passed.
  absl::StatusOr<SnapshotSetInfo> DoSnapshotSet();

  // 5. What the framework knows of every writer, in registration order.
  // Errors: kFailedPrecondition (VSS_E_BAD_STATE) before step 1 was tried.
  absl::StatusOr<std::vector<WriterStatus>> GatherWriterStatus() const;

  // 6. Raises BackupComplete in every writer waiting for it; then deletes
  // the set unless it is persistent and `result.succeeded`.
  // Errors: the first writer failure (FAILED_AT_BACKUP_COMPLETE; the
  // backup stays complete) or the engine's error deleting the set.
  absl::Status BackupComplete(const BackupResult& result);

  // Aborts the backup (see the banner). Repeating it is OK and changes
  // nothing. Errors: kFailedPrecondition (VSS_E_BAD_STATE) before step 3 or
  // after step 6; otherwise the first Abort that failed or the engine's
  // error deleting the set (the backup is aborted regardless).
  absl::Status AbortBackup();

  // 7. Ends the backup: aborts it if it is between steps 3 and 6, deletes
  // a set that is not to be kept, and raises BackupShutdown in every writer
  // called so far. Afterwards only GatherWriterStatus is accepted.
  // Errors: kFailedPrecondition (VSS_E_BAD_STATE) the second time; the
  // first BackupShutdown failure (FAILED_AT_BACKUPSHUTDOWN).
  absl::Status BackupShutdown();

  // Waits until every call this backup made into a writer has returned
  // (a Freeze returning after its Abort, events queued behind a writer that
  // stopped responding); false if some are still pending at `deadline`.
  bool WaitForWriters(absl::Time deadline) const;

  const std::string& backup_id() const { return backup_id_; }
  absl::Time deadline() const { return deadline_; }
  // The committed set, once DoSnapshotSet succeeded (even if later
  // deleted).
  std::optional<SnapshotSetInfo> snapshot_set() const;
  // Whether the set is (or will be) persistent; known from step 3.
  bool persistent() const;
  // How long the engine's commit of the set took (CreateSnapshotSet: the
  // write gates' hold and the catalog transaction), once DoSnapshotSet
  // reached it; zero before.
  absl::Duration commit_time() const;

 private:
  enum class Phase {
    kCreated,
    kGathered,
    kSetStarted,
    kPrepared,
    kSnapshotted,
    kCompleted,
    kAborted,
    kShutdown,
  };

  absl::Status BadState(absl::string_view call) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  BackupContext Context() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<SnapshotSetInfo> SnapshotLocked()
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<SnapshotSetInfo> CommitLocked(const BackupContext& ctx)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Aborts every writer and deletes the set; `cause` is told to writers.
  absl::Status AbortLocked(const absl::Status& cause)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status DeleteSetLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status ShutdownLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Fixed at construction.
  Engine* const engine_;
  WriterRegistry* const registry_;
  const RequestorOptions options_;
  Env* const env_;
  const std::string backup_id_;
  const absl::Time deadline_;

  mutable absl::Mutex mu_;
  Phase phase_ ABSL_GUARDED_BY(mu_) = Phase::kCreated;
  bool identify_attempted_ ABSL_GUARDED_BY(mu_) = false;
  WriterSession session_ ABSL_GUARDED_BY(mu_);
  std::optional<WriterRegistry::BackupLease> lease_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> volumes_ ABSL_GUARDED_BY(mu_);
  BackupType type_ ABSL_GUARDED_BY(mu_) = BackupType::kFull;
  bool persistent_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<SnapshotSetInfo> set_ ABSL_GUARDED_BY(mu_);
  bool set_deleted_ ABSL_GUARDED_BY(mu_) = false;
  absl::Duration commit_time_ ABSL_GUARDED_BY(mu_);
};

}  // namespace shadowset

#endif  // SHADOWSET_REQUESTOR_REQUESTOR_H_
