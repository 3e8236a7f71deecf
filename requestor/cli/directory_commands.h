// `shadowset directory ...`: the directory service from the command line.
//
//   directory [--as NAME] init [--server NAME]
//   directory object add DN --class CLASS [--attr NAME=VALUE]...
//   directory object modify DN [--attr NAME=VALUE]... [--add NAME=VALUE]...
//                              [--remove NAME[=VALUE]]...
//   directory object delete|get DN        directory object list
//   directory online [--server NAME]      directory tombstone-lifetime [D]
//   directory gc                          directory check
//   directory grant PRINCIPAL [--backup] [--restore]
//   directory backup --to DIR [--server NAME] [--type full|incremental|
//                    logs-only] [--grbit N]
//   directory restore DIR [--server NAME]
//
// --as NAME acts as that principal ("user" or "DOMAIN\user"; default: the
// user running the command) for init (the creator), grant, backup and
// restore. The server name defaults to the directory's own. Errors carry the
// directory's codes, printed by name and number ("hrContentsExpired
// (0xC7FF0011)").
//
// A backup directory holds ntds.dit, ntds.pat, edbXXXXXXXX.log files and the
// expiry token ("token"); it is written as DIR.partial and renamed into
// place once every file is durable; the backed-up logs are truncated only
// after that. Restore opens the directory offline (as a restore-mode boot
// would), runs the DsRestore sequence and brings it back online.

#ifndef SHADOWSET_REQUESTOR_CLI_DIRECTORY_COMMANDS_H_
#define SHADOWSET_REQUESTOR_CLI_DIRECTORY_COMMANDS_H_

#include "requestor/cli/cli.h"

namespace shadowset::cli {

void AddDirectoryCommands(Cli& cli);

}  // namespace shadowset::cli

#endif  // SHADOWSET_REQUESTOR_CLI_DIRECTORY_COMMANDS_H_
