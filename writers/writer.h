// Writer: how an application takes part in a backup (DESIGN §3,
// SEMANTICS.md §1).
//
// A writer owns some data on engine volumes. The requestor raises its
// events in this order (every method returns absl::Status):
//
//   Identify            metadata; any time; changes no state
//   PrepareBackup       a backup of `type` is starting
//   PrepareSnapshot     flush the heavy part now, so Freeze is short
//   Freeze              stop mutating and flush: the snapshot is next
//   Thaw                resume (the snapshot is committed)
//   PostSnapshot        the snapshot exists; e.g. note what it contains
//   BackupComplete      the backup set is published (or failed)
//   BackupShutdown      end of the backup object's life (always)
//   Abort               any failure between PrepareSnapshot and Thaw, or
//                       the requestor aborting after PrepareBackup
//   PreRestore / PostRestore   around a restore of the writer's data
//
// Contract: after Freeze exactly one of Thaw or Abort follows, never both.
// Abort may arrive while a slow Freeze is still running (on another
// thread), may arrive more than once, and must be idempotent; a Freeze that
// returns after its Abort must not leave the writer frozen. The framework
// (writers/framework.h), not each writer, keeps the state and failure code
// and enforces the freeze timeout.
//
// The rule for writer authors (docs/protocol.md): when Abort arrives
// during Freeze, Abort itself must resume the application (or make sure
// Freeze does when it returns): the late Freeze gets no Thaw and no second
// Abort, even if it returns OK. Stop mutating at the start of Freeze under
// a lock; in Abort resume under the same lock and set a flag that a late
// Freeze checks. Always resume in Thaw, even when reporting a failure. Do
// the heavy flushing in PrepareSnapshot: the freeze window covers Freeze,
// the engine commit and the start of Thaw.
//
// A failing event returns a non-OK status; attach one of the failure codes
// below with WithCode() (engine/codes.h) to say what the requestor should
// do. A status without one counts as NONRETRYABLE, as does an exception
// escaping the writer.
//
// Calls carry plain data and explicit deadlines so that a writer could live
// in another process later.
//
// Thread safety: a writer must accept Abort concurrently with Freeze; all
// other events are delivered one at a time.

#ifndef SHADOWSET_WRITERS_WRITER_H_
#define SHADOWSET_WRITERS_WRITER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/types.h"

namespace shadowset {

// Writer states (persisted; never renumber). SEMANTICS.md §1.
enum class WriterState : uint32_t {
  kUnknown = 0,
  kStable = 1,
  kWaitingForFreeze = 2,
  kWaitingForThaw = 3,
  kWaitingForPostSnapshot = 4,
  kWaitingForBackupComplete = 5,
  kFailedAtIdentify = 6,
  kFailedAtPrepareBackup = 7,
  kFailedAtPrepareSnapshot = 8,
  kFailedAtFreeze = 9,
  kFailedAtThaw = 10,
  kFailedAtPostSnapshot = 11,
  kFailedAtBackupComplete = 12,
  kFailedAtPreRestore = 13,
  kFailedAtPostRestore = 14,
  kFailedAtBackupShutdown = 15,
};

// Writer failure codes (HRESULT values; never renumber).
enum class WriterFailure : uint32_t {
  kNone = 0,
  kInconsistentSnapshot = 0x800423F0,  // the set lacks a volume it needs
  kOutOfResources = 0x800423F1,        // retry later
  kTimeout = 0x800423F2,               // freeze window exceeded; retry
  kRetryable = 0x800423F3,
  kNonRetryable = 0x800423F4,
  kRecoveryFailed = 0x800423F5,
  kPartialFailure = 0x80042336,        // component-level errors
  kNotResponding = 0x80042319,         // raised by the framework
};

// Backup types (persisted; never renumber).
enum class BackupType : uint32_t {
  kFull = 1,
  kIncremental = 2,   // since the previous full or incremental
  kDifferential = 3,  // since the last full
  kLog = 4,
  kCopy = 5,          // does not update history
};

enum class UsageType : uint32_t {
  kBootableSystemState = 1,
  kSystemService = 2,
  kUserData = 3,
  kOther = 4,
};

enum class SourceType : uint32_t {
  kTransactedDb = 1,
  kNonTransactedDb = 2,
  kOther = 3,
};

enum class RestoreMethod : uint32_t {
  kRestoreIfNotThere = 1,
  kRestoreIfCanReplace = 2,
  kStopRestoreStart = 3,
  kRestoreToAlternateLocation = 4,
  kCustom = 7,
  kRestoreStopStart = 8,
};

enum class ComponentType : uint32_t { kDatabase = 1, kFileGroup = 2 };

struct Component {
  ComponentType type = ComponentType::kDatabase;
  std::string name;          // unique within the writer
  std::string logical_path;
  bool selectable_for_backup = true;
  bool selectable_for_restore = true;
  std::vector<std::string> volumes;  // engine volumes the data lives on
  std::vector<std::string> files;    // informational
};

struct WriterMetadata {
  std::string class_id;     // a GUID naming the kind of writer
  std::string instance_id;  // a GUID naming this instance
  std::string name;
  UsageType usage = UsageType::kUserData;
  SourceType source = SourceType::kTransactedDb;
  std::vector<BackupType> supported_types = {BackupType::kFull};
  RestoreMethod restore_method = RestoreMethod::kRestoreIfCanReplace;
  std::vector<Component> components;  // at least one
  // How long a backup of this writer may still be restored (ours; the
  // directory writer declares its tombstone lifetime). Default: unlimited.
  absl::Duration restore_lifetime = absl::InfiniteDuration();
  // Freeze -> Thaw window. Default: 60 s.
  absl::Duration freeze_timeout = absl::Seconds(60);
};

// The events of the protocol, for logs and status reports (not persisted).
enum class WriterEvent {
  kIdentify,
  kPrepareBackup,
  kPrepareSnapshot,
  kFreeze,
  kThaw,
  kPostSnapshot,
  kAbort,
  kBackupComplete,
  kBackupShutdown,
  kPreRestore,
  kPostRestore,
};

// What every backup event is told.
struct BackupContext {
  std::string backup_id;
  BackupType type = BackupType::kFull;  // the requested type
  SetId set_id;                         // after DoSnapshotSet commits
  std::vector<std::string> volumes;     // in the snapshot set
  absl::Time deadline = absl::InfiniteFuture();  // for this event
  // Abort only: the code of the failure that caused it (0x800423F2 TIMEOUT
  // when this writer's freeze window ran out; 0 when the requestor aborted
  // for reasons of its own).
  uint32_t abort_code = 0;
};

// What BackupComplete is told in addition.
struct BackupResult {
  bool succeeded = false;  // the set was published and recorded
  std::string backup_dir;  // where it was published
};

struct RestoreContext {
  std::string backup_id;
  BackupType type = BackupType::kFull;
  std::string data_dir;              // the engine data directory restored to
  std::vector<std::string> volumes;  // restored volumes
  absl::Time deadline = absl::InfiniteFuture();
};

class Writer {
 public:
  virtual ~Writer() = default;

  virtual absl::StatusOr<WriterMetadata> Identify() = 0;
  virtual absl::Status PrepareBackup(const BackupContext& ctx) = 0;
  virtual absl::Status PrepareSnapshot(const BackupContext& ctx) = 0;
  virtual absl::Status Freeze(const BackupContext& ctx) = 0;
  virtual absl::Status Thaw(const BackupContext& ctx) = 0;
  virtual absl::Status PostSnapshot(const BackupContext& ctx) = 0;
  virtual absl::Status Abort(const BackupContext& ctx) = 0;
  virtual absl::Status BackupComplete(const BackupContext& ctx,
                                      const BackupResult& result) = 0;
  virtual absl::Status BackupShutdown(const BackupContext& ctx) = 0;
  virtual absl::Status PreRestore(const RestoreContext& ctx) = 0;
  virtual absl::Status PostRestore(const RestoreContext& ctx) = 0;
};

// "STABLE", "FAILED_AT_FREEZE", ... (SEMANTICS.md spelling); "" for a
// value that is not a WriterState.
absl::string_view WriterStateName(WriterState state);
// "VSS_E_WRITERERROR_TIMEOUT", ...; "NONE" for kNone; "" for other values.
absl::string_view WriterFailureName(WriterFailure failure);
// "full", "incremental", "differential", "log", "copy"; "" otherwise.
absl::string_view BackupTypeName(BackupType type);
// The inverse of BackupTypeName, case-insensitive; nullopt for anything else.
std::optional<BackupType> ParseBackupType(absl::string_view name);
// "Identify", "PrepareBackup", ... (the method names).
absl::string_view WriterEventName(WriterEvent event);

// The failure a writer's status reports: kNone for OK; the WriterFailure
// attached with WithCode() if it is one; kNonRetryable otherwise.
WriterFailure FailureOf(const absl::Status& status);

// The canonical code for a failure, chosen by what the requestor should do
// next: kFailedPrecondition (INCONSISTENTSNAPSHOT: add the volume first),
// kUnavailable (OUTOFRESOURCES: retry later), kDeadlineExceeded (TIMEOUT,
// WRITER_NOT_RESPONDING), kAborted (RETRYABLE: retry the whole set),
// kInternal (NONRETRYABLE, RECOVERY_FAILED, PARTIAL_FAILURE). kOk for kNone.
absl::StatusCode CanonicalCodeOf(WriterFailure failure);

// A failing status for a writer to return: the canonical code of `failure`
// with `failure` attached as its code.
//   return WriterError(WriterFailure::kRetryable, "log flush busy");
absl::Status WriterError(WriterFailure failure, absl::string_view message);

}  // namespace shadowset

#endif  // SHADOWSET_WRITERS_WRITER_H_
