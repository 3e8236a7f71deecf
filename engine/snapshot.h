// Snapshot: a read-only view of one volume at the instant its set was
// committed (DESIGN §2.6).
//
//   ASSIGN_OR_RETURN(auto snap, engine->OpenSnapshot(set_id, "db"));
//   RETURN_IF_ERROR(snap->Read(0, buffer));
//
// Reads run in large runs: adjacent diff-area records are merged and read
// in parallel with the live runs. A read never returns data newer than the
// snapshot: if the set is deleted while a read is in flight, the read fails
// with kAborted rather than return live data.
//
// Thread safety: safe for concurrent use. The object may outlive its set's
// deletion (reads then fail with kAborted) but not the Engine.

#ifndef SHADOWSET_ENGINE_SNAPSHOT_H_
#define SHADOWSET_ENGINE_SNAPSHOT_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "engine/types.h"

namespace shadowset {

class Snapshot {
 public:
  virtual ~Snapshot() = default;

  virtual const SetId& set_id() const = 0;
  virtual const std::string& volume_name() const = 0;
  virtual uint64_t epoch() const = 0;
  virtual uint64_t size() const = 0;  // bytes
  virtual uint32_t block_size() const = 0;
  virtual uint64_t block_count() const = 0;

  // Reads out.size() bytes at `offset` (any alignment) as of the snapshot.
  // Errors: kOutOfRange past the end; kAborted if the set was deleted (also
  // during the read); kDataLoss if a needed diff-area record fails its
  // checks (recorded as an event); I/O errors.
  virtual absl::Status Read(uint64_t offset, absl::Span<uint8_t> out) = 0;
};

}  // namespace shadowset

#endif  // SHADOWSET_ENGINE_SNAPSHOT_H_
