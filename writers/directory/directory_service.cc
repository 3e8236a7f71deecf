// DirectoryService: changes, queries, the group commit, checkpoints,
// garbage collection and the quiesce of the snapshot protocol. Creation,
// opening and the online/offline transitions are in directory_lifecycle.cc;
// backup capture and restore in directory_restore.cc.
//
// Lock order: control_write_mu_ before mu_. No engine call that can wait
// for another thread of ours is made with mu_ held; Volume::Write (which
// may wait only for the engine) is.

#include "writers/directory/directory_service.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/codes.h"
#include "engine/internal/status_macros.h"
#include "writers/directory/directory_codes.h"
#include "writers/directory/internal/change.h"
#include "writers/directory/internal/control_block.h"
#include "writers/directory/internal/dn.h"
#include "writers/directory/internal/image.h"
#include "writers/directory/internal/log_writer.h"
#include "writers/directory/internal/recovery.h"
#include "writers/directory/internal/tree.h"

namespace shadowset {

using directory_internal::Change;
using directory_internal::ControlBlock;
using directory_internal::LogGeometry;
using directory_internal::RecordType;
using directory_internal::Tree;

namespace {

// Images are written in pieces of this size.
constexpr uint64_t kImageWriteChunk = uint64_t{4} << 20;

absl::Span<const uint8_t> Bytes(absl::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

// --- changes -------------------------------------------------------------

bool DirectoryService::ChangesMayProceed() const {
  return quiesce_count_ == 0 || !online_ || !failed_.ok() || stopping_;
}

absl::Status DirectoryService::CheckOnlineLocked() const {
  if (!failed_.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the directory failed earlier (", failed_.message(),
        "); reopen it"));
  }
  if (stopping_) {
    return absl::FailedPreconditionError("the directory is shutting down");
  }
  if (!online_) {
    return absl::FailedPreconditionError(
        absl::StrCat("the directory is offline: ", offline_reason_.message()));
  }
  return absl::OkStatus();
}

absl::Status DirectoryService::Fail(absl::Status status) {
  if (failed_.ok()) failed_ = status;
  return status;
}

absl::StatusOr<uint64_t> DirectoryService::Commit(Change change) {
  return Commit(std::move(change), [](const Tree&, Change*) { return true; });
}

absl::StatusOr<uint64_t> DirectoryService::Commit(Change change,
                                                  FillFn fill) {
  uint64_t usn = 0;
  {
    absl::MutexLock l(&mu_);
    if (!ChangesMayProceed()) {
      ++waiting_changes_;
      mu_.Await(absl::Condition(this, &DirectoryService::ChangesMayProceed));
      --waiting_changes_;
    }
    RETURN_IF_ERROR(CheckOnlineLocked());
    if (!fill(*tree_, &change)) return uint64_t{0};
    usn = next_usn_;
    RETURN_IF_ERROR(tree_->Apply(change, usn, /*dry_run=*/true));
    std::string payload = directory_internal::EncodeChange(change);
    RETURN_IF_ERROR(log_writer_->CheckSpace(payload.size(),
                                            control_->first_retained_gen));
    absl::Status st = log_writer_->Append(change.type, usn, payload,
                                          control_->first_retained_gen);
    if (!st.ok()) return Fail(st);
    st = tree_->Apply(change, usn, /*dry_run=*/false);
    if (!st.ok()) {
      return Fail(absl::InternalError(absl::StrCat(
          "a validated change failed to apply: ", st.message())));
    }
    next_usn_ = usn + 1;
    log_bytes_since_checkpoint_ +=
        payload.size() + directory_internal::kRecordHeaderSize;
  }
  RETURN_IF_ERROR(WaitDurable(usn));
  MaybeCheckpoint();
  return usn;
}

bool DirectoryService::FlushIdle() const { return !flushing_; }

absl::Status DirectoryService::WaitDurable(uint64_t usn) {
  mu_.Lock();
  absl::Status result;
  while (durable_usn_ < usn) {
    if (!failed_.ok()) {
      result = failed_;
      break;
    }
    if (flushing_) {
      mu_.Await(absl::Condition(this, &DirectoryService::FlushIdle));
      continue;
    }
    // This caller flushes for everyone whose record is already written.
    flushing_ = true;
    uint64_t target = next_usn_ - 1;
    mu_.Unlock();
    absl::Status st = log_->Flush();
    mu_.Lock();
    flushing_ = false;
    if (!st.ok()) {
      result = Fail(st);
      break;
    }
    durable_usn_ = std::max(durable_usn_, target);
  }
  mu_.Unlock();
  return result;
}

absl::StatusOr<uint64_t> DirectoryService::AddObject(
    absl::string_view dn, absl::string_view object_class,
    const AttributeMap& attributes) {
  Change change;
  change.type = RecordType::kAdd;
  change.object.dn = std::string(dn);
  change.object.object_class = std::string(object_class);
  change.object.attributes = attributes;
  return Commit(std::move(change));
}

absl::StatusOr<uint64_t> DirectoryService::ModifyObject(
    absl::string_view dn, const std::vector<AttributeChange>& changes) {
  Change change;
  change.type = RecordType::kModify;
  change.dn = std::string(dn);
  change.changes = changes;
  return Commit(std::move(change));
}

absl::StatusOr<uint64_t> DirectoryService::DeleteObject(absl::string_view dn) {
  Change change;
  change.type = RecordType::kDelete;
  change.dn = std::string(dn);
  // The deletion time is read under the lock, so it never decreases with
  // the USN.
  return Commit(std::move(change), [this](const Tree&, Change* c) {
    c->time = clock_();
    return true;
  });
}

absl::StatusOr<uint64_t> DirectoryService::SetTombstoneLifetime(
    absl::Duration lifetime) {
  if (lifetime < kMinTombstoneLifetime || lifetime > absl::Hours(24 * 36525)) {
    return MakeError(
        absl::StatusCode::kInvalidArgument, kErrorInvalidParameter,
        absl::StrCat("a tombstone lifetime of ", absl::FormatDuration(lifetime),
                     " is out of range (2 days to 100 years)"));
  }
  Change change;
  change.type = RecordType::kSetTombstoneLifetime;
  change.tombstone_lifetime = absl::Seconds(absl::ToInt64Seconds(lifetime));
  ASSIGN_OR_RETURN(uint64_t usn, Commit(std::move(change)));
  // Keep the control block's copy current, for offline restores. It copies
  // the tree's value, so concurrent calls cannot leave it stale. (A crash
  // before this write is repaired when the directory next comes online.)
  absl::MutexLock cw(&control_write_mu_);
  ControlBlock block = CurrentControl();
  block.tombstone_lifetime = TombstoneLifetime();
  RETURN_IF_ERROR(WriteControl(std::move(block)));
  return usn;
}

absl::Duration DirectoryService::TombstoneLifetime() {
  absl::ReaderMutexLock l(&mu_);
  if (tree_ != nullptr) return tree_->tombstone_lifetime();
  return control_->tombstone_lifetime;
}

absl::StatusOr<size_t> DirectoryService::CollectGarbage() {
  // One purge record holds at most this many DNs (so it fits a generation).
  const size_t batch = std::clamp<size_t>(
      LogGeometry{generation_size_, generations_}.max_payload() /
          (directory_internal::kMaxDnLength + 8),
      1, 1024);
  size_t purged = 0;
  while (true) {
    Change change;
    change.type = RecordType::kPurge;
    ASSIGN_OR_RETURN(uint64_t usn,
                     Commit(std::move(change), [&](const Tree& tree, Change* c) {
                       c->purged = tree.ExpiredTombstones(clock_(), batch);
                       purged += c->purged.size();
                       return !c->purged.empty();
                     }));
    if (usn == 0) break;
  }
  return purged;
}

// --- queries ---------------------------------------------------------------

absl::StatusOr<DirectoryObject> DirectoryService::GetObject(
    absl::string_view dn) {
  absl::ReaderMutexLock l(&mu_);
  RETURN_IF_ERROR(CheckOnlineLocked());
  ASSIGN_OR_RETURN(const DirectoryObject* object, tree_->Get(dn));
  return *object;
}

absl::StatusOr<std::vector<DirectoryObject>> DirectoryService::ListObjects() {
  absl::ReaderMutexLock l(&mu_);
  RETURN_IF_ERROR(CheckOnlineLocked());
  std::vector<DirectoryObject> out;
  out.reserve(tree_->size());
  tree_->ForEach([&out](const DirectoryObject& o) { out.push_back(o); });
  return out;
}

uint64_t DirectoryService::usn() {
  absl::ReaderMutexLock l(&mu_);
  return online_ ? next_usn_ - 1 : 0;
}

DirectoryService::Activity DirectoryService::GetActivity() {
  absl::ReaderMutexLock l(&mu_);
  return Activity{waiting_changes_, quiesce_count_, checkpoint_running_};
}

absl::Status DirectoryService::Flush() {
  uint64_t usn = 0;
  {
    absl::ReaderMutexLock l(&mu_);
    RETURN_IF_ERROR(CheckOnlineLocked());
    usn = next_usn_ - 1;
  }
  RETURN_IF_ERROR(WaitDurable(usn));
  absl::Status st = db_->Flush();
  if (!st.ok()) {
    absl::MutexLock l(&mu_);
    return Fail(st);
  }
  return absl::OkStatus();
}

DirectoryLogStatus DirectoryService::LogStatus() {
  absl::ReaderMutexLock l(&mu_);
  DirectoryLogStatus status;
  status.first_retained_gen = control_->first_retained_gen;
  status.checkpoint_gen = control_->checkpoint_gen;
  status.checkpoint_usn = control_->checkpoint_usn;
  status.current_gen = log_writer_ != nullptr ? log_writer_->generation() : 0;
  status.generations = generations_;
  return status;
}

absl::StatusOr<DirectoryCheckReport> DirectoryService::Check() {
  // Shared: changes wait until the comparison is done.
  absl::ReaderMutexLock l(&mu_);
  RETURN_IF_ERROR(CheckOnlineLocked());
  DirectoryCheckReport report;
  report.usn = next_usn_ - 1;
  report.objects = tree_->size();
  report.tombstones = tree_->tombstones();
  report.problems = tree_->Check(report.usn);

  // The image plus the log must rebuild exactly this tree.
  const ControlBlock& control = *control_;
  absl::StatusOr<directory_internal::LoadedImage> loaded =
      directory_internal::ReadImage(
          [this](uint64_t offset, absl::Span<uint8_t> out) {
            return db_->Read(offset, out);
          },
          ImageSlotOffset(control.image_slot), control.image_length,
          control.image_xxh3);
  if (!loaded.ok()) {
    report.problems.push_back(
        absl::StrCat("the current image: ", loaded.status().message()));
    return report;
  }
  Tree& rebuilt = *loaded->tree;
  absl::StatusOr<directory_internal::LogEnd> end = directory_internal::ReplayInto(
      rebuilt,
      [this](uint64_t offset, absl::Span<uint8_t> out) {
        return log_->Read(offset, out);
      },
      LogGeometry{generation_size_, generations_}, control.checkpoint_gen,
      control.checkpoint_usn, directory_internal::kNoLastGen);
  if (!end.ok()) {
    report.problems.push_back(
        absl::StrCat("replaying the log: ", end.status().message()));
    return report;
  }
  if (end->next_usn != next_usn_) {
    report.problems.push_back(absl::StrFormat(
        "the log ends at USN %u but the directory is at USN %u",
        end->next_usn - 1, next_usn_ - 1));
  }
  bool same = rebuilt.size() == tree_->size() &&
              rebuilt.tombstone_lifetime() == tree_->tombstone_lifetime();
  if (same) {
    tree_->ForEach([&](const DirectoryObject& o) {
      absl::StatusOr<const DirectoryObject*> other = rebuilt.Get(o.dn);
      if (!other.ok() || !(**other == o)) same = false;
    });
  }
  if (!same) {
    report.problems.push_back(
        "the image and the log do not rebuild the directory in memory");
  }
  return report;
}

// --- checkpoints -----------------------------------------------------------

uint64_t DirectoryService::ImageSlotOffset(uint32_t slot) const {
  return directory_internal::kImageAreaOffset + uint64_t{slot} * slot_size_;
}

ControlBlock DirectoryService::CurrentControl() {
  absl::ReaderMutexLock l(&mu_);
  return *control_;
}

absl::Status DirectoryService::WriteControl(ControlBlock block) {
  {
    absl::ReaderMutexLock l(&mu_);
    if (!failed_.ok()) return CheckOnlineLocked();
    block.seq = control_->seq + 1;
  }
  ASSIGN_OR_RETURN(std::string bytes,
                   directory_internal::EncodeControlBlock(block));
  // The copy not holding the current block: a torn write leaves that one.
  absl::Status st =
      db_->Write((block.seq % 2) * directory_internal::kControlCopySize,
                 Bytes(bytes));
  if (st.ok()) st = db_->Flush();
  absl::MutexLock l(&mu_);
  if (!st.ok()) return Fail(st);
  *control_ = std::move(block);
  return absl::OkStatus();
}

void DirectoryService::MaybeCheckpoint() {
  {
    absl::MutexLock l(&mu_);
    if (log_bytes_since_checkpoint_ < options_.checkpoint_log_bytes ||
        checkpoint_running_ || checkpoint_due_ || !online_) {
      return;
    }
    if (options_.background == BackgroundMode::kThreads) {
      checkpoint_due_ = true;  // BackgroundLoop runs it
      return;
    }
  }
  // Inline: an I/O error is recorded (sticky); the caller's change is
  // durable either way.
  Checkpoint().IgnoreError();
}

absl::Status DirectoryService::Checkpoint() {
  absl::MutexLock cw(&control_write_mu_);
  return CheckpointLocked();
}

bool DirectoryService::NoCheckpointRunning() const {
  return !checkpoint_running_;
}

absl::Status DirectoryService::CheckpointLocked() {
  // 1. Under the lock: serialise the tree as of the last change, and note
  //    where the log continues. New checkpoints wait out a quiesce.
  std::string image;
  uint64_t usn = 0;
  ControlBlock block;
  {
    absl::MutexLock l(&mu_);
    mu_.Await(absl::Condition(this, &DirectoryService::ChangesMayProceed));
    checkpoint_due_ = false;
    RETURN_IF_ERROR(CheckOnlineLocked());
    usn = next_usn_ - 1;
    block = *control_;
    block.checkpoint_usn = usn;
    block.checkpoint_gen = log_writer_->generation();
    block.tombstone_lifetime = tree_->tombstone_lifetime();
    image = directory_internal::EncodeImage(*tree_, usn, block.checkpoint_gen);
    checkpoint_running_ = true;
    log_bytes_since_checkpoint_ = 0;
  }
  block.image_slot = 1 - block.image_slot;
  block.image_length = image.size();
  block.image_xxh3 = directory_internal::ImageChecksum(image);

  absl::Status st;
  bool io_error = false;
  if (image.size() > slot_size_) {
    st = MakeError(absl::StatusCode::kResourceExhausted, kErrorDiskFull,
                   absl::StrFormat("the directory image takes %u bytes but an "
                                   "image slot holds %u: the database volume "
                                   "is too small",
                                   image.size(), slot_size_));
  } else {
    // 2. The image, durable, into the inactive slot.
    uint64_t base = ImageSlotOffset(block.image_slot);
    for (uint64_t off = 0; st.ok() && off < image.size();
         off += kImageWriteChunk) {
      uint64_t n = std::min<uint64_t>(kImageWriteChunk, image.size() - off);
      st = db_->Write(base + off,
                      Bytes(absl::string_view(image).substr(off, n)));
    }
    if (st.ok()) st = db_->Flush();
    io_error = !st.ok();
    // 3. Every change the image holds is durable in the log too, so the
    //    log never ends below the checkpoint after a crash.
    if (st.ok()) st = WaitDurable(usn);
    // 4. Switch the control block to the new image.
    if (st.ok()) st = WriteControl(std::move(block));
  }
  absl::MutexLock l(&mu_);
  checkpoint_running_ = false;
  if (io_error) return Fail(st);
  return st;
}

// --- garbage collection and the background thread -------------------------

bool DirectoryService::BackgroundHasWork() const {
  return stopping_ || checkpoint_due_;
}

void DirectoryService::BackgroundLoop() {
  const bool gc = options_.gc_interval > absl::ZeroDuration();
  absl::Time next_gc =
      gc ? absl::Now() + options_.gc_interval : absl::InfiniteFuture();
  while (true) {
    bool checkpoint = false;
    {
      absl::MutexLock l(&mu_);
      mu_.AwaitWithDeadline(
          absl::Condition(this, &DirectoryService::BackgroundHasWork), next_gc);
      if (stopping_) return;
      checkpoint = checkpoint_due_;
    }
    if (checkpoint) Checkpoint().IgnoreError();  // failures are sticky inside
    if (absl::Now() >= next_gc) {
      CollectGarbage().IgnoreError();  // offline or failed: nothing to do
      next_gc = absl::Now() + options_.gc_interval;
    }
  }
}

// --- the snapshot protocol -------------------------------------------------

void DirectoryService::BeginQuiesce() {
  absl::MutexLock l(&mu_);
  ++quiesce_count_;
}

void DirectoryService::EndQuiesce() {
  absl::MutexLock l(&mu_);
  if (quiesce_count_ > 0) --quiesce_count_;
}

absl::StatusOr<QuiescePoint> DirectoryService::AwaitQuiesced(
    absl::Time deadline) {
  QuiescePoint point;
  {
    absl::MutexLock l(&mu_);
    if (!mu_.AwaitWithDeadline(
            absl::Condition(this, &DirectoryService::NoCheckpointRunning),
            deadline)) {
      return absl::DeadlineExceededError(
          "a checkpoint outlasted the freeze deadline");
    }
    RETURN_IF_ERROR(CheckOnlineLocked());
    point.usn = next_usn_ - 1;
    point.log_generation = log_writer_->generation();
  }
  RETURN_IF_ERROR(WaitDurable(point.usn));
  return point;
}

absl::Status DirectoryService::TruncateLogs(uint64_t before_gen) {
  absl::MutexLock cw(&control_write_mu_);
  ControlBlock block = CurrentControl();
  if (block.checkpoint_gen < before_gen) {
    // Replay would still need generations the backup covers: checkpoint.
    RETURN_IF_ERROR(CheckpointLocked());
    block = CurrentControl();
  }
  uint64_t floor = std::min(before_gen, block.checkpoint_gen);
  if (floor <= block.first_retained_gen) return absl::OkStatus();
  block.first_retained_gen = floor;
  return WriteControl(std::move(block));
}

}  // namespace shadowset
