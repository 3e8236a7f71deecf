// RunBackup: the backup pipeline's steps in order (see backup_pipeline.h).

#include "requestor/backup_pipeline.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "engine/backup/backup_set_writer.h"
#include "engine/codes.h"
#include "engine/internal/status_macros.h"
#include "requestor/backup_chain.h"
#include "requestor/internal/backup_selection.h"
#include "requestor/internal/set_marker.h"
#include "requestor/internal/snapshot_copier.h"
#include "requestor/requestor.h"
#include "requestor/writer_metadata_json.h"

namespace shadowset {
namespace {

using internal::CopyRun;

bool Cancelled(const BackupOptions& o) {
  return o.cancel != nullptr && o.cancel->load();
}

absl::Status CancelledError() {
  return absl::CancelledError("the backup was cancelled");
}

absl::Status Invalid(absl::string_view message) {
  return MakeError(absl::StatusCode::kInvalidArgument, kErrorInvalidParameter,
                   message);
}

absl::Status ValidateOptions(const BackupOptions& o, uint32_t block_size) {
  if (o.destination.empty()) {
    return Invalid("the backup needs a destination directory");
  }
  if (!ToBackupSetType(o.type)) {
    return Invalid(absl::StrCat(
        "backup type '", BackupTypeName(o.type),
        "' is not supported (use full, incremental, differential or copy)"));
  }
  if (o.read_run_size == 0 || o.read_run_size % block_size != 0) {
    return Invalid(absl::StrFormat(
        "read run size %u is not a positive multiple of the block size %u",
        o.read_run_size, block_size));
  }
  if (o.read_buffers < 2) return Invalid("the backup needs two read buffers");
  if (o.write_buffer_size < 4096) {
    return Invalid(absl::StrFormat(
        "write buffer size %u is below 4096 bytes", o.write_buffer_size));
  }
  if (!o.key.empty() && o.key.size() < 16) {
    return Invalid(absl::StrFormat(
        "the key holds %u bytes; a key needs at least 16", o.key.size()));
  }
  if (o.expires_in && *o.expires_in <= absl::ZeroDuration()) {
    return Invalid("expires-in must be positive");
  }
  if (!o.backup_id.empty())
    RETURN_IF_ERROR(internal::CheckNewBackupId(o.backup_id));
  return absl::OkStatus();
}

// The destination exists as a directory afterwards (made durable if it
// was created).
absl::Status EnsureDestination(Env* env, const std::string& dir) {
  ASSIGN_OR_RETURN(FileType type, env->GetFileType(dir));
  if (type == FileType::kDirectory) return absl::OkStatus();
  if (type != FileType::kMissing) {
    return absl::FailedPreconditionError(
        absl::StrCat("backup destination ", dir, " is not a directory"));
  }
  std::string trimmed = dir;  // "/b/new/" names /b/new, in /b
  while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
  const std::string parent = DirName(trimmed);
  ASSIGN_OR_RETURN(FileType parent_type, env->GetFileType(parent));
  if (parent_type != FileType::kDirectory) {
    return absl::NotFoundError(absl::StrCat("cannot create backup destination ",
                                            dir, ": ", parent,
                                            " does not exist"));
  }
  absl::Status st = env->CreateDir(trimmed);
  if (!st.ok() && !absl::IsAlreadyExists(st)) return st;
  return env->SyncDir(parent);
}

// The manifest's writer list: one entry per involved writer, ids unique.
std::vector<ManifestWriter> ManifestWriters(
    const std::vector<WriterStatus>& statuses) {
  std::vector<ManifestWriter> out;
  for (const WriterStatus& s : statuses) {
    if (!s.involved) continue;
    ManifestWriter w;
    w.id = ManifestWriterId(s.metadata);
    for (int n = 2;
         std::any_of(out.begin(), out.end(),
                     [&](const ManifestWriter& o) { return o.id == w.id; });
         ++n) {
      w.id = absl::StrCat(ManifestWriterId(s.metadata), "-", n);
    }
    w.restore_lifetime = s.metadata.restore_lifetime;
    w.metadata = WriterMetadataToJson(s.metadata);
    out.push_back(std::move(w));
  }
  return out;
}

std::string RecordDetails(const BackupOutcome& b) {
  nlohmann::json writers = nlohmann::json::array();
  for (const WriterOutcome& w : b.writers) writers.push_back(w.id);
  nlohmann::json doc = {
      {"requested", std::string(BackupTypeName(b.requested))},
      {"promoted_from",
       b.promoted_from
           ? nlohmann::json(std::string(BackupSetTypeName(*b.promoted_from)))
           : nlohmann::json()},
      {"keyed", b.keyed},
      {"bytes_written", b.bytes_written},
      {"writers", writers}};
  return doc.dump();
}

// Everything between the commit and publication, with the set writer that
// aborts (removes the .partial directory) unless published.
class Copier {
 public:
  Copier(Env* env, Engine* engine, const BackupOptions& options,
         BackupOutcome& out)
      : env_(env), engine_(engine), options_(options), out_(out) {}

  // Step 4: the changed blocks of each volume the base holds alike.
  absl::Status ListChanges(ChainPlan& plan, const SnapshotSetInfo& set,
                           const std::vector<std::string>& volumes) {
    if (!plan.base) return absl::OkStatus();
    for (const std::string& v : volumes) {
      const ManifestVolume* in_base = plan.base_manifest->FindVolume(v);
      ASSIGN_OR_RETURN(Volume * volume, engine_->GetVolume(v));
      if (in_base == nullptr || in_base->block_size != volume->block_size() ||
          in_base->block_count != volume->block_count()) {
        continue;  // new to the chain: an image
      }
      absl::StatusOr<std::vector<uint64_t>> blocks =
          engine_->ChangedBlocks(plan.base->set, set.id, v);
      if (absl::IsNotFound(blocks.status()) &&
          !SetAlive(engine_, plan.base->set)) {
        break;  // the base vanished: promoted below
      }
      RETURN_IF_ERROR(blocks.status());
      changed_[v] = std::move(*blocks);
    }
    // The lists are complete only if the base was alive throughout (I5).
    if (!SetAlive(engine_, plan.base->set)) {
      Promote(plan, absl::StrCat("snapshot set ", plan.base->set.ToString(),
                                 " of base backup '", plan.base->id,
                                 "' was deleted while the backup listed its "
                                 "changes"));
      changed_.clear();
    }
    return absl::OkStatus();
  }

  // Step 5: every volume into a new set writer.
  absl::Status Copy(const SetId& set_id, BackupSetOptions set_options,
                    const std::vector<std::string>& volumes) {
    const uint32_t bs = engine_->block_size();
    struct Planned {
      std::string name;
      bool delta = false;
      uint64_t block_count = 0;
      std::vector<CopyRun> runs;
    };
    std::vector<Planned> planned;
    const uint64_t max_blocks = options_.read_run_size / bs;
    uint64_t total = 0;
    for (const std::string& v : volumes) {
      ASSIGN_OR_RETURN(Volume * volume, engine_->GetVolume(v));
      Planned p{v, changed_.contains(v), volume->block_count(), {}};
      p.runs = p.delta ? internal::DeltaRuns(changed_[v], max_blocks)
                       : internal::ImageRuns(p.block_count, max_blocks);
      for (const CopyRun& r : p.runs) total += r.block_count * bs;
      planned.push_back(std::move(p));
    }
    // A set of small volumes needs no 4 MiB write buffers (they are zeroed
    // per file).
    uint64_t largest = 0;
    for (const Planned& p : planned) {
      uint64_t bytes = 0;
      for (const CopyRun& r : p.runs) bytes += r.block_count * bs;
      largest = std::max(largest, bytes);
    }
    set_options.write_buffer_size = static_cast<size_t>(std::clamp<uint64_t>(
        (largest + 4095) / 4096 * 4096, 4096, options_.write_buffer_size));
    ASSIGN_OR_RETURN(writer_,
                     BackupSetWriter::Create(env_, options_.destination,
                                             std::move(set_options)));
    internal::CopyOptions copy;
    copy.buffer_bytes = options_.read_run_size;
    copy.buffers = options_.read_buffers;
    copy.cancel = options_.cancel;
    const absl::Time start = env_->Now();
    TransferProgress progress;
    progress.bytes_total = total;
    for (const Planned& p : planned) {
      ASSIGN_OR_RETURN(std::unique_ptr<Snapshot> snap,
                       engine_->OpenSnapshot(set_id, p.name));
      RETURN_IF_ERROR(p.delta ? writer_->BeginDelta(p.name, bs, p.block_count)
                              : writer_->BeginImage(p.name, bs, p.block_count));
      progress.volume = p.name;
      BackupVolumeOutcome vo{
          p.name, p.delta ? VolumeFileKind::kDelta : VolumeFileKind::kImage, 0,
          0};
      RETURN_IF_ERROR(internal::CopyRuns(
          env_, snap.get(), p.runs, copy, writer_.get(), [&](uint64_t bytes) {
            vo.bytes_read += bytes;
            progress.bytes_done += bytes;
            progress.elapsed = env_->Now() - start;
            if (options_.progress) options_.progress(progress);
          }));
      RETURN_IF_ERROR(writer_->EndVolume());
      vo.blocks_read = vo.bytes_read / bs;
      out_.bytes_read += vo.bytes_read;
      out_.volumes.push_back(std::move(vo));
    }
    out_.copy_time = env_->Now() - start;
    progress.elapsed = out_.copy_time;
    progress.done = true;
    if (options_.progress) options_.progress(progress);
    return absl::OkStatus();
  }

  BackupSetWriter* writer() { return writer_.get(); }

 private:
  Env* const env_;
  Engine* const engine_;
  const BackupOptions& options_;
  BackupOutcome& out_;
  std::map<std::string, std::vector<uint64_t>> changed_;
  std::unique_ptr<BackupSetWriter> writer_;
};

}  // namespace

std::optional<BackupSetType> ToBackupSetType(BackupType type) {
  switch (type) {
    case BackupType::kFull:
      return BackupSetType::kFull;
    case BackupType::kIncremental:
      return BackupSetType::kIncremental;
    case BackupType::kDifferential:
      return BackupSetType::kDifferential;
    case BackupType::kCopy:
      return BackupSetType::kCopy;
    case BackupType::kLog:
      break;
  }
  return std::nullopt;
}

absl::StatusOr<BackupOutcome> RunBackup(Engine* engine, WriterRegistry* writers,
                                        const BackupOptions& options) {
  Env* const env = options.env != nullptr ? options.env : Env::Default();
  const absl::Time start = env->Now();
  RETURN_IF_ERROR(ValidateOptions(options, engine->block_size()));
  if (Cancelled(options)) return CancelledError();
  BackupOutcome out;
  out.requested = options.type;
  out.keyed = !options.key.empty();
  out.backup_id = options.backup_id.empty() ? internal::GenerateBackupId(start)
                                            : options.backup_id;
  out.dir = JoinPath(options.destination, out.backup_id);

  // 1. A clean destination and no sets left behind by a crash.
  RETURN_IF_ERROR(EnsureDestination(env, options.destination));
  ASSIGN_OR_RETURN(FileType existing, env->GetFileType(out.dir));
  if (existing != FileType::kMissing) {
    return MakeError(absl::StatusCode::kAlreadyExists, kErrorAlreadyExists,
                     absl::StrCat("backup ", out.dir, " already exists"));
  }
  RETURN_IF_ERROR(RemoveStalePartials(env, options.destination).status());
  RETURN_IF_ERROR(
      ReleaseUnrecordedSets(env, engine, options.destination).status());
  RETURN_IF_ERROR(ReleaseUnneededChainSets(engine).status());

  // 2. The chain.
  ASSIGN_OR_RETURN(ChainPlan plan, PlanChain(env, engine, options.destination,
                                             *ToBackupSetType(options.type)));

  // 3. The snapshot protocol.
  RequestorOptions ro;
  ro.env = env;
  ro.timeout = options.timeout;
  ro.hold_timeout = options.hold_timeout;
  ro.framework = options.framework;
  ro.backup_id = out.backup_id;
  ro.persistence = SetPersistence::kByType;
  Requestor requestor(engine, writers, ro);
  ASSIGN_OR_RETURN(std::vector<WriterMetadata> metadata,
                   requestor.GatherWriterMetadata());
  ASSIGN_OR_RETURN(std::vector<std::string> volumes,
                   internal::SelectVolumes(engine, metadata, options.volumes,
                                           options.writers));
  RETURN_IF_ERROR(
      internal::CheckExpiresIn(metadata, volumes, options.expires_in));
  RETURN_IF_ERROR(requestor.StartSnapshotSet());
  for (const std::string& v : volumes) {
    RETURN_IF_ERROR(requestor.AddToSnapshotSet(v));
  }
  RETURN_IF_ERROR(requestor.PrepareForBackup(options.type));
  if (Cancelled(options)) {
    requestor.AbortBackup().IgnoreError();
    return CancelledError();
  }
  const absl::Time snap_start = env->Now();
  ASSIGN_OR_RETURN(SnapshotSetInfo set, requestor.DoSnapshotSet());
  out.snapshot_time = env->Now() - snap_start;
  out.commit_time = requestor.commit_time();
  out.set_id = set.id;
  out.created = set.created;

  // From here every failure before publication aborts the backup: the
  // writers get Abort and the new set is deleted (by AbortBackup); the
  // set writer's destructor removes the .partial directory. The set marker
  // lets the next backup release the set if this one crashes.
  Copier copier(env, engine, options, out);
  auto abort = [&](absl::Status cause) {
    if (copier.writer() != nullptr) copier.writer()->Abort().IgnoreError();
    requestor.AbortBackup().IgnoreError();
    // The marker is the set's only pointer if deleting it failed: then it
    // stays for the next backup to release the set.
    if (!SetAlive(engine, set.id)) {
      internal::RemoveSetMarker(env, options.destination, out.backup_id)
          .IgnoreError();
    }
    return cause;
  };
  if (absl::Status st = internal::WriteSetMarker(env, options.destination,
                                                 out.backup_id, set.id);
      !st.ok()) {
    return abort(st);
  }
  absl::StatusOr<std::vector<WriterStatus>> statuses =
      requestor.GatherWriterStatus();
  if (!statuses.ok()) return abort(statuses.status());
  const std::vector<ManifestWriter> manifest_writers =
      ManifestWriters(*statuses);

  // 4. Changed blocks for a delta (or promotion).
  if (absl::Status st = copier.ListChanges(plan, set, volumes); !st.ok()) {
    return abort(st);
  }
  out.type = plan.type;
  out.promoted_from = plan.promoted_from;
  out.promotion_reason = plan.promotion_reason;
  if (plan.base) out.base_backup_id = plan.base->id;

  // 5. The copy.
  BackupSetOptions so;
  so.backup_id = out.backup_id;
  so.set_id = set.id;
  so.type = plan.type;
  so.promoted_from = plan.promoted_from;
  so.base_backup_id = out.base_backup_id;
  so.created = set.created;
  so.writers = manifest_writers;
  so.expires_in = options.expires_in;
  so.key = options.key;
  so.write_buffer_size = options.write_buffer_size;
  so.detect_zero_blocks = true;
  so.background_writes =
      options.background_writes.value_or(!options.key.empty());
  if (absl::Status st = copier.Copy(set.id, std::move(so), volumes); !st.ok()) {
    return abort(st);
  }
  out.copy_bytes_per_second = out.copy_time > absl::ZeroDuration()
                                  ? static_cast<double>(out.bytes_read) /
                                        absl::ToDoubleSeconds(out.copy_time)
                                  : 0;

  // 6. Publication (BackupSetWriter::Publish keeps the order of §2.7);
  // the last point at which a cancellation is honoured.
  if (Cancelled(options)) return abort(CancelledError());
  const absl::Time publish_start = env->Now();
  absl::StatusOr<PublishedBackup> published = copier.writer()->Publish();
  if (!published.ok()) return abort(published.status());
  out.publish_time = env->Now() - publish_start;
  out.dir = published->dir;
  out.expires = published->token.expires;
  out.bytes_written = published->bytes_written;
  for (const ManifestWriter& w : manifest_writers) {
    out.writers.push_back({w.id, w.metadata.value("name", ""),
                           WriterState::kUnknown, absl::ZeroDuration()});
  }

  // 7. Only now the catalog: "backup complete, base = S".
  BackupRecord record;
  record.id = out.backup_id;
  record.set = set.id;
  record.type = static_cast<uint32_t>(plan.type);
  record.base_id = out.base_backup_id;
  record.path = out.dir;
  record.created = set.created;
  record.expires = out.expires;
  record.volumes = volumes;
  record.details = RecordDetails(out);
  if (absl::Status st = engine->RecordBackup(record); !st.ok()) {
    requestor.BackupComplete({.succeeded = false, .backup_dir = out.dir})
        .IgnoreError();
    internal::RemoveSetMarker(env, options.destination, out.backup_id)
        .IgnoreError();
    absl::Status failed(
        st.code(),
        absl::StrCat("backup ", out.backup_id, " was published in ", out.dir,
                     " but could not be recorded in the catalog (it is not "
                     "part of the chain): ",
                     st.message()));
    st.ForEachPayload([&failed](absl::string_view url, const absl::Cord& p) {
      failed.SetPayload(url, p);
    });
    return failed;
  }
  if (plan.promoted_from) {
    absl::Status st = engine->RecordEvent(
        EventKind::kPromotedToFull, set.id, absl::StrJoin(volumes, ","),
        absl::StrCat("requested ", BackupSetTypeName(*plan.promoted_from),
                     " backup ", out.backup_id,
                     " taken as full: ", plan.promotion_reason));
    if (!st.ok()) out.warnings.push_back(std::string(st.message()));
  }

  // 8. Only now the writers hear of it (the directory truncates its logs).
  if (absl::Status st =
          requestor.BackupComplete({.succeeded = true, .backup_dir = out.dir});
      !st.ok()) {
    out.warnings.push_back(absl::StrCat("BackupComplete: ", st.message()));
  }
  if (absl::StatusOr<std::vector<WriterStatus>> after =
          requestor.GatherWriterStatus();
      after.ok()) {
    size_t i = 0;
    for (const WriterStatus& s : *after) {
      if (!s.involved || i >= out.writers.size()) continue;
      out.writers[i].state = s.state;
      out.writers[i].freeze_window = s.freeze_window;
      ++i;
    }
  }

  // 9. Only now the chain's sets: keep the bases, release the rest.
  absl::StatusOr<std::vector<SetId>> released =
      ReleaseUnneededChainSets(engine);
  if (released.ok()) {
    out.released_sets = std::move(*released);
  } else {
    out.warnings.push_back(
        absl::StrCat("releasing snapshot sets: ", released.status().message()));
  }
  out.set_kept = SetAlive(engine, set.id);

  // 10. The end of the backup object's life.
  if (absl::Status st = requestor.BackupShutdown(); !st.ok()) {
    out.warnings.push_back(absl::StrCat("BackupShutdown: ", st.message()));
  }
  if (absl::Status st =
          internal::RemoveSetMarker(env, options.destination, out.backup_id);
      !st.ok()) {
    out.warnings.push_back(
        absl::StrCat("removing the set marker: ", st.message()));
  }
  out.total_time = env->Now() - start;
  return out;
}

}  // namespace shadowset
