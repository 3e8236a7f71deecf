// What the backup command group (backup_commands.cc, inspect_commands.cc)
// shares: opening a data directory with its services hosted, key files,
// the wording of token refusals, preparing a restore target, and verifying
// a backup with the chain it builds on.
//
// Thread safety: free functions and plain values.

#ifndef SHADOWSET_REQUESTOR_CLI_BACKUP_CLI_SUPPORT_H_
#define SHADOWSET_REQUESTOR_CLI_BACKUP_CLI_SUPPORT_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/engine.h"
#include "requestor/cli/cli.h"
#include "requestor/cli/service_host.h"
#include "requestor/progress.h"
#include "writers/registry.h"

namespace shadowset::cli {

// An engine with the writers of its services registered. Members are
// destroyed host first, engine last.
struct Hosted {
  std::unique_ptr<Engine> engine;
  std::unique_ptr<WriterRegistry> registry;
  std::unique_ptr<ServiceHost> host;
};

// Opens the data directory `data_dir` and every service present in it.
absl::StatusOr<Hosted> Host(const std::string& data_dir);

// The key in `file` (ReadKeyFile); "" when `file` is "".
absl::StatusOr<std::string> ReadKey(const std::string& file);

// `status` as the command reports it: a token refusal says which
// ("expiry token refused (expired): ..."); other statuses unchanged.
absl::Status Refusal(const absl::Status& status);

// Checks the backup's token and manifest at `dir` (with `key`, now) and
// makes `target` a data directory if it is missing or empty, with the
// backup's block size. Returns whether it was created. Nothing is created
// for a refused backup.
absl::StatusOr<bool> PrepareTarget(const std::string& dir,
                                   const std::string& key,
                                   const std::string& target);

// Removes every entry of directory `dir` (not `dir` itself).
absl::Status RemoveEntries(Env* env, const std::string& dir);

struct ChainReport {
  std::vector<std::string> chain;  // backup ids, the full image first
  uint64_t files = 0;
  uint64_t blocks = 0;
  uint64_t bytes = 0;
};

// VerifyBackupSet of the set at `dir` (its expiry judged now) and of every
// base it builds on (each judged at its own creation: a base's expiry does
// not limit later backups), then each volume's chain resolved as a restore
// resolves it. The first problem is returned (token refusals worded by
// Refusal). `progress` (if set) hears of the bytes the manifests list,
// after each set; `cancel` (if set) is checked before each set
// (kCancelled).
absl::StatusOr<ChainReport> VerifyChain(
    const std::string& dir, const std::string& key,
    const ProgressCallback& progress = nullptr,
    const std::atomic<bool>* cancel = nullptr);

// token show, writers list, writers status (inspect_commands.cc).
void AddInspectCommands(Cli& cli);

}  // namespace shadowset::cli

#endif  // SHADOWSET_REQUESTOR_CLI_BACKUP_CLI_SUPPORT_H_
