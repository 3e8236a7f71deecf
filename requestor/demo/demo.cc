// RunDemo: the walkthrough (see demo.h for the phases).

#include "requestor/demo/demo.h"

#include <algorithm>
#include <memory>
#include <random>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "engine/engine.h"
#include "engine/internal/status_macros.h"
#include "requestor/demo/figures.h"
#include "requestor/demo/raw_read.h"
#include "requestor/requestor.h"

namespace shadowset::demo {
namespace {

// A key for the tokens: 32 random bytes, as hex.
std::string RandomKey() {
  std::random_device random;
  std::string bytes(32, '\0');
  for (char& c : bytes) c = static_cast<char>(random());
  return absl::BytesToHexString(bytes);
}

// `status` with its message prefixed by the phase it failed in.
absl::Status InPhase(absl::string_view phase, const absl::Status& status) {
  if (status.ok() || absl::IsCancelled(status)) return status;
  absl::Status out(status.code(), absl::StrCat(phase, ": ", status.message()));
  status.ForEachPayload([&out](absl::string_view url, const absl::Cord& p) {
    out.SetPayload(url, p);
  });
  return out;
}

class Demo {
 public:
  Demo(const DemoOptions& options, DemoObserver* observer)
      : options_(options),
        observer_(observer),
        env_(options.env != nullptr ? options.env : Env::Default()) {
    report_.spec = DemoScaleSpecOf(options.scale);
    report_.dir = options.dir;
    report_.load_time = options.load_time.value_or(report_.spec.load_time);
  }

  absl::StatusOr<DemoReport> Run() {
    const absl::Time start = env_->Now();
    RETURN_IF_ERROR(PrepareDirectory());
    RETURN_IF_ERROR(InPhase("setting up", SetUp()));
    DemoLoad load(*services_, report_.spec, options_.seed);
    RETURN_IF_ERROR(InPhase("starting the load", StartLoad(load)));
    RETURN_IF_ERROR(InPhase("writer metadata", ShowWriterMetadata()));

    RETURN_IF_ERROR(Work(load));
    RETURN_IF_ERROR(InPhase("raw read", RawRead()));
    RETURN_IF_ERROR(
        InPhase("full backup", Backup(BackupType::kFull, report_.full)));
    RETURN_IF_ERROR(Work(load));
    RETURN_IF_ERROR(
        InPhase("incremental backup",
                Backup(BackupType::kIncremental, report_.incremental)));
    RETURN_IF_ERROR(InPhase("stopping the load", StopLoad(load)));

    Phase("Verifying both backup sets: every file and block, the tokens");
    RETURN_IF_ERROR(InPhase("verify", Verify(report_.full)));
    RETURN_IF_ERROR(InPhase("verify", Verify(report_.incremental)));
    RETURN_IF_ERROR(InPhase("restore", RestoreAndProve("full", report_.full)));
    RETURN_IF_ERROR(InPhase(
        "restore", RestoreAndProve("incremental", report_.incremental)));
    Scrub();
    report_.total_time = env_->Now() - start;
    return std::move(report_);
  }

 private:
  std::string Path(absl::string_view name) const {
    return JoinPath(options_.dir, std::string(name));
  }
  bool Cancelled() const {
    return options_.cancel != nullptr && options_.cancel->load();
  }
  absl::Status CheckCancelled() const {
    return Cancelled() ? absl::CancelledError("the demo was cancelled")
                       : absl::OkStatus();
  }
  void Phase(absl::string_view title) {
    if (observer_ != nullptr) observer_->Phase(title);
  }
  void Note(absl::string_view line) {
    if (observer_ != nullptr) observer_->Note(line);
  }
  void Progress(absl::string_view label, DemoProgress::Unit unit, uint64_t done,
                uint64_t total, absl::Duration elapsed, bool finished) {
    if (observer_ != nullptr) {
      observer_->Progress(
          {std::string(label), unit, done, total, elapsed, finished});
    }
  }

  // <dir> exists and is empty; the key is chosen and kept beside it.
  absl::Status PrepareDirectory() {
    if (options_.dir.empty()) {
      return absl::InvalidArgumentError("the demo needs a directory");
    }
    ASSIGN_OR_RETURN(FileType type, env_->GetFileType(options_.dir));
    if (type == FileType::kMissing) {
      RETURN_IF_ERROR(env_->CreateDir(options_.dir));
    } else if (type != FileType::kDirectory) {
      return absl::FailedPreconditionError(
          absl::StrCat(options_.dir, " is not a directory"));
    } else {
      ASSIGN_OR_RETURN(std::vector<std::string> entries,
                       env_->ListDir(options_.dir));
      if (!entries.empty()) {
        return absl::FailedPreconditionError(absl::StrCat(
            options_.dir, " is not empty (the demo needs an empty directory)"));
      }
    }
    key_ = options_.key.empty() ? RandomKey() : options_.key;
    if (key_.size() < 16) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "the key holds %u bytes; a key needs at least 16", key_.size()));
    }
    return WriteFileAtomically(
        env_, Path("backup.key"),
        {reinterpret_cast<const uint8_t*>(key_.data()), key_.size()});
  }

  // 1. The engine, the services and their data.
  absl::Status SetUp() {
    const DemoScaleSpec& spec = report_.spec;
    Phase(absl::StrFormat(
        "Setting up the engine and three services (%s): %d DHCP scopes with "
        "%s leases; %d interfaces and %d phone-book entries; %s directory "
        "objects",
        spec.name, spec.scopes, FormatCount(spec.leases), spec.interfaces,
        spec.phonebook_entries, FormatCount(spec.directory_objects)));
    RETURN_IF_ERROR(Engine::Init(Path("data"), InitOptions{}, env_));
    EngineOptions eo;
    eo.env = env_;
    ASSIGN_OR_RETURN(engine_, Engine::Open(Path("data"), eo));
    ASSIGN_OR_RETURN(services_, DemoServices::Create(engine_.get(), spec));
    PopulateOptions po;
    po.threads = options_.populate_threads;
    po.cancel = options_.cancel;
    po.env = env_;
    po.progress = [this](uint64_t done, uint64_t total, absl::Duration t) {
      Progress("populating", DemoProgress::Unit::kItems, done, total, t,
               done == total);
    };
    ASSIGN_OR_RETURN(report_.populated, Populate(*services_, spec, po));
    const PopulateCounts& c = report_.populated;
    Note(absl::StrFormat(
        "in %s: DHCP %s leases in %d scopes; router %d interfaces, %d "
        "phone-book entries; directory %s objects (every lease's host has one)",
        FormatSeconds(c.time), FormatCount(c.leases), c.scopes, c.interfaces,
        c.phonebook_entries, FormatCount(c.directory_objects)));
    Note(absl::StrCat("engine data directory ", Path("data"), ": ",
                      absl::StrJoin(engine_->ListVolumes(), ", ",
                                    [](std::string* out, const VolumeInfo& v) {
                                      absl::StrAppend(out, v.name, " (",
                                                      FormatMiB(v.size), ")");
                                    })));
    return absl::OkStatus();
  }

  // 2. Each service's load generator on its own thread.
  absl::Status StartLoad(DemoLoad& load) {
    const DemoScaleSpec& spec = report_.spec;
    Phase(absl::StrFormat(
        "Starting the load: DHCP %.0f operations/s, router %.0f saves/s, "
        "directory %.0f changes/s",
        spec.dhcp_ops_per_second, spec.rras_saves_per_second,
        spec.directory_changes_per_second));
    Note(
        "each new DHCP client's host gets its directory object before its "
        "lease");
    return load.Start();
  }

  // 3. What each writer declares.
  absl::Status ShowWriterMetadata() {
    Phase("Writer metadata (Identify)");
    Requestor requestor(engine_.get(), &services_->writers());
    ASSIGN_OR_RETURN(std::vector<WriterMetadata> writers,
                     requestor.GatherWriterMetadata());
    for (const WriterMetadata& w : writers) {
      std::vector<std::string> volumes, types;
      for (const Component& c : w.components) {
        volumes.insert(volumes.end(), c.volumes.begin(), c.volumes.end());
      }
      for (BackupType t : w.supported_types) {
        types.emplace_back(BackupTypeName(t));
      }
      Note(absl::StrFormat(
          "%-27s %s on %s; types %s; restore lifetime %s", w.name,
          w.components.front().name, absl::StrJoin(volumes, "+"),
          absl::StrJoin(types, ","),
          w.restore_lifetime == absl::InfiniteDuration()
              ? "unlimited"
              : absl::StrCat(absl::ToInt64Hours(w.restore_lifetime) / 24,
                             " days")));
    }
    return requestor.BackupShutdown();
  }

  // The services work on their own for the load time.
  absl::Status Work(DemoLoad& load) {
    Phase(absl::StrCat("The services work under load for ",
                       absl::FormatDuration(report_.load_time)));
    const DemoLoadStats before = load.stats();
    const absl::Time end = env_->Now() + report_.load_time;
    while (env_->Now() < end) {
      RETURN_IF_ERROR(CheckCancelled());
      env_->SleepFor(std::min(absl::Milliseconds(100), end - env_->Now()));
    }
    const DemoLoadStats after = load.stats();
    Note(absl::StrFormat(
        "DHCP %s operations, router %s saves, directory %s changes",
        FormatCount(after.dhcp - before.dhcp),
        FormatCount(after.rras - before.rras),
        FormatCount(after.directory - before.directory)));
    return absl::OkStatus();
  }

  // 5 and 6. One backup through the whole protocol, while the load runs.
  absl::Status Backup(BackupType type, DemoBackup& out) {
    Phase(absl::StrCat(
        type == BackupType::kFull ? "Full" : "Incremental",
        " backup under load: metadata, prepare, snapshot set with parallel "
        "freeze, copy, signed token"));
    BackupOptions o;
    o.destination = Path("backups");
    o.type = type;
    o.key = key_;
    o.cancel = options_.cancel;
    o.env = env_;
    o.progress = [this](const TransferProgress& p) {
      Progress("copying", DemoProgress::Unit::kBytes, p.bytes_done,
               p.bytes_total, p.elapsed, p.done);
    };
    ASSIGN_OR_RETURN(out.backup,
                     RunBackup(engine_.get(), &services_->writers(), o));
    ASSIGN_OR_RETURN(out.frozen, services_->SequencesAtFreeze());
    const BackupOutcome& b = out.backup;
    for (const WriterOutcome& w : b.writers) {
      Note(absl::StrFormat("%-27s frozen for %s", w.name,
                           FormatMillis(w.freeze_window)));
    }
    Note(absl::StrFormat(
        "snapshot set %s committed in %s; at Freeze: DHCP sequence %s, "
        "router sequence %s, directory USN %s",
        b.set_id.ToString(), FormatMillis(b.commit_time),
        FormatCount(out.frozen.dhcp), FormatCount(out.frozen.rras),
        FormatCount(out.frozen.directory)));
    Note(absl::StrCat(
        "read ",
        absl::StrJoin(b.volumes, ", ",
                      [](std::string* o, const BackupVolumeOutcome& v) {
                        absl::StrAppend(o, v.name, " ",
                                        FormatMiB(v.bytes_read));
                      }),
        " at ", FormatRate(b.copy_bytes_per_second)));
    Note(absl::StrFormat(
        "published %s (%s%s, %s); token signed, expires %s", b.dir,
        BackupSetTypeName(b.type),
        b.base_backup_id.empty() ? "" : " of " + b.base_backup_id,
        FormatMiB(b.bytes_written),
        b.expires == absl::InfiniteFuture()
            ? "never"
            : absl::FormatTime("%Y-%m-%d", b.expires, absl::UTCTimeZone())));
    return absl::OkStatus();
  }

  // 4. The volumes the backup will copy, read raw for the throughput
  // ratio: a first pass brings them into the page cache (a sparse file's
  // holes cost the kernel a zeroed page each the first time), the second
  // is measured; the backup then finds the cache as the second pass did.
  absl::Status RawRead() {
    Phase("Raw sequential read of the same volumes (the yardstick)");
    std::vector<std::string> paths;
    uint64_t bytes = 0;
    for (const VolumeInfo& info : engine_->ListVolumes()) {
      paths.push_back(info.path);
      bytes += info.size;
    }
    ASSIGN_OR_RETURN(RawReadResult warm, ReadFilesSequentially(env_, paths));
    RETURN_IF_ERROR(CheckCancelled());
    ASSIGN_OR_RETURN(RawReadResult raw, ReadFilesSequentially(env_, paths));
    report_.raw_read_bytes = raw.bytes;
    report_.raw_read_time = raw.time;
    Note(absl::StrFormat(
        "%s of %d volumes: %s in the first pass (into the page cache), %s in "
        "the second: %s",
        FormatMiB(bytes), paths.size(), FormatSeconds(warm.time),
        FormatSeconds(raw.time), FormatRate(raw.BytesPerSecond())));
    return CheckCancelled();
  }

  absl::Status StopLoad(DemoLoad& load) {
    Phase("Stopping the load");
    RETURN_IF_ERROR(load.Stop());
    report_.load = load.stats();
    Note(absl::StrFormat(
        "in all: DHCP %s operations, router %s saves, directory %s changes",
        FormatCount(report_.load.dhcp), FormatCount(report_.load.rras),
        FormatCount(report_.load.directory)));
    return absl::OkStatus();
  }

  // 7. Every file and block of a set, with the key.
  absl::Status Verify(DemoBackup& b) {
    const absl::Time start = env_->Now();
    ASSIGN_OR_RETURN(b.verify,
                     VerifyBackupSet(env_, b.backup.dir, key_, env_->Now()));
    b.verify_time = env_->Now() - start;
    Note(absl::StrFormat(
        "%s: %d files, %s blocks, %s verified in %s", b.backup.backup_id,
        b.verify.files, FormatCount(b.verify.blocks), FormatMiB(b.verify.bytes),
        FormatSeconds(b.verify_time)));
    return CheckCancelled();
  }

  // 8. The set restored into <dir>/restored, the services opened there and
  // proven to be exactly their state at Freeze.
  absl::Status RestoreAndProve(absl::string_view label, DemoBackup& b) {
    Phase(absl::StrCat("Restoring the ", label, " backup into ",
                       Path("restored"), " and proving it"));
    if (restored_engine_ == nullptr) {
      RETURN_IF_ERROR(Engine::Init(Path("restored"), InitOptions{}, env_));
      EngineOptions eo;
      eo.env = env_;
      ASSIGN_OR_RETURN(restored_engine_, Engine::Open(Path("restored"), eo));
    }
    RestoreOptions o;
    o.backup_dir = b.backup.dir;
    o.key = key_;
    o.data_dir = Path("restored");
    o.cancel = options_.cancel;
    o.env = env_;
    o.progress = [this](const TransferProgress& p) {
      Progress("restoring", DemoProgress::Unit::kBytes, p.bytes_done,
               p.bytes_total, p.elapsed, p.done);
    };
    ASSIGN_OR_RETURN(b.restore, RunRestore(restored_engine_.get(), nullptr, o));
    Note(absl::StrFormat("chain %s: %s written in %s",
                         absl::StrJoin(b.restore.chain, " + "),
                         FormatMiB(b.restore.bytes_written),
                         FormatSeconds(b.restore.total_time)));
    ASSIGN_OR_RETURN(std::unique_ptr<DemoServices> restored,
                     DemoServices::Open(restored_engine_.get()));
    for (DemoCheck& check : ProveRestored(label, *restored, b.frozen)) {
      Note(absl::StrCat(check.passed ? "ok    " : "FAILED", " ", check.name,
                        ": ", check.detail));
      report_.checks.push_back(std::move(check));
    }
    return absl::OkStatus();
  }

  // 9. Both engines scrub clean.
  void Scrub() {
    Phase("Scrubbing both data directories");
    for (DemoCheck check :
         {ProveEngineClean("live data directory scrubs clean", *engine_),
          ProveEngineClean("restored data directory scrubs clean",
                           *restored_engine_)}) {
      Note(absl::StrCat(check.passed ? "ok    " : "FAILED", " ", check.name,
                        ": ", check.detail));
      report_.checks.push_back(std::move(check));
    }
  }

  const DemoOptions& options_;
  DemoObserver* const observer_;
  Env* const env_;
  std::string key_;
  DemoReport report_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<DemoServices> services_;  // before engine_ is destroyed
  std::unique_ptr<Engine> restored_engine_;
};

}  // namespace

double DemoReport::RawReadBytesPerSecond() const {
  const double s = absl::ToDoubleSeconds(raw_read_time);
  return s > 0 ? static_cast<double>(raw_read_bytes) / s : 0;
}

bool DemoReport::passed() const {
  return !checks.empty() &&
         std::all_of(checks.begin(), checks.end(),
                     [](const DemoCheck& c) { return c.passed; });
}

absl::StatusOr<DemoReport> RunDemo(const DemoOptions& options,
                                   DemoObserver* observer) {
  Demo demo(options, observer);
  return demo.Run();
}

}  // namespace shadowset::demo
