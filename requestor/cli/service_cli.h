// Plumbing shared by the command groups of the reference services
// (dhcp_commands.cc, rras_commands.cc): the --as option, opening a service
// for one command, the "admins" commands, and a command that takes a
// backup path.
//
//   auto open = [](const Context& ctx) {
//     return OpenService<DhcpServer>(ctx, "DHCP server", "dhcp",
//         [](Engine* e) { return DhcpServer::Open(e, DhcpServerOptions{}); });
//   };
//   AddAdminsCommands<DhcpServer>(cli, group, "DHCP Administrators", open);
//
// Thread safety: used while the command line is being built and run, on one
// thread.

#ifndef SHADOWSET_REQUESTOR_CLI_SERVICE_CLI_H_
#define SHADOWSET_REQUESTOR_CLI_SERVICE_CLI_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "engine/engine.h"
#include "engine/internal/status_macros.h"
#include "requestor/cli/cli.h"

namespace shadowset::cli {

// --as NAME on `cmd` (default: the current OS user); the value is filled in
// when the command line is parsed.
std::shared_ptr<std::string> AddAs(CLI::App* cmd);

// A subcommand of `group` that acts as --as on the directory given as its
// one positional argument.
struct PathCommand {
  CLI::App* cmd = nullptr;
  std::shared_ptr<std::string> as;
  std::shared_ptr<std::string> path;
};
PathCommand AddPathCommand(CLI::App* group, const std::string& name,
                           const std::string& description,
                           const std::string& path_name,
                           const std::string& path_help);

// An engine and a service on it, for one command (the service goes first).
template <typename Service>
struct OpenedService {
  std::unique_ptr<Engine> engine;
  std::unique_ptr<Service> service;
};

// Opens the data directory's engine and the service on it with `open`
// (Engine* -> StatusOr<unique_ptr<Service>>). A missing service becomes
// kNotFound "no <what> in <dir> (create one with 'shadowset <group>
// init')"; other errors pass through.
template <typename Service, typename OpenFn>
absl::StatusOr<OpenedService<Service>> OpenService(const Context& ctx,
                                                   absl::string_view what,
                                                   absl::string_view group,
                                                   OpenFn open) {
  OpenedService<Service> o;
  ASSIGN_OR_RETURN(o.engine, ctx.OpenEngine());
  absl::StatusOr<std::unique_ptr<Service>> service = open(o.engine.get());
  if (absl::IsNotFound(service.status())) {
    return absl::NotFoundError(absl::StrCat("no ", what, " in ", ctx.data_dir,
                                            " (create one with 'shadowset ",
                                            group, " init')"));
  }
  ASSIGN_OR_RETURN(o.service, std::move(service));
  return o;
}

template <typename Service>
using ServiceOpener =
    std::function<absl::StatusOr<OpenedService<Service>>(const Context&)>;

// "admins add NAME" and "admins list" under `group`, calling the service's
// AddAdministrator and ListAdministrators as --as.
template <typename Service>
void AddAdminsCommands(Cli& cli, CLI::App* group,
                       const std::string& description,
                       ServiceOpener<Service> open) {
  Context& ctx = cli.context();
  auto* admins = group->add_subcommand("admins", description);
  admins->require_subcommand(1);
  auto* add = admins->add_subcommand("add", "add an administrator");
  auto as = AddAs(add);
  auto name = std::make_shared<std::string>();
  add->add_option("NAME", *name, "principal")->required();
  cli.OnRun(add, [&ctx, open, as, name]() -> absl::Status {
    ASSIGN_OR_RETURN(OpenedService<Service> o, open(ctx));
    RETURN_IF_ERROR(o.service->AddAdministrator(*as, *name));
    if (!ctx.json) ctx.Say(absl::StrCat("added administrator ", *name));
    else ctx.Emit({{"administrator", *name}});
    return absl::OkStatus();
  });
  auto* list = admins->add_subcommand("list", "list administrators");
  auto las = AddAs(list);
  cli.OnRun(list, [&ctx, open, las]() -> absl::Status {
    ASSIGN_OR_RETURN(OpenedService<Service> o, open(ctx));
    ASSIGN_OR_RETURN(std::vector<std::string> names,
                     o.service->ListAdministrators(*las));
    if (ctx.json) {
      ctx.Emit(names);
    } else {
      for (const std::string& n : names) ctx.Say(n);
    }
    return absl::OkStatus();
  });
}

}  // namespace shadowset::cli

#endif  // SHADOWSET_REQUESTOR_CLI_SERVICE_CLI_H_
