// Volume: a live, copy-on-write block volume (DESIGN §2.2).
//
// Applications read and write arbitrary byte ranges; the engine preserves a
// block's old contents in the diff area before its first overwrite after a
// snapshot, so every snapshot keeps reading the instant it was taken.
//
//   Volume* v = engine->GetVolume("db").value();
//   RETURN_IF_ERROR(v->Write(4096, bytes));
//   RETURN_IF_ERROR(v->Flush());        // everything written is now durable
//
// Durability: a Write is acknowledged before it is durable (like a write to
// a disk with a volatile cache); Flush() or WriteOptions::sync makes it
// durable. After a crash each unflushed block reads as its old or new
// contents (or, within a block, a mix at 512-byte granularity), never as
// anything else, and every committed snapshot reads exactly as it did.
//
// Thread safety: safe for concurrent use. Overlapping concurrent writes are
// applied in some order, block by block. The Volume is owned by its Engine
// and valid until the Engine is destroyed.

#ifndef SHADOWSET_ENGINE_VOLUME_H_
#define SHADOWSET_ENGINE_VOLUME_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "engine/options.h"

namespace shadowset {

class Volume {
 public:
  virtual ~Volume() = default;

  virtual uint32_t id() const = 0;
  virtual const std::string& name() const = 0;
  virtual uint64_t size() const = 0;  // bytes
  virtual uint32_t block_size() const = 0;
  virtual uint64_t block_count() const = 0;

  // Writes `data` at byte `offset` (any alignment).
  // Errors: kOutOfRange if the range passes the end (nothing written);
  // kInternal / kUnavailable on an I/O error, after which the engine is
  // failed (sticky) and the range's contents are unspecified;
  // kFailedPrecondition if the engine already failed.
  // A write never fails because the diff area is full: the oldest snapshot
  // sets are deleted instead.
  virtual absl::Status Write(uint64_t offset, absl::Span<const uint8_t> data,
                             const WriteOptions& options = {}) = 0;

  // Reads out.size() bytes at `offset`: the latest written data.
  // Errors: kOutOfRange past the end; I/O errors.
  virtual absl::Status Read(uint64_t offset, absl::Span<uint8_t> out) = 0;

  // Makes every write acknowledged before the call durable.
  virtual absl::Status Flush() = 0;
};

}  // namespace shadowset

#endif  // SHADOWSET_ENGINE_VOLUME_H_
