// The `shadowset` command line: a thin front end over the library.
//
// Each command group lives in its own file and registers itself:
//   engine_commands.cc     init, volume, snapshot, check, events
//   backup_commands.cc     backup create|verify|list, restore (with
//                          inspect_commands.cc: token show, writers
//                          list|status); the writers are those of the
//                          services present in the data directory
//                          (service_host.h: one table entry per service)
//   dhcp_commands.cc       dhcp ...
//   rras_commands.cc       rras ...
//   directory_commands.cc  directory ...
//   demo_command.cc        demo
//
// A command's action returns absl::Status: OK exits 0; an error prints one
// line on stderr ("shadowset: <message>", with "NAME (code)" when the status
// carries a Win32-style code) and exits 1 (130 when interrupted). Usage
// errors (unknown command or flag, bad value) exit 2.

#ifndef SHADOWSET_REQUESTOR_CLI_CLI_H_
#define SHADOWSET_REQUESTOR_CLI_CLI_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/engine.h"
#include "nlohmann/json.hpp"

namespace shadowset::cli {

class Cli;

// State shared by every command of one invocation.
struct Context {
  std::string data_dir;  // --data, else $SHADOWSET_DATA, else ./shadowset-data
  bool json = false;     // --json
  // Opens the engine in data_dir (clear errors for missing or locked).
  absl::StatusOr<std::unique_ptr<Engine>> OpenEngine() const;
  // Prints a line to stdout (human output).
  void Say(absl::string_view line) const;
  // Prints a JSON document on one line to stdout.
  void Emit(const nlohmann::json& doc) const;
};

using Action = std::function<absl::Status()>;

class Cli {
 public:
  Cli();
  CLI::App& app() { return app_; }
  Context& context() { return ctx_; }
  // Makes `fn` the action of subcommand `sub`.
  void OnRun(CLI::App* sub, Action fn);
  // Adds a lookup from Win32-style codes to names (for error lines).
  void AddCodeNames(std::function<absl::string_view(uint32_t)> names);
  // Parses and runs; returns the process exit code.
  int Run(int argc, char** argv);
  // "NAME (number)" for a code, using every registered name table.
  std::string DescribeCode(uint32_t code) const;

 private:
  CLI::App app_;
  Context ctx_;
  Action action_;
  std::vector<std::function<absl::string_view(uint32_t)>> code_names_;
};

// Value parsing shared by the command groups. Each returns kInvalidArgument
// with a message naming the flag.
// Sizes: plain bytes or K/M/G/T suffixes (powers of 1024), e.g. "64M".
absl::StatusOr<uint64_t> ParseSize(absl::string_view flag, absl::string_view text);
// Durations: "90s", "15m", "36h", "180d" (also combinations like "1h30m").
absl::StatusOr<absl::Duration> ParseDuration(absl::string_view flag,
                                             absl::string_view text);

// Command groups.
void AddEngineCommands(Cli& cli);
void AddBackupCommands(Cli& cli);

}  // namespace shadowset::cli

#endif  // SHADOWSET_REQUESTOR_CLI_CLI_H_
