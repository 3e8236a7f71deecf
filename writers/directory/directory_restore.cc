// DirectoryService: what the backup and restore API (ds_backup.cc,
// ds_restore.cc) needs underneath: an online capture through an engine
// snapshot, and the offline restore of an image and log generations.
//
// Restore write order (docs/directory-format.md §6): the restore state is
// durably "registered" before the first byte is written, so a crash in
// the middle leaves a directory that refuses to start rather than a mix;
// the image goes into the slot the control block does not name; the
// restored log is sealed by a fresh generation; only then does one control
// block write switch everything in and clear the restore state.

#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/codes.h"
#include "engine/internal/status_macros.h"
#include "writers/directory/directory_codes.h"
#include "writers/directory/directory_service.h"
#include "writers/directory/internal/backup_capture.h"
#include "writers/directory/internal/control_block.h"
#include "writers/directory/internal/log_writer.h"
#include "writers/directory/internal/patch_file.h"
#include "writers/directory/internal/recovery.h"
#include "writers/directory/internal/tree.h"

namespace shadowset {

using directory_internal::ControlBlock;
using directory_internal::LogGeometry;
using directory_internal::PatchFile;
using directory_internal::RestoreState;

namespace {

// How long a backup waits for a running checkpoint before its snapshot.
constexpr absl::Duration kCaptureQuiesceTimeout = absl::Seconds(60);

}  // namespace

absl::StatusOr<std::unique_ptr<DirectoryService::Capture>>
DirectoryService::CaptureForBackup() {
  const std::vector<std::string> volumes = VolumeNames();
  auto capture = std::make_unique<Capture>();
  QuiescePoint point;
  SnapshotSetInfo set;
  {
    // Changes wait only for the flush and the snapshot's commit.
    BeginQuiesce();
    absl::Cleanup resume = [this] { EndQuiesce(); };
    ASSIGN_OR_RETURN(point,
                     AwaitQuiesced(absl::Now() + kCaptureQuiesceTimeout));
    SnapshotSetOptions snapshot_options;
    snapshot_options.persistent = false;  // released at DsBackupEnd
    ASSIGN_OR_RETURN(set, engine_->CreateSnapshotSet(volumes, snapshot_options));
    capture->patch.created = clock_();
  }
  capture->set_id = set.id;
  absl::Cleanup release = [this, id = set.id] {
    engine_->DeleteSnapshotSet(id).IgnoreError();
  };
  ASSIGN_OR_RETURN(capture->database, engine_->OpenSnapshot(set.id, volumes[0]));
  ASSIGN_OR_RETURN(capture->log, engine_->OpenSnapshot(set.id, volumes[1]));
  Snapshot* db = capture->database.get();
  ASSIGN_OR_RETURN(capture->control,
                   directory_internal::ReadControlBlock(
                       [db](uint64_t offset, absl::Span<uint8_t> out) {
                         return db->Read(offset, out);
                       }));
  PatchFile& patch = capture->patch;
  patch.instance_id = capture->control.instance_id;
  patch.server_name = capture->control.server_name;
  patch.set_id = set.id;
  patch.usn = point.usn;
  patch.image_length = capture->control.image_length;
  patch.image_xxh3 = capture->control.image_xxh3;
  patch.first_gen = capture->control.first_retained_gen;
  patch.last_gen = point.log_generation;
  patch.log_generation_size = generation_size_;
  patch.log_generations = generations_;
  capture->patch_bytes = directory_internal::EncodePatchFile(patch);
  std::move(release).Cancel();
  return capture;
}

absl::Status DirectoryService::ReleaseCapture(const SetId& set_id) {
  return engine_->DeleteSnapshotSet(set_id);
}

uint32_t DirectoryService::RestoreSlot() {
  absl::ReaderMutexLock l(&mu_);
  return 1 - control_->image_slot;
}

absl::Status DirectoryService::RegisterRestore() {
  absl::MutexLock cw(&control_write_mu_);
  {
    absl::ReaderMutexLock l(&mu_);
    if (online_) {
      return absl::FailedPreconditionError(
          "the directory is online; a restore needs it offline");
    }
  }
  ControlBlock block = CurrentControl();
  block.restore_state = RestoreState::kRegistered;
  return WriteControl(std::move(block));
}

absl::Status DirectoryService::FailRestore() {
  absl::MutexLock cw(&control_write_mu_);
  ControlBlock block = CurrentControl();
  block.restore_state = RestoreState::kFailed;
  return WriteControl(std::move(block));
}

absl::Status DirectoryService::WriteRestoredImage(
    uint64_t offset, absl::Span<const uint8_t> data) {
  if (offset > slot_size_ || data.size() > slot_size_ - offset) {
    return MakeError(absl::StatusCode::kResourceExhausted, kErrorDiskFull,
                     absl::StrFormat("the restored database passes %u bytes, "
                                     "the size of an image slot here",
                                     slot_size_));
  }
  absl::Status st = db_->Write(ImageSlotOffset(RestoreSlot()) + offset, data);
  if (!st.ok()) {
    absl::MutexLock l(&mu_);
    return Fail(st);
  }
  return absl::OkStatus();
}

absl::Status DirectoryService::WriteRestoredLog(
    uint64_t generation, uint64_t offset, absl::Span<const uint8_t> data) {
  if (offset > generation_size_ || data.size() > generation_size_ - offset) {
    return MakeError(absl::StatusCode::kInvalidArgument, kErrorInvalidParameter,
                     absl::StrFormat("a log file here is exactly %u bytes",
                                     generation_size_));
  }
  LogGeometry geometry{generation_size_, generations_};
  absl::Status st = log_->Write(geometry.SlotOffset(generation) + offset, data);
  if (!st.ok()) {
    absl::MutexLock l(&mu_);
    return Fail(st);
  }
  return absl::OkStatus();
}

absl::Status DirectoryService::CompleteRestore(const PatchFile& patch) {
  absl::MutexLock cw(&control_write_mu_);
  ControlBlock block = CurrentControl();
  if (block.restore_state != RestoreState::kRegistered) {
    return absl::FailedPreconditionError("no restore is registered");
  }
  if (patch.log_generation_size != generation_size_ ||
      patch.last_gen - patch.first_gen + 2 > generations_) {
    return MakeError(
        absl::StatusCode::kInvalidArgument, kErrorInvalidParameter,
        absl::StrFormat("the backup's log (generations %u-%u of %u bytes) "
                        "does not fit this directory's ring (%u of %u bytes)",
                        patch.first_gen, patch.last_gen,
                        patch.log_generation_size, generations_,
                        generation_size_));
  }
  // The image must be exactly the backed-up one ...
  const uint32_t slot = 1 - block.image_slot;
  absl::StatusOr<directory_internal::LoadedImage> loaded =
      directory_internal::ReadImage(
          [this](uint64_t offset, absl::Span<uint8_t> out) {
            return db_->Read(offset, out);
          },
          ImageSlotOffset(slot), patch.image_length, patch.image_xxh3);
  if (!loaded.ok()) {
    return MakeError(absl::StatusCode::kDataLoss, kErrorInvalidData,
                     absl::StrCat("the restored ntds.dit is not the backed-up "
                                  "database: ",
                                  loaded.status().message()));
  }
  if (loaded->header.checkpoint_gen < patch.first_gen ||
      loaded->header.checkpoint_gen > patch.last_gen) {
    return MakeError(absl::StatusCode::kDataLoss, kErrorInvalidData,
                     "the restored logs do not include the database's "
                     "checkpoint generation");
  }
  // ... and the restored logs must replay it to exactly the backup's USN.
  directory_internal::Tree& tree = *loaded->tree;
  LogGeometry geometry{generation_size_, generations_};
  absl::StatusOr<directory_internal::LogEnd> end = directory_internal::ReplayInto(
      tree,
      [this](uint64_t offset, absl::Span<uint8_t> out) {
        return log_->Read(offset, out);
      },
      geometry, loaded->header.checkpoint_gen, loaded->header.usn,
      patch.last_gen);
  if (!end.ok()) {
    return MakeError(absl::StatusCode::kDataLoss, kErrorInvalidData,
                     absl::StrCat("the restored logs do not replay: ",
                                  end.status().message()));
  }
  if (end->next_usn != patch.usn + 1) {
    return MakeError(
        absl::StatusCode::kDataLoss, kErrorInvalidData,
        absl::StrFormat("the restored logs end at USN %u; the backup holds "
                        "changes up to USN %u (a log file is missing or "
                        "damaged)",
                        end->next_usn - 1, patch.usn));
  }
  // Seal: the generation after the restored ones starts afresh, so replay
  // never continues into what the ring held before the restore.
  RETURN_IF_ERROR(directory_internal::LogWriter::WriteGeneration(
      log_, geometry, end->generation + 1, end->salt, end->next_usn));
  RETURN_IF_ERROR(log_->Flush());
  RETURN_IF_ERROR(db_->Flush());

  block.restore_state = RestoreState::kNone;
  block.image_slot = slot;
  block.image_length = patch.image_length;
  block.image_xxh3 = patch.image_xxh3;
  block.checkpoint_usn = loaded->header.usn;
  block.checkpoint_gen = loaded->header.checkpoint_gen;
  block.first_retained_gen = patch.first_gen;
  block.tombstone_lifetime = tree.tombstone_lifetime();
  return WriteControl(std::move(block));
}

}  // namespace shadowset
