#include "engine/fault_env.h"

#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/internal/status_macros.h"
#include "engine/internal/unsynced_tracker.h"

namespace shadowset {

using internal::kSectorSize;
using internal::UnsyncedTracker;

struct FaultInjectionEnv::FileState {
  explicit FileState(uint64_t durable_size) : tracker(durable_size) {}
  UnsyncedTracker tracker;
};

struct FaultInjectionEnv::DirOp {
  enum Kind { kCreateFile, kCreateDir, kRename, kRemoveFile } kind;
  std::string path;  // created or removed path; rename target
  std::string from;  // rename source
  std::optional<std::string> saved;  // replaced or removed contents
};

namespace {

absl::Status CrashedError() {
  return absl::UnavailableError("simulated power loss: the device is gone");
}

UnsyncedTracker::SectorReader ReaderFor(File* file) {
  return [file](uint64_t s) -> std::optional<std::string> {
    absl::StatusOr<uint64_t> size = file->Size();
    if (!size.ok() || s * kSectorSize >= *size) return std::nullopt;
    uint64_t n = std::min<uint64_t>(kSectorSize, *size - s * kSectorSize);
    std::string buf(n, '\0');
    absl::Status st = file->ReadAt(
        s * kSectorSize,
        absl::MakeSpan(reinterpret_cast<uint8_t*>(buf.data()), buf.size()));
    if (!st.ok()) return std::nullopt;
    return buf;
  };
}

}  // namespace

class FaultInjectionEnv::FaultFile final : public File {
 public:
  FaultFile(FaultInjectionEnv* env, std::unique_ptr<File> base,
            std::shared_ptr<FileState> state)
      : env_(env), base_(std::move(base)), state_(std::move(state)) {}

  absl::Status ReadAt(uint64_t offset, absl::Span<uint8_t> out) override {
    return base_->ReadAt(offset, out);
  }

  absl::Status WriteAt(uint64_t offset,
                       absl::Span<const uint8_t> data) override {
    absl::MutexLock l(&env_->mu_);
    RETURN_IF_ERROR(env_->CountOp(OpKind::kWrite));
    auto reader = ReaderFor(base_.get());
    state_->tracker.BeforeWrite(offset, data.size(), reader);
    absl::Status st = base_->WriteAt(offset, data);
    state_->tracker.AfterWrite(offset, data.size(), reader);
    return st;
  }

  absl::Status Sync() override { return DoSync(false); }
  absl::Status SyncAll() override { return DoSync(true); }

  absl::StatusOr<uint64_t> Size() override { return base_->Size(); }

  absl::Status Truncate(uint64_t size) override {
    absl::MutexLock l(&env_->mu_);
    RETURN_IF_ERROR(env_->CountOp(OpKind::kWrite));
    ASSIGN_OR_RETURN(uint64_t old_size, base_->Size());
    // Model as a write of the sectors between the two sizes.
    uint64_t lo = std::min(old_size, size), hi = std::max(old_size, size);
    auto reader = ReaderFor(base_.get());
    state_->tracker.BeforeWrite(lo, hi - lo, reader);
    absl::Status st = base_->Truncate(size);
    state_->tracker.AfterWrite(lo, hi - lo, reader);
    return st;
  }

  absl::Status PunchHole(uint64_t offset, uint64_t length) override {
    absl::MutexLock l(&env_->mu_);
    RETURN_IF_ERROR(env_->CountOp(OpKind::kWrite));
    auto reader = ReaderFor(base_.get());
    state_->tracker.BeforeWrite(offset, length, reader);
    absl::Status st = base_->PunchHole(offset, length);
    state_->tracker.AfterWrite(offset, length, reader);
    return st;
  }

  absl::StatusOr<uint64_t> AllocatedBytes() override {
    return base_->AllocatedBytes();
  }
  absl::StatusOr<std::optional<uint64_t>> NextData(uint64_t offset) override {
    return base_->NextData(offset);
  }
  absl::StatusOr<uint64_t> NextHole(uint64_t offset) override {
    return base_->NextHole(offset);
  }
  const std::string& path() const override { return base_->path(); }

 private:
  absl::Status DoSync(bool all) {
    env_->SyncDelay();
    absl::MutexLock l(&env_->mu_);
    RETURN_IF_ERROR(env_->CountOp(OpKind::kSync));
    absl::Status st = all ? base_->SyncAll() : base_->Sync();
    if (st.ok()) {
      ASSIGN_OR_RETURN(uint64_t size, base_->Size());
      state_->tracker.Synced(size);
    }
    return st;
  }

  FaultInjectionEnv* const env_;
  const std::unique_ptr<File> base_;
  const std::shared_ptr<FileState> state_;
};

FaultInjectionEnv::FaultInjectionEnv(Env* base)
    : base_(base != nullptr ? base : Env::Default()) {}

FaultInjectionEnv::~FaultInjectionEnv() = default;

void FaultInjectionEnv::CrashAtOp(uint64_t n) {
  absl::MutexLock l(&mu_);
  crash_at_ = n == 0 ? 0 : ops_ + n;
}

void FaultInjectionEnv::FailOp(OpKind kind, uint64_t n) {
  absl::MutexLock l(&mu_);
  fail_kind_ = kind;
  fail_countdown_ = n;
}

void FaultInjectionEnv::SetSyncDelay(absl::Duration delay) {
  absl::MutexLock l(&mu_);
  sync_delay_ = delay;
}

uint64_t FaultInjectionEnv::ops() const {
  absl::MutexLock l(&mu_);
  return ops_;
}

bool FaultInjectionEnv::crashed() const {
  absl::MutexLock l(&mu_);
  return crashed_;
}

void FaultInjectionEnv::SyncDelay() {
  absl::Duration delay;
  {
    absl::MutexLock l(&mu_);
    delay = sync_delay_;
  }
  if (delay > absl::ZeroDuration()) base_->SleepFor(delay);
}

absl::Status FaultInjectionEnv::CountOp(OpKind kind) {
  if (crashed_) return CrashedError();
  ++ops_;
  if (crash_at_ != 0 && ops_ >= crash_at_) {
    crashed_ = true;
    return CrashedError();
  }
  if (fail_countdown_ != 0 &&
      (fail_kind_ == OpKind::kAny || fail_kind_ == kind)) {
    if (--fail_countdown_ == 0) {
      return absl::InternalError("injected I/O error");
    }
  }
  return absl::OkStatus();
}

std::shared_ptr<FaultInjectionEnv::FileState> FaultInjectionEnv::StateFor(
    const std::string& path) {
  auto it = files_.find(path);
  if (it != files_.end()) return it->second;
  uint64_t size = 0;
  if (auto file = base_->OpenFile(path, {.read_only = true}); file.ok()) {
    size = (*file)->Size().value_or(0);
  }
  auto state = std::make_shared<FileState>(size);
  files_[path] = state;
  return state;
}

absl::Status FaultInjectionEnv::SnapshotFile(const std::string& path,
                                             std::string* contents) {
  ASSIGN_OR_RETURN(*contents, ReadFileToString(base_, path));
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<File>> FaultInjectionEnv::OpenFile(
    const std::string& path, const OpenOptions& options) {
  absl::MutexLock l(&mu_);
  bool creates = false;
  if (options.create) {
    ASSIGN_OR_RETURN(FileType type, base_->GetFileType(path));
    creates = type == FileType::kMissing;
    if (creates) RETURN_IF_ERROR(CountOp(OpKind::kDirectory));
  }
  // A crashed machine cannot open files for writing either.
  if (crashed_ && !options.read_only) return CrashedError();
  ASSIGN_OR_RETURN(std::unique_ptr<File> file, base_->OpenFile(path, options));
  if (creates) {
    files_[path] = std::make_shared<FileState>(0);
    dir_ops_.push_back({DirOp::kCreateFile, path, "", std::nullopt});
  }
  return std::unique_ptr<File>(
      new FaultFile(this, std::move(file), StateFor(path)));
}

absl::Status FaultInjectionEnv::CreateDir(const std::string& path) {
  absl::MutexLock l(&mu_);
  RETURN_IF_ERROR(CountOp(OpKind::kDirectory));
  RETURN_IF_ERROR(base_->CreateDir(path));
  dir_ops_.push_back({DirOp::kCreateDir, path, "", std::nullopt});
  return absl::OkStatus();
}

absl::Status FaultInjectionEnv::SyncDir(const std::string& path) {
  SyncDelay();
  absl::MutexLock l(&mu_);
  RETURN_IF_ERROR(CountOp(OpKind::kSync));
  RETURN_IF_ERROR(base_->SyncDir(path));
  std::vector<DirOp> kept;
  for (DirOp& op : dir_ops_) {
    if (DirName(op.path) != path) kept.push_back(std::move(op));
  }
  dir_ops_ = std::move(kept);
  return absl::OkStatus();
}

absl::Status FaultInjectionEnv::Rename(const std::string& from,
                                       const std::string& to) {
  absl::MutexLock l(&mu_);
  RETURN_IF_ERROR(CountOp(OpKind::kDirectory));
  std::optional<std::string> saved;
  ASSIGN_OR_RETURN(FileType type, base_->GetFileType(to));
  if (type == FileType::kFile) {
    std::string contents;
    RETURN_IF_ERROR(SnapshotFile(to, &contents));
    saved = std::move(contents);
  }
  RETURN_IF_ERROR(base_->Rename(from, to));
  auto it = files_.find(from);
  if (it != files_.end()) {
    files_[to] = it->second;
    files_.erase(it);
  } else {
    files_.erase(to);
  }
  // A renamed directory takes its files' histories and pending entries
  // along.
  auto moved = [&](std::string& path) {
    if (path.size() > from.size() && path.compare(0, from.size(), from) == 0 &&
        path[from.size()] == '/') {
      path = to + path.substr(from.size());
    }
  };
  std::map<std::string, std::shared_ptr<FileState>> rekeyed;
  for (auto& [path, state] : files_) {
    std::string p = path;
    moved(p);
    rekeyed[p] = state;
  }
  files_ = std::move(rekeyed);
  for (DirOp& op : dir_ops_) {
    moved(op.path);
    moved(op.from);
  }
  dir_ops_.push_back({DirOp::kRename, to, from, std::move(saved)});
  return absl::OkStatus();
}

absl::Status FaultInjectionEnv::RemoveFile(const std::string& path) {
  absl::MutexLock l(&mu_);
  RETURN_IF_ERROR(CountOp(OpKind::kDirectory));
  std::string contents;
  RETURN_IF_ERROR(SnapshotFile(path, &contents));
  RETURN_IF_ERROR(base_->RemoveFile(path));
  files_.erase(path);
  dir_ops_.push_back({DirOp::kRemoveFile, path, "", std::move(contents)});
  return absl::OkStatus();
}

absl::Status FaultInjectionEnv::RemoveDir(const std::string& path) {
  absl::MutexLock l(&mu_);
  RETURN_IF_ERROR(CountOp(OpKind::kDirectory));
  // An empty directory: undoing its removal is not modelled (the engine only
  // removes directories it no longer needs).
  return base_->RemoveDir(path);
}

absl::StatusOr<std::vector<std::string>> FaultInjectionEnv::ListDir(
    const std::string& path) {
  return base_->ListDir(path);
}

absl::StatusOr<FileType> FaultInjectionEnv::GetFileType(
    const std::string& path) {
  return base_->GetFileType(path);
}

absl::StatusOr<std::unique_ptr<FileLock>> FaultInjectionEnv::LockFile(
    const std::string& path, const std::string& holder) {
  return base_->LockFile(path, holder);
}

absl::Status FaultInjectionEnv::BeforeCatalogCommit(const std::string& dir) {
  absl::MutexLock l(&mu_);
  return CountOp(OpKind::kCatalogCommit);
}

void FaultInjectionEnv::AfterCatalogCommit(const std::string& dir) {
  absl::MutexLock l(&mu_);
  if (crashed_) return;
  std::string contents;
  if (SnapshotFile(JoinPath(dir, "data.mdb"), &contents).ok()) {
    catalogs_[dir] = std::move(contents);
  }
}

absl::Time FaultInjectionEnv::Now() { return base_->Now(); }

void FaultInjectionEnv::SleepFor(absl::Duration duration) {
  base_->SleepFor(duration);
}

std::thread FaultInjectionEnv::StartThread(const std::string& name,
                                           absl::AnyInvocable<void()> fn) {
  return base_->StartThread(name, std::move(fn));
}

absl::Status FaultInjectionEnv::PowerLoss(uint64_t seed) {
  absl::MutexLock l(&mu_);
  std::mt19937_64 rng(seed);
  // 1. File contents: each unsynced sector keeps a random version.
  for (auto& [path, state] : files_) {
    if (state->tracker.empty()) continue;
    UnsyncedTracker::Outcome outcome = state->tracker.PowerLoss(rng);
    ASSIGN_OR_RETURN(FileType type, base_->GetFileType(path));
    if (type != FileType::kFile) continue;
    ASSIGN_OR_RETURN(std::unique_ptr<File> file, base_->OpenFile(path, {}));
    RETURN_IF_ERROR(file->Truncate(outcome.size));
    for (const auto& [sector, version] : outcome.sectors) {
      uint64_t offset = sector * kSectorSize;
      if (offset >= outcome.size) continue;
      std::string bytes = version.value_or(std::string(kSectorSize, '\0'));
      bytes.resize(std::min<uint64_t>(bytes.size(), outcome.size - offset));
      RETURN_IF_ERROR(file->WriteAt(
          offset, absl::MakeConstSpan(
                      reinterpret_cast<const uint8_t*>(bytes.data()),
                      bytes.size())));
    }
    RETURN_IF_ERROR(file->Sync());
  }
  // 2. Directory entries not covered by a directory sync, newest first.
  for (auto it = dir_ops_.rbegin(); it != dir_ops_.rend(); ++it) {
    const DirOp& op = *it;
    switch (op.kind) {
      case DirOp::kCreateFile:
        RETURN_IF_ERROR(RemoveTree(base_, op.path));
        files_.erase(op.path);
        break;
      case DirOp::kCreateDir:
        RETURN_IF_ERROR(RemoveTree(base_, op.path));
        break;
      case DirOp::kRename: {
        RETURN_IF_ERROR(base_->Rename(op.path, op.from));
        auto moved = files_.find(op.path);
        if (moved != files_.end()) {
          files_[op.from] = moved->second;
          files_.erase(moved);
        }
        if (op.saved) {
          RETURN_IF_ERROR(WriteFileAtomically(
              base_, op.path,
              absl::MakeConstSpan(
                  reinterpret_cast<const uint8_t*>(op.saved->data()),
                  op.saved->size())));
        }
        break;
      }
      case DirOp::kRemoveFile:
        RETURN_IF_ERROR(WriteFileAtomically(
            base_, op.path,
            absl::MakeConstSpan(
                reinterpret_cast<const uint8_t*>(op.saved->data()),
                op.saved->size())));
        break;
    }
  }
  dir_ops_.clear();
  // 3. Each catalog reverts to its last durable commit.
  for (const auto& [dir, contents] : catalogs_) {
    ASSIGN_OR_RETURN(FileType type, base_->GetFileType(dir));
    if (type != FileType::kDirectory) continue;
    ASSIGN_OR_RETURN(std::unique_ptr<File> file,
                     base_->OpenFile(JoinPath(dir, "data.mdb"), {.create = true}));
    RETURN_IF_ERROR(file->Truncate(0));
    RETURN_IF_ERROR(file->WriteAt(
        0, absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(contents.data()),
                               contents.size())));
    RETURN_IF_ERROR(file->Sync());
  }
  crashed_ = false;
  crash_at_ = 0;
  fail_countdown_ = 0;
  files_.clear();
  return absl::OkStatus();
}

void FaultInjectionEnv::MarkAllDurable() {
  absl::MutexLock l(&mu_);
  for (auto& [path, state] : files_) {
    uint64_t size = 0;
    if (auto file = base_->OpenFile(path, {.read_only = true}); file.ok()) {
      size = (*file)->Size().value_or(0);
    }
    state->tracker.Synced(size);
  }
  dir_ops_.clear();
}

}  // namespace shadowset
