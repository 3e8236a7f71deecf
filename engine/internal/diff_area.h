// DiffArea: the engine's shadow storage (DESIGN §2.3).
//
// A pool of equal-size segment files `<data>/diff/seg-NNNNNN`, each holding
// records of one volume under a sequence number (its header). Each volume
// appends to its own chain: one active segment plus a prepared spare;
// sequence numbers increase along a chain, so (seq, offset) orders every
// record of the engine by time of reservation.
//
// Appending a record: Reserve() -> WriteRecord() -> (publish the index
// entries) -> Complete(). Sync(volume) makes every completed record durable
// and advances the volume's synced position: the position below which every
// record is complete and durable. Only then may a live block whose
// pre-image is in such a record be written, and only such records'
// index entries may be committed to the catalog.
//
// Segments are prepared before first use: zero-filled (or recycled whole
// from a reclaimed segment), given a fresh header with a new sequence number
// and random salt, fsynced, and the directory fsynced. So a group fdatasync
// of appended records never carries a size or extent change.
//
// Cap: the bytes allocated to segment files never exceed the cap. Reserve()
// fails with kResourceExhausted when no segment can be had; the engine then
// deletes snapshot sets, collects their records and calls Reclaim().
//
// Thread safety: safe for concurrent use. Segment file I/O runs outside the
// internal lock.

#ifndef SHADOWSET_ENGINE_INTERNAL_DIFF_AREA_H_
#define SHADOWSET_ENGINE_INTERNAL_DIFF_AREA_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "engine/env.h"
#include "engine/internal/catalog_records.h"
#include "engine/internal/record_format.h"
#include "engine/types.h"

namespace shadowset::internal {

struct DiffAreaOptions {
  uint64_t cap = 0;
  uint64_t segment_size = 0;
  uint32_t block_size = 0;
  bool direct = false;
};

// Picks the segment size for a cap (DESIGN §2.3: at most a tenth of the cap,
// but never smaller than a one-block record, and at most 64 MiB).
uint64_t ChooseSegmentSize(uint64_t cap, uint32_t block_size);

class DiffArea {
 public:
  static absl::StatusOr<std::unique_ptr<DiffArea>> Open(
      Env* env, const std::string& dir, const DiffAreaOptions& options);
  ~DiffArea();

  // --- recovery ---------------------------------------------------------
  struct SegmentInfo {
    uint32_t volume;
    uint64_t seq;
  };
  // Valid segments found at Open, in seq order.
  std::vector<SegmentInfo> RecoveredSegments();

  struct ScannedRecord {
    uint64_t header_offset;
    RecordHeader header;
    std::vector<uint32_t> data_offsets;  // per entry; 0 for zero blocks
  };
  // Calls `fn` for every valid record of segment `seq` at or after
  // `from_offset`, in order, skipping invalid slots one at a time.
  absl::Status ScanRecords(uint64_t seq, uint64_t from_offset,
                           const std::function<absl::Status(
                               const ScannedRecord&)>& fn);

  // Ends recovery: `live` maps every segment that the catalog's index
  // still references to its entry count. Referenced segments are sealed
  // into their volume's chain; all others become free (recycled) or are
  // removed (if partially allocated). After an unclean shutdown every chain
  // starts empty: the next append goes to a fresh segment. After a clean
  // close `resume` maps a volume to its checkpoint, the end of its last
  // record: appends continue there, in the same segment, when it is intact
  // (nothing past a clean checkpoint was ever written in this use of the
  // segment, so no torn slot can lie beyond it).
  absl::Status FinishRecovery(const std::map<uint64_t, uint64_t>& live,
                              const std::map<uint32_t, DiffPos>& resume);

  // --- appending --------------------------------------------------------
  struct Reservation {
    uint32_t volume = 0;
    uint64_t seq = 0;
    uint64_t offset = 0;
    uint64_t size = 0;
    uint64_t salt = 0;
  };
  // The largest record (header slot + data) one reservation can hold.
  uint64_t max_record_bytes() const { return options_.segment_size - kSlotSize; }
  // Reserves `bytes` (a multiple of 4 KiB) in `volume`'s chain, preparing a
  // segment if needed (inline, may block on I/O).
  // kResourceExhausted: the cap leaves no segment to prepare.
  absl::StatusOr<Reservation> Reserve(uint32_t volume, uint64_t bytes);
  absl::Status WriteRecord(const Reservation& r, absl::Span<const uint8_t> data);
  // Asks for a prepared spare segment for `volume` (e.g. after a snapshot,
  // before its first preserve); PrepareSpares makes it.
  void RequestSpare(uint32_t volume);
  // Prepares a spare for every chain that wants one (DESIGN §2.3:
  // "preparing runs ahead in the background"). A chain wants one after
  // RequestSpare and whenever it takes its spare into use. Gives up quietly
  // when the cap leaves no room (the writer that needs a segment then makes
  // room); returns other I/O errors.
  absl::Status PrepareSpares();
  // Marks the reservation written (and its index entries published), or
  // abandoned (its slots stay invalid).
  void Complete(const Reservation& r);

  // fdatasyncs `volume`'s segments holding completed records and returns
  // the new synced position. An error is fatal for the engine.
  absl::StatusOr<DiffPos> Sync(uint32_t volume);
  DiffPos SyncedPos(uint32_t volume);
  // Volumes with completed records not yet synced.
  std::vector<uint32_t> VolumesNeedingSync();

  // --- index bookkeeping -----------------------------------------------
  // The catalog now holds every record of `volume` below `checkpoint`.
  void SetCheckpoint(uint32_t volume, DiffPos checkpoint);
  // Entries of segment `seq` committed to (+) or removed from (-) the index.
  void AddLive(uint64_t seq, int64_t delta);
  uint64_t Live(uint64_t seq);

  // --- reading ----------------------------------------------------------
  // Shared by every snapshot read; held exclusively for an instant before a
  // reclaimed segment is reused, so no read that began before reclamation
  // sees a recycled segment.
  absl::Mutex* reader_barrier() { return &reader_barrier_; }
  // Reads and verifies the record header at (seq, offset).
  // kDataLoss if the segment is gone or the header does not verify.
  absl::StatusOr<RecordHeader> ReadHeader(uint64_t seq, uint64_t offset);
  absl::Status ReadData(uint64_t seq, uint64_t offset, absl::Span<uint8_t> out);
  // The salt record headers of segment `seq` are checked with
  // (DecodeRecordHeader). kDataLoss if the segment is gone.
  absl::StatusOr<uint64_t> Salt(uint64_t seq);

  // --- reclamation ------------------------------------------------------
  // Sealed segments with no live entries, wholly below their volume's
  // checkpoint: their catalog rows may be deleted and then Reclaim()ed.
  std::vector<uint64_t> ReclaimableSegments();
  // Returns segments to the pool (reused after the reader barrier; a
  // segment with punched holes is removed instead).
  absl::Status Reclaim(const std::vector<uint64_t>& seqs);
  // Deallocates a dead record's data (space from middle deletions).
  absl::Status PunchDead(uint64_t seq, uint64_t offset, uint64_t length);
  // True if Reserve could obtain a new segment now.
  bool HasRoom();
  DiffAreaUsage Usage();
  uint64_t segment_size() const { return options_.segment_size; }

  // For the scrub: every segment with its live count and header.
  struct SegmentState {
    uint64_t seq;
    uint32_t volume;
    uint64_t live;
    bool in_use;
  };
  std::vector<SegmentState> SegmentStates();

 private:
  enum class State { kFree, kRetired, kPreparing, kSpare, kActive, kSealed };
  struct Segment {
    uint32_t file_no = 0;
    std::unique_ptr<File> file;
    State state = State::kFree;
    uint32_t volume = 0;
    uint64_t seq = 0;
    uint64_t salt = 0;
    uint64_t write_offset = 0;  // active: next free byte
    uint64_t live = 0;          // index entries (mirror of the catalog)
    uint64_t punched = 0;       // bytes deallocated by PunchDead
  };
  struct Chain {
    Segment* active = nullptr;
    Segment* spare = nullptr;
    bool preparing = false;
    bool want_spare = false;
    std::set<DiffPos> inflight;          // reserved, not yet completed
    DiffPos reserved_end;                // end of the newest reservation
    std::set<Segment*> unsynced;         // hold completed, unsynced records
    DiffPos synced;
    DiffPos checkpoint;
  };

  DiffArea(Env* env, std::string dir, const DiffAreaOptions& options)
      : env_(env), dir_(std::move(dir)), options_(options) {}
  std::string SegmentPath(uint32_t file_no) const;
  // Prepares a segment for `volume` (I/O without the lock).
  absl::StatusOr<Segment*> Prepare(uint32_t volume);
  Segment* BySeq(uint64_t seq) ABSL_SHARED_LOCKS_REQUIRED(mu_);
  Chain& ChainFor(uint32_t volume) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  uint64_t AllocatedLocked() const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  absl::Status ReadAligned(File* file, uint64_t offset, absl::Span<uint8_t> out);

  Env* const env_;
  const std::string dir_;
  const DiffAreaOptions options_;

  absl::Mutex reader_barrier_;
  mutable absl::Mutex mu_;
  std::map<uint32_t, std::unique_ptr<Segment>> files_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<uint64_t, Segment*> by_seq_ ABSL_GUARDED_BY(mu_);
  std::map<uint32_t, Chain> chains_ ABSL_GUARDED_BY(mu_);
  uint32_t next_file_no_ ABSL_GUARDED_BY(mu_) = 1;
  uint64_t next_seq_ ABSL_GUARDED_BY(mu_) = 1;
  // Files being created that already count against the cap.
  uint64_t creating_ ABSL_GUARDED_BY(mu_) = 0;
  absl::CondVar prepared_cv_;
};

}  // namespace shadowset::internal

#endif  // SHADOWSET_ENGINE_INTERNAL_DIFF_AREA_H_
