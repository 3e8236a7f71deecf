// The control block: the root of the directory's on-disk state, kept in two
// alternating copies at the start of the database volume
// (docs/directory-format.md §2). It names the current image slot and
// checkpoint, the oldest retained log generation, the log geometry, and the
// local state that a restore of the database must not roll back: server
// name, principals and their privileges, and the restore state.
//
//   std::string bytes = EncodeControlBlock(block);     // <= kControlCopySize
//   ASSIGN_OR_RETURN(ControlBlock back, DecodeControlBlock(copy_bytes));
//
// Thread safety: free functions and plain values.

#ifndef SHADOWSET_WRITERS_DIRECTORY_INTERNAL_CONTROL_BLOCK_H_
#define SHADOWSET_WRITERS_DIRECTORY_INTERNAL_CONTROL_BLOCK_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "engine/types.h"

namespace shadowset::directory_internal {

inline constexpr uint32_t kControlMagic = 0x53534443;  // "SSDC"
inline constexpr uint16_t kControlFormatMajor = 1;
inline constexpr uint16_t kControlFormatMinor = 0;
// Each copy occupies this many bytes; copy i starts at i * kControlCopySize.
inline constexpr uint64_t kControlCopySize = 32 * 1024;
// Image slots start after both copies.
inline constexpr uint64_t kImageAreaOffset = 2 * kControlCopySize;

// Persisted; never renumber.
enum class RestoreState : uint32_t {
  kNone = 0,        // the database may start
  kRegistered = 1,  // DsRestoreRegister ran; DsRestoreRegisterComplete not yet
  kFailed = 2,      // DsRestoreRegisterComplete reported a failure
};

// Privilege bits (persisted; never renumber).
inline constexpr uint32_t kBackupPrivilegeBit = 1;
inline constexpr uint32_t kRestorePrivilegeBit = 2;

struct PrincipalEntry {
  std::string name;  // normalized (lower case), see identity.h
  uint32_t privileges = 0;
};

struct ControlBlock {
  uint64_t seq = 0;  // the copy with the larger valid seq is current
  SetId instance_id;  // names this directory instance (a GUID)
  std::string server_name;
  std::vector<PrincipalEntry> principals;  // sorted by name
  RestoreState restore_state = RestoreState::kNone;
  // The current image.
  uint32_t image_slot = 0;
  uint64_t image_length = 0;
  uint64_t image_xxh3 = 0;
  uint64_t checkpoint_usn = 0;
  uint64_t checkpoint_gen = 1;
  // Generations below this one were truncated after a full backup.
  uint64_t first_retained_gen = 1;
  // Log geometry, fixed at creation.
  uint64_t log_generation_size = 0;
  uint32_t log_generations = 0;
  // A copy of the tree's tombstone lifetime, so that a restore can judge a
  // backup's age while the database is offline.
  absl::Duration tombstone_lifetime;
};

// kInvalidArgument if the encoding exceeds kControlCopySize.
absl::StatusOr<std::string> EncodeControlBlock(const ControlBlock& block);

// Reads out.size() bytes of a volume (or a snapshot of it) at `offset`.
using ReadAtFn =
    absl::FunctionRef<absl::Status(uint64_t offset, absl::Span<uint8_t> out)>;

// Reads both copies and returns the valid one with the larger seq.
// kNotFound if neither copy was ever written (all zeros: the directory's
// creation did not finish); kDataLoss if neither is valid;
// kFailedPrecondition for a newer format.
absl::StatusOr<ControlBlock> ReadControlBlock(ReadAtFn read);

// Parses one copy (any trailing bytes past its length are ignored).
// kDataLoss for a bad magic or checksum, kFailedPrecondition for a newer
// major format version.
absl::StatusOr<ControlBlock> DecodeControlBlock(absl::string_view copy);

}  // namespace shadowset::directory_internal

#endif  // SHADOWSET_WRITERS_DIRECTORY_INTERNAL_CONTROL_BLOCK_H_
