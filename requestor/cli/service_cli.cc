// The non-template half of service_cli.h.

#include "requestor/cli/service_cli.h"

#include "requestor/cli/service_commands.h"

namespace shadowset::cli {

std::shared_ptr<std::string> AddAs(CLI::App* cmd) {
  auto as = std::make_shared<std::string>(CurrentUser());
  cmd->add_option("--as", *as, "act as this principal (default: you)");
  return as;
}

PathCommand AddPathCommand(CLI::App* group, const std::string& name,
                           const std::string& description,
                           const std::string& path_name,
                           const std::string& path_help) {
  PathCommand c;
  c.cmd = group->add_subcommand(name, description);
  c.as = AddAs(c.cmd);
  c.path = std::make_shared<std::string>();
  c.cmd->add_option(path_name, *c.path, path_help)->required();
  return c;
}

}  // namespace shadowset::cli
