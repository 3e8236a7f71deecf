// CliChild: the built `shadowset` binary running as a child process, for
// end-to-end tests that act on a command while it runs (interrupt it,
// or hold its data directory's lock).
//
//   CliChild c(SHADOWSET_BINARY, work_dir, {"--data", d, "backup", ...});
//   ASSERT_TRUE(c.WaitForLine("backup ", absl::Seconds(60)));
//   c.Signal(SIGINT);
//   EXPECT_EQ(c.Wait(), 130);
//   c.out();  c.err();
//
// stdout comes through a pipe (so the command sees no terminal), stderr
// goes to a file in `work_dir`, stdin is /dev/null.
//
// Thread safety: thread-compatible.

#ifndef SHADOWSET_TESTS_TESTING_CLI_CHILD_H_
#define SHADOWSET_TESTS_TESTING_CLI_CHILD_H_

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "engine/env.h"

namespace shadowset::testing {

class CliChild {
 public:
  CliChild(const std::string& binary, const std::string& work_dir,
           const std::vector<std::string>& args)
      : err_path_(work_dir + "/.child-stderr") {
    int fds[2];
    if (pipe(fds) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], STDOUT_FILENO);
      close(fds[0]);
      close(fds[1]);
      int err = open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(err, STDERR_FILENO);
      int null = open("/dev/null", O_RDONLY);
      dup2(null, STDIN_FILENO);
      if (chdir(work_dir.c_str()) != 0) _exit(127);
      std::vector<char*> argv;
      argv.push_back(const_cast<char*>(binary.c_str()));
      for (const std::string& a : args) {
        argv.push_back(const_cast<char*>(a.c_str()));
      }
      argv.push_back(nullptr);
      execv(binary.c_str(), argv.data());
      _exit(127);
    }
    close(fds[1]);
    out_fd_ = fds[0];
  }

  ~CliChild() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      Wait();
    }
    if (out_fd_ >= 0) close(out_fd_);
  }

  CliChild(const CliChild&) = delete;
  CliChild& operator=(const CliChild&) = delete;

  bool started() const { return pid_ > 0 && out_fd_ >= 0; }

  // Reads stdout until a complete line holding `text` arrived (true), or
  // stdout ended or `timeout` passed (false).
  bool WaitForLine(absl::string_view text, absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    for (;;) {
      for (size_t start = 0, end;
           (end = out_.find('\n', start)) != std::string::npos;
           start = end + 1) {
        if (absl::StrContains(
                absl::string_view(out_).substr(start, end - start), text)) {
          return true;
        }
      }
      const absl::Duration left = deadline - absl::Now();
      if (left <= absl::ZeroDuration() || !ReadSome(left)) return false;
    }
  }

  void Signal(int signal_number) {
    if (pid_ > 0 && !exited_) kill(pid_, signal_number);
  }

  // Reads the rest of stdout and reaps the child: its exit code, or -1 if
  // a signal ended it.
  int Wait() {
    if (pid_ <= 0) return -1;
    if (!exited_) {
      while (ReadSome(absl::InfiniteDuration())) {
      }
      int status = 0;
      waitpid(pid_, &status, 0);
      exited_ = true;
      code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    return code_;
  }

  const std::string& out() const { return out_; }
  std::string err() const {
    return ReadFileToString(Env::Default(), err_path_).value_or("");
  }

 private:
  // Appends what stdout has within `timeout`; false at its end or timeout.
  bool ReadSome(absl::Duration timeout) {
    if (out_fd_ < 0) return false;
    pollfd p = {out_fd_, POLLIN, 0};
    const int ms = timeout == absl::InfiniteDuration()
                       ? -1
                       : static_cast<int>(absl::ToInt64Milliseconds(timeout));
    if (poll(&p, 1, ms) <= 0) return false;
    char buf[4096];
    const ssize_t n = read(out_fd_, buf, sizeof buf);
    if (n <= 0) return false;
    out_.append(buf, static_cast<size_t>(n));
    return true;
  }

  const std::string err_path_;
  pid_t pid_ = -1;
  int out_fd_ = -1;
  bool exited_ = false;
  int code_ = -1;
  std::string out_;
};

}  // namespace shadowset::testing

#endif  // SHADOWSET_TESTS_TESTING_CLI_CHILD_H_
