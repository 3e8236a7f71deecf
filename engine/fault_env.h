// FaultInjectionEnv: an Env wrapper for crash and fault tests (DESIGN §2.9).
//
// It forwards to a real Env and remembers what is not yet durable:
//  * per file, every 512-byte sector written since the file's last
//    Sync/SyncAll (with each version it has had);
//  * per directory, every entry created, renamed or removed since the
//    directory's last SyncDir;
//  * per LMDB catalog, a copy of data.mdb taken after each synced commit.
//
// A test runs a workload with CrashAtOp(n): the n-th mutating operation is
// not performed and every later one fails, as if the power went out. After
// closing the engine, PowerLoss(seed) rewrites the disk to what survives:
// each unsynced sector keeps a random one of its versions (so writes are kept
// or lost at random and torn at 512 B), unsynced directory entries are undone
// and each catalog reverts to its last durable commit. Then reopen.
//
// Thread safety: safe for concurrent use; all I/O is serialised.

#ifndef SHADOWSET_ENGINE_FAULT_ENV_H_
#define SHADOWSET_ENGINE_FAULT_ENV_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "engine/env.h"

namespace shadowset {

class FaultInjectionEnv final : public Env {
 public:
  // Operations that change the disk, for counting and targeted failures.
  enum class OpKind { kAny, kWrite, kSync, kDirectory, kCatalogCommit };

  // `base` must outlive this Env. Default: Env::Default().
  explicit FaultInjectionEnv(Env* base = nullptr);
  ~FaultInjectionEnv() override;

  // The n-th mutating operation from now (1-based) is dropped and the Env
  // is "crashed": every later mutating operation fails with kUnavailable.
  // Reads keep working. 0 disarms.
  void CrashAtOp(uint64_t n);
  // The n-th operation of `kind` from now fails with kInternal ("injected
  // I/O error") without crashing. 0 disarms.
  void FailOp(OpKind kind, uint64_t n);
  // Every Sync/SyncAll/SyncDir sleeps this long first (slow devices).
  void SetSyncDelay(absl::Duration delay);

  // Mutating operations performed (or dropped at the crash) so far.
  uint64_t ops() const;
  bool crashed() const;

  // Rewrites the disk to what a power loss would leave (see above), with
  // randomness from `seed`. Call with every file of the workload closed.
  // Afterwards the Env is no longer crashed and everything on disk counts as
  // durable.
  absl::Status PowerLoss(uint64_t seed);
  // Forgets all history: everything on disk now counts as durable.
  void MarkAllDurable();

  // Env:
  absl::StatusOr<std::unique_ptr<File>> OpenFile(
      const std::string& path, const OpenOptions& options) override;
  absl::Status CreateDir(const std::string& path) override;
  absl::Status SyncDir(const std::string& path) override;
  absl::Status Rename(const std::string& from, const std::string& to) override;
  absl::Status RemoveFile(const std::string& path) override;
  absl::Status RemoveDir(const std::string& path) override;
  absl::StatusOr<std::vector<std::string>> ListDir(
      const std::string& path) override;
  absl::StatusOr<FileType> GetFileType(const std::string& path) override;
  absl::StatusOr<std::unique_ptr<FileLock>> LockFile(
      const std::string& path, const std::string& holder) override;
  absl::Status BeforeCatalogCommit(const std::string& dir) override;
  void AfterCatalogCommit(const std::string& dir) override;
  absl::Time Now() override;
  void SleepFor(absl::Duration duration) override;
  std::thread StartThread(const std::string& name,
                          absl::AnyInvocable<void()> fn) override;

 private:
  class FaultFile;
  struct FileState;
  struct DirOp;

  // Counts one mutating operation of `kind`; returns the error to report
  // instead of performing it, if any.
  absl::Status CountOp(OpKind kind) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::shared_ptr<FileState> StateFor(const std::string& path)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status SnapshotFile(const std::string& path, std::string* contents)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void SyncDelay();

  Env* const base_;
  mutable absl::Mutex mu_;
  uint64_t ops_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t crash_at_ ABSL_GUARDED_BY(mu_) = 0;
  bool crashed_ ABSL_GUARDED_BY(mu_) = false;
  OpKind fail_kind_ ABSL_GUARDED_BY(mu_) = OpKind::kAny;
  uint64_t fail_countdown_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Duration sync_delay_ ABSL_GUARDED_BY(mu_);
  // Path -> unsynced history of the file now at that path.
  std::map<std::string, std::shared_ptr<FileState>> files_ ABSL_GUARDED_BY(mu_);
  // Directory operations not yet covered by a SyncDir, oldest first.
  std::vector<DirOp> dir_ops_ ABSL_GUARDED_BY(mu_);
  // Catalog directory -> data.mdb as of its last durable commit.
  std::map<std::string, std::string> catalogs_ ABSL_GUARDED_BY(mu_);
};

}  // namespace shadowset

#endif  // SHADOWSET_ENGINE_FAULT_ENV_H_
