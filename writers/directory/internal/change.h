// Change: one logged transaction of the directory (one update sequence
// number), and the binary encoding of objects and changes shared by the
// transaction log and the database image (docs/directory-format.md).
//
//   std::string payload = EncodeChange(change);
//   ASSIGN_OR_RETURN(Change back, DecodeChange(change.type, payload));
//
// Thread safety: free functions and plain values.

#ifndef SHADOWSET_WRITERS_DIRECTORY_INTERNAL_CHANGE_H_
#define SHADOWSET_WRITERS_DIRECTORY_INTERNAL_CHANGE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/internal/coding.h"
#include "writers/directory/directory_object.h"

namespace shadowset::directory_internal {

// Log record types (persisted; never renumber).
enum class RecordType : uint16_t {
  kSeed = 1,    // switches the record checksum seed (written at each open)
  kAdd = 2,     // an object is created (or replaces a tombstone)
  kModify = 3,  // attribute changes of a live object
  kDelete = 4,  // a live leaf becomes a tombstone
  kPurge = 5,   // garbage collection removes tombstones
  kSetTombstoneLifetime = 6,
};

// A change as logged. Which fields are used depends on `type`.
struct Change {
  RecordType type = RecordType::kAdd;
  DirectoryObject object;                // kAdd (usn fields unused)
  std::string dn;                        // kModify, kDelete
  std::vector<AttributeChange> changes;  // kModify
  absl::Time time = absl::InfinitePast();  // kDelete: the deletion time
  std::vector<std::string> purged;       // kPurge: DNs of the tombstones
  absl::Duration tombstone_lifetime;     // kSetTombstoneLifetime
};

std::string EncodeChange(const Change& change);
// kDataLoss for a payload that does not decode as `type`.
absl::StatusOr<Change> DecodeChange(RecordType type, absl::string_view payload);

// Objects as stored in the database image.
void EncodeObject(const DirectoryObject& object, std::string* out);
// Reads one object; errors surface through decoder->status().
DirectoryObject DecodeObject(internal::Decoder* decoder);

// Times are stored as signed microseconds since the Unix epoch.
void PutTime(std::string* out, absl::Time t);
absl::Time GetTime(internal::Decoder* decoder);

}  // namespace shadowset::directory_internal

#endif  // SHADOWSET_WRITERS_DIRECTORY_INTERNAL_CHANGE_H_
