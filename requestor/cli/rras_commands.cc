// shadowset rras init | interface | transport | phonebook | admins |
// backup | restore

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "engine/codes.h"
#include "engine/internal/status_macros.h"
#include "requestor/cli/cli.h"
#include "requestor/cli/service_cli.h"
#include "requestor/cli/service_commands.h"
#include "writers/rras/router_config.h"
#include "writers/rras/rras_codes.h"

namespace shadowset::cli {
namespace {

using rras::Interface;
using rras::RouterConfig;
using rras::RouterConfigOptions;

using Opened = OpenedService<RouterConfig>;

absl::StatusOr<Opened> OpenRouter(const Context& ctx) {
  return OpenService<RouterConfig>(
      ctx, "router configuration", "rras", [](Engine* engine) {
        return RouterConfig::Open(engine, RouterConfigOptions{});
      });
}

std::string TransportList(const Interface& i) {
  std::vector<std::string> names;
  for (const rras::InterfaceTransport& t : i.transports) {
    absl::string_view n = rras::TransportName(t.transport_id);
    names.push_back(n.empty() ? absl::StrFormat("0x%x", t.transport_id)
                              : std::string(n));
  }
  return names.empty() ? "-" : absl::StrJoin(names, ",");
}

void AddInit(Cli& cli, CLI::App* group) {
  Context& ctx = cli.context();
  auto* cmd = group->add_subcommand(
      "init",
      "create the router configuration (you become its first administrator)");
  auto as = AddAs(cmd);
  auto size = std::make_shared<std::string>("4M");
  cmd->add_option("--size", *size, "size of its volume");
  cli.OnRun(cmd, [&ctx, as, size]() -> absl::Status {
    RouterConfigOptions o;
    ASSIGN_OR_RETURN(o.volume_size, ParseSize("--size", *size));
    ASSIGN_OR_RETURN(auto engine, ctx.OpenEngine());
    absl::StatusOr<std::unique_ptr<RouterConfig>> router =
        RouterConfig::Create(engine.get(), o, *as);
    if (absl::IsAlreadyExists(router.status())) {
      return absl::AlreadyExistsError(absl::StrCat(
          "a router configuration already exists in ", ctx.data_dir));
    }
    RETURN_IF_ERROR(router.status());
    if (ctx.json) {
      ctx.Emit({{"volume", o.volume}, {"size", o.volume_size},
                {"administrator", *as}});
    } else {
      ctx.Say(absl::StrFormat(
          "created the router configuration on volume %s; administrator: %s",
          o.volume, *as));
    }
    return absl::OkStatus();
  });
}

void AddInterfaces(Cli& cli, CLI::App* group) {
  Context& ctx = cli.context();
  auto* iface = group->add_subcommand("interface", "manage interfaces");
  iface->require_subcommand(1);

  auto* add = iface->add_subcommand("add", "create an interface");
  auto as = AddAs(add);
  auto name = std::make_shared<std::string>();
  auto type = std::make_shared<std::string>();
  auto disabled = std::make_shared<bool>(false);
  add->add_option("NAME", *name, "interface name")->required();
  add->add_option("--type", *type,
                  "full-router, dedicated, internal, loopback, tunnel, "
                  "dialout, home-router or client")
      ->required();
  add->add_flag("--disabled", *disabled, "create it disabled");
  cli.OnRun(add, [&ctx, as, name, type, disabled]() -> absl::Status {
    std::optional<rras::InterfaceType> t = rras::ParseInterfaceType(*type);
    if (!t) {
      return MakeError(absl::StatusCode::kInvalidArgument, kErrorInvalidParameter,
                       absl::StrCat("bad --type '", *type,
                                    "' (full-router, dedicated, internal, "
                                    "loopback, tunnel, dialout, home-router, "
                                    "client)"));
    }
    ASSIGN_OR_RETURN(Opened o, OpenRouter(ctx));
    Interface i;
    i.name = *name;
    i.type = *t;
    i.enabled = !*disabled;
    RETURN_IF_ERROR(o.service->CreateInterface(*as, i));
    if (!ctx.json) ctx.Say(absl::StrCat("created interface ", *name));
    else ctx.Emit({{"name", *name}, {"type", *type}, {"enabled", !*disabled}});
    return absl::OkStatus();
  });

  auto* list = iface->add_subcommand("list", "list interfaces");
  auto las = AddAs(list);
  cli.OnRun(list, [&ctx, las]() -> absl::Status {
    ASSIGN_OR_RETURN(Opened o, OpenRouter(ctx));
    ASSIGN_OR_RETURN(std::vector<Interface> all, o.service->EnumInterfaces(*las));
    if (ctx.json) {
      nlohmann::json out = nlohmann::json::array();
      for (const Interface& i : all) {
        nlohmann::json transports = nlohmann::json::array();
        for (const rras::InterfaceTransport& t : i.transports) {
          transports.push_back(rras::TransportName(t.transport_id));
        }
        out.push_back({{"name", i.name},
                       {"type", rras::InterfaceTypeName(i.type)},
                       {"enabled", i.enabled},
                       {"transports", transports}});
      }
      ctx.Emit(out);
      return absl::OkStatus();
    }
    ctx.Say(absl::StrFormat("%-24s %-12s %-8s %s", "NAME", "TYPE", "STATE",
                            "TRANSPORTS"));
    for (const Interface& i : all) {
      ctx.Say(absl::StrFormat("%-24s %-12s %-8s %s", i.name,
                              rras::InterfaceTypeName(i.type),
                              i.enabled ? "enabled" : "disabled",
                              TransportList(i)));
    }
    return absl::OkStatus();
  });

  auto* del = iface->add_subcommand("delete", "delete an interface");
  auto das = AddAs(del);
  auto dname = std::make_shared<std::string>();
  del->add_option("NAME", *dname, "interface name")->required();
  cli.OnRun(del, [&ctx, das, dname]() -> absl::Status {
    ASSIGN_OR_RETURN(Opened o, OpenRouter(ctx));
    RETURN_IF_ERROR(o.service->DeleteInterface(*das, *dname));
    if (!ctx.json) ctx.Say(absl::StrCat("deleted interface ", *dname));
    else ctx.Emit({{"name", *dname}, {"deleted", true}});
    return absl::OkStatus();
  });
}

void AddTransports(Cli& cli, CLI::App* group) {
  Context& ctx = cli.context();
  auto* transport = group->add_subcommand("transport", "manage router managers");
  transport->require_subcommand(1);

  auto* add = transport->add_subcommand(
      "add", "add (or update) the router manager of a protocol");
  auto as = AddAs(add);
  auto protocol = std::make_shared<std::string>();
  add->add_option("PROTOCOL", *protocol, "ip or ipv6")->required();
  cli.OnRun(add, [&ctx, as, protocol]() -> absl::Status {
    std::optional<uint32_t> id = rras::ParseTransport(*protocol);
    if (!id) {
      return MakeError(absl::StatusCode::kInvalidArgument,
                       rras::kErrorUnknownProtocolId,
                       absl::StrCat("unknown protocol '", *protocol,
                                    "' (ip or ipv6)"));
    }
    ASSIGN_OR_RETURN(Opened o, OpenRouter(ctx));
    rras::Transport t;
    t.id = *id;
    t.name = *id == rras::kPidIp ? "IP" : "IPv6";
    t.dll_path = *id == rras::kPidIp ? "iprtrmgr.dll" : "ipv6rtrmgr.dll";
    RETURN_IF_ERROR(o.service->CreateTransport(*as, t));
    if (!ctx.json) ctx.Say(absl::StrCat("added router manager ", *protocol));
    else ctx.Emit({{"protocol", *protocol}, {"id", *id}});
    return absl::OkStatus();
  });

  auto* list = transport->add_subcommand("list", "list router managers");
  auto las = AddAs(list);
  cli.OnRun(list, [&ctx, las]() -> absl::Status {
    ASSIGN_OR_RETURN(Opened o, OpenRouter(ctx));
    ASSIGN_OR_RETURN(std::vector<rras::Transport> all,
                     o.service->EnumTransports(*las));
    nlohmann::json out = nlohmann::json::array();
    for (const rras::Transport& t : all) {
      if (ctx.json) {
        out.push_back({{"protocol", rras::TransportName(t.id)},
                       {"id", t.id},
                       {"name", t.name},
                       {"global_info_bytes", t.global_info.size()}});
      } else {
        ctx.Say(absl::StrFormat("%-5s 0x%02x  %s", rras::TransportName(t.id),
                                t.id, t.name));
      }
    }
    if (ctx.json) ctx.Emit(out);
    return absl::OkStatus();
  });
}

void AddPhonebook(Cli& cli, CLI::App* group) {
  Context& ctx = cli.context();
  auto* pb = group->add_subcommand("phonebook", "manage the phone book");
  pb->require_subcommand(1);

  auto* add = pb->add_subcommand("add", "add a phone-book entry");
  auto as = AddAs(add);
  struct AddFlags {
    std::string name, device, number;
    std::vector<std::string> options;
  };
  auto f = std::make_shared<AddFlags>();
  add->add_option("NAME", f->name, "entry name")->required();
  add->add_option("--device", f->device, "device, e.g. vpn")->required();
  add->add_option("--number", f->number, "phone number or host")->required();
  add->add_option("--option", f->options, "KEY=VALUE (repeatable)");
  cli.OnRun(add, [&ctx, as, f]() -> absl::Status {
    rras::PhonebookEntry e;
    e.name = f->name;
    e.device = f->device;
    e.number = f->number;
    for (const std::string& kv : f->options) {
      size_t eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) {
        return MakeError(absl::StatusCode::kInvalidArgument,
                         kErrorInvalidParameter,
                         absl::StrCat("bad --option '", kv, "' (KEY=VALUE)"));
      }
      e.options[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    ASSIGN_OR_RETURN(Opened o, OpenRouter(ctx));
    RETURN_IF_ERROR(o.service->AddPhonebookEntry(*as, e));
    if (!ctx.json) ctx.Say(absl::StrCat("added phone-book entry ", f->name));
    else ctx.Emit({{"name", f->name}});
    return absl::OkStatus();
  });

  auto* list = pb->add_subcommand("list", "list the phone book");
  auto las = AddAs(list);
  cli.OnRun(list, [&ctx, las]() -> absl::Status {
    ASSIGN_OR_RETURN(Opened o, OpenRouter(ctx));
    ASSIGN_OR_RETURN(std::vector<rras::PhonebookEntry> all,
                     o.service->EnumPhonebook(*las));
    nlohmann::json out = nlohmann::json::array();
    for (const rras::PhonebookEntry& e : all) {
      if (ctx.json) {
        out.push_back({{"name", e.name}, {"device", e.device},
                       {"number", e.number}, {"options", e.options}});
      } else {
        ctx.Say(absl::StrFormat("%-24s %-8s %s", e.name, e.device, e.number));
      }
    }
    if (ctx.json) ctx.Emit(out);
    return absl::OkStatus();
  });

  auto* del = pb->add_subcommand("delete", "delete a phone-book entry");
  auto das = AddAs(del);
  auto dname = std::make_shared<std::string>();
  del->add_option("NAME", *dname, "entry name")->required();
  cli.OnRun(del, [&ctx, das, dname]() -> absl::Status {
    ASSIGN_OR_RETURN(Opened o, OpenRouter(ctx));
    RETURN_IF_ERROR(o.service->DeletePhonebookEntry(*das, *dname));
    if (!ctx.json) ctx.Say(absl::StrCat("deleted phone-book entry ", *dname));
    else ctx.Emit({{"name", *dname}, {"deleted", true}});
    return absl::OkStatus();
  });
}

void AddBackupRestore(Cli& cli, CLI::App* group) {
  Context& ctx = cli.context();
  PathCommand backup = AddPathCommand(
      group, "backup", "back up router managers, interfaces and the phone book",
      "DIR/", "backup directory, ending with '/'");
  cli.OnRun(backup.cmd, [&ctx, backup]() -> absl::Status {
    ASSIGN_OR_RETURN(Opened o, OpenRouter(ctx));
    std::string path = AbsolutePath(*backup.path);
    RETURN_IF_ERROR(o.service->Backup(*backup.as, path));
    if (!ctx.json) ctx.Say(absl::StrCat("backed up the router configuration to ", path));
    else ctx.Emit({{"path", path}, {"sequence", o.service->sequence()}});
    return absl::OkStatus();
  });

  PathCommand restore = AddPathCommand(
      group, "restore",
      "restore router managers, interfaces and the phone book", "DIR/",
      "backup directory, ending with '/'");
  cli.OnRun(restore.cmd, [&ctx, restore]() -> absl::Status {
    ASSIGN_OR_RETURN(Opened o, OpenRouter(ctx));
    std::string path = AbsolutePath(*restore.path);
    RETURN_IF_ERROR(o.service->Restore(*restore.as, path));
    if (!ctx.json) {
      ctx.Say(absl::StrCat("restored the router configuration from ", path));
    } else {
      ctx.Emit({{"path", path}, {"restored", true}});
    }
    return absl::OkStatus();
  });
}

}  // namespace

void AddRrasCommands(Cli& cli) {
  cli.AddCodeNames(rras::RrasCodeName);
  auto* group = cli.app().add_subcommand("rras", "the router configuration");
  group->require_subcommand(1);
  AddInit(cli, group);
  AddInterfaces(cli, group);
  AddTransports(cli, group);
  AddPhonebook(cli, group);
  AddAdminsCommands<RouterConfig>(cli, group, "router administrators",
                                  OpenRouter);
  AddBackupRestore(cli, group);
}

}  // namespace shadowset::cli
