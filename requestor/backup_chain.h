// The backup chain of an engine (docs/backup-pipeline.md "The chain"):
// which published backup a new incremental or differential one continues,
// when it must be promoted to a full one instead, and which snapshot sets
// the chain keeps alive.
//
// The engine's catalog of backup records (Engine::RecordBackup /
// ListBackups) is the chain; every record names the snapshot set it was
// taken from. COPY backups are recorded but never continued.
//   * An INCREMENTAL continues the latest FULL or INCREMENTAL backup; a
//     DIFFERENTIAL the latest FULL. Either holds deltas of
//     Engine::ChangedBlocks(base set, new set, volume), which is complete
//     only while the base set is alive (DESIGN I5).
//   * The base must still be usable: its snapshot set alive and its set
//     published in the destination (<destination>/<base id>/manifest.json,
//     of that snapshot set). Otherwise the backup is promoted to FULL.
//   * The chain keeps exactly the sets a future backup can continue: the
//     latest full backup's and the latest incremental's after it. Every
//     other set a recorded backup was taken from is released.
//
//   ASSIGN_OR_RETURN(ChainPlan plan,
//                    PlanChain(env, engine, "/backups",
//                    BackupSetType::kIncremental));
//   ... commit the new set, list changed blocks ...
//   if (plan.base && !SetAlive(engine, plan.base->set)) { ... promote ... }
//   ... publish, RecordBackup ...
//   ASSIGN_OR_RETURN(std::vector<SetId> released,
//   ReleaseUnneededChainSets(engine));
//
// Thread safety: free functions; run at most one backup per engine at a
// time (they read the catalog and delete sets).

#ifndef SHADOWSET_REQUESTOR_BACKUP_CHAIN_H_
#define SHADOWSET_REQUESTOR_BACKUP_CHAIN_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/backup/manifest.h"
#include "engine/engine.h"
#include "engine/env.h"
#include "engine/types.h"

namespace shadowset {

// What a backup of a requested type becomes.
struct ChainPlan {
  BackupSetType type = BackupSetType::kFull;  // the type to write
  // The requested type, when a requested incremental or differential is
  // written as a full backup; nullopt otherwise.
  std::optional<BackupSetType> promoted_from;
  std::string promotion_reason;  // why, when promoted
  // The backup continued (incremental and differential only) and its
  // manifest as published in the destination.
  std::optional<BackupRecord> base;
  std::optional<BackupManifest> base_manifest;
};

// Plans a backup of `requested` type to be published in `destination`
// (see the banner). FULL and COPY plan as themselves.
// Errors: I/O errors reading the destination (a missing or unreadable
// base is not an error: it promotes).
absl::StatusOr<ChainPlan> PlanChain(Env* env, Engine* engine,
                                    const std::string& destination,
                                    BackupSetType requested);

// Turns `plan` into a full backup promoted from its type for `reason`
// (a no-op for a plan that is already full or a copy).
void Promote(ChainPlan& plan, std::string reason);

// Whether snapshot set `id` is alive in `engine`.
bool SetAlive(Engine* engine, const SetId& id);

// The snapshot sets the chain keeps for future backups, given the
// catalog's records: the latest full backup's set and the latest
// incremental's after it (one set when there is no such incremental; none
// without a full backup).
std::vector<SetId> ChainSetsNeeded(const std::vector<BackupRecord>& records);

// Deletes every live snapshot set that a recorded backup was taken from
// and ChainSetsNeeded does not list; returns the ids deleted. Sets no
// backup record names (taken by other means) are never touched.
// Errors: the engine's error deleting a set (those before it stay deleted).
absl::StatusOr<std::vector<SetId>> ReleaseUnneededChainSets(Engine* engine);

// Deletes the live snapshot sets of backups that crashed after their
// commit and before their record in the catalog (such a set is persistent
// and unused): the sets named by set markers in `destination` (written
// right after each commit; the markers are removed) and those of sets
// published there but not recorded. Returns the ids deleted. Sets no
// marker or manifest names are never touched.
// Errors: I/O errors listing `destination` or removing a marker; the
// engine's error deleting a set.
absl::StatusOr<std::vector<SetId>> ReleaseUnrecordedSets(
    Env* env, Engine* engine, const std::string& destination);

}  // namespace shadowset

#endif  // SHADOWSET_REQUESTOR_BACKUP_CHAIN_H_
