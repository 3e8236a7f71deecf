// The shadowset command: see requestor/cli/cli.h and the README.

#include "requestor/cli/cli.h"

int main(int argc, char** argv) {
  shadowset::cli::Cli cli;
  shadowset::cli::AddEngineCommands(cli);
  return cli.Run(argc, argv);
}
