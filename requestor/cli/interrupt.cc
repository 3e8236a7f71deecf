#include "requestor/cli/interrupt.h"

#include <signal.h>
#include <unistd.h>

namespace shadowset::cli {
namespace {

static_assert(std::atomic<bool>::is_always_lock_free,
              "the signal handler needs a lock-free flag");

// Set by the first SIGINT or SIGTERM.
std::atomic<bool> interrupted{false};

extern "C" void OnInterrupt(int signal_number) {
  if (interrupted.exchange(true)) {
    // The second one: the default action, now.
    struct sigaction dfl = {};
    dfl.sa_handler = SIG_DFL;
    sigaction(signal_number, &dfl, nullptr);
    raise(signal_number);
  }
}

extern "C" void ExitNow(int) {
  static const char kNewline[] = "\n";  // end a progress line in progress
  ssize_t ignored = write(STDERR_FILENO, kNewline, 1);
  (void)ignored;
  _exit(130);
}

}  // namespace

void ExitOnInterrupt() {
  struct sigaction sa = {};
  sa.sa_handler = ExitNow;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

const std::atomic<bool>* InstallInterruptHandlers() {
  static const bool installed = [] {
    struct sigaction sa = {};
    sa.sa_handler = OnInterrupt;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    return true;
  }();
  (void)installed;
  return &interrupted;
}

}  // namespace shadowset::cli
