// The shadowset command: see requestor/cli/cli.h and the README.

#include "requestor/cli/cli.h"
#include "requestor/cli/demo_command.h"
#include "requestor/cli/directory_commands.h"
#include "requestor/cli/service_commands.h"

int main(int argc, char** argv) {
  shadowset::cli::Cli cli;
  shadowset::cli::AddEngineCommands(cli);
  shadowset::cli::AddBackupCommands(cli);
  shadowset::cli::AddDhcpCommands(cli);
  shadowset::cli::AddRrasCommands(cli);
  shadowset::cli::AddDirectoryCommands(cli);
  shadowset::cli::AddDemoCommand(cli);
  return cli.Run(argc, argv);
}
