// Command groups of the reference services (requestor/cli/cli.h):
//   dhcp ...   dhcp_commands.cc
//   rras ...   rras_commands.cc
// Each service lives in the data directory on its engine volume; "init"
// creates it with the caller as its first administrator. Every command
// that calls a service takes --as NAME (default: the current OS user).

#ifndef SHADOWSET_REQUESTOR_CLI_SERVICE_COMMANDS_H_
#define SHADOWSET_REQUESTOR_CLI_SERVICE_COMMANDS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "requestor/cli/cli.h"

namespace shadowset::cli {

void AddDhcpCommands(Cli& cli);
void AddRrasCommands(Cli& cli);

// The name of the user running the command (the default of --as).
std::string CurrentUser();
// `path` made absolute against the working directory, keeping a trailing
// separator.
std::string AbsolutePath(const std::string& path);

}  // namespace shadowset::cli

#endif  // SHADOWSET_REQUESTOR_CLI_SERVICE_COMMANDS_H_
