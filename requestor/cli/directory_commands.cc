// shadowset directory ... (see directory_commands.h)

#include "requestor/cli/directory_commands.h"

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "engine/codes.h"
#include "engine/env.h"
#include "engine/internal/status_macros.h"
#include "writers/directory/directory_codes.h"
#include "writers/directory/directory_service.h"
#include "writers/directory/ds_backup.h"
#include "writers/directory/identity.h"

namespace shadowset::cli {
namespace {

constexpr uint32_t kCopyBuffer = 1 << 20;  // a multiple of 8192
constexpr char kTokenFile[] = "token";

// Options shared by the whole group.
struct Group {
  std::string as;  // --as
};

// An open engine and directory for one command.
struct Open {
  std::unique_ptr<Engine> engine;
  std::unique_ptr<DirectoryService> directory;
};

absl::StatusOr<Open> OpenDirectory(const Context& ctx, bool restore_mode) {
  Open o;
  ASSIGN_OR_RETURN(o.engine, ctx.OpenEngine());
  DirectoryOptions options;
  options.restore_mode = restore_mode;
  ASSIGN_OR_RETURN(o.directory, DirectoryService::Open(o.engine.get(), options));
  return o;
}

std::string Principal(const Group& g) {
  return g.as.empty() ? CurrentUserPrincipal() : g.as;
}

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

std::string DurationText(absl::Duration d) {
  int64_t s = absl::ToInt64Seconds(d);
  if (s % 86400 == 0) return absl::StrCat(s / 86400, "d");
  if (s % 3600 == 0) return absl::StrCat(s / 3600, "h");
  return absl::StrCat(s, "s");
}

nlohmann::json ObjectJson(const DirectoryObject& o) {
  nlohmann::json attrs = nlohmann::json::object();
  for (const auto& [name, values] : o.attributes) attrs[name] = values;
  return {{"dn", o.dn},
          {"class", o.object_class},
          {"deleted", o.deleted},
          {"usn_created", o.usn_created},
          {"usn_changed", o.usn_changed},
          {"deletion_time",
           o.deleted ? nlohmann::json(Rfc3339(o.deletion_time)) : nlohmann::json()},
          {"attributes", attrs}};
}

// "NAME=VALUE" -> (NAME, VALUE); "NAME" alone when `value_optional`.
absl::StatusOr<std::pair<std::string, std::optional<std::string>>> SplitAttr(
    absl::string_view flag, const std::string& text, bool value_optional) {
  size_t eq = text.find('=');
  if (eq == std::string::npos) {
    if (value_optional && !text.empty()) return std::make_pair(text, std::nullopt);
    return absl::InvalidArgumentError(
        absl::StrCat("bad value for ", flag, ": '", text, "' (use NAME=VALUE)"));
  }
  if (eq == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad value for ", flag, ": '", text, "' has no name"));
  }
  return std::make_pair(text.substr(0, eq),
                        std::optional<std::string>(text.substr(eq + 1)));
}

absl::Span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// --- objects -----------------------------------------------------------------

void AddObjectCommands(Cli& cli, CLI::App* directory) {
  Context& ctx = cli.context();
  auto* object = directory->add_subcommand("object", "directory objects");
  object->require_subcommand(1);

  auto* add = object->add_subcommand("add", "add an object");
  auto dn = std::make_shared<std::string>();
  auto cls = std::make_shared<std::string>();
  auto attrs = std::make_shared<std::vector<std::string>>();
  add->add_option("DN", *dn, "distinguished name")->required();
  add->add_option("--class", *cls, "object class")->required();
  add->add_option("--attr", *attrs, "NAME=VALUE (repeat for more values)");
  cli.OnRun(add, [&ctx, dn, cls, attrs]() -> absl::Status {
    AttributeMap map;
    for (const std::string& a : *attrs) {
      ASSIGN_OR_RETURN(auto kv, SplitAttr("--attr", a, false));
      map[kv.first].push_back(*kv.second);
    }
    ASSIGN_OR_RETURN(Open o, OpenDirectory(ctx, false));
    ASSIGN_OR_RETURN(uint64_t usn, o.directory->AddObject(*dn, *cls, map));
    if (ctx.json) {
      ctx.Emit({{"dn", *dn}, {"usn", usn}});
    } else {
      ctx.Say(absl::StrFormat("added %s (USN %u)", *dn, usn));
    }
    return absl::OkStatus();
  });

  auto* modify = object->add_subcommand("modify", "change an object's attributes");
  auto mdn = std::make_shared<std::string>();
  auto set = std::make_shared<std::vector<std::string>>();
  auto more = std::make_shared<std::vector<std::string>>();
  auto remove = std::make_shared<std::vector<std::string>>();
  modify->add_option("DN", *mdn, "distinguished name")->required();
  modify->add_option("--attr", *set,
                     "NAME=VALUE: replace the attribute's values (repeat for "
                     "more values)");
  modify->add_option("--add", *more, "NAME=VALUE: add a value");
  modify->add_option("--remove", *remove,
                     "NAME=VALUE: remove a value; NAME: the whole attribute");
  cli.OnRun(modify, [&ctx, mdn, set, more, remove]() -> absl::Status {
    using Kind = AttributeChange::Kind;
    std::vector<AttributeChange> changes;
    std::map<std::string, size_t, AttributeNameLess> replaced;
    for (const std::string& a : *set) {
      ASSIGN_OR_RETURN(auto kv, SplitAttr("--attr", a, false));
      auto [it, fresh] = replaced.emplace(kv.first, changes.size());
      if (fresh) changes.push_back({Kind::kReplace, kv.first, {}});
      changes[it->second].values.push_back(*kv.second);
    }
    for (const std::string& a : *more) {
      ASSIGN_OR_RETURN(auto kv, SplitAttr("--add", a, false));
      changes.push_back({Kind::kAdd, kv.first, {*kv.second}});
    }
    for (const std::string& a : *remove) {
      ASSIGN_OR_RETURN(auto kv, SplitAttr("--remove", a, true));
      AttributeChange c{Kind::kRemove, kv.first, {}};
      if (kv.second) c.values.push_back(*kv.second);
      changes.push_back(std::move(c));
    }
    ASSIGN_OR_RETURN(Open o, OpenDirectory(ctx, false));
    ASSIGN_OR_RETURN(uint64_t usn, o.directory->ModifyObject(*mdn, changes));
    if (ctx.json) {
      ctx.Emit({{"dn", *mdn}, {"usn", usn}});
    } else {
      ctx.Say(absl::StrFormat("modified %s (USN %u)", *mdn, usn));
    }
    return absl::OkStatus();
  });

  auto* del = object->add_subcommand("delete", "delete an object (it becomes a tombstone)");
  auto ddn = std::make_shared<std::string>();
  del->add_option("DN", *ddn, "distinguished name")->required();
  cli.OnRun(del, [&ctx, ddn]() -> absl::Status {
    ASSIGN_OR_RETURN(Open o, OpenDirectory(ctx, false));
    ASSIGN_OR_RETURN(uint64_t usn, o.directory->DeleteObject(*ddn));
    if (ctx.json) {
      ctx.Emit({{"dn", *ddn}, {"usn", usn}});
    } else {
      ctx.Say(absl::StrFormat("deleted %s (USN %u); a tombstone for %s", *ddn,
                              usn, DurationText(o.directory->TombstoneLifetime())));
    }
    return absl::OkStatus();
  });

  auto* get = object->add_subcommand("get", "show an object or tombstone");
  auto gdn = std::make_shared<std::string>();
  get->add_option("DN", *gdn, "distinguished name")->required();
  cli.OnRun(get, [&ctx, gdn]() -> absl::Status {
    ASSIGN_OR_RETURN(Open o, OpenDirectory(ctx, false));
    ASSIGN_OR_RETURN(DirectoryObject obj, o.directory->GetObject(*gdn));
    if (ctx.json) {
      ctx.Emit(ObjectJson(obj));
      return absl::OkStatus();
    }
    ctx.Say(absl::StrCat("dn: ", obj.dn));
    ctx.Say(absl::StrCat("class: ", obj.object_class));
    ctx.Say(absl::StrFormat("usn: created %u, changed %u", obj.usn_created,
                            obj.usn_changed));
    if (obj.deleted) ctx.Say(absl::StrCat("deleted: ", Rfc3339(obj.deletion_time)));
    for (const auto& [name, values] : obj.attributes) {
      for (const std::string& v : values) ctx.Say(absl::StrCat(name, ": ", v));
    }
    return absl::OkStatus();
  });

  auto* list = object->add_subcommand("list", "list every object and tombstone");
  cli.OnRun(list, [&ctx]() -> absl::Status {
    ASSIGN_OR_RETURN(Open o, OpenDirectory(ctx, false));
    ASSIGN_OR_RETURN(std::vector<DirectoryObject> all, o.directory->ListObjects());
    if (ctx.json) {
      nlohmann::json out = nlohmann::json::array();
      for (const DirectoryObject& obj : all) out.push_back(ObjectJson(obj));
      ctx.Emit(out);
      return absl::OkStatus();
    }
    ctx.Say(absl::StrFormat("%-8s %-20s %-9s %s", "USN", "CLASS", "STATE", "DN"));
    for (const DirectoryObject& obj : all) {
      ctx.Say(absl::StrFormat("%-8u %-20s %-9s %s", obj.usn_changed,
                              obj.object_class, obj.deleted ? "tombstone" : "live",
                              obj.dn));
    }
    return absl::OkStatus();
  });
}

// --- service ------------------------------------------------------------------

void AddServiceCommands(Cli& cli, CLI::App* directory,
                        std::shared_ptr<Group> group) {
  Context& ctx = cli.context();

  auto* init = directory->add_subcommand("init", "create the directory service");
  auto server = std::make_shared<std::string>();
  init->add_option("--server", *server, "its server name (default: the host name)");
  cli.OnRun(init, [&ctx, group, server]() -> absl::Status {
    ASSIGN_OR_RETURN(auto engine, ctx.OpenEngine());
    DirectoryInit di;
    di.server_name = *server;
    di.creator = Principal(*group);
    RETURN_IF_ERROR(DirectoryService::Create(engine.get(), di));
    ASSIGN_OR_RETURN(auto d, DirectoryService::Open(engine.get()));
    if (ctx.json) {
      ctx.Emit({{"server", d->server_name()},
                {"instance_id", d->instance_id().ToString()},
                {"volumes", d->VolumeNames()},
                {"tombstone_lifetime", DurationText(d->TombstoneLifetime())},
                {"admin", Principal(*group)}});
    } else {
      ctx.Say(absl::StrFormat(
          "created the directory of server %s on volumes %s; %s holds the "
          "backup and restore privileges",
          d->server_name(), absl::StrJoin(d->VolumeNames(), ", "),
          Principal(*group)));
    }
    return absl::OkStatus();
  });

  auto* online = directory->add_subcommand("online", "is the directory online?");
  auto oserver = std::make_shared<std::string>();
  online->add_option("--server", *oserver, "server name (default: the local one)");
  cli.OnRun(online, [&ctx, group, oserver]() -> absl::Status {
    ASSIGN_OR_RETURN(Open o, OpenDirectory(ctx, false));
    DsClient client(o.directory.get(), Principal(*group));
    std::string name = oserver->empty() ? o.directory->server_name() : *oserver;
    ASSIGN_OR_RETURN(bool up, client.DsIsNTDSOnline(name));
    if (ctx.json) {
      ctx.Emit({{"server", o.directory->server_name()}, {"online", up}});
    } else {
      ctx.Say(up ? "online"
                 : absl::StrCat("offline: ", o.directory->OfflineReason().message()));
    }
    return absl::OkStatus();
  });

  auto* lifetime = directory->add_subcommand(
      "tombstone-lifetime", "show or set how long tombstones are kept");
  auto value = std::make_shared<std::string>();
  lifetime->add_option("DURATION", *value, "new lifetime, e.g. 180d");
  cli.OnRun(lifetime, [&ctx, value]() -> absl::Status {
    ASSIGN_OR_RETURN(Open o, OpenDirectory(ctx, false));
    if (!value->empty()) {
      ASSIGN_OR_RETURN(absl::Duration d, ParseDuration("DURATION", *value));
      RETURN_IF_ERROR(o.directory->SetTombstoneLifetime(d).status());
    }
    absl::Duration now = o.directory->TombstoneLifetime();
    if (ctx.json) {
      ctx.Emit({{"tombstone_lifetime", DurationText(now)},
                {"seconds", absl::ToInt64Seconds(now)}});
    } else {
      ctx.Say(DurationText(now));
    }
    return absl::OkStatus();
  });

  auto* gc = directory->add_subcommand(
      "gc", "purge the tombstones older than the tombstone lifetime");
  cli.OnRun(gc, [&ctx]() -> absl::Status {
    ASSIGN_OR_RETURN(Open o, OpenDirectory(ctx, false));
    ASSIGN_OR_RETURN(size_t n, o.directory->CollectGarbage());
    if (ctx.json) {
      ctx.Emit({{"purged", n}});
    } else {
      ctx.Say(absl::StrFormat("purged %u tombstones", n));
    }
    return absl::OkStatus();
  });

  auto* check = directory->add_subcommand(
      "check", "verify the directory against its image and log");
  cli.OnRun(check, [&ctx]() -> absl::Status {
    ASSIGN_OR_RETURN(Open o, OpenDirectory(ctx, false));
    ASSIGN_OR_RETURN(DirectoryCheckReport r, o.directory->Check());
    DirectoryLogStatus log = o.directory->LogStatus();
    if (ctx.json) {
      ctx.Emit({{"ok", r.ok()},
                {"objects", r.objects},
                {"tombstones", r.tombstones},
                {"usn", r.usn},
                {"log", {{"first_retained", log.first_retained_gen},
                         {"checkpoint", log.checkpoint_gen},
                         {"current", log.current_gen}}},
                {"problems", r.problems}});
    } else {
      ctx.Say(absl::StrFormat(
          "%u objects (%u tombstones) at USN %u; log generations %u-%u, "
          "checkpoint at %u",
          r.objects, r.tombstones, r.usn, log.first_retained_gen,
          log.current_gen, log.checkpoint_gen));
      for (const std::string& p : r.problems) ctx.Say(absl::StrCat("problem: ", p));
    }
    if (!r.ok()) {
      return absl::DataLossError(absl::StrFormat(
          "the directory check found %u problems", r.problems.size()));
    }
    return absl::OkStatus();
  });

  auto* grant = directory->add_subcommand(
      "grant", "set a principal's backup and restore privileges");
  auto who = std::make_shared<std::string>();
  auto backup = std::make_shared<bool>(false);
  auto restore = std::make_shared<bool>(false);
  grant->add_option("PRINCIPAL", *who, "user or DOMAIN\\user")->required();
  grant->add_flag("--backup", *backup, "the backup privilege");
  grant->add_flag("--restore", *restore, "the restore privilege");
  cli.OnRun(grant, [&ctx, group, who, backup, restore]() -> absl::Status {
    ASSIGN_OR_RETURN(Open o, OpenDirectory(ctx, false));
    RETURN_IF_ERROR(o.directory->SetPrivileges(Principal(*group), *who,
                                               {*backup, *restore}));
    if (ctx.json) {
      ctx.Emit({{"principal", *who}, {"backup", *backup}, {"restore", *restore}});
    } else {
      ctx.Say(absl::StrFormat("%s: backup %s, restore %s", *who,
                              *backup ? "yes" : "no", *restore ? "yes" : "no"));
    }
    return absl::OkStatus();
  });
}

// --- backup and restore ---------------------------------------------------------

// Writes the whole open file of `ctx` to `path` and syncs it.
absl::Status CopyOut(DsBackupContext& ctx, const std::string& name,
                     const std::string& path, uint64_t* bytes) {
  Env* env = Env::Default();
  ASSIGN_OR_RETURN(uint64_t size, ctx.DsBackupOpenFile(name, kCopyBuffer));
  ASSIGN_OR_RETURN(std::unique_ptr<File> out,
                   env->OpenFile(path, {.create = true, .exclusive = true}));
  std::vector<uint8_t> buf(kCopyBuffer);
  uint64_t at = 0;
  while (true) {
    absl::StatusOr<uint32_t> n = ctx.DsBackupRead(absl::MakeSpan(buf));
    if (!n.ok()) {
      if (CodeOf(n.status()) == kErrorHandleEof) break;
      return n.status();
    }
    RETURN_IF_ERROR(out->WriteAt(at, absl::MakeSpan(buf).first(*n)));
    at += *n;
  }
  if (at != size) {
    return absl::DataLossError(absl::StrFormat(
        "%s: read %u bytes of %u", name, at, size));
  }
  RETURN_IF_ERROR(out->Sync());
  *bytes += size;
  return ctx.DsBackupClose();
}

absl::Status Backup(const Context& ctx, const Group& group,
                    const std::string& to, const std::string& server,
                    const std::string& type, uint32_t grbit) {
  Env* env = Env::Default();
  ASSIGN_OR_RETURN(FileType existing, env->GetFileType(to));
  if (existing != FileType::kMissing) {
    return MakeError(absl::StatusCode::kAlreadyExists, kErrorAlreadyExists,
                     absl::StrCat(to, " already exists"));
  }
  uint32_t bt = type == "full"          ? kBackupTypeFull
                : type == "incremental" ? kBackupTypeIncremental
                                        : kBackupTypeLogsOnly;
  ASSIGN_OR_RETURN(Open o, OpenDirectory(ctx, false));
  DsClient client(o.directory.get(), Principal(group));
  std::string name = server.empty() ? o.directory->server_name() : server;
  ASSIGN_OR_RETURN(DsBackupPrepared b, client.DsBackupPrepare(name, grbit, bt));

  // Publication order: every file durable, the token last, the directory
  // synced, then renamed into place; only then are the logs truncated.
  const std::string partial = to + ".partial";
  RETURN_IF_ERROR(RemoveTree(env, partial));
  RETURN_IF_ERROR(env->CreateDir(partial));
  absl::Cleanup drop_partial = [env, partial] {
    RemoveTree(env, partial).IgnoreError();
  };
  ASSIGN_OR_RETURN(std::string names, b.context->DsBackupGetDatabaseNames());
  ASSIGN_OR_RETURN(std::string logs, b.context->DsBackupGetBackupLogs());
  ASSIGN_OR_RETURN(std::vector<DsFileEntry> files, ParseDsFileList(names));
  ASSIGN_OR_RETURN(std::vector<DsFileEntry> log_files, ParseDsFileList(logs));
  files.insert(files.end(), log_files.begin(), log_files.end());
  uint64_t bytes = 0;
  for (const DsFileEntry& f : files) {
    RETURN_IF_ERROR(CopyOut(*b.context, f.name, JoinPath(partial, f.name), &bytes));
  }
  {
    ASSIGN_OR_RETURN(std::unique_ptr<File> token,
                     env->OpenFile(JoinPath(partial, kTokenFile),
                                   {.create = true, .exclusive = true}));
    RETURN_IF_ERROR(token->WriteAt(0, Bytes(b.expiry_token)));
    RETURN_IF_ERROR(token->Sync());
  }
  RETURN_IF_ERROR(env->SyncDir(partial));
  RETURN_IF_ERROR(env->Rename(partial, to));
  std::move(drop_partial).Cancel();
  RETURN_IF_ERROR(env->SyncDir(DirName(to)));
  const uint64_t usn = b.context->usn();
  RETURN_IF_ERROR(b.context->DsBackupTruncateLogs());
  RETURN_IF_ERROR(b.context->DsBackupEnd());
  ASSIGN_OR_RETURN(ExpiryToken token, DecodeToken(b.expiry_token));
  if (ctx.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const DsFileEntry& f : files) list.push_back(f.name);
    ctx.Emit({{"backup", to}, {"usn", usn}, {"files", list}, {"bytes", bytes},
              {"created", Rfc3339(token.created)},
              {"expires", Rfc3339(token.expires)}});
  } else {
    ctx.Say(absl::StrFormat(
        "backed up the directory at USN %u into %s: %u files, %u bytes; "
        "restorable until %s",
        usn, to, files.size(), bytes, Rfc3339(token.expires)));
  }
  return absl::OkStatus();
}

// Writes every backed-up file of `from` through the restore context.
absl::Status CopyIn(DsRestoreContext& r, const std::string& from,
                    const std::vector<std::string>& names) {
  Env* env = Env::Default();
  std::vector<uint8_t> buf(kCopyBuffer);
  for (const std::string& name : names) {
    ASSIGN_OR_RETURN(std::unique_ptr<File> in,
                     env->OpenFile(JoinPath(from, name), {.read_only = true}));
    ASSIGN_OR_RETURN(uint64_t size, in->Size());
    RETURN_IF_ERROR(r.DsRestoreOpenFile(name, size));
    for (uint64_t at = 0; at < size; at += buf.size()) {
      auto piece = absl::MakeSpan(buf).first(std::min<uint64_t>(buf.size(), size - at));
      RETURN_IF_ERROR(in->ReadAt(at, piece));
      RETURN_IF_ERROR(r.DsRestoreWrite(piece));
    }
    RETURN_IF_ERROR(r.DsRestoreCloseFile());
  }
  return absl::OkStatus();
}

absl::Status Restore(const Context& ctx, const Group& group,
                     const std::string& from, const std::string& server) {
  Env* env = Env::Default();
  ASSIGN_OR_RETURN(std::vector<std::string> entries, env->ListDir(from));
  std::vector<std::string> files;
  uint64_t low = 0;
  uint64_t high = 0;
  std::string token;
  for (const std::string& e : entries) {
    if (e == kTokenFile) {
      ASSIGN_OR_RETURN(token, ReadFileToString(env, JoinPath(from, e)));
    } else if (e == kDsDatabaseFile || e == kDsPatchFile) {
      files.push_back(e);
    } else if (absl::StartsWith(e, "edb") && absl::EndsWith(e, ".log")) {
      uint64_t gen = std::strtoull(e.substr(3, 8).c_str(), nullptr, 16);
      if (low == 0 || gen < low) low = gen;
      high = std::max(high, gen);
      files.push_back(e);
    }
  }
  if (low == 0 || low > UINT32_MAX || high > UINT32_MAX) {
    return MakeError(absl::StatusCode::kInvalidArgument, kErrorInvalidParameter,
                     absl::StrCat(from, " holds no directory log files"));
  }

  // Offline, as a restore-mode boot would have it.
  ASSIGN_OR_RETURN(Open o, OpenDirectory(ctx, /*restore_mode=*/true));
  DsClient client(o.directory.get(), Principal(group));
  std::string name = server.empty() ? o.directory->server_name() : server;
  ASSIGN_OR_RETURN(std::unique_ptr<DsRestoreContext> r,
                   client.DsRestorePrepare(name, 0, token));
  RETURN_IF_ERROR(r->DsRestoreRegister("", "", {}, "", static_cast<uint32_t>(low),
                                       static_cast<uint32_t>(high)));
  absl::Status copied = CopyIn(*r, from, files);
  if (!copied.ok()) {
    // Tell the directory the copy failed: it must not start on a mix.
    r->DsRestoreRegisterComplete(kHrError).IgnoreError();
    return copied;
  }
  RETURN_IF_ERROR(r->DsRestoreRegisterComplete(0));
  RETURN_IF_ERROR(r->DsRestoreEnd());
  RETURN_IF_ERROR(o.directory->BringOnline());
  uint64_t usn = o.directory->usn();
  if (ctx.json) {
    ctx.Emit({{"restored", from}, {"usn", usn}, {"online", true}});
  } else {
    ctx.Say(absl::StrFormat("restored %s: the directory is online at USN %u",
                            from, usn));
  }
  return absl::OkStatus();
}

void AddBackupCommands(Cli& cli, CLI::App* directory,
                       std::shared_ptr<Group> group) {
  Context& ctx = cli.context();
  auto* backup = directory->add_subcommand(
      "backup", "online backup through the DsBackup functions");
  auto to = std::make_shared<std::string>();
  auto server = std::make_shared<std::string>();
  auto type = std::make_shared<std::string>("full");
  auto grbit = std::make_shared<uint32_t>(0);
  backup->add_option("--to", *to, "new backup directory")->required();
  backup->add_option("--server", *server, "server name (default: the local one)");
  backup->add_option("--type", *type, "full | incremental | logs-only")
      ->check(CLI::IsMember({"full", "incremental", "logs-only"}));
  backup->add_option("--grbit", *grbit, "DsBackupPrepare's grbit (must be 0)");
  cli.OnRun(backup, [&ctx, group, to, server, type, grbit]() -> absl::Status {
    return Backup(ctx, *group, *to, *server, *type, *grbit);
  });

  auto* restore = directory->add_subcommand(
      "restore", "restore a backup made by 'directory backup'");
  auto from = std::make_shared<std::string>();
  auto rserver = std::make_shared<std::string>();
  restore->add_option("DIR", *from, "backup directory")->required();
  restore->add_option("--server", *rserver, "server name (default: the local one)");
  cli.OnRun(restore, [&ctx, group, from, rserver]() -> absl::Status {
    return Restore(ctx, *group, *from, *rserver);
  });
}

}  // namespace

void AddDirectoryCommands(Cli& cli) {
  cli.AddCodeNames(DirectoryCodeName);
  auto group = std::make_shared<Group>();
  auto* directory = cli.app().add_subcommand("directory", "the directory service");
  directory->require_subcommand(1);
  directory->add_option("--as", group->as,
                        "act as this principal (user or DOMAIN\\user)");
  AddServiceCommands(cli, directory, group);
  AddObjectCommands(cli, directory);
  AddBackupCommands(cli, directory, group);
}

}  // namespace shadowset::cli
