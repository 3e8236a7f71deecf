// The default Env: POSIX files, the system clock and std::thread.

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/env.h"
#include "engine/internal/errors.h"
#include "engine/internal/status_macros.h"

namespace shadowset {
namespace {

using internal::PosixError;

class PosixFile final : public File {
 public:
  PosixFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~PosixFile() override { ::close(fd_); }

  absl::Status ReadAt(uint64_t offset, absl::Span<uint8_t> out) override {
    size_t done = 0;
    while (done < out.size()) {
      ssize_t n = ::pread(fd_, out.data() + done, out.size() - done,
                          static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        return PosixError(errno, absl::StrCat("pread ", path_));
      }
      if (n == 0) {
        return absl::OutOfRangeError(absl::StrFormat(
            "pread %s: end of file at offset %u", path_, offset + done));
      }
      done += static_cast<size_t>(n);
    }
    return absl::OkStatus();
  }

  absl::Status WriteAt(uint64_t offset,
                       absl::Span<const uint8_t> data) override {
    size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::pwrite(fd_, data.data() + done, data.size() - done,
                           static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        return PosixError(errno, absl::StrCat("pwrite ", path_));
      }
      done += static_cast<size_t>(n);
    }
    return absl::OkStatus();
  }

  absl::Status Sync() override {
    if (::fdatasync(fd_) != 0) {
      return PosixError(errno, absl::StrCat("fdatasync ", path_));
    }
    return absl::OkStatus();
  }

  absl::Status SyncAll() override {
    if (::fsync(fd_) != 0) {
      return PosixError(errno, absl::StrCat("fsync ", path_));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<uint64_t> Size() override {
    struct stat st;
    if (::fstat(fd_, &st) != 0) {
      return PosixError(errno, absl::StrCat("fstat ", path_));
    }
    if (S_ISBLK(st.st_mode)) {
      off_t end = ::lseek(fd_, 0, SEEK_END);
      if (end < 0) return PosixError(errno, absl::StrCat("lseek ", path_));
      return static_cast<uint64_t>(end);
    }
    return static_cast<uint64_t>(st.st_size);
  }

  absl::Status Truncate(uint64_t size) override {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
      return PosixError(errno, absl::StrCat("ftruncate ", path_));
    }
    return absl::OkStatus();
  }

  absl::Status PunchHole(uint64_t offset, uint64_t length) override {
    if (length == 0) return absl::OkStatus();
    if (::fallocate(fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                    static_cast<off_t>(offset),
                    static_cast<off_t>(length)) != 0) {
      return PosixError(errno, absl::StrCat("fallocate(PUNCH_HOLE) ", path_));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<uint64_t> AllocatedBytes() override {
    struct stat st;
    if (::fstat(fd_, &st) != 0) {
      return PosixError(errno, absl::StrCat("fstat ", path_));
    }
    return static_cast<uint64_t>(st.st_blocks) * 512;
  }

  absl::StatusOr<std::optional<uint64_t>> NextData(uint64_t offset) override {
    off_t r = ::lseek(fd_, static_cast<off_t>(offset), SEEK_DATA);
    if (r < 0) {
      if (errno == ENXIO) return std::optional<uint64_t>();
      if (errno == EINVAL) return std::optional<uint64_t>(offset);
      return PosixError(errno, absl::StrCat("lseek(SEEK_DATA) ", path_));
    }
    return std::optional<uint64_t>(static_cast<uint64_t>(r));
  }

  absl::StatusOr<uint64_t> NextHole(uint64_t offset) override {
    off_t r = ::lseek(fd_, static_cast<off_t>(offset), SEEK_HOLE);
    if (r < 0) {
      if (errno == ENXIO) return offset;
      if (errno == EINVAL) {
        ASSIGN_OR_RETURN(uint64_t size, Size());
        return size;
      }
      return PosixError(errno, absl::StrCat("lseek(SEEK_HOLE) ", path_));
    }
    return static_cast<uint64_t>(r);
  }

  const std::string& path() const override { return path_; }

 private:
  const int fd_;
  const std::string path_;
};

class PosixFileLock final : public FileLock {
 public:
  explicit PosixFileLock(int fd) : fd_(fd) {}
  ~PosixFileLock() override {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }

 private:
  const int fd_;
};

class PosixEnv final : public Env {
 public:
  absl::StatusOr<std::unique_ptr<File>> OpenFile(
      const std::string& path, const OpenOptions& options) override {
    int flags = O_CLOEXEC | (options.read_only ? O_RDONLY : O_RDWR);
    if (options.create) flags |= O_CREAT;
    if (options.create && options.exclusive) flags |= O_EXCL;
    if (options.direct) flags |= O_DIRECT;
    int fd = ::open(path.c_str(), flags, 0644);
    if (fd < 0) return PosixError(errno, absl::StrCat("open ", path));
    return std::unique_ptr<File>(new PosixFile(fd, path));
  }

  absl::Status CreateDir(const std::string& path) override {
    if (::mkdir(path.c_str(), 0755) != 0) {
      return PosixError(errno, absl::StrCat("mkdir ", path));
    }
    return absl::OkStatus();
  }

  absl::Status SyncDir(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return PosixError(errno, absl::StrCat("open ", path));
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0) return PosixError(err, absl::StrCat("fsync ", path));
    return absl::OkStatus();
  }

  absl::Status Rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return PosixError(errno, absl::StrCat("rename ", from, " -> ", to));
    }
    return absl::OkStatus();
  }

  absl::Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) {
      return PosixError(errno, absl::StrCat("unlink ", path));
    }
    return absl::OkStatus();
  }

  absl::Status RemoveDir(const std::string& path) override {
    if (::rmdir(path.c_str()) != 0) {
      return PosixError(errno, absl::StrCat("rmdir ", path));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<std::string>> ListDir(
      const std::string& path) override {
    DIR* dir = ::opendir(path.c_str());
    if (dir == nullptr) {
      return PosixError(errno, absl::StrCat("opendir ", path));
    }
    std::vector<std::string> names;
    while (struct dirent* entry = ::readdir(dir)) {
      std::string name = entry->d_name;
      if (name != "." && name != "..") names.push_back(std::move(name));
    }
    ::closedir(dir);
    std::sort(names.begin(), names.end());
    return names;
  }

  absl::StatusOr<FileType> GetFileType(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) return FileType::kMissing;
      return PosixError(errno, absl::StrCat("stat ", path));
    }
    if (S_ISREG(st.st_mode)) return FileType::kFile;
    if (S_ISDIR(st.st_mode)) return FileType::kDirectory;
    return FileType::kOther;
  }

  absl::StatusOr<std::unique_ptr<FileLock>> LockFile(
      const std::string& path, const std::string& holder) override {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return PosixError(errno, absl::StrCat("open ", path));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int err = errno;
      char buf[512] = {};
      ssize_t n = ::pread(fd, buf, sizeof(buf) - 1, 0);
      ::close(fd);
      if (err == EWOULDBLOCK) {
        std::string who = n > 0 ? std::string(buf, static_cast<size_t>(n))
                                : std::string("another process");
        while (!who.empty() && (who.back() == '\n' || who.back() == '\0')) {
          who.pop_back();
        }
        return absl::FailedPreconditionError(
            absl::StrCat(DirName(path), " is locked by ", who));
      }
      return PosixError(err, absl::StrCat("flock ", path));
    }
    std::string text = holder + "\n";
    if (::ftruncate(fd, 0) != 0 ||
        ::pwrite(fd, text.data(), text.size(), 0) !=
            static_cast<ssize_t>(text.size())) {
      int err = errno;
      ::close(fd);
      return PosixError(err, absl::StrCat("write ", path));
    }
    return std::unique_ptr<FileLock>(new PosixFileLock(fd));
  }

  absl::Time Now() override { return absl::Now(); }
  void SleepFor(absl::Duration duration) override { absl::SleepFor(duration); }

  std::thread StartThread(const std::string& name,
                          absl::AnyInvocable<void()> fn) override {
    std::thread t(std::move(fn));
    std::string short_name = name.substr(0, 15);
    pthread_setname_np(t.native_handle(), short_name.c_str());
    return t;
  }
};

}  // namespace

Env* Env::Default() {
  static Env* env = new PosixEnv;
  return env;
}

std::string DirName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string JoinPath(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (a.back() == '/') return a + b;
  return a + "/" + b;
}

absl::Status RemoveTree(Env* env, const std::string& path) {
  ASSIGN_OR_RETURN(FileType type, env->GetFileType(path));
  if (type == FileType::kMissing) return absl::OkStatus();
  if (type != FileType::kDirectory) return env->RemoveFile(path);
  ASSIGN_OR_RETURN(std::vector<std::string> names, env->ListDir(path));
  for (const std::string& name : names) {
    RETURN_IF_ERROR(RemoveTree(env, JoinPath(path, name)));
  }
  return env->RemoveDir(path);
}

absl::Status WriteFileAtomically(Env* env, const std::string& path,
                                 absl::Span<const uint8_t> data) {
  std::string tmp = path + ".tmp";
  {
    ASSIGN_OR_RETURN(std::unique_ptr<File> file,
                     env->OpenFile(tmp, {.create = true}));
    RETURN_IF_ERROR(file->Truncate(0));
    RETURN_IF_ERROR(file->WriteAt(0, data));
    RETURN_IF_ERROR(file->SyncAll());
  }
  RETURN_IF_ERROR(env->Rename(tmp, path));
  return env->SyncDir(DirName(path));
}

absl::StatusOr<std::string> ReadFileToString(Env* env,
                                             const std::string& path) {
  ASSIGN_OR_RETURN(std::unique_ptr<File> file,
                   env->OpenFile(path, {.read_only = true}));
  ASSIGN_OR_RETURN(uint64_t size, file->Size());
  std::string out(size, '\0');
  RETURN_IF_ERROR(file->ReadAt(
      0, absl::MakeSpan(reinterpret_cast<uint8_t*>(out.data()), out.size())));
  return out;
}

}  // namespace shadowset
