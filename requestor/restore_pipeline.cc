// RunRestore: the restore pipeline's steps in order (see restore_pipeline.h).

#include "requestor/restore_pipeline.h"

#include <algorithm>
#include <memory>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "engine/backup/backup_set_reader.h"
#include "engine/codes.h"
#include "engine/internal/status_macros.h"
#include "nlohmann/json.hpp"
#include "writers/writer.h"

namespace shadowset {
namespace {

std::string TimeText(absl::Time t) {
  return absl::FormatTime(absl::RFC3339_full, t, absl::UTCTimeZone());
}

// `status` with another message and the same code and payloads.
absl::Status Rewrap(const absl::Status& status, absl::string_view message) {
  absl::Status out(status.code(), message);
  status.ForEachPayload([&out](absl::string_view url, const absl::Cord& p) {
    out.SetPayload(url, p);
  });
  return out;
}

std::string Basename(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The backup ids from the chain's full image to `top`, read from the
// manifests beside it (already checked by OpenVolumeAt).
std::vector<std::string> ChainOf(Env* env, const std::string& parent,
                                 const BackupManifest& top) {
  std::vector<std::string> chain = {top.backup_id};
  std::string base = top.base_backup_id;
  while (!base.empty() && chain.size() < 10000) {
    chain.push_back(base);
    absl::StatusOr<std::string> bytes = ReadFileToString(
        env, JoinPath(JoinPath(parent, base), "manifest.json"));
    if (!bytes.ok()) break;
    absl::StatusOr<BackupManifest> m = ParseManifest(*bytes);
    if (!m.ok()) break;
    base = m->base_backup_id;
  }
  std::reverse(chain.begin(), chain.end());
  return chain;
}

// A subset of the volumes must not split a writer's data: restoring one
// volume of a service beside the current state of its others (a database
// without its logs) leaves it inconsistent. Duplicates are refused too.
absl::Status CheckWholeWriters(const BackupManifest& manifest,
                               const std::vector<std::string>& chosen) {
  std::set<std::string> selected;
  for (const std::string& v : chosen) {
    if (!selected.insert(v).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("volume '", v, "' is named twice"));
    }
  }
  for (const ManifestWriter& w : manifest.writers) {
    std::set<std::string> own;
    const nlohmann::json& components = w.metadata.contains("components")
                                           ? w.metadata["components"]
                                           : nlohmann::json::array();
    for (const nlohmann::json& c : components) {
      if (!c.is_object() || !c.contains("volumes")) continue;
      for (const nlohmann::json& v : c["volumes"]) {
        if (v.is_string() && manifest.FindVolume(v.get<std::string>())) {
          own.insert(v.get<std::string>());
        }
      }
    }
    std::vector<std::string> missing;
    bool any = false;
    for (const std::string& v : own) {
      if (selected.contains(v)) {
        any = true;
      } else {
        missing.push_back(v);
      }
    }
    if (any && !missing.empty()) {
      return MakeError(
          absl::StatusCode::kFailedPrecondition,
          static_cast<uint32_t>(WriterFailure::kInconsistentSnapshot),
          absl::StrCat("writer '", w.id, "' keeps its data on ",
                       absl::StrJoin(own, ", "),
                       ": restore them together (also name ",
                       absl::StrJoin(missing, ", "), ")"));
    }
  }
  return absl::OkStatus();
}

// Step 2's checks of one volume against the engine.
absl::Status CheckGeometry(Engine* engine, const ManifestVolume& v) {
  if (v.block_size != engine->block_size()) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "volume '%s' of the backup has %u-byte blocks, but this data "
        "directory uses %u-byte blocks; restore into a data directory "
        "initialised with --block-size %u",
        v.name, v.block_size, engine->block_size(), v.block_size));
  }
  absl::StatusOr<Volume*> existing = engine->GetVolume(v.name);
  if (existing.ok() &&
      (*existing)->size() != uint64_t{v.block_size} * v.block_count) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "volume '%s' holds %u bytes here, but %u bytes in the backup; a "
        "restore does not resize a volume",
        v.name, (*existing)->size(), uint64_t{v.block_size} * v.block_count));
  }
  return absl::OkStatus();
}

bool Cancelled(const RestoreOptions& o) {
  return o.cancel != nullptr && o.cancel->load();
}

absl::Status CancelledError() {
  return absl::CancelledError(
      "the restore was cancelled (nothing was changed)");
}

// Step 4: one volume into its staging volume, verified block by block.
absl::Status Stage(Engine* engine, Env* env, VolumeStream* stream,
                   RestoreVolumeOutcome& out, TransferProgress& progress,
                   absl::Time start, const RestoreOptions& options) {
  const uint32_t bs = stream->block_size();
  ASSIGN_OR_RETURN(Volume * staging,
                   engine->CreateStagingVolume(stream->volume(), out.bytes));
  while (true) {
    if (Cancelled(options)) return CancelledError();
    ASSIGN_OR_RETURN(std::optional<BlockRun> run, stream->Next());
    if (!run) break;
    if (run->zero) {
      out.zero_blocks += run->block_count;  // a fresh volume reads zeros
    } else {
      RETURN_IF_ERROR(staging->Write(run->first_block * bs, run->data));
      out.data_blocks += run->block_count;
    }
    progress.bytes_done += run->block_count * bs;
    progress.elapsed = env->Now() - start;
    if (options.progress) options.progress(progress);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<RestoreOutcome> RunRestore(Engine* engine,
                                          WriterRegistry* writers,
                                          const RestoreOptions& options) {
  Env* const env = options.env != nullptr ? options.env : Env::Default();
  const absl::Time start = env->Now();
  if (options.backup_dir.empty()) {
    return MakeError(absl::StatusCode::kInvalidArgument, kErrorInvalidParameter,
                     "the restore needs a backup directory");
  }
  std::string dir = options.backup_dir;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  const std::string parent = DirName(dir);

  // 1. The clock.
  const absl::Time now = options.now.value_or(start);
  const absl::Time high_water = engine->ClockHighWater();
  if (now < high_water) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the clock (", TimeText(now),
        ") is earlier than the latest time this "
        "data directory recorded (",
        TimeText(high_water),
        "): it was set back, so a backup's expiry cannot be judged; fix the "
        "clock and retry"));
  }

  // 2. Token and manifest first, then every volume's chain, then geometry.
  BackupReadOptions read_options;
  read_options.key = options.key;
  read_options.read_buffer_size = options.read_buffer_size;
  ASSIGN_OR_RETURN(std::unique_ptr<BackupSetReader> set,
                   BackupSetReader::Open(env, dir, read_options, now));
  const BackupManifest& manifest = set->manifest();
  RestoreOutcome out;
  out.backup_id = manifest.backup_id;
  out.set_id = manifest.set_id;
  out.type = manifest.type;
  out.created = manifest.created;
  out.expires = manifest.expires;
  std::vector<std::string> volumes = options.volumes;
  if (volumes.empty()) {
    for (const ManifestVolume& v : manifest.volumes) volumes.push_back(v.name);
  }
  RETURN_IF_ERROR(CheckWholeWriters(manifest, volumes));
  std::vector<std::unique_ptr<VolumeStream>> streams;
  for (const std::string& name : volumes) {
    const ManifestVolume* v = manifest.FindVolume(name);
    if (v == nullptr) {
      return MakeError(absl::StatusCode::kNotFound, kVssObjectNotFound,
                       absl::StrCat("backup ", manifest.backup_id,
                                    " holds no volume '", name, "'"));
    }
    RETURN_IF_ERROR(CheckGeometry(engine, *v));
    ASSIGN_OR_RETURN(
        std::unique_ptr<VolumeStream> stream,
        OpenVolumeAt(env, parent, Basename(dir), name, read_options, now));
    streams.push_back(std::move(stream));
    out.volumes.push_back(
        {name, uint64_t{v->block_size} * v->block_count, 0, 0});
  }
  out.chain = ChainOf(env, parent, manifest);

  // 3. PreRestore.
  RestoreContext ctx;
  ctx.backup_id = manifest.backup_id;
  ctx.type = static_cast<BackupType>(manifest.type);
  ctx.data_dir = options.data_dir;
  ctx.volumes = volumes;
  ctx.deadline = start + options.timeout;
  WriterSession session(writers, options.framework, env);
  RETURN_IF_ERROR(session.Identify(ctx.deadline));
  absl::Status pre = session.PreRestore(ctx);
  for (const WriterStatus& s : session.Status()) {
    if (s.involved) out.writers.push_back(s.metadata.name);
  }
  // Writers that got PreRestore resume on their unchanged data.
  auto resume = [&](absl::Status cause) {
    engine->DropStagingVolumes().IgnoreError();
    session.PostRestore(ctx).IgnoreError();
    return cause;
  };
  if (!pre.ok()) return resume(pre);

  // 4. Staging, verified while written.
  const absl::Time stage_start = env->Now();
  TransferProgress progress;
  for (const RestoreVolumeOutcome& v : out.volumes)
    progress.bytes_total += v.bytes;
  for (size_t i = 0; i < streams.size(); ++i) {
    progress.volume = out.volumes[i].name;
    absl::Status st = Stage(engine, env, streams[i].get(), out.volumes[i],
                            progress, stage_start, options);
    if (!st.ok()) return resume(st);
    out.bytes_written +=
        out.volumes[i].data_blocks * uint64_t{streams[i]->block_size()};
  }
  out.stage_time = env->Now() - stage_start;
  progress.done = true;
  if (options.progress) options.progress(progress);

  // 5. One switch-in, unless cancelled.
  if (Cancelled(options)) return resume(CancelledError());
  const absl::Time switch_start = env->Now();
  if (absl::Status st = engine->SwitchInStagingVolumes(volumes); !st.ok()) {
    return resume(st);
  }
  out.switch_time = env->Now() - switch_start;
  engine
      ->RecordEvent(EventKind::kRestore, manifest.set_id,
                    absl::StrJoin(volumes, ","),
                    absl::StrCat("restored ", BackupSetTypeName(manifest.type),
                                 " backup ", manifest.backup_id, " from ", dir))
      .IgnoreError();  // the switch-in recorded its own event

  // 6. Services back on the restored volumes.
  auto restored_but = [&](absl::string_view what, const absl::Status& st) {
    return Rewrap(st, absl::StrCat("the volumes were restored from backup ",
                                   manifest.backup_id, ", but ", what, ": ",
                                   st.message()));
  };
  if (options.after_switch_in) {
    if (absl::Status st = options.after_switch_in(volumes); !st.ok()) {
      return restored_but("reopening their services failed", st);
    }
    WriterSession reopened(writers, options.framework, env);
    absl::Status st = reopened.Identify(ctx.deadline);
    if (st.ok()) {
      reopened.Involve(volumes);
      st = reopened.PostRestore(ctx);
    }
    if (!st.ok()) return restored_but("the writers did not come back", st);
  } else if (absl::Status st = session.PostRestore(ctx); !st.ok()) {
    return restored_but("a writer failed at PostRestore", st);
  }
  out.total_time = env->Now() - start;
  return out;
}

}  // namespace shadowset
