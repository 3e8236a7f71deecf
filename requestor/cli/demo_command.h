// `shadowset demo`: the whole product on an embedded default (see
// requestor/demo/demo.h for what it does).
//
//   shadowset demo [--scale small|medium|large] [--seconds N] [--dir DIR]
//                  [--keep] [--json]
//
// It works in DIR (empty or absent) or in a new directory under $TMPDIR
// (else /var/tmp), removes what it made at the end unless --keep, prints
// each phase with a progress line and the summary table (--json: one JSON
// object per line, the summary last), and exits 0 only if every check
// passed (1 naming the failed checks otherwise, 130 when interrupted).

#ifndef SHADOWSET_REQUESTOR_CLI_DEMO_COMMAND_H_
#define SHADOWSET_REQUESTOR_CLI_DEMO_COMMAND_H_

#include "requestor/cli/cli.h"

namespace shadowset::cli {

void AddDemoCommand(Cli& cli);

}  // namespace shadowset::cli

#endif  // SHADOWSET_REQUESTOR_CLI_DEMO_COMMAND_H_
