// LogWriter: appends records to the transaction log ring on the log volume
// (docs/directory-format.md §4). It writes; durability is the caller's
// Volume::Flush (the service's group commit).
//
//   LogWriter log(volume, geometry, end_of_replay);
//   RETURN_IF_ERROR(log.StartEpoch(first_retained));   // once, after replay
//   RETURN_IF_ERROR(log.CheckSpace(payload.size(), first_retained));
//   RETURN_IF_ERROR(log.Append(RecordType::kAdd, usn, payload, first_retained));
//
// A record that does not fit in the current generation starts the next one
// (a new header with a fresh salt), whose ring slot must hold no retained
// generation: generations are retained until a full backup truncates them,
// so a log that is never backed up fills up (ERROR_DISK_FULL).
//
// Thread safety: thread-compatible; the service calls it under its mutex.

#ifndef SHADOWSET_WRITERS_DIRECTORY_INTERNAL_LOG_WRITER_H_
#define SHADOWSET_WRITERS_DIRECTORY_INTERNAL_LOG_WRITER_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "engine/volume.h"
#include "writers/directory/internal/log_format.h"
#include "writers/directory/internal/log_replay.h"

namespace shadowset::directory_internal {

class LogWriter {
 public:
  // Continues the log at `end` (from ReplayLog). `volume` must outlive it.
  LogWriter(Volume* volume, const LogGeometry& geometry, const LogEnd& end)
      : volume_(volume), geometry_(geometry), end_(end) {}

  // Writes the header of `generation` (its salt random). Used to create the
  // log and to seal a restored one.
  static absl::Status WriteGeneration(Volume* volume,
                                      const LogGeometry& geometry,
                                      uint64_t generation, uint64_t prev_salt,
                                      uint64_t first_usn);

  // Switches to a fresh random checksum seed with a seed record, so that
  // bytes a crash may have left past the end never verify.
  absl::Status StartEpoch(uint64_t first_retained_gen);

  // Whether a change record with `payload_size` bytes can be appended now.
  // Errors: kInvalidArgument (ERROR_INVALID_PARAMETER) when it exceeds a
  // generation; kResourceExhausted (ERROR_DISK_FULL) when it needs a new
  // generation whose slot is still retained.
  absl::Status CheckSpace(uint64_t payload_size,
                          uint64_t first_retained_gen) const;

  // Appends a record (CheckSpace first). An I/O error leaves the log's end
  // unknown: the caller must stop writing (the service fails stickily).
  absl::Status Append(RecordType type, uint64_t usn, absl::string_view payload,
                      uint64_t first_retained_gen);

  uint64_t generation() const { return end_.generation; }
  const LogEnd& end() const { return end_; }
  // Bytes appended since construction.
  uint64_t bytes_appended() const { return bytes_appended_; }

 private:
  bool Fits(uint64_t record_size) const {
    return end_.offset + record_size <= geometry_.generation_size;
  }
  // Starts generation end_.generation + 1 with first USN `first_usn`.
  absl::Status Roll(uint64_t first_usn, uint64_t first_retained_gen);

  Volume* const volume_;
  const LogGeometry geometry_;
  LogEnd end_;
  uint64_t bytes_appended_ = 0;
};

// A random 64-bit value for salts and seeds.
uint64_t RandomSalt();

}  // namespace shadowset::directory_internal

#endif  // SHADOWSET_WRITERS_DIRECTORY_INTERNAL_LOG_WRITER_H_
