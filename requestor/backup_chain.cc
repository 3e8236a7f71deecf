#include "requestor/backup_chain.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/internal/status_macros.h"
#include "requestor/internal/set_marker.h"

namespace shadowset {
namespace {

constexpr absl::string_view kPartialSuffix = ".partial";

BackupSetType TypeOf(const BackupRecord& r) {
  return static_cast<BackupSetType>(r.type);
}

absl::flat_hash_set<SetId> RecordedSets(
    const std::vector<BackupRecord>& records) {
  absl::flat_hash_set<SetId> sets;
  for (const BackupRecord& r : records) sets.insert(r.set);
  return sets;
}

}  // namespace

void Promote(ChainPlan& plan, std::string reason) {
  if (plan.type != BackupSetType::kIncremental &&
      plan.type != BackupSetType::kDifferential) {
    return;
  }
  plan.promoted_from = plan.type;
  plan.type = BackupSetType::kFull;
  plan.promotion_reason = std::move(reason);
  plan.base.reset();
  plan.base_manifest.reset();
}

bool SetAlive(Engine* engine, const SetId& id) {
  return engine->GetSnapshotSet(id).ok();
}

absl::StatusOr<ChainPlan> PlanChain(Env* env, Engine* engine,
                                    const std::string& destination,
                                    BackupSetType requested) {
  ChainPlan plan;
  plan.type = requested;
  if (requested != BackupSetType::kIncremental &&
      requested != BackupSetType::kDifferential) {
    return plan;
  }
  // Records are sorted by creation: the last eligible one is the base.
  const std::vector<BackupRecord> records = engine->ListBackups();
  const BackupRecord* base = nullptr;
  for (const BackupRecord& r : records) {
    if (TypeOf(r) == BackupSetType::kFull ||
        (requested == BackupSetType::kIncremental &&
         TypeOf(r) == BackupSetType::kIncremental)) {
      base = &r;
    }
  }
  if (base == nullptr) {
    Promote(plan, "no full backup is recorded for it to continue");
    return plan;
  }
  if (!SetAlive(engine, base->set)) {
    Promote(plan, absl::StrCat("snapshot set ", base->set.ToString(),
                               " of base backup '", base->id,
                               "' no longer exists (deleted to make room in "
                               "the diff area, or by a restore)"));
    return plan;
  }
  const std::string manifest_path =
      JoinPath(JoinPath(destination, base->id), "manifest.json");
  absl::StatusOr<std::string> bytes = ReadFileToString(env, manifest_path);
  if (!bytes.ok()) {
    Promote(plan,
            absl::IsNotFound(bytes.status())
                ? absl::StrCat("base backup '", base->id,
                               "' is not published in ", destination)
                : absl::StrCat("base backup '", base->id,
                               "' cannot be read: ", bytes.status().message()));
    return plan;
  }
  absl::StatusOr<BackupManifest> manifest = ParseManifest(*bytes);
  if (!manifest.ok()) {
    Promote(plan, absl::StrCat("base backup '", base->id,
                               "' has an unusable manifest: ",
                               manifest.status().message()));
    return plan;
  }
  if (manifest->backup_id != base->id || manifest->set_id != base->set) {
    Promote(plan, absl::StrCat(JoinPath(destination, base->id),
                               " holds another backup than the catalog's '",
                               base->id, "'"));
    return plan;
  }
  plan.base = *base;
  plan.base_manifest = std::move(*manifest);
  return plan;
}

std::vector<SetId> ChainSetsNeeded(const std::vector<BackupRecord>& records) {
  const BackupRecord* full = nullptr;
  const BackupRecord* incremental = nullptr;
  for (const BackupRecord& r : records) {
    if (TypeOf(r) == BackupSetType::kFull) {
      full = &r;
      incremental = nullptr;
    } else if (TypeOf(r) == BackupSetType::kIncremental && full != nullptr) {
      incremental = &r;
    }
  }
  std::vector<SetId> needed;
  if (full != nullptr) needed.push_back(full->set);
  if (incremental != nullptr && incremental->set != full->set) {
    needed.push_back(incremental->set);
  }
  return needed;
}

absl::StatusOr<std::vector<SetId>> ReleaseUnneededChainSets(Engine* engine) {
  const std::vector<BackupRecord> records = engine->ListBackups();
  const std::vector<SetId> needed = ChainSetsNeeded(records);
  const absl::flat_hash_set<SetId> recorded = RecordedSets(records);
  std::vector<SetId> released;
  for (const SnapshotSetInfo& set : engine->ListSnapshotSets()) {
    if (!recorded.contains(set.id) ||
        std::find(needed.begin(), needed.end(), set.id) != needed.end()) {
      continue;
    }
    absl::Status st = engine->DeleteSnapshotSet(set.id);
    if (absl::IsNotFound(st)) continue;  // deleted meanwhile (the cap)
    RETURN_IF_ERROR(st);
    released.push_back(set.id);
  }
  return released;
}

absl::StatusOr<std::vector<SetId>> ReleaseUnrecordedSets(
    Env* env, Engine* engine, const std::string& destination) {
  const absl::flat_hash_set<SetId> recorded =
      RecordedSets(engine->ListBackups());
  absl::flat_hash_set<SetId> candidates;
  for (const SnapshotSetInfo& set : engine->ListSnapshotSets()) {
    if (!recorded.contains(set.id)) candidates.insert(set.id);
  }
  std::vector<SetId> released;
  auto release = [&](const SetId& id) -> absl::Status {
    if (!candidates.contains(id)) return absl::OkStatus();
    absl::Status st = engine->DeleteSnapshotSet(id);
    if (!st.ok() && !absl::IsNotFound(st)) return st;
    candidates.erase(id);
    released.push_back(id);
    return absl::OkStatus();
  };
  absl::StatusOr<std::vector<std::string>> entries = env->ListDir(destination);
  if (absl::IsNotFound(entries.status())) return released;
  RETURN_IF_ERROR(entries.status());
  // Markers of backups that crashed between their commit and their record.
  bool removed_marker = false;
  for (const std::string& name : *entries) {
    if (!internal::IsSetMarkerName(name)) continue;
    const std::string path = JoinPath(destination, name);
    absl::StatusOr<std::optional<SetId>> set =
        internal::ReadSetMarker(env, path);
    if (absl::IsNotFound(set.status())) continue;
    // An unreadable marker stays: it may be the only pointer to its set.
    RETURN_IF_ERROR(set.status());
    if (set->has_value()) RETURN_IF_ERROR(release(**set));
    RETURN_IF_ERROR(env->RemoveFile(path));
    removed_marker = true;
  }
  if (removed_marker) RETURN_IF_ERROR(env->SyncDir(destination));
  // Published sets whose record is missing.
  for (const std::string& name : *entries) {
    if (candidates.empty()) break;
    if (absl::StartsWith(name, ".") || absl::EndsWith(name, kPartialSuffix)) {
      continue;
    }
    absl::StatusOr<std::string> bytes = ReadFileToString(
        env, JoinPath(JoinPath(destination, name), "manifest.json"));
    if (!bytes.ok()) continue;  // not a backup set
    absl::StatusOr<BackupManifest> manifest = ParseManifest(*bytes);
    if (!manifest.ok()) continue;
    RETURN_IF_ERROR(release(manifest->set_id));
  }
  return released;
}

}  // namespace shadowset
