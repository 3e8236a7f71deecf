// The writer framework: what stands between a requestor and each writer
// (DESIGN §3, SEMANTICS.md §1; the full rules are in docs/protocol.md).
//
// A WriterSession is one backup's (or restore's) view of the writers of a
// WriterRegistry. It raises each event in every writer concerned, each on
// the writer's own lane, waits for each until its deadline, and keeps per
// writer the state and failure code of writer.h:
//
//   PrepareSnapshot ok -> WAITING_FOR_FREEZE -> Freeze ok -> WAITING_FOR_THAW
//   -> Thaw ok -> WAITING_FOR_POST_SNAPSHOT -> PostSnapshot ok ->
//   WAITING_FOR_BACKUP_COMPLETE -> BackupComplete ok -> STABLE;
//   a failure in event X -> FAILED_AT_X.
//
// Identify and PrepareBackup ok leave a writer STABLE. An aborted backup
// leaves every writer that had not failed STABLE.
//
// Failure codes: the WriterFailure attached to the writer's status
// (FailureOf in writer.h; none attached or an exception: NONRETRYABLE). The
// framework raises three itself: WRITER_NOT_RESPONDING when a writer does
// not return from an event by its deadline (FrameworkOptions), TIMEOUT when
// a writer's freeze window (its metadata's freeze_timeout, measured from
// the start of Freeze) ends before it is thawed, and INCONSISTENTSNAPSHOT
// when the snapshot set lacks a volume of a writer that has data in it.
//
// The Freeze/Thaw/Abort rule: after Freeze a writer gets exactly one of
// Thaw or Abort. Freeze runs in every writer at once; the first failure (a
// veto, an exception, a freeze window running out) raises Abort at once in
// every writer that may still be frozen, concurrently with any Freeze still
// running. A Freeze that returns after its Abort gets no Thaw: the writer's
// own Abort handling must resume the application (writer.h). A writer gets
// at most one Abort per session, never after Thaw or PostSnapshot was
// delivered to it.
//
// A writer that has not returned from an event is not waited for again
// until it does: later events queue behind the stuck call on its lane (an
// Abort still overtakes a stuck Freeze) and report WRITER_NOT_RESPONDING at
// once; they reach the writer when it returns, in order. A stuck writer so
// never delays a backup by more than one timeout.
//
// Deadlines: each call's deadline is min(now + its event's timeout, the
// deadline in the context passed in), and the writer is told it in
// BackupContext::deadline. Abort and BackupShutdown ignore the context's
// deadline (they clean up after it passed) and use only their timeouts.
//
// Thread safety: thread-compatible (the requestor drives it from one
// thread at a time). Writers' calls run on their lanes; a call still
// running when the session ends finishes there.

#ifndef SHADOWSET_WRITERS_FRAMEWORK_H_
#define SHADOWSET_WRITERS_FRAMEWORK_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "engine/env.h"
#include "writers/registry.h"
#include "writers/writer.h"

namespace shadowset {

namespace internal {
class WriterCall;
}  // namespace internal

// How long the framework waits for each event. The freeze window is per
// writer (WriterMetadata::freeze_timeout, default 60 s).
struct FrameworkOptions {
  // Identify. Default: 30 s.
  absl::Duration identify_timeout = absl::Seconds(30);
  // PrepareBackup and PrepareSnapshot (where a writer does its heavy
  // flushing, so Freeze is short). Default: 5 min.
  absl::Duration prepare_timeout = absl::Minutes(5);
  // Thaw. Default: 60 s.
  absl::Duration thaw_timeout = absl::Seconds(60);
  // Abort. Default: 60 s.
  absl::Duration abort_timeout = absl::Seconds(60);
  // PostSnapshot. Default: 60 s.
  absl::Duration post_snapshot_timeout = absl::Seconds(60);
  // BackupComplete (may truncate logs). Default: 5 min.
  absl::Duration backup_complete_timeout = absl::Minutes(5);
  // BackupShutdown. Default: 60 s.
  absl::Duration shutdown_timeout = absl::Seconds(60);
  // PreRestore and PostRestore. Default: 5 min.
  absl::Duration restore_timeout = absl::Minutes(5);
};

// What the framework knows of one writer (GatherWriterStatus).
struct WriterStatus {
  WriterMetadata metadata;  // as Identify returned it (empty if it failed)
  WriterState state = WriterState::kUnknown;
  WriterFailure failure = WriterFailure::kNone;
  absl::Status error;     // the status behind `failure`; OK if none
  bool involved = false;  // it has data on a volume of the snapshot set
  bool froze = false;     // Freeze was delivered
  bool thawed = false;    // Thaw was delivered
  bool aborted = false;   // Abort was delivered (or is queued for it)
  absl::Status abort_status;  // Abort's own result, when delivered
  bool freeze_running = false;  // Freeze has not returned yet
  bool late_freeze = false;     // Freeze returned after its Abort was raised
  // From the moment Freeze was raised (where its window starts) to the
  // return of Thaw (or of Abort); zero if Freeze was not delivered,
  // InfiniteDuration while neither has returned.
  absl::Duration freeze_window = absl::ZeroDuration();
};

class WriterSession {
 public:
  // Takes the writers registered in `registry` now (nullptr: none).
  // `env` supplies the clock. Default: Env::Default().
  WriterSession(WriterRegistry* registry, const FrameworkOptions& options,
                Env* env = nullptr);
  ~WriterSession();
  WriterSession(const WriterSession&) = delete;
  WriterSession& operator=(const WriterSession&) = delete;

  size_t size() const { return slots_.size(); }

  // Raises Identify in every writer and keeps the metadata, which must
  // name the writer, list at least one component with unique names, each
  // on at least one volume, and a positive freeze timeout.
  // Errors: the first failing writer's failure (canonical code per
  // CanonicalCodeOf, its WriterFailure attached, the message naming it);
  // every writer keeps its own state either way.
  absl::Status Identify(absl::Time deadline);
  std::vector<WriterMetadata> Metadata() const;

  // Marks the writers with data on any of `volumes` as involved; only
  // those take part in the backup events below.
  void Involve(const std::vector<std::string>& volumes);

  // Each raises its event in every involved writer in the state that
  // expects it, in parallel, and returns the first failure as above
  // (states per the table in the banner). Freeze and Thaw abort the
  // writers themselves on failure; for the others the requestor must.
  absl::Status PrepareBackup(const BackupContext& ctx);
  // Fails a writer with INCONSISTENTSNAPSHOT, without calling it, when some
  // of its volumes are not in ctx.volumes; then no writer is called.
  absl::Status PrepareSnapshot(const BackupContext& ctx);
  absl::Status Freeze(const BackupContext& ctx);
  // The earliest end of a frozen writer's freeze window (InfiniteFuture if
  // none): the engine commit must finish before it.
  absl::Time FreezeWindowEnd() const;
  // Fails (FAILED_AT_FREEZE, TIMEOUT) every frozen writer whose window has
  // ended, and then aborts all.
  absl::Status EnforceFreezeWindows(const BackupContext& ctx);
  // EnforceFreezeWindows, then Thaw; a Thaw failure aborts the writers not
  // thawed (none, unless a Thaw could not even start).
  absl::Status Thaw(const BackupContext& ctx);
  absl::Status PostSnapshot(const BackupContext& ctx);
  absl::Status BackupComplete(const BackupContext& ctx,
                              const BackupResult& result);

  // Raises Abort, with ctx.abort_code (TIMEOUT for a writer whose freeze
  // window ended), in every involved writer that got PrepareBackup and
  // neither an Abort nor Thaw nor PostSnapshot yet; then every involved
  // writer that has not failed is STABLE. Idempotent.
  // Errors: the first Abort that failed or did not return in time (the
  // writers are aborted regardless).
  absl::Status Abort(const BackupContext& ctx);

  // Raises BackupShutdown in every writer this session has called.
  // Errors: the first failure (FAILED_AT_BACKUPSHUTDOWN).
  absl::Status BackupShutdown(const BackupContext& ctx);

  // Restore events, raised in every identified writer with data on any of
  // ctx.volumes. No Abort follows a restore event.
  absl::Status PreRestore(const RestoreContext& ctx);
  absl::Status PostRestore(const RestoreContext& ctx);

  std::vector<WriterStatus> Status() const;

  // Waits until every call this session made into a writer has returned or
  // was withdrawn (a late Freeze, events queued behind a stuck writer);
  // false if some are still pending at `deadline`.
  bool WaitForCalls(absl::Time deadline) const;

 private:
  struct Slot;
  struct Pending;
  // Builds the call of one event into a slot's writer, told `deadline`.
  using MakeCall = absl::FunctionRef<absl::AnyInvocable<absl::Status()>(
      const Slot& slot, absl::Time deadline)>;

  // The involved writers in `state`.
  std::vector<Slot*> InState(WriterState state) const;
  // Submits one call per target, each with deadline min(now + timeout,
  // deadline).
  std::vector<Pending> SubmitAll(const std::vector<Slot*>& targets,
                                 WriterEvent event, absl::Duration timeout,
                                 absl::Time deadline, MakeCall make);
  // Waits for each call until its deadline; one that has not returned by
  // then reports WRITER_NOT_RESPONDING, and is withdrawn if `withdraw` and
  // it has not started.
  void WaitAll(std::vector<Pending>& pending, bool withdraw);
  // Moves each slot to `ok_state` (if given) or `fail_state`; returns the
  // first failure as SetFailure reports it.
  absl::Status Settle(std::vector<Pending>& pending,
                      std::optional<WriterState> ok_state,
                      WriterState fail_state);
  // Moves a slot to FAILED_AT_X; a writer that already failed keeps its
  // first failure (the cause), later ones are only reported.
  void Fail(Slot& slot, WriterState state, absl::Status error);
  // The status a phase returns when `error` failed a writer at `event`:
  // the canonical code of its failure, the failure attached, the message
  // naming the writer and the event.
  static absl::Status SetFailure(const Slot& slot, WriterEvent event,
                                 const absl::Status& error);

  const FrameworkOptions options_;
  Env* const env_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<std::shared_ptr<internal::WriterCall>> calls_;  // all made
};

}  // namespace shadowset

#endif  // SHADOWSET_WRITERS_FRAMEWORK_H_
