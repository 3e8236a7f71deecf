// Engine: copy-on-write volumes and crash-safe snapshot sets in one data
// directory (DESIGN §2).
//
//   RETURN_IF_ERROR(Engine::Init(dir, InitOptions{}));
//   ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine, Engine::Open(dir, {}));
//   ASSIGN_OR_RETURN(VolumeInfo info, engine->CreateVolume("db", 1 << 30));
//   ASSIGN_OR_RETURN(Volume* db, engine->GetVolume("db"));
//   ... db->Write(...) ...
//   ASSIGN_OR_RETURN(SnapshotSetInfo set, engine->CreateSnapshotSet({"db"}));
//   ASSIGN_OR_RETURN(auto snap, engine->OpenSnapshot(set.id, "db"));
//
// One process owns a data directory at a time (an advisory lock); a second
// Open fails with kFailedPrecondition naming the holder. Open recovers from
// any crash: it replays the diff area past the catalog's checkpoint,
// resumes garbage collection and deletes auto-release sets.
//
// The first fatal I/O error (a failed fdatasync, a failed catalog commit) is
// sticky: afterwards every mutating call fails with kFailedPrecondition and
// the engine only accepts destruction. Reopen to recover.
//
// Status payloads carry VSS codes where SEMANTICS.md defines one (see
// engine/codes.h).
//
// Thread safety: safe for concurrent use.

#ifndef SHADOWSET_ENGINE_ENGINE_H_
#define SHADOWSET_ENGINE_ENGINE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/options.h"
#include "engine/snapshot.h"
#include "engine/types.h"
#include "engine/volume.h"

namespace shadowset {

inline constexpr size_t kMaxVolumesPerSet = 64;
inline constexpr size_t kMaxSnapshotsPerVolume = 512;

class Engine {
 public:
  virtual ~Engine() = default;

  // Creates a data directory (`dir` may exist but must be empty).
  // Errors: kInvalidArgument for a bad block size or a cap below
  // MinDiffAreaMax (the message names the minimum); kAlreadyExists if `dir`
  // already holds a data directory; I/O errors. Nothing is left behind on
  // failure except `dir` itself.
  static absl::Status Init(const std::string& dir, const InitOptions& options,
                           Env* env = nullptr);

  // Opens (and recovers) a data directory.
  // Errors: kNotFound if `dir` holds no data directory; kFailedPrecondition
  // if another process holds it (message names the holder) or its format is
  // newer than this build; kDataLoss for a damaged catalog; I/O errors.
  static absl::StatusOr<std::unique_ptr<Engine>> Open(
      const std::string& dir, const EngineOptions& options = {});

  virtual uint32_t block_size() const = 0;

  // --- volumes ---
  // Creates a volume of `size` bytes (a multiple of the block size), backed
  // by a sparse file in the data directory, or by `device_path` (an existing
  // file or raw block device, zeroed first) when given.
  // Errors: kInvalidArgument (bad name, size 0 or not a multiple of the
  // block size); kAlreadyExists; I/O errors.
  virtual absl::StatusOr<VolumeInfo> CreateVolume(
      const std::string& name, uint64_t size,
      const std::string& device_path = "") = 0;
  // kNotFound (payload VSS_E_OBJECT_NOT_FOUND) for an unknown name.
  virtual absl::StatusOr<Volume*> GetVolume(const std::string& name) = 0;
  virtual std::vector<VolumeInfo> ListVolumes() = 0;

  // --- snapshot sets ---
  // Commits one snapshot of each named volume, all at one instant
  // (DESIGN §2.5). Writes racing the commit land wholly before or wholly
  // after it, block by block. Its cost does not depend on volume size.
  // Errors (payload in parentheses):
  //  kInvalidArgument: no volumes, a duplicate (VSS_E_BAD_STATE);
  //  kResourceExhausted: more than 64 volumes
  //    (VSS_E_MAXIMUM_NUMBER_OF_VOLUMES_REACHED), a volume already has 512
  //    snapshots (VSS_E_MAXIMUM_NUMBER_OF_SNAPSHOTS_REACHED);
  //  kNotFound: unknown volume (VSS_E_OBJECT_NOT_FOUND);
  //  kUnavailable: another creation is in progress
  //    (VSS_E_SNAPSHOT_SET_IN_PROGRESS);
  //  kDeadlineExceeded: writes could not be drained in time
  //    (VSS_E_FLUSH_WRITES_TIMEOUT) or the hold outlasted its timeout
  //    (VSS_E_HOLD_WRITES_TIMEOUT). No set is left behind on any error.
  virtual absl::StatusOr<SnapshotSetInfo> CreateSnapshotSet(
      const std::vector<std::string>& volumes,
      const SnapshotSetOptions& options = {}) = 0;
  // Deletes a set; its snapshots' readers fail with kAborted from now on.
  // Errors: kNotFound (VSS_E_OBJECT_NOT_FOUND).
  virtual absl::Status DeleteSnapshotSet(const SetId& id) = 0;
  // Live sets, oldest commit first.
  virtual std::vector<SnapshotSetInfo> ListSnapshotSets() = 0;
  virtual absl::StatusOr<SnapshotSetInfo> GetSnapshotSet(const SetId& id) = 0;
  // Errors: kNotFound for an unknown set or a volume not in it.
  virtual absl::StatusOr<std::unique_ptr<Snapshot>> OpenSnapshot(
      const SetId& id, const std::string& volume) = 0;
  // Blocks of `volume` written after `older` was taken and before `newer`
  // was (ascending). Complete while `older` is live (DESIGN I5).
  // Errors: kNotFound; kInvalidArgument if `older` is not older.
  virtual absl::StatusOr<std::vector<uint64_t>> ChangedBlocks(
      const SetId& older, const SetId& newer, const std::string& volume) = 0;

  // --- restore (DESIGN §2.7) ---
  // Creates a hidden staging volume of `size` bytes that a restore fills
  // before SwitchInStagingVolumes puts it in place of `target` (which may
  // or may not exist). One staging volume per target at a time.
  // Errors: kInvalidArgument (size), kAlreadyExists (a staging volume for
  // `target` exists), I/O errors.
  virtual absl::StatusOr<Volume*> CreateStagingVolume(const std::string& target,
                                                      uint64_t size) = 0;
  // Flushes the staging volumes of `targets` and, in one catalog
  // transaction, makes each the volume named by its target. A replaced
  // volume's snapshot sets are deleted first (each an event); its Volume
  // object fails every later call (kFailedPrecondition), so holders must
  // look the name up again. After a crash the switch happened entirely or
  // not at all; unfinished staging volumes are dropped at the next open.
  // Errors: kNotFound (no staging volume for a target), I/O errors, all
  // before the switch's transaction commits: an error means no volume was
  // switched (the replaced sets may already be deleted); after the commit
  // it returns OK (a replaced file it cannot remove goes at the next open).
  virtual absl::Status SwitchInStagingVolumes(
      const std::vector<std::string>& targets) = 0;
  // Drops every staging volume (an abandoned restore).
  virtual absl::Status DropStagingVolumes() = 0;

  // --- backups catalog and events for the layers above ---
  // Records a published backup (one synced transaction) with an event.
  virtual absl::Status RecordBackup(const BackupRecord& record) = 0;
  virtual std::vector<BackupRecord> ListBackups() = 0;
  // kNotFound for an unknown id.
  virtual absl::StatusOr<BackupRecord> GetBackup(const std::string& id) = 0;
  virtual absl::Status RecordEvent(EventKind kind, const SetId& set,
                                   const std::string& volume,
                                   const std::string& message) = 0;
  // The latest commit instant the catalog has recorded: a clock earlier
  // than this has been rolled back (restores refuse to judge expiry then).
  virtual absl::Time ClockHighWater() = 0;

  // --- maintenance ---
  // Makes every acknowledged write to every volume durable.
  virtual absl::Status Flush() = 0;
  // Scrub: verifies every index entry's record (header and checksum), that
  // segments and index agree, and the per-segment counts.
  virtual absl::StatusOr<CheckReport> Check() = 0;
  // Events, oldest first (at most `limit`, the newest ones; 0 = all).
  virtual std::vector<Event> Events(size_t limit = 0) = 0;
  virtual DiffAreaUsage GetDiffAreaUsage() = 0;
  // Runs pending background work to completion (group commit, overlay
  // flush, GC, reclamation). Needed only in BackgroundMode::kInline; harmless
  // otherwise.
  virtual absl::Status RunBackgroundWork() = 0;
};

}  // namespace shadowset

#endif  // SHADOWSET_ENGINE_ENGINE_H_
