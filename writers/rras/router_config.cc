// RouterConfig: opening, the mutation path, administrators, backup and
// restore, and the service hooks. Router managers, interfaces and the phone
// book are in router_config_objects.cc.

#include "writers/rras/router_config.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/codes.h"
#include "engine/internal/status_macros.h"
#include "engine/types.h"
#include "writers/rras/internal/rras_backup_dir.h"
#include "writers/rras/internal/rras_errors.h"
#include "writers/rras/internal/rras_records.h"
#include "writers/rras/internal/rras_state.h"
#include "writers/service/administrators.h"
#include "writers/service/state_visitor.h"

namespace shadowset::rras {

using internal::AccessDenied;
using internal::InvalidParameter;
using internal::RecordBuilder;
using internal::RrasState;
using internal::StorageError;

namespace {

constexpr absl::string_view kMagic(kRrasLogMagic, 8);

using StateVisitor = service::ApplyingVisitor<RrasState>;

// MprConfigServerBackup's rule: absolute, ending with the separator.
absl::Status CheckBackupPath(const std::string& path) {
  if (path.empty() || path.front() != '/' || path.back() != '/') {
    return InvalidParameter(absl::StrCat(
        "the backup path must be an absolute directory ending with '/', not '",
        path, "'"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<RouterConfigImage> ReadRouterConfig(const service::ReadFn& read,
                                                   uint64_t size) {
  RrasState state;
  StateVisitor visitor(&state);
  ASSIGN_OR_RETURN(service::LogSummary summary,
                   service::ReplayLog(read, size, kMagic, visitor));
  RouterConfigImage image;
  image.sequence = summary.seq;
  for (const auto& [id, t] : state.transports()) image.transports.push_back(t);
  for (const auto& [k, i] : state.interfaces()) image.interfaces.push_back(i);
  for (const auto& [n, e] : state.phonebook()) image.phonebook.push_back(e);
  image.admins.assign(state.admins().begin(), state.admins().end());
  image.problems = state.Check();
  return image;
}

RouterConfig::RouterConfig(Engine* engine, RouterConfigOptions options)
    : engine_(engine),
      options_(std::move(options)),
      env_(options_.env != nullptr ? options_.env : Env::Default()) {}

RouterConfig::~RouterConfig() = default;

absl::StatusOr<std::unique_ptr<RouterConfig>> RouterConfig::Create(
    Engine* engine, const RouterConfigOptions& options,
    absl::string_view creator) {
  if (creator.empty()) {
    return InvalidParameter("the creator (first administrator) has no name");
  }
  if (options.volume_size < service::kMinLogVolumeSize) {
    return InvalidParameter(absl::StrFormat(
        "a router volume needs at least %d bytes", service::kMinLogVolumeSize));
  }
  RETURN_IF_ERROR(
      engine->CreateVolume(options.volume, options.volume_size).status());
  ASSIGN_OR_RETURN(Volume * volume, engine->GetVolume(options.volume));
  RecordBuilder b;
  b.Config(SetId::Random().ToString());
  b.AddAdmin(creator);
  RETURN_IF_ERROR(service::RecordLog::Format(volume, kMagic, {b.Finish()}));
  return Open(engine, options);
}

absl::StatusOr<std::unique_ptr<RouterConfig>> RouterConfig::Open(
    Engine* engine, const RouterConfigOptions& options) {
  auto config = std::unique_ptr<RouterConfig>(new RouterConfig(engine, options));
  absl::MutexLock l(&config->mu_);
  RETURN_IF_ERROR(config->Load());
  return config;
}

absl::Status RouterConfig::Load() {
  ASSIGN_OR_RETURN(Volume * volume, engine_->GetVolume(options_.volume));
  auto state = std::make_unique<RrasState>();
  StateVisitor visitor(state.get());
  ASSIGN_OR_RETURN(std::unique_ptr<service::RecordLog> log,
                   service::RecordLog::Open(volume, kMagic, visitor));
  state_ = std::move(state);
  log_ = std::move(log);
  seq_ = log_->seq();
  return absl::OkStatus();
}

absl::Status RouterConfig::CheckCaller(absl::string_view caller) const {
  if (!state_->IsAdmin(caller)) return AccessDenied(caller);
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> RouterConfig::WriteLocked(const std::string& payload) {
  if (!log_->Fits(payload.size())) {
    absl::Status s = log_->Rebase(seq_, state_->Serialize());
    if (!s.ok()) return StorageError(s);
    if (!log_->Fits(payload.size())) {
      return StorageError(absl::ResourceExhaustedError(absl::StrFormat(
          "volume %s is full", options_.volume)));
    }
  }
  absl::StatusOr<uint64_t> lsn = log_->Append(payload);
  if (!lsn.ok()) return StorageError(lsn.status());
  absl::Status applied = state_->ApplyRecord(payload);
  if (!applied.ok()) return StorageError(applied);
  seq_ = log_->seq();
  return *lsn;
}

absl::Status RouterConfig::Mutate(
    absl::string_view caller,
    absl::FunctionRef<absl::Status(const RrasState&, RecordBuilder&)> build) {
  std::shared_ptr<service::RecordLog> log;
  uint64_t lsn = 0;
  {
    absl::MutexLock l(&mu_);
    gate_.PassLocked();
    RETURN_IF_ERROR(CheckCaller(caller));
    if (absl::Status h = log_->health(); !h.ok()) return StorageError(h);
    RecordBuilder b;
    RETURN_IF_ERROR(build(*state_, b));
    if (b.empty()) return absl::OkStatus();
    ASSIGN_OR_RETURN(lsn, WriteLocked(b.Finish()));
    log = log_;
  }
  absl::Status s = log->SyncTo(lsn);
  return s.ok() ? s : StorageError(s);
}

// --- administrators ---

absl::Status RouterConfig::AddAdministrator(absl::string_view caller,
                                            absl::string_view name) {
  return Mutate(caller, [&](const RrasState& state, RecordBuilder& b) {
    RETURN_IF_ERROR(service::CheckAdministratorAdd(state.admins(), name));
    b.AddAdmin(name);
    return absl::OkStatus();
  });
}

absl::Status RouterConfig::RemoveAdministrator(absl::string_view caller,
                                               absl::string_view name) {
  return Mutate(caller, [&](const RrasState& state, RecordBuilder& b) {
    RETURN_IF_ERROR(service::CheckAdministratorRemove(state.admins(), name));
    b.RemoveAdmin(name);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<std::string>> RouterConfig::ListAdministrators(
    absl::string_view caller) const {
  absl::ReaderMutexLock l(&mu_);
  RETURN_IF_ERROR(CheckCaller(caller));
  return std::vector<std::string>(state_->admins().begin(),
                                  state_->admins().end());
}

bool RouterConfig::IsAdministrator(absl::string_view principal) const {
  absl::ReaderMutexLock l(&mu_);
  return state_->IsAdmin(principal);
}

// --- backup and restore ---

absl::Status RouterConfig::Backup(absl::string_view caller,
                                  const std::string& path) {
  RrasState copy;
  uint64_t seq;
  {
    absl::ReaderMutexLock l(&mu_);
    RETURN_IF_ERROR(CheckCaller(caller));
    RETURN_IF_ERROR(CheckBackupPath(path));
    copy = *state_;
    seq = seq_;
  }
  absl::Status s = internal::WriteRrasBackup(env_, path, copy, seq);
  return s.ok() ? s : StorageError(s);
}

absl::Status RouterConfig::Restore(absl::string_view caller,
                                   const std::string& path) {
  {
    absl::ReaderMutexLock l(&mu_);
    RETURN_IF_ERROR(CheckCaller(caller));
  }
  RETURN_IF_ERROR(CheckBackupPath(path));
  RrasState restored;
  absl::StatusOr<uint64_t> read = internal::ReadRrasBackup(env_, path, &restored);
  if (!read.ok()) {
    if (read.status().code() != absl::StatusCode::kInvalidArgument) {
      return StorageError(read.status());
    }
    return MakeError(absl::StatusCode::kInvalidArgument,
                     kErrorRouterConfigIncompatible,
                     absl::StrCat(path, " is not a compatible router "
                                        "configuration backup: ",
                                  read.status().message()));
  }
  std::vector<std::string> problems = restored.Check();
  // The backup carries no administrators; only its own invariants count.
  if (problems.size() > 1 ||
      (problems.size() == 1 && problems[0] != "no administrator")) {
    return MakeError(absl::StatusCode::kInvalidArgument,
                     kErrorRouterConfigIncompatible,
                     absl::StrCat(path, " holds an inconsistent configuration: ",
                                  problems.back()));
  }
  absl::MutexLock l(&mu_);
  gate_.PassLocked();
  RETURN_IF_ERROR(CheckCaller(caller));
  RecordBuilder b;
  b.Config(state_->instance_id());
  for (const std::string& admin : state_->admins()) b.AddAdmin(admin);
  RETURN_IF_ERROR(restored.ApplyRecord(b.Finish()));
  // One mutation: the new state becomes the base of the other half.
  const uint64_t new_seq = seq_ + 1;
  absl::Status s = log_->Rebase(new_seq, restored.Serialize());
  if (!s.ok()) return StorageError(s);
  *state_ = std::move(restored);
  seq_ = new_seq;
  return absl::OkStatus();
}

// --- service ---

std::vector<std::string> RouterConfig::Check() const {
  absl::ReaderMutexLock l(&mu_);
  std::vector<std::string> problems = state_->Check();
  for (std::string& p : service::CheckAgainstLog(*log_, seq_, *state_,
                                                 "router volume", "router")) {
    problems.push_back(std::move(p));
  }
  return problems;
}

std::string RouterConfig::instance_id() const {
  absl::ReaderMutexLock l(&mu_);
  return state_->instance_id();
}

service::LogUsage RouterConfig::log_usage() const {
  absl::ReaderMutexLock l(&mu_);
  return {log_->half_size(), log_->used(), log_->commit_rounds(),
          log_->records_appended()};
}

bool RouterConfig::quiesced() const {
  absl::ReaderMutexLock l(&mu_);
  return gate_.closed();
}

void RouterConfig::AwaitBlockedMutations(size_t n) const {
  gate_.AwaitBlocked(n);
}

absl::Status RouterConfig::Flush() {
  std::shared_ptr<service::RecordLog> log;
  {
    absl::ReaderMutexLock l(&mu_);
    log = log_;
  }
  absl::Status s = log->SyncAll();
  return s.ok() ? s : StorageError(s);
}

absl::StatusOr<uint64_t> RouterConfig::Quiesce() {
  std::shared_ptr<service::RecordLog> log;
  uint64_t seq;
  {
    absl::MutexLock l(&mu_);
    gate_.Close();
    seq = seq_;
    log = log_;
  }
  absl::Status s = log->SyncAll();
  if (!s.ok()) {
    Resume();
    return StorageError(s);
  }
  return seq;
}

void RouterConfig::Resume() {
  absl::MutexLock l(&mu_);
  gate_.Open();
}

uint64_t RouterConfig::sequence() const {
  absl::ReaderMutexLock l(&mu_);
  return seq_;
}

std::vector<std::string> RouterConfig::volumes() const {
  return {options_.volume};
}

absl::Status RouterConfig::Reload() {
  absl::MutexLock l(&mu_);
  return Load();
}

}  // namespace shadowset::rras
