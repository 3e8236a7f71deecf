// DirectoryService: a directory information tree (objects with attributes,
// update sequence numbers, tombstones) kept on two engine volumes with a
// write-ahead transaction log and checkpoints (docs/directory-format.md).
//
//   RETURN_IF_ERROR(DirectoryService::Create(engine, DirectoryInit{}));
//   ASSIGN_OR_RETURN(auto dir, DirectoryService::Open(engine));
//   ASSIGN_OR_RETURN(uint64_t usn,
//                    dir->AddObject("DC=example,DC=test", "domain"));
//   ASSIGN_OR_RETURN(usn, dir->AddObject("CN=h1,DC=example,DC=test",
//                                        "computer", {{"dNSHostName", {"h1"}}}));
//   ASSIGN_OR_RETURN(DirectoryObject o, dir->GetObject("cn=H1,dc=example,dc=test"));
//
// Durability: a change is durable once its log record is; every change
// call returns only after that (log records of concurrent callers share one
// flush). Checkpoints write the whole tree into the inactive image slot and
// then switch the control block to it; opening replays the log past the
// checkpoint. A power loss at any instant loses no change whose call
// returned OK, and the one change in flight is wholly present or wholly
// absent. Changes are visible to readers as soon as they are logged, before
// they are durable.
//
// Tombstones: DeleteObject keeps the object as a tombstone (attributes
// removed, deletion time recorded) for the tombstone lifetime (default 180
// days); CollectGarbage (and a background pass) then purges it. A backup
// older than the tombstone lifetime must not be restored: the backup API
// (ds_backup.h) refuses it.
//
// Online and offline: an opened service is online (serving) unless opened
// in restore mode or blocked by an unfinished or failed restore. Offline,
// only the restore functions and status queries work. The snapshot
// protocol (DirectoryWriter) uses BeginQuiesce / AwaitQuiesced /
// EndQuiesce: while quiesced, changes wait (they do not fail).
//
// The first fatal I/O error (a failed write or flush of a volume) is sticky:
// afterwards every change fails with kFailedPrecondition until the service
// is reopened.
//
// Thread safety: safe for concurrent use. The Engine must outlive the
// service, and every DsBackup/DsRestore context must end before the
// service is destroyed.

#ifndef SHADOWSET_WRITERS_DIRECTORY_DIRECTORY_SERVICE_H_
#define SHADOWSET_WRITERS_DIRECTORY_DIRECTORY_SERVICE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "engine/engine.h"
#include "engine/env.h"
#include "engine/options.h"
#include "writers/directory/directory_object.h"
#include "writers/directory/identity.h"

namespace shadowset {

namespace directory_internal {
struct Change;
struct ControlBlock;
struct PatchFile;
class LogWriter;
class Tree;
}  // namespace directory_internal

// The tombstone lifetime of a new directory, and the shortest accepted
// (Active Directory treats anything below two days as two days; we refuse).
inline constexpr absl::Duration kDefaultTombstoneLifetime = absl::Hours(24 * 180);
inline constexpr absl::Duration kMinTombstoneLifetime = absl::Hours(24 * 2);

// Fixed when a directory is created.
struct DirectoryInit {
  // The local server's name: backup and restore calls must name it.
  // Letters, digits, '-' and '.'. Default: empty = this host's name.
  std::string server_name;
  // The principal that creates the directory; it holds the backup and
  // restore privileges. Default: empty = the user running the process.
  std::string creator;
  // Size of the database volume, which holds two image slots of a little
  // under half of it each (100,000 objects take about 15 MiB). A multiple
  // of the engine block size, at least 1 MiB. Default: 256 MiB (sparse).
  uint64_t database_volume_size = uint64_t{256} << 20;
  // Bytes per log generation: a multiple of the engine block size, at
  // least 64 KiB; also the largest change. Default: 1 MiB.
  uint64_t log_generation_size = uint64_t{1} << 20;
  // Generations in the log ring (at least 4). Generations are kept until a
  // full backup truncates them. Default: 256 (256 MiB, sparse).
  uint32_t log_generations = 256;
  // Default: 180 days; at least kMinTombstoneLifetime.
  absl::Duration tombstone_lifetime = kDefaultTombstoneLifetime;
};

// Per open.
struct DirectoryOptions {
  // Names the volumes: "<prefix>-db" and "<prefix>-log". Default:
  // "directory".
  std::string volume_prefix = "directory";
  // The directory's clock: deletion times, tombstone expiry, backup
  // timestamps and token expiry. Default: empty = absl::Now().
  std::function<absl::Time()> clock;
  // Threads for background checkpoints and garbage collection. Default:
  // Env::Default().
  Env* env = nullptr;
  // kThreads: checkpoints and garbage collection run on a background
  // thread. kInline: a change that fills the checkpoint threshold runs the
  // checkpoint itself before returning; garbage collection runs only when
  // called (deterministic I/O for crash tests). Default: kThreads.
  BackgroundMode background = BackgroundMode::kThreads;
  // Log bytes written since the last checkpoint that trigger the next.
  // Default: 16 MiB.
  uint64_t checkpoint_log_bytes = uint64_t{16} << 20;
  // How often the background thread collects garbage (kThreads only);
  // zero disables it. Default: 12 hours.
  absl::Duration gc_interval = absl::Hours(12);
  // Open offline, as a restore-mode boot does (only restores and status
  // queries work until BringOnline). Default: false.
  bool restore_mode = false;
  // Signs the expiry tokens DsBackupPrepare returns (HMAC-SHA-256) and
  // makes DsRestorePrepare refuse unsigned or tampered ones. Default: empty
  // (unsigned tokens).
  std::string token_key;
};

struct DirectoryLogStatus {
  uint64_t first_retained_gen = 0;  // older generations were truncated
  uint64_t checkpoint_gen = 0;      // replay at open starts here
  uint64_t current_gen = 0;         // records are appended here (0 offline)
  uint64_t checkpoint_usn = 0;      // the image holds every change up to it
  uint32_t generations = 0;         // ring size
};

struct DirectoryCheckReport {
  uint64_t objects = 0;
  uint64_t tombstones = 0;
  uint64_t usn = 0;
  std::vector<std::string> problems;  // empty: consistent
  bool ok() const { return problems.empty(); }
};

// Where the snapshot protocol froze the directory.
struct QuiescePoint {
  uint64_t usn = 0;             // the last change before the freeze
  uint64_t log_generation = 0;  // the generation being appended to
};

class DsBackupContext;
class DsRestoreContext;

class DirectoryService {
 public:
  // Creates the volumes "<prefix>-db" and "<prefix>-log" and an empty
  // directory on them. Resumes a creation that crashed before it finished.
  // Errors: kInvalidArgument (ERROR_INVALID_PARAMETER) for bad sizes, server
  // name or lifetime; kAlreadyExists (ERROR_ALREADY_EXISTS) if a directory
  // exists; engine errors.
  static absl::Status Create(Engine* engine, const DirectoryInit& init,
                             const DirectoryOptions& options = {});

  // Opens the directory and, unless options.restore_mode or a restore
  // blocks it, brings it online (recovery: the image plus the log).
  // Errors: kNotFound if there is no directory ("directory init");
  // kDataLoss for a damaged control block, image or log; engine errors.
  static absl::StatusOr<std::unique_ptr<DirectoryService>> Open(
      Engine* engine, const DirectoryOptions& options = {});

  ~DirectoryService();
  DirectoryService(const DirectoryService&) = delete;
  DirectoryService& operator=(const DirectoryService&) = delete;

  // --- objects (online only; offline: kFailedPrecondition) ---
  // Each change returns its update sequence number once it is durable.
  // Errors as Tree::Apply documents: kInvalidArgument
  // (ERROR_INVALID_PARAMETER), kAlreadyExists (ERROR_ALREADY_EXISTS),
  // kNotFound (ERROR_NOT_FOUND), kFailedPrecondition
  // (ERROR_DS_CANT_ON_NON_LEAF); kResourceExhausted (ERROR_DISK_FULL) when
  // the log is full. Nothing changes on any of these.

  // Adds an object; it replaces a tombstone with the same DN.
  absl::StatusOr<uint64_t> AddObject(absl::string_view dn,
                                     absl::string_view object_class,
                                     const AttributeMap& attributes = {});
  // Applies `changes` in order, all or nothing.
  absl::StatusOr<uint64_t> ModifyObject(
      absl::string_view dn, const std::vector<AttributeChange>& changes);
  // Turns a live leaf into a tombstone.
  absl::StatusOr<uint64_t> DeleteObject(absl::string_view dn);
  // The object or tombstone. kNotFound (ERROR_NOT_FOUND) if neither.
  absl::StatusOr<DirectoryObject> GetObject(absl::string_view dn);
  // Every object and tombstone, in normalized-DN order.
  absl::StatusOr<std::vector<DirectoryObject>> ListObjects();

  // Purges the tombstones deleted more than the tombstone lifetime ago;
  // returns how many. Logged like any change.
  absl::StatusOr<size_t> CollectGarbage();
  // Sets the tombstone lifetime (a logged change). kInvalidArgument
  // (ERROR_INVALID_PARAMETER) below kMinTombstoneLifetime or above 100
  // years.
  absl::StatusOr<uint64_t> SetTombstoneLifetime(absl::Duration lifetime);
  // Works offline too (from the control block).
  absl::Duration TombstoneLifetime();

  // The highest update sequence number applied (0 while offline).
  uint64_t usn();

  // --- maintenance ---
  // Writes the tree into the inactive image slot and switches to it.
  absl::Status Checkpoint();
  // Verifies the tree's invariants, and that the image plus the log on the
  // volumes reproduce exactly the tree in memory. Online only.
  absl::StatusOr<DirectoryCheckReport> Check();
  DirectoryLogStatus LogStatus();

  // --- service state ---
  bool IsOnline();
  // Why the service is offline: OK when online, else the reason (restore
  // mode, a registered or failed restore, TakeOffline).
  absl::Status OfflineReason();
  // Stops serving: waits for changes in flight, makes the log durable and
  // drops the tree. kFailedPrecondition while quiesced.
  absl::Status TakeOffline();
  // Recovers from the volumes and starts serving. kFailedPrecondition while
  // a restore is registered or after a failed one; kDataLoss for damage.
  absl::Status BringOnline();

  // --- local state ---
  // From the current control block (a restore of the volumes may change
  // them).
  std::string server_name();
  SetId instance_id();
  std::vector<std::string> VolumeNames() const;
  Privileges GetPrivileges(absl::string_view principal);
  // Sets `principal`'s privileges (none removes it). kPermissionDenied
  // (ERROR_ACCESS_DENIED) unless `caller` holds both privileges;
  // kInvalidArgument for a bad name; kFailedPrecondition if it would leave
  // nobody holding both.
  absl::Status SetPrivileges(absl::string_view caller,
                             absl::string_view principal,
                             const Privileges& privileges);

  // --- the snapshot protocol ---
  // From now on changes (and new checkpoints) wait. Nests.
  void BeginQuiesce();
  // Waits for a running checkpoint and makes every change durable.
  // kDeadlineExceeded if that outlasts `deadline`; kFailedPrecondition if
  // the service is offline or failed.
  absl::StatusOr<QuiescePoint> AwaitQuiesced(absl::Time deadline);
  // Ends one BeginQuiesce.
  void EndQuiesce();
  // Deletes the log generations below min(`before_gen`, the checkpoint's
  // generation), checkpointing first when that would keep some of them.
  // Called after a successful full backup whose snapshot was taken while
  // `before_gen` was being appended to.
  absl::Status TruncateLogs(uint64_t before_gen);

  // What the service is doing right now (for status output and tests).
  struct Activity {
    size_t waiting_changes = 0;  // changes waiting for a quiesce to end
    int quiesce_depth = 0;       // BeginQuiesce calls not yet ended
    bool checkpoint_running = false;
  };
  Activity GetActivity();

  // Makes every change durable and flushes both volumes (cheap when
  // nothing is pending). kFailedPrecondition offline.
  absl::Status Flush();

  absl::Time Now() const { return clock_(); }
  const DirectoryOptions& options() const { return options_; }

 private:
  friend class DsBackupContext;
  friend class DsRestoreContext;
  friend class DsClient;

  DirectoryService(Engine* engine, Volume* db, Volume* log,
                   const DirectoryOptions& options,
                   const directory_internal::ControlBlock& control);

  // Completes a change under the lock, after any quiesce; false: nothing to
  // commit (Commit then returns 0).
  using FillFn = absl::FunctionRef<bool(const directory_internal::Tree&,
                                        directory_internal::Change*)>;
  // Logs and applies `change`, then waits until it is durable.
  absl::StatusOr<uint64_t> Commit(directory_internal::Change change);
  absl::StatusOr<uint64_t> Commit(directory_internal::Change change,
                                  FillFn fill);
  // Group commit: returns once every change up to `usn` is durable.
  absl::Status WaitDurable(uint64_t usn) ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status CheckOnlineLocked() const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // absl::Condition predicates.
  bool ChangesMayProceed() const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  bool FlushIdle() const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  bool NoCheckpointRunning() const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  bool BackgroundHasWork() const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Runs or schedules a checkpoint when enough log was written.
  void MaybeCheckpoint() ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status CheckpointLocked()
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(control_write_mu_);
  // Writes `block` (with the next seq) into the older copy and flushes;
  // on success it becomes control_.
  absl::Status WriteControl(directory_internal::ControlBlock block)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(control_write_mu_) ABSL_LOCKS_EXCLUDED(mu_);
  directory_internal::ControlBlock CurrentControl() ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status BringOnlineLocked()
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(control_write_mu_);
  // Records a fatal I/O error (sticky) and returns it.
  absl::Status Fail(absl::Status status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void BackgroundLoop();
  uint64_t ImageSlotOffset(uint32_t slot) const;

  // --- for the backup and restore API (ds_backup.cc, ds_restore.cc) ---
  struct Capture;
  // Quiesces, snapshots both volumes (an auto-release set), resumes.
  absl::StatusOr<std::unique_ptr<Capture>> CaptureForBackup();
  absl::Status ReleaseCapture(const SetId& set_id);
  absl::Status RegisterRestore();
  absl::Status WriteRestoredImage(uint64_t offset,
                                  absl::Span<const uint8_t> data);
  absl::Status WriteRestoredLog(uint64_t generation, uint64_t offset,
                                absl::Span<const uint8_t> data);
  absl::Status CompleteRestore(const directory_internal::PatchFile& patch);
  absl::Status FailRestore();
  // The image slot a restore writes into (the one not current).
  uint32_t RestoreSlot();
  uint64_t image_slot_size() const { return slot_size_; }
  uint64_t log_generation_size() const { return generation_size_; }
  uint32_t log_generations() const { return generations_; }

  // Fixed at construction.
  Engine* const engine_;
  Volume* const db_;
  Volume* const log_;
  const DirectoryOptions options_;
  const std::function<absl::Time()> clock_;
  const uint64_t slot_size_;
  const uint64_t generation_size_;
  const uint32_t generations_;

  // Serialises control-block writers (checkpoints, truncation, privilege
  // and restore-state changes, BringOnline). Taken before mu_.
  absl::Mutex control_write_mu_ ABSL_ACQUIRED_BEFORE(mu_);

  mutable absl::Mutex mu_;
  std::unique_ptr<directory_internal::ControlBlock> control_
      ABSL_GUARDED_BY(mu_);  // the durable control block
  bool online_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status offline_reason_ ABSL_GUARDED_BY(mu_);
  absl::Status failed_ ABSL_GUARDED_BY(mu_);  // sticky I/O error
  std::unique_ptr<directory_internal::Tree> tree_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<directory_internal::LogWriter> log_writer_
      ABSL_GUARDED_BY(mu_);
  uint64_t next_usn_ ABSL_GUARDED_BY(mu_) = 1;
  uint64_t durable_usn_ ABSL_GUARDED_BY(mu_) = 0;
  bool flushing_ ABSL_GUARDED_BY(mu_) = false;
  int quiesce_count_ ABSL_GUARDED_BY(mu_) = 0;
  bool checkpoint_running_ ABSL_GUARDED_BY(mu_) = false;
  bool checkpoint_due_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t log_bytes_since_checkpoint_ ABSL_GUARDED_BY(mu_) = 0;
  size_t waiting_changes_ ABSL_GUARDED_BY(mu_) = 0;
  bool restore_session_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread background_;
};

}  // namespace shadowset

#endif  // SHADOWSET_WRITERS_DIRECTORY_DIRECTORY_SERVICE_H_
