// The I/O seam: every file, directory, clock and thread the engine (and the
// backup pipeline) touches goes through an Env, so tests can inject faults
// and simulated power loss anywhere (see engine/fault_env.h and DESIGN §2.9).
//
//   Env* env = Env::Default();
//   ASSIGN_OR_RETURN(std::unique_ptr<File> f,
//                    env->OpenFile(path, {.create = true}));
//   RETURN_IF_ERROR(f->WriteAt(0, bytes));
//   RETURN_IF_ERROR(f->Sync());
//
// Errors: I/O failures are absl::StatusCode::kInternal (errno text included)
// except ENOSPC/EDQUOT (kResourceExhausted), ENOENT (kNotFound), EEXIST
// (kAlreadyExists), EACCES/EPERM (kPermissionDenied).
//
// Thread safety: Env implementations are safe for concurrent use. A File is
// safe for concurrent positional reads and writes (pread/pwrite semantics).

#ifndef SHADOWSET_ENGINE_ENV_H_
#define SHADOWSET_ENGINE_ENV_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

namespace shadowset {

// A random-access file (or raw block device).
class File {
 public:
  virtual ~File() = default;

  // Reads exactly out.size() bytes at `offset`. A short read (past the end of
  // the file) is kOutOfRange and leaves `out` unspecified.
  virtual absl::Status ReadAt(uint64_t offset, absl::Span<uint8_t> out) = 0;
  // Writes all of `data` at `offset`, extending the file if needed.
  virtual absl::Status WriteAt(uint64_t offset,
                               absl::Span<const uint8_t> data) = 0;
  // fdatasync: makes every completed write durable (and the size, when it
  // changed). An error is final: the caller must not retry and carry on.
  virtual absl::Status Sync() = 0;
  // fsync: as Sync, plus all of the inode's metadata.
  virtual absl::Status SyncAll() = 0;
  virtual absl::StatusOr<uint64_t> Size() = 0;
  virtual absl::Status Truncate(uint64_t size) = 0;
  // Deallocates [offset, offset+length) keeping the size; reads return zeros.
  virtual absl::Status PunchHole(uint64_t offset, uint64_t length) = 0;
  // Bytes the filesystem has allocated to the file (st_blocks * 512).
  virtual absl::StatusOr<uint64_t> AllocatedBytes() = 0;
  // The first offset >= `offset` holding data (SEEK_DATA), or nullopt when
  // only holes follow. Files that cannot tell report `offset` itself.
  virtual absl::StatusOr<std::optional<uint64_t>> NextData(uint64_t offset) = 0;
  // The first hole at or after `offset` (SEEK_HOLE; the end counts as one).
  virtual absl::StatusOr<uint64_t> NextHole(uint64_t offset) = 0;
  virtual const std::string& path() const = 0;
};

struct OpenOptions {
  // Create the file if it does not exist. Default: false.
  bool create = false;
  // With `create`: fail with kAlreadyExists if it exists. Default: false.
  bool exclusive = false;
  // O_DIRECT: buffers, offsets and lengths must be 4 KiB aligned.
  // Default: false.
  bool direct = false;
  // Open read-only. Default: false.
  bool read_only = false;
};

// An advisory lock held until destroyed (flock on a file).
class FileLock {
 public:
  virtual ~FileLock() = default;
};

enum class FileType { kMissing, kFile, kDirectory, kOther };

class Env {
 public:
  virtual ~Env() = default;

  // The process-wide POSIX Env. Never deleted.
  static Env* Default();

  virtual absl::StatusOr<std::unique_ptr<File>> OpenFile(
      const std::string& path, const OpenOptions& options) = 0;
  // mkdir; kAlreadyExists if the path exists.
  virtual absl::Status CreateDir(const std::string& path) = 0;
  // fsync of a directory: makes its entries (creates, renames, removes)
  // durable.
  virtual absl::Status SyncDir(const std::string& path) = 0;
  // rename(2): atomic, replaces `to`.
  virtual absl::Status Rename(const std::string& from,
                              const std::string& to) = 0;
  virtual absl::Status RemoveFile(const std::string& path) = 0;
  virtual absl::Status RemoveDir(const std::string& path) = 0;
  // Entry names of a directory, without "." and "..", sorted.
  virtual absl::StatusOr<std::vector<std::string>> ListDir(
      const std::string& path) = 0;
  virtual absl::StatusOr<FileType> GetFileType(const std::string& path) = 0;

  // Takes an exclusive advisory lock on `path` (created if missing) and
  // writes `holder` into it. If another open file description holds it,
  // fails with kFailedPrecondition naming the holder recorded in the file.
  virtual absl::StatusOr<std::unique_ptr<FileLock>> LockFile(
      const std::string& path, const std::string& holder) = 0;

  // LMDB does its own file I/O; the catalog calls these around each commit
  // of the environment in `dir`, so a test Env can count the commit as an
  // I/O step (and fail it), and remember the last durable catalog.
  virtual absl::Status BeforeCatalogCommit(const std::string& dir) {
    return absl::OkStatus();
  }
  virtual void AfterCatalogCommit(const std::string& dir) {}

  // Wall clock (used for timestamps and deadlines).
  virtual absl::Time Now() = 0;
  virtual void SleepFor(absl::Duration duration) = 0;

  // Starts a thread running `fn`; the caller joins it.
  virtual std::thread StartThread(const std::string& name,
                                  absl::AnyInvocable<void()> fn) = 0;
};

// Recursively removes `path` (file or directory tree) through `env`. Missing
// is not an error.
absl::Status RemoveTree(Env* env, const std::string& path);

// Writes `data` to `path` via a temporary file, fsyncs it, renames it into
// place and fsyncs the directory: after OK the file is durable and whole;
// after a crash it is either the old file or the new one.
absl::Status WriteFileAtomically(Env* env, const std::string& path,
                                 absl::Span<const uint8_t> data);

// Reads a whole file.
absl::StatusOr<std::string> ReadFileToString(Env* env, const std::string& path);

// "a/b/c" -> "a/b"; "c" -> ".".
std::string DirName(const std::string& path);
std::string JoinPath(const std::string& a, const std::string& b);

}  // namespace shadowset

#endif  // SHADOWSET_ENGINE_ENV_H_
