// shadowset backup create|verify|list and restore: the backup and restore
// pipelines (requestor/backup_pipeline.h, restore_pipeline.h) with the
// writers of the services hosted for the data directory (service_host.h).
//
//   backup create --to DIR [--type full|incremental|differential|copy]
//                 [--volumes A,B] [--writers X,Y] [--token-key FILE]
//                 [--expires-in DURATION] [--id ID]
//   backup verify DIR [--token-key FILE]
//   backup list
//   restore DIR [--to DATA_DIR] [--token-key FILE] [--volumes A,B]
//
// A restore that makes its data directory and then fails before any
// volume was switched in removes what it made: bad input changes nothing.

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "engine/backup/backup_set_reader.h"
#include "engine/backup/token.h"
#include "engine/backup/verify.h"
#include "engine/codes.h"
#include "engine/env.h"
#include "engine/internal/status_macros.h"
#include "requestor/backup_pipeline.h"
#include "requestor/cli/backup_cli_support.h"
#include "requestor/cli/cli.h"
#include "requestor/cli/interrupt.h"
#include "requestor/cli/output.h"
#include "requestor/cli/progress.h"
#include "requestor/cli/service_host.h"
#include "requestor/restore_pipeline.h"
#include "requestor/writer_metadata_json.h"
#include "writers/registry.h"

namespace shadowset::cli {
namespace {

nlohmann::json OptionalType(const std::optional<BackupSetType>& t) {
  return t ? nlohmann::json(std::string(BackupSetTypeName(*t)))
           : nlohmann::json();
}

nlohmann::json BackupJson(const BackupOutcome& b) {
  nlohmann::json volumes = nlohmann::json::array();
  for (const BackupVolumeOutcome& v : b.volumes) {
    volumes.push_back(
        {{"name", v.name},
         {"kind", v.kind == VolumeFileKind::kImage ? "image" : "delta"},
         {"blocks_read", v.blocks_read},
         {"bytes_read", v.bytes_read}});
  }
  nlohmann::json writers = nlohmann::json::array();
  for (const WriterOutcome& w : b.writers) {
    writers.push_back({{"id", w.id},
                       {"name", w.name},
                       {"state", std::string(WriterStateName(w.state))},
                       {"freeze_window_ms", Millis(w.freeze_window)}});
  }
  nlohmann::json released = nlohmann::json::array();
  for (const SetId& id : b.released_sets) released.push_back(id.ToString());
  return {{"backup_id", b.backup_id},
          {"set_id", b.set_id.ToString()},
          {"dir", b.dir},
          {"type", std::string(BackupSetTypeName(b.type))},
          {"requested", std::string(BackupTypeName(b.requested))},
          {"promoted_from", OptionalType(b.promoted_from)},
          {"promotion_reason", b.promotion_reason},
          {"base_backup_id", b.base_backup_id},
          {"created", TimeText(b.created)},
          {"expires", TimeText(b.expires)},
          {"keyed", b.keyed},
          {"volumes", volumes},
          {"writers", writers},
          {"bytes_read", b.bytes_read},
          {"bytes_written", b.bytes_written},
          {"timings_ms",
           {{"commit", Millis(b.commit_time)},
            {"snapshot", Millis(b.snapshot_time)},
            {"copy", Millis(b.copy_time)},
            {"publish", Millis(b.publish_time)},
            {"total", Millis(b.total_time)}}},
          {"copy_bytes_per_second", b.copy_bytes_per_second},
          {"set_kept", b.set_kept},
          {"released_sets", released},
          {"warnings", b.warnings}};
}

void SayBackup(const Context& ctx, const BackupOutcome& b) {
  ctx.Say(absl::StrFormat(
      "backup %s: %s%s of %s, %s read, %s written in %.2f s (copy %s/s)",
      b.backup_id, BackupSetTypeName(b.type),
      b.base_backup_id.empty() ? "" : absl::StrCat(" on ", b.base_backup_id),
      absl::StrJoin(b.volumes, ", ",
                    [](std::string* out, const BackupVolumeOutcome& v) {
                      out->append(v.name);
                    }),
      HumanSize(b.bytes_read), HumanSize(b.bytes_written),
      absl::ToDoubleSeconds(b.total_time),
      HumanSize(static_cast<uint64_t>(b.copy_bytes_per_second))));
  if (b.promoted_from) {
    ctx.Say(absl::StrCat("  promoted to full (",
                         BackupSetTypeName(*b.promoted_from),
                         " requested): ", b.promotion_reason));
  }
  ctx.Say(absl::StrCat("  published in ", b.dir));
  ctx.Say(
      absl::StrCat("  snapshot set ", b.set_id.ToString(),
                   b.set_kept ? " (kept as the chain's base)" : " (released)"));
  ctx.Say(absl::StrCat("  expires ", TimeText(b.expires),
                       b.keyed ? ", signed" : ", unsigned token"));
  for (const WriterOutcome& w : b.writers) {
    ctx.Say(absl::StrFormat("  writer %s: %s, frozen %.3f ms", w.id,
                            WriterStateName(w.state), Millis(w.freeze_window)));
  }
  ctx.Say(absl::StrFormat("  commit (hold) %.3f ms", Millis(b.commit_time)));
  for (const std::string& w : b.warnings) {
    std::fprintf(stderr, "shadowset: warning: %s\n", w.c_str());
  }
}

void AddCreate(Cli& cli, CLI::App* backup) {
  Context& ctx = cli.context();
  auto* create = backup->add_subcommand(
      "create", "take a backup of the volumes and the services' data");
  struct Flags {
    std::string to, type = "full", key_file, expires_in, id;
    std::vector<std::string> volumes, writers;
  };
  auto f = std::make_shared<Flags>();
  create->add_option("--to", f->to, "directory the backup set is published in")
      ->required();
  create->add_option("--type", f->type,
                     "full, incremental, differential or copy");
  create->add_option("--volumes", f->volumes, "volumes (default: all)")
      ->delimiter(',');
  create
      ->add_option("--writers", f->writers,
                   "writers whose volumes to back up (by name)")
      ->delimiter(',');
  create->add_option("--token-key", f->key_file,
                     "key file: sign the token, SHA-256 every block");
  create->add_option("--expires-in", f->expires_in,
                     "shorten the expiry (e.g. 90s, 15m, 36h, 180d)");
  create->add_option("--id", f->id, "backup id (default: time and random)");
  cli.OnRun(create, [&ctx, f]() -> absl::Status {
    BackupOptions o;
    o.cancel = InstallInterruptHandlers();
    o.destination = f->to;
    std::optional<BackupType> type = ParseBackupType(f->type);
    if (!type || *type == BackupType::kLog) {
      return MakeError(absl::StatusCode::kInvalidArgument,
                       kErrorInvalidParameter,
                       absl::StrCat("bad value for --type: '", f->type,
                                    "' (use full, incremental, differential "
                                    "or copy)"));
    }
    o.type = *type;
    o.volumes = f->volumes;
    o.writers = f->writers;
    o.backup_id = f->id;
    ASSIGN_OR_RETURN(o.key, ReadKey(f->key_file));
    if (!f->expires_in.empty()) {
      ASSIGN_OR_RETURN(o.expires_in,
                       ParseDuration("--expires-in", f->expires_in));
    }
    ASSIGN_OR_RETURN(Hosted h, Host(ctx.data_dir));
    ProgressLine progress(ChooseProgressStyle(ctx.json), "backup");
    o.progress = [&progress](const TransferProgress& p) { progress.Update(p); };
    ASSIGN_OR_RETURN(BackupOutcome b,
                     RunBackup(h.engine.get(), h.registry.get(), o));
    progress.Finish();
    if (ctx.json) {
      ctx.Emit(BackupJson(b));
    } else {
      SayBackup(ctx, b);
    }
    return absl::OkStatus();
  });
}

void AddVerify(Cli& cli, CLI::App* backup) {
  Context& ctx = cli.context();
  auto* verify = backup->add_subcommand(
      "verify", "check a backup set (and the sets it builds on) completely");
  auto dir = std::make_shared<std::string>();
  auto key_file = std::make_shared<std::string>();
  verify->add_option("DIR", *dir, "the backup set")->required();
  verify->add_option("--token-key", *key_file,
                     "key file configured for restores");
  cli.OnRun(verify, [&ctx, dir, key_file]() -> absl::Status {
    ASSIGN_OR_RETURN(std::string key, ReadKey(*key_file));
    ProgressLine progress(ChooseProgressStyle(ctx.json), "verify");
    ExitOnInterrupt();  // verify writes nothing: Ctrl-C ends it at once
    ASSIGN_OR_RETURN(
        ChainReport report,
        VerifyChain(
            *dir, key,
            [&progress](const TransferProgress& p) { progress.Update(p); },
            /*cancel=*/nullptr));
    progress.Finish();
    if (ctx.json) {
      ctx.Emit({{"backup_id", report.chain.back()},
                {"ok", true},
                {"chain", report.chain},
                {"files", report.files},
                {"blocks", report.blocks},
                {"bytes", report.bytes}});
    } else {
      ctx.Say(absl::StrFormat(
          "backup %s verified: %u files, %u blocks, %s checked%s",
          report.chain.back(), report.files, report.blocks,
          HumanSize(report.bytes),
          report.chain.size() > 1
              ? absl::StrCat(" (chain ", absl::StrJoin(report.chain, " <- "),
                             ")")
              : ""));
    }
    return absl::OkStatus();
  });
}

void AddList(Cli& cli, CLI::App* backup) {
  Context& ctx = cli.context();
  auto* list = backup->add_subcommand(
      "list", "the backups recorded in the data directory, oldest first");
  cli.OnRun(list, [&ctx]() -> absl::Status {
    ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine, ctx.OpenEngine());
    std::vector<BackupRecord> records = engine->ListBackups();
    const std::vector<SetId> live = [&] {
      std::vector<SetId> ids;
      for (const SnapshotSetInfo& s : engine->ListSnapshotSets()) {
        ids.push_back(s.id);
      }
      return ids;
    }();
    auto kept = [&](const SetId& id) {
      return std::find(live.begin(), live.end(), id) != live.end();
    };
    if (ctx.json) {
      nlohmann::json out = nlohmann::json::array();
      for (const BackupRecord& r : records) {
        nlohmann::json details =
            nlohmann::json::parse(r.details, nullptr,
                                  /*allow_exceptions=*/false);
        out.push_back(
            {{"backup_id", r.id},
             {"set_id", r.set.ToString()},
             {"type", std::string(BackupSetTypeName(
                          static_cast<BackupSetType>(r.type)))},
             {"base_backup_id", r.base_id},
             {"path", r.path},
             {"created", TimeText(r.created)},
             {"expires", TimeText(r.expires)},
             {"volumes", r.volumes},
             {"set_kept", kept(r.set)},
             {"details", details.is_discarded() ? nlohmann::json() : details}});
      }
      ctx.Emit(out);
      return absl::OkStatus();
    }
    if (records.empty()) {
      ctx.Say("no backups recorded");
      return absl::OkStatus();
    }
    ctx.Say(absl::StrFormat("%-28s %-12s %-24s %-24s %-28s %s", "BACKUP",
                            "TYPE", "CREATED", "EXPIRES", "BASE", "PATH"));
    for (const BackupRecord& r : records) {
      ctx.Say(
          absl::StrFormat("%-28s %-12s %-24s %-24s %-28s %s%s", r.id,
                          BackupSetTypeName(static_cast<BackupSetType>(r.type)),
                          TimeText(r.created), TimeText(r.expires),
                          r.base_id.empty() ? "-" : r.base_id, r.path,
                          kept(r.set) ? "  (base kept)" : ""));
    }
    return absl::OkStatus();
  });
}

void AddRestore(Cli& cli) {
  Context& ctx = cli.context();
  auto* restore = cli.app().add_subcommand(
      "restore", "restore a backup set into this or another data directory");
  struct Flags {
    std::string dir, to, key_file;
    std::vector<std::string> volumes;
  };
  auto f = std::make_shared<Flags>();
  restore->add_option("DIR", f->dir, "the backup set")->required();
  restore->add_option("--to", f->to,
                      "data directory to restore into (default: --data); "
                      "created with the backup's block size if missing");
  restore->add_option("--token-key", f->key_file,
                      "key file: refuse unsigned or altered backups");
  restore->add_option("--volumes", f->volumes, "volumes (default: all)")
      ->delimiter(',');
  cli.OnRun(restore, [&ctx, f]() -> absl::Status {
    const std::atomic<bool>* cancel = InstallInterruptHandlers();
    ASSIGN_OR_RETURN(std::string key, ReadKey(f->key_file));
    const std::string target = f->to.empty() ? ctx.data_dir : f->to;
    // The token and manifest first: a refused backup creates nothing.
    Env* env = Env::Default();
    ASSIGN_OR_RETURN(FileType before, env->GetFileType(target));
    ASSIGN_OR_RETURN(bool created, PrepareTarget(f->dir, key, target));
    // A restore into a data directory made for it that fails before any
    // volume is switched in takes the data directory away again.
    auto undo = [&](Hosted* h, absl::Status cause) {
      if (!created ||
          (h->engine != nullptr && !h->engine->ListVolumes().empty())) {
        return cause;
      }
      h->host.reset();  // the services, then the writers, then the engine
      h->registry.reset();
      h->engine.reset();
      absl::Status removed = before == FileType::kMissing
                                 ? RemoveTree(env, target)
                                 : RemoveEntries(env, target);
      if (!removed.ok()) {
        return absl::Status(cause.code(),
                            absl::StrCat(cause.message(),
                                         " (and removing the "
                                         "data directory made for it failed: ",
                                         removed.message(), ")"));
      }
      return cause;
    };
    absl::StatusOr<Hosted> hosted = Host(target);
    if (!hosted.ok()) {
      Hosted none;
      return undo(&none, hosted.status());
    }
    Hosted h = std::move(*hosted);
    RestoreOptions o;
    o.backup_dir = f->dir;
    o.key = key;
    o.volumes = f->volumes;
    o.data_dir = target;
    ServiceHost* host = h.host.get();
    o.after_switch_in = [host](const std::vector<std::string>& volumes) {
      return host->ReopenAfterRestore(volumes);
    };
    o.cancel = cancel;
    ProgressLine progress(ChooseProgressStyle(ctx.json), "restore");
    o.progress = [&progress](const TransferProgress& p) { progress.Update(p); };
    absl::StatusOr<RestoreOutcome> r =
        RunRestore(h.engine.get(), h.registry.get(), o);
    progress.Finish();
    if (!r.ok()) return undo(&h, Refusal(r.status()));
    if (ctx.json) {
      nlohmann::json volumes = nlohmann::json::array();
      for (const RestoreVolumeOutcome& v : r->volumes) {
        volumes.push_back({{"name", v.name},
                           {"bytes", v.bytes},
                           {"data_blocks", v.data_blocks},
                           {"zero_blocks", v.zero_blocks}});
      }
      ctx.Emit({{"backup_id", r->backup_id},
                {"set_id", r->set_id.ToString()},
                {"type", std::string(BackupSetTypeName(r->type))},
                {"data_dir", target},
                {"initialised", created},
                {"chain", r->chain},
                {"volumes", volumes},
                {"writers", r->writers},
                {"bytes_written", r->bytes_written},
                {"timings_ms",
                 {{"stage", Millis(r->stage_time)},
                  {"switch", Millis(r->switch_time)},
                  {"total", Millis(r->total_time)}}}});
      return absl::OkStatus();
    }
    ctx.Say(absl::StrFormat(
        "restored %s backup %s into %s%s: %s (%s written) in %.2f s",
        BackupSetTypeName(r->type), r->backup_id, target,
        created ? " (initialised)" : "",
        absl::StrJoin(r->volumes, ", ",
                      [](std::string* out, const RestoreVolumeOutcome& v) {
                        out->append(v.name);
                      }),
        HumanSize(r->bytes_written), absl::ToDoubleSeconds(r->total_time)));
    if (r->chain.size() > 1) {
      ctx.Say(absl::StrCat("  chain ", absl::StrJoin(r->chain, " <- ")));
    }
    if (!r->writers.empty()) {
      ctx.Say(absl::StrCat("  writers ", absl::StrJoin(r->writers, ", "),
                           ": PreRestore and PostRestore done"));
    }
    return absl::OkStatus();
  });
}

}  // namespace

void AddBackupCommands(Cli& cli) {
  cli.AddCodeNames([](uint32_t code) {
    return WriterFailureName(static_cast<WriterFailure>(code));
  });
  auto* backup = cli.app().add_subcommand("backup", "backup sets");
  backup->require_subcommand(1);
  AddCreate(cli, backup);
  AddVerify(cli, backup);
  AddList(cli, backup);
  AddRestore(cli);
  AddInspectCommands(cli);
}

}  // namespace shadowset::cli
