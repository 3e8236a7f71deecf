// RunDemo: the whole product on an embedded default - three live services
// backed up consistently while they keep working, restored, and proven
// identical to the snapshot instant. `shadowset demo` runs it.
//
//   DemoOptions o;
//   o.dir = "/var/tmp/shadowset-demo-1234";   // empty or absent
//   o.scale = DemoScale::kMedium;
//   ASSIGN_OR_RETURN(DemoReport report, RunDemo(o, &observer));
//   report.passed();                          // every check held
//   std::cout << FormatSummary(report);       // summary.h
//
// The phases, in order (each announced to the observer):
//   1. An engine in <dir>/data and the three services on its volumes, with
//      the scale's data (populate.h).
//   2. The load: each service's load generator on its own thread (load.h).
//   3. Writer metadata: what each writer declares (Identify).
//   4. A raw sequential read of the volumes, the yardstick of the backup's
//      throughput (twice: the first pass fills the page cache, so the
//      measured one finds it as the backup will).
//   5. A full backup under load, after the services worked for a while:
//      prepare, a snapshot set with every writer frozen in parallel, the
//      copy, the set published with its signed token (RunBackup).
//   6. An incremental backup under continued load.
//   7. The load stops; both sets are verified (VerifyBackupSet).
//   8. Both are restored, in turn, into the fresh data directory
//      <dir>/restored, and each restore is proven (proofs.h) against the
//      sequence numbers the writers recorded at Freeze.
//   9. Both data directories are scrubbed (Engine::Check).
//
// <dir> keeps what the demo made (data/, backups/, restored/ and
// backup.key, the token key); the caller removes it.
//
// Thread safety: a free function; the observer is called on the calling
// thread.

#ifndef SHADOWSET_REQUESTOR_DEMO_DEMO_H_
#define SHADOWSET_REQUESTOR_DEMO_DEMO_H_

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/backup/verify.h"
#include "engine/env.h"
#include "requestor/backup_pipeline.h"
#include "requestor/demo/load.h"
#include "requestor/demo/populate.h"
#include "requestor/demo/proofs.h"
#include "requestor/demo/scale.h"
#include "requestor/demo/services.h"
#include "requestor/restore_pipeline.h"

namespace shadowset::demo {

// How far a phase's work has gone.
struct DemoProgress {
  enum class Unit { kBytes, kItems };
  std::string label;  // "populating", "copying", "restoring"
  Unit unit = Unit::kBytes;
  uint64_t done = 0;
  uint64_t total = 0;
  absl::Duration elapsed;
  bool finished = false;  // the phase's last report
};

// What the demo tells as it goes. Every method has a default that ignores
// it.
class DemoObserver {
 public:
  virtual ~DemoObserver() = default;
  // A phase begins.
  virtual void Phase(absl::string_view title) {}
  // A line about what the phase did or found.
  virtual void Note(absl::string_view line) {}
  // Progress of the phase's work (population, copies, restores).
  virtual void Progress(const DemoProgress& progress) {}
};

struct DemoOptions {
  // Where everything is made: must be an empty directory or absent (its
  // parent must exist). Required.
  std::string dir;
  // Default: kMedium.
  DemoScale scale = DemoScale::kMedium;
  // How long the services work before each backup. Default: the scale's.
  std::optional<absl::Duration> load_time;
  // Seeds the load generators. Default: 1.
  uint64_t seed = 1;
  // The key that signs the tokens (at least 16 bytes). Default: empty = a
  // random one, written to <dir>/backup.key.
  std::string key;
  // Threads populating the services. Default: 16.
  int populate_threads = 16;
  // Stops the demo (kCancelled) once it reads true; a backup in progress
  // is aborted cleanly (BackupOptions::cancel). Default: nullptr.
  const std::atomic<bool>* cancel = nullptr;
  // Files, clock and threads. Default: Env::Default().
  Env* env = nullptr;
};

// One backup of the demo and what became of it.
struct DemoBackup {
  BackupOutcome backup;
  ServiceSequences frozen;  // what each writer recorded at Freeze
  VerifyReport verify;
  absl::Duration verify_time;
  RestoreOutcome restore;
};

struct DemoReport {
  DemoScaleSpec spec;
  std::string dir;
  PopulateCounts populated;
  absl::Duration load_time;  // per backup
  DemoLoadStats load;        // operations the services did under load
  DemoBackup full;
  DemoBackup incremental;
  // The raw sequential read of the volumes (the second, warm pass).
  uint64_t raw_read_bytes = 0;
  absl::Duration raw_read_time;
  std::vector<DemoCheck> checks;
  absl::Duration total_time;

  double RawReadBytesPerSecond() const;
  // Every check passed (and there were checks).
  bool passed() const;
};

// Runs the demo (see the banner). A failing check is not an error: it is
// in the report (passed() is false).
// Errors: kInvalidArgument (no dir, a short key); kFailedPrecondition (dir
// is not empty or not a directory); kCancelled; the first failure of a
// phase (a service, a load generator, a backup, a verify or a restore),
// its message naming the phase.
absl::StatusOr<DemoReport> RunDemo(const DemoOptions& options,
                                   DemoObserver* observer);

}  // namespace shadowset::demo

#endif  // SHADOWSET_REQUESTOR_DEMO_DEMO_H_
