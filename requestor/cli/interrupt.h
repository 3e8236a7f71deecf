// Interrupts: SIGINT (Ctrl-C) and SIGTERM turned into a cancellation flag
// that the long commands hand to the pipelines (BackupOptions::cancel,
// RestoreOptions::cancel, DemoOptions::cancel).
//
//   const std::atomic<bool>* cancel = InstallInterruptHandlers();
//   options.cancel = cancel;
//   ... a cancelled run returns kCancelled: the command exits with 130 ...
//
// The first signal only sets the flag (the handler does nothing else, so
// it is async-signal-safe); the command then stops at its next check,
// cleans up (writers thawed or aborted, no snapshot set and no partial
// backup left) and exits with 130. A second signal ends the process at
// once, as if no handler were installed.
//
// The flag is process-wide (signals are); it lives only in the command
// line, never in the library.
//
// Thread safety: safe from any thread and from the signal handler.

#ifndef SHADOWSET_REQUESTOR_CLI_INTERRUPT_H_
#define SHADOWSET_REQUESTOR_CLI_INTERRUPT_H_

#include <atomic>

namespace shadowset::cli {

// Installs the handlers (once; later calls only return the flag) and
// returns the flag they set.
const std::atomic<bool>* InstallInterruptHandlers();

// For commands that only read (backup verify): the first SIGINT or
// SIGTERM ends the process at once with exit code 130; there is nothing
// to clean up, and a long verification of one volume has no point at which
// to look at a flag.
void ExitOnInterrupt();

}  // namespace shadowset::cli

#endif  // SHADOWSET_REQUESTOR_CLI_INTERRUPT_H_
