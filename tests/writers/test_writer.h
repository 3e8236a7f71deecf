// TestWriter: a configurable writer for tests of the framework, the
// requestor and anything built on them.
//
// It owns a region on each of its engine volumes and, from its own thread,
// keeps mutating it: step s writes slot (s-1) % slots and then the region's
// header (which records s) on each volume in turn. Freeze stops the
// mutation (after the step in progress) and records the step reached; Thaw
// and Abort resume it. So a snapshot taken while it is frozen holds exactly
// the state after step seq_at_freeze() on every volume (ExpectedRegion),
// while one taken without its cooperation can be torn within a volume and
// across its volumes.
//
// Every event can be scripted to succeed, fail with a given WriterFailure
// (or with no code), hang until Release() (or until an Abort, if allowed),
// or throw. Hangs at Freeze happen after the mutation stopped (a slow
// flush). Thaw and Abort always resume the mutation before their scripted
// reaction, so the writer is never left frozen; a Freeze that returns after
// its Abort stays resumed.
//
// It records the exact sequence of events received and any breach of the
// writer contract it sees (a Thaw after an Abort, an Abort after
// PostSnapshot, both Thaw and Abort after one Freeze, two events at once
// other than Abort during Freeze).
//
//   TestWriter w({.name = "w1", .engine = engine, .volumes = {"a", "b"}});
//   w.Script(WriterEvent::kFreeze, {.reaction = Reaction::kHang});
//   ...
//   EXPECT_THAT(w.events(), ElementsAre(WriterEvent::kIdentify, ...));
//   EXPECT_OK(w.VerifySnapshot(set_id, *w.seq_at_freeze()));
//
// Thread safety: safe for concurrent use.

#ifndef SHADOWSET_TESTS_WRITERS_TEST_WRITER_H_
#define SHADOWSET_TESTS_WRITERS_TEST_WRITER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/engine.h"
#include "writers/writer.h"

namespace shadowset::testing {

enum class Reaction { kSucceed, kFail, kHang, kThrow };

struct EventScript {
  // Default: kSucceed.
  Reaction reaction = Reaction::kSucceed;
  // kFail: the failure attached to the status; kNone attaches no code.
  // Default: kRetryable.
  WriterFailure failure = WriterFailure::kRetryable;
  // kHang: an Abort ends the hang too, not only Release(). Default: true.
  bool abort_releases = true;
};

struct TestWriterOptions {
  // Writer name and instance id. Default: "test-writer".
  std::string name = "test-writer";
  // Where its volumes live; required when `volumes` is not empty.
  Engine* engine = nullptr;
  // One component ("data") on these volumes. Default: none (then it owns
  // no data and never mutates).
  std::vector<std::string> volumes;
  // Byte offset of its region on each volume (block aligned). Default: 0.
  uint64_t offset = 0;
  // Data slots (one block each) after the header block. Default: 8.
  uint32_t slots = 8;
  // Mutate continuously from its own thread. Default: true.
  bool mutate = true;
  // Reported in its metadata. Default: 60 s.
  absl::Duration freeze_timeout = absl::Seconds(60);
};

class TestWriter : public Writer {
 public:
  explicit TestWriter(TestWriterOptions options);
  // Stops the mutation and ends every hang, then waits for calls still in
  // it to return.
  ~TestWriter() override;

  // --- scripting ---
  void Script(WriterEvent event, EventScript script);
  void FailAt(WriterEvent event, WriterFailure failure);
  void HangAt(WriterEvent event, bool abort_releases = true);
  void ThrowAt(WriterEvent event);
  // Ends every hang in progress.
  void Release();
  // Ends every hang in progress and makes later ones return at once (for
  // teardown).
  void EndHangs();
  // Waits until a call is hanging in `event`; false at the deadline.
  bool WaitUntilHanging(WriterEvent event, absl::Time deadline) const;

  // --- observation ---
  std::vector<WriterEvent> events() const;  // in the order received
  void ClearEvents();
  // Waits until at least `n` events were received; false at the deadline.
  bool WaitForEvents(size_t n, absl::Time deadline) const;
  std::vector<uint32_t> abort_codes() const;  // ctx.abort_code of each Abort
  std::vector<std::string> violations() const;
  bool frozen() const;  // mutation stopped by Freeze
  uint64_t seq() const;  // steps completed
  std::optional<uint64_t> seq_at_freeze() const;  // at the last Freeze
  // Waits until seq() > `seq`: proof that it mutates; false at deadline.
  bool WaitForSeqAbove(uint64_t seq, absl::Time deadline) const;
  absl::Status mutation_status() const;  // the first failed write, if any
  const TestWriterOptions& options() const { return options_; }

  // --- data ---
  // The exact bytes of its region on any of its volumes after step `seq`.
  std::vector<uint8_t> ExpectedRegion(uint64_t seq, uint32_t block_size) const;
  // The step recorded in the region's header in snapshot `set`.
  absl::StatusOr<uint64_t> SnapshotSeq(const SetId& set,
                                       const std::string& volume) const;
  // Checks that every volume's region in `set` is exactly
  // ExpectedRegion(seq). kDataLoss naming the volume and the first
  // differing byte otherwise.
  absl::Status VerifySnapshot(const SetId& set, uint64_t seq) const;

  // --- Writer ---
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

 private:
  // Records the event's entry, checks the contract, then runs its script;
  // `on_entry` runs first under the lock (e.g. stop or resume mutating).
  absl::Status Handle(WriterEvent event, void (TestWriter::*on_entry)());
  void Exit(WriterEvent event);
  void CheckContractLocked(WriterEvent event)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void StopMutating() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ResumeMutating() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void AbortEntry() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void MutateLoop();
  absl::Status WriteStep(uint64_t step);
  std::vector<uint8_t> Slot(uint64_t step, uint32_t block_size) const;

  const TestWriterOptions options_;
  const uint64_t tag_;  // mixes the name into the data
  mutable absl::Mutex mu_;
  absl::flat_hash_map<WriterEvent, EventScript> scripts_ ABSL_GUARDED_BY(mu_);
  std::vector<WriterEvent> events_ ABSL_GUARDED_BY(mu_);
  std::vector<uint32_t> abort_codes_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> violations_ ABSL_GUARDED_BY(mu_);
  std::vector<WriterEvent> running_ ABSL_GUARDED_BY(mu_);  // calls inside
  std::vector<WriterEvent> hanging_ ABSL_GUARDED_BY(mu_);
  uint64_t releases_ ABSL_GUARDED_BY(mu_) = 0;
  bool hangs_ended_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t aborts_ ABSL_GUARDED_BY(mu_) = 0;
  // Per backup (reset at PrepareBackup): what the contract depends on.
  bool got_freeze_ ABSL_GUARDED_BY(mu_) = false;
  bool got_thaw_ ABSL_GUARDED_BY(mu_) = false;
  bool got_abort_ ABSL_GUARDED_BY(mu_) = false;
  bool got_post_snapshot_ ABSL_GUARDED_BY(mu_) = false;
  // Mutation.
  bool paused_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t seq_ ABSL_GUARDED_BY(mu_) = 0;
  std::optional<uint64_t> seq_at_freeze_ ABSL_GUARDED_BY(mu_);
  absl::Status mutation_status_ ABSL_GUARDED_BY(mu_);
  std::thread mutator_;
};

}  // namespace shadowset::testing

#endif  // SHADOWSET_TESTS_WRITERS_TEST_WRITER_H_
