// Runs the built `shadowset` binary for end-to-end tests: its exit code,
// stdout and stderr. The binary's path comes from the SHADOWSET_BINARY
// compile definition (tests/cli/CMakeLists.txt).

#ifndef SHADOWSET_TESTS_TESTING_CLI_RUNNER_H_
#define SHADOWSET_TESTS_TESTING_CLI_RUNNER_H_

#include <sys/wait.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/env.h"
#include "gtest/gtest.h"

namespace shadowset::testing {

struct CliResult {
  int code = -1;  // exit code; -1 if killed by a signal
  std::string out;
  std::string err;
};

inline std::string ShellQuote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') {
      q += "'\\''";
    } else {
      q += c;
    }
  }
  return q + "'";
}

class CliRunner {
 public:
  // Commands run in `work_dir` with `--data data_dir` (when non-empty).
  CliRunner(std::string binary, std::string work_dir, std::string data_dir)
      : binary_(std::move(binary)),
        work_(std::move(work_dir)),
        data_(std::move(data_dir)) {}

  CliResult Run(const std::vector<std::string>& args,
                const std::string& extra_env = "") const {
    std::vector<std::string> quoted;
    for (const std::string& a : args) quoted.push_back(ShellQuote(a));
    std::string out = work_ + "/.stdout", err = work_ + "/.stderr";
    std::string cmd = absl::StrCat(
        "cd ", ShellQuote(work_), " && ", extra_env, extra_env.empty() ? "" : " ",
        ShellQuote(binary_),
        data_.empty() ? "" : absl::StrCat(" --data ", ShellQuote(data_)), " ",
        absl::StrJoin(quoted, " "), " >", ShellQuote(out), " 2>",
        ShellQuote(err), " </dev/null");
    int status = std::system(cmd.c_str());
    CliResult r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = ReadFileToString(Env::Default(), out).value_or("");
    r.err = ReadFileToString(Env::Default(), err).value_or("");
    return r;
  }

  // Runs a command that must succeed; returns its stdout.
  std::string Ok(const std::vector<std::string>& args) const {
    CliResult r = Run(args);
    EXPECT_EQ(r.code, 0) << absl::StrJoin(args, " ") << "\n" << r.err;
    return r.out;
  }

  const std::string& data_dir() const { return data_; }
  const std::string& work_dir() const { return work_; }

 private:
  std::string binary_;
  std::string work_;
  std::string data_;
};

}  // namespace shadowset::testing

#endif  // SHADOWSET_TESTS_TESTING_CLI_RUNNER_H_
