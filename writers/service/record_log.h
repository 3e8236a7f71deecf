// RecordLog: the crash-safe store of a reference service on one engine
// volume (docs/service-log-format.md).
//
// The volume holds two halves and, in its last 8 KiB, two superblock copies.
// The active half starts with a *base* (the whole state at `base_seq`, as
// records) followed by *mutation* records, each with the next sequence
// number. Every record is checksummed; a torn or stale record ends the log
// and is never applied. When the active half is full, the owner writes a new
// base into the other half (Rebase) and one superblock write switches to it.
//
//   ASSIGN_OR_RETURN(auto log, RecordLog::Open(volume, "SSDHCPDB", visitor));
//   ASSIGN_OR_RETURN(uint64_t lsn, log->Append(payload));   // under your lock
//   RETURN_IF_ERROR(log->SyncTo(lsn));                      // outside it
//
// Durability: a record is durable once SyncTo(its lsn) returns OK. SyncTo is
// a group commit: one caller flushes the volume, then writes the superblock
// that commits every record written so far (the *commit record*), then
// flushes again; concurrent callers wait for that round instead of starting
// their own. A log whose records end before the committed sequence number is
// damaged (a torn copy or a truncated volume) and refuses to open.
//
// Thread safety: Append and Rebase must be serialised by the owner (they
// are always called under the service's own lock); SyncTo, SyncAll, Replay
// and the accessors are safe from any thread. Lock order: owner's lock ->
// commit_mu_ -> mu_.

#ifndef SHADOWSET_WRITERS_SERVICE_RECORD_LOG_H_
#define SHADOWSET_WRITERS_SERVICE_RECORD_LOG_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "engine/volume.h"
#include "writers/service/log_format.h"

namespace shadowset::service {

// Reads bytes of a log image: a live Volume, a Snapshot, a copied file.
using ReadFn =
    std::function<absl::Status(uint64_t offset, absl::Span<uint8_t> out)>;

// Receives the records of a replay, in order.
class LogVisitor {
 public:
  virtual ~LogVisitor() = default;
  // One record of the base. An error stops the replay and is returned.
  virtual absl::Status OnBase(absl::string_view payload) = 0;
  // One mutation, with its sequence number.
  virtual absl::Status OnMutation(uint64_t seq, absl::string_view payload) = 0;
};

struct LogSummary {
  uint64_t base_seq = 0;    // the active half's base
  uint64_t seq = 0;         // the last mutation replayed (base_seq if none)
  uint64_t commit_seq = 0;  // what the superblock committed
  uint64_t end = 0;         // offset in the half past the last valid record
  uint64_t half_size = 0;
  uint32_t active_half = 0;
  uint64_t half_gen = 0;
  uint64_t mount_gen = 0;
  uint64_t base_records = 0;
  uint64_t mutations = 0;
};

// How full the active half of a log is.
struct LogUsage {
  uint64_t half_size = 0;  // bytes
  uint64_t used = 0;       // bytes of the base and the mutations after it
  uint64_t commit_rounds = 0;     // group commits since open
  uint64_t records_appended = 0;  // mutations since open
};

// Bytes per half for a volume of `volume_size` bytes (0: too small).
uint64_t HalfSizeFor(uint64_t volume_size);
// The smallest volume RecordLog accepts.
inline constexpr uint64_t kMinLogVolumeSize = 64 * 1024;

// Replays the log image `read` of `size` bytes without writing anything.
// Errors: kNotFound if the image holds no log (both superblock slots are
// zero); kFailedPrecondition if it belongs to another service (magic) or a
// newer format; kDataLoss if both superblocks are damaged, the base is
// damaged, or the records end before the committed sequence number (a torn
// copy); the visitor's errors; read errors.
absl::StatusOr<LogSummary> ReplayLog(const ReadFn& read, uint64_t size,
                                     absl::string_view magic,
                                     LogVisitor& visitor);

class RecordLog {
 public:
  // Writes a new log on `volume` whose base is `base` at sequence 0.
  // Overwrites whatever the volume held. Durable on return.
  // Errors: kInvalidArgument if the volume is smaller than
  // kMinLogVolumeSize; kResourceExhausted if the base does not fit in a
  // half; I/O errors.
  static absl::Status Format(Volume* volume, absl::string_view magic,
                             const std::vector<std::string>& base);

  // Replays the log on `volume` into `visitor`, then makes every replayed
  // record durable and starts a new generation (so records a crash left
  // beyond the end can never be mistaken for new ones).
  // Errors: as ReplayLog; I/O errors.
  static absl::StatusOr<std::unique_ptr<RecordLog>> Open(
      Volume* volume, absl::string_view magic, LogVisitor& visitor);

  RecordLog(const RecordLog&) = delete;
  RecordLog& operator=(const RecordLog&) = delete;

  // True if a mutation with `payload_size` bytes fits in the active half.
  bool Fits(size_t payload_size) const;
  // Writes a mutation record with sequence number seq() + 1 and returns its
  // log sequence number (LSN, for SyncTo). It is not yet durable.
  // Errors: kResourceExhausted if it does not fit (nothing written: Rebase
  // first); kInvalidArgument for a payload over kMaxRecordPayload; the
  // sticky error of an earlier failed write or flush.
  absl::StatusOr<uint64_t> Append(absl::string_view payload);
  // Returns once every record up to `lsn` is durable and committed.
  // Errors: I/O errors (sticky: every later call fails with the same error).
  absl::Status SyncTo(uint64_t lsn);
  // SyncTo(everything appended so far).
  absl::Status SyncAll();
  // Writes `base` (the whole state at `base_seq`) into the other half and
  // switches to it with one superblock write. Durable on return. After a
  // crash the log holds either the old half (with its mutations) or the new
  // one. The old half stays intact until the next Rebase.
  // Errors: kResourceExhausted if the base does not fit in a half (nothing
  // switched); I/O errors (sticky).
  absl::Status Rebase(uint64_t base_seq, const std::vector<std::string>& base);
  // Re-reads the log from the volume (for integrity checks). The owner must
  // not Append or Rebase meanwhile.
  absl::StatusOr<LogSummary> Replay(LogVisitor& visitor);

  uint64_t seq() const;
  uint64_t half_size() const { return half_size_; }
  // Bytes of the active half in use.
  uint64_t used() const;
  // Bytes a base of these payloads takes.
  static uint64_t BaseSize(const std::vector<std::string>& base);
  // OK, or the sticky error.
  absl::Status health() const;
  // Group-commit rounds run since open (each: flush, commit record, flush)
  // and records appended since open: records / rounds is the batch size.
  uint64_t commit_rounds() const;
  uint64_t records_appended() const;

 private:
  RecordLog(Volume* volume, std::string magic, const LogSummary& summary,
            const Superblock& sb);

  // Writes `sb` with the next counter into its slot and flushes.
  absl::Status WriteSuperblock(Superblock sb)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(commit_mu_);
  absl::Status Fail(absl::Status status) ABSL_LOCKS_EXCLUDED(mu_);
  static absl::Status WriteBase(Volume* volume, uint64_t offset,
                                uint64_t half_size, uint64_t gen,
                                uint64_t base_seq,
                                const std::vector<std::string>& base,
                                uint64_t* end);

  // Immutable after construction.
  Volume* const volume_;
  const std::string magic_;
  const uint64_t half_size_;

  // Serialises superblock writes: the group-commit leader, Rebase, Replay.
  absl::Mutex commit_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  Superblock sb_ ABSL_GUARDED_BY(commit_mu_);  // as last written

  mutable absl::Mutex mu_;
  uint32_t active_half_ ABSL_GUARDED_BY(mu_);
  uint64_t half_gen_ ABSL_GUARDED_BY(mu_);
  uint64_t gen_ ABSL_GUARDED_BY(mu_);       // generation of new records
  uint64_t base_seq_ ABSL_GUARDED_BY(mu_);
  uint64_t seq_ ABSL_GUARDED_BY(mu_);       // last record written
  uint64_t tail_ ABSL_GUARDED_BY(mu_);      // offset in the half
  uint64_t lsn_ ABSL_GUARDED_BY(mu_) = 0;   // bytes written since open
  uint64_t durable_lsn_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t rounds_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t appended_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status sticky_ ABSL_GUARDED_BY(mu_);
};

}  // namespace shadowset::service

#endif  // SHADOWSET_WRITERS_SERVICE_RECORD_LOG_H_
