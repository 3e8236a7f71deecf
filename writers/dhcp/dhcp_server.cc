// DhcpServer: opening, the mutation path, administrators, backup and
// restore, and the service hooks. Scopes and options are in
// dhcp_server_scopes.cc, leases in dhcp_server_leases.cc.

#include "writers/dhcp/dhcp_server.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/codes.h"
#include "engine/internal/status_macros.h"
#include "engine/types.h"
#include "writers/dhcp/internal/dhcp_backup_file.h"
#include "writers/dhcp/internal/dhcp_errors.h"
#include "writers/dhcp/internal/dhcp_records.h"
#include "writers/dhcp/internal/dhcp_state.h"
#include "writers/service/administrators.h"
#include "writers/service/state_visitor.h"

namespace shadowset::dhcp {

using internal::AccessDenied;
using internal::DhcpState;
using internal::InvalidParameter;
using internal::JetError;
using internal::RecordBuilder;

namespace {

constexpr absl::string_view kMagic(kDhcpLogMagic, 8);

using StateVisitor = service::ApplyingVisitor<DhcpState>;

DhcpDatabaseImage ToImage(const DhcpState& state, uint64_t seq) {
  DhcpDatabaseImage image;
  image.sequence = seq;
  for (const auto& [subnet, scope] : state.scopes()) {
    image.subnets.push_back(scope.info);
  }
  for (const auto& [ip, lease] : state.leases()) image.leases.push_back(lease);
  for (const auto& [ip, r] : state.reservations()) {
    image.reservations.push_back(r);
  }
  image.admins.assign(state.admins().begin(), state.admins().end());
  image.problems = state.Check();
  return image;
}

absl::Status CheckBackupPath(const std::string& path) {
  if (path.empty() || path[0] != '/') {
    return InvalidParameter(
        absl::StrCat("the backup path must be absolute, not '", path, "'"));
  }
  return absl::OkStatus();
}

}  // namespace

// --- images ---

absl::StatusOr<DhcpDatabaseImage> ReadDhcpDatabase(const service::ReadFn& read,
                                                   uint64_t size) {
  DhcpState state;
  StateVisitor visitor(&state);
  ASSIGN_OR_RETURN(service::LogSummary summary,
                   service::ReplayLog(read, size, kMagic, visitor));
  return ToImage(state, summary.seq);
}

absl::StatusOr<DhcpDatabaseImage> ReadDhcpBackup(Env* env,
                                                 const std::string& dir) {
  DhcpState state;
  ASSIGN_OR_RETURN(internal::BackupFileInfo info,
                   internal::ReadBackupFile(env != nullptr ? env : Env::Default(),
                                            dir, &state));
  return ToImage(state, info.seq);
}

std::vector<std::string> CheckDhcpDatabase(const service::ReadFn& read,
                                           uint64_t size) {
  absl::StatusOr<DhcpDatabaseImage> image = ReadDhcpDatabase(read, size);
  if (!image.ok()) {
    return {absl::StrCat("the database does not open: ",
                         image.status().message())};
  }
  return image->problems;
}

// --- lifetime ---

DhcpServer::DhcpServer(Engine* engine, DhcpServerOptions options)
    : engine_(engine),
      options_(std::move(options)),
      env_(options_.env != nullptr ? options_.env : Env::Default()) {}

DhcpServer::~DhcpServer() = default;

absl::StatusOr<std::unique_ptr<DhcpServer>> DhcpServer::Create(
    Engine* engine, const DhcpServerOptions& options,
    absl::string_view creator) {
  if (creator.empty()) {
    return InvalidParameter("the creator (first administrator) has no name");
  }
  if (options.volume_size < service::kMinLogVolumeSize) {
    return InvalidParameter(absl::StrFormat(
        "a DHCP volume needs at least %d bytes", service::kMinLogVolumeSize));
  }
  RETURN_IF_ERROR(
      engine->CreateVolume(options.volume, options.volume_size).status());
  ASSIGN_OR_RETURN(Volume * volume, engine->GetVolume(options.volume));
  internal::ServerConfig config;
  config.server_ip = options.server_ip;
  config.server_name = options.server_name;
  config.instance_id = SetId::Random().ToString();
  RecordBuilder b;
  b.ServerConfigOp(config);
  b.AddAdmin(creator);
  RETURN_IF_ERROR(service::RecordLog::Format(volume, kMagic, {b.Finish()}));
  return Open(engine, options);
}

absl::StatusOr<std::unique_ptr<DhcpServer>> DhcpServer::Open(
    Engine* engine, const DhcpServerOptions& options) {
  auto server = std::unique_ptr<DhcpServer>(new DhcpServer(engine, options));
  absl::MutexLock l(&server->mu_);
  RETURN_IF_ERROR(server->Load());
  RETURN_IF_ERROR(server->ApplyPendingRestore());
  return server;
}

absl::Status DhcpServer::Load() {
  ASSIGN_OR_RETURN(Volume * volume, engine_->GetVolume(options_.volume));
  auto state = std::make_unique<DhcpState>();
  StateVisitor visitor(state.get());
  ASSIGN_OR_RETURN(std::unique_ptr<service::RecordLog> log,
                   service::RecordLog::Open(volume, kMagic, visitor));
  state_ = std::move(state);
  log_ = std::move(log);
  seq_ = log_->seq();
  next_free_.clear();
  return absl::OkStatus();
}

absl::Status DhcpServer::ApplyPendingRestore() {
  const std::string path = state_->pending_restore();
  if (path.empty()) return absl::OkStatus();
  auto give_up = [&](const absl::Status& why)
                     ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) -> absl::Status {
    restore_status_ = JetError(absl::Status(
        why.code(), absl::StrCat("restore from ", path, " failed: ",
                                 why.message())));
    RecordBuilder b;
    b.ClearPendingRestore();
    ASSIGN_OR_RETURN(uint64_t lsn, WriteLocked(b.Finish(), {}));
    absl::Status s = log_->SyncTo(lsn);
    return s.ok() ? s : JetError(s);
  };
  DhcpState restored;
  absl::StatusOr<internal::BackupFileInfo> info =
      internal::ReadBackupFile(env_, path, &restored);
  if (!info.ok()) return give_up(info.status());
  // Access control and identity are the server's, not the backup's.
  RecordBuilder b;
  b.ServerConfigOp(state_->config());
  for (const std::string& admin : restored.admins()) b.RemoveAdmin(admin);
  for (const std::string& admin : state_->admins()) b.AddAdmin(admin);
  b.ClearPendingRestore();
  RETURN_IF_ERROR(restored.ApplyRecord(b.Finish()));
  const uint64_t new_seq = seq_ + 1;
  absl::Status s = log_->Rebase(new_seq, restored.Serialize());
  if (s.code() == absl::StatusCode::kResourceExhausted) return give_up(s);
  if (!s.ok()) return JetError(s);
  *state_ = std::move(restored);
  seq_ = new_seq;
  next_free_.clear();
  restore_status_ = absl::OkStatus();
  return absl::OkStatus();
}

// --- the mutation path ---

absl::Status DhcpServer::CheckCaller(absl::string_view caller) const {
  if (!state_->IsAdmin(caller)) return AccessDenied(caller);
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> DhcpServer::WriteLocked(
    const std::string& payload, const std::vector<IpAddress>& leases) {
  if (!log_->Fits(payload.size())) {
    absl::Status s = log_->Rebase(seq_, state_->Serialize());
    if (!s.ok()) return JetError(s);
    if (!log_->Fits(payload.size())) {
      return JetError(absl::ResourceExhaustedError(absl::StrFormat(
          "volume %s is full: the database takes %d of its %d-byte half",
          options_.volume, log_->used(), log_->half_size())));
    }
  }
  absl::StatusOr<uint64_t> lsn = log_->Append(payload);
  if (!lsn.ok()) return JetError(lsn.status());
  absl::Status applied = state_->ApplyRecord(payload);
  if (!applied.ok()) return JetError(applied);
  seq_ = log_->seq();
  if (listener_) {
    for (IpAddress ip : leases) listener_(seq_, ip, state_->FindLease(ip));
  }
  return *lsn;
}

absl::Status DhcpServer::Mutate(
    absl::string_view caller,
    absl::FunctionRef<absl::Status(const DhcpState&, RecordBuilder&)> build) {
  std::shared_ptr<service::RecordLog> log;
  uint64_t lsn = 0;
  {
    absl::MutexLock l(&mu_);
    gate_.PassLocked();
    RETURN_IF_ERROR(CheckCaller(caller));
    if (absl::Status h = log_->health(); !h.ok()) return JetError(h);
    RecordBuilder b;
    RETURN_IF_ERROR(build(*state_, b));
    if (b.empty()) return absl::OkStatus();
    std::vector<IpAddress> leases = b.leases();
    ASSIGN_OR_RETURN(lsn, WriteLocked(b.Finish(), leases));
    log = log_;
  }
  absl::Status s = log->SyncTo(lsn);
  return s.ok() ? s : JetError(s);
}

// --- administrators ---

absl::Status DhcpServer::AddAdministrator(absl::string_view caller,
                                          absl::string_view name) {
  return Mutate(caller, [&](const DhcpState& state, RecordBuilder& b) {
    RETURN_IF_ERROR(service::CheckAdministratorAdd(state.admins(), name));
    b.AddAdmin(name);
    return absl::OkStatus();
  });
}

absl::Status DhcpServer::RemoveAdministrator(absl::string_view caller,
                                             absl::string_view name) {
  return Mutate(caller, [&](const DhcpState& state, RecordBuilder& b) {
    RETURN_IF_ERROR(service::CheckAdministratorRemove(state.admins(), name));
    b.RemoveAdmin(name);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<std::string>> DhcpServer::ListAdministrators(
    absl::string_view caller) const {
  absl::ReaderMutexLock l(&mu_);
  RETURN_IF_ERROR(CheckCaller(caller));
  return std::vector<std::string>(state_->admins().begin(),
                                  state_->admins().end());
}

// --- backup and restore ---

absl::StatusOr<DhcpBackupInfo> DhcpServer::BackupDatabase(
    absl::string_view caller, const std::string& path) {
  {
    absl::ReaderMutexLock l(&mu_);
    RETURN_IF_ERROR(CheckCaller(caller));
  }
  RETURN_IF_ERROR(CheckBackupPath(path));
  // 1. Snapshot between two mutations: none runs while the lock is held.
  SnapshotSetInfo set;
  uint64_t seq;
  {
    absl::MutexLock l(&mu_);
    seq = seq_;
    SnapshotSetOptions snap_options;
    snap_options.persistent = false;
    absl::StatusOr<SnapshotSetInfo> made =
        engine_->CreateSnapshotSet({options_.volume}, snap_options);
    if (!made.ok()) return JetError(made.status());
    set = *made;
  }
  // 2. Copy from the snapshot while the server serves.
  auto copy = [&]() -> absl::StatusOr<DhcpBackupInfo> {
    ASSIGN_OR_RETURN(std::unique_ptr<Snapshot> snap,
                     engine_->OpenSnapshot(set.id, options_.volume));
    DhcpState state;
    StateVisitor visitor(&state);
    service::ReadFn read = [&snap](uint64_t offset, absl::Span<uint8_t> out) {
      return snap->Read(offset, out);
    };
    ASSIGN_OR_RETURN(service::LogSummary summary,
                     service::ReplayLog(read, snap->size(), kMagic, visitor));
    if (summary.seq != seq) {
      return absl::InternalError(absl::StrFormat(
          "the snapshot holds sequence %d, not %d", summary.seq, seq));
    }
    RETURN_IF_ERROR(
        internal::WriteBackupFile(env_, path, state, seq, set.created));
    DhcpBackupInfo info;
    info.path = path;
    info.sequence = seq;
    info.leases = state.leases().size();
    return info;
  };
  absl::StatusOr<DhcpBackupInfo> result = copy();
  absl::Status deleted = engine_->DeleteSnapshotSet(set.id);
  if (!result.ok()) return JetError(result.status());
  if (!deleted.ok()) return JetError(deleted);
  return result;
}

absl::Status DhcpServer::RestoreDatabase(absl::string_view caller,
                                         const std::string& path) {
  {
    absl::ReaderMutexLock l(&mu_);
    RETURN_IF_ERROR(CheckCaller(caller));
  }
  RETURN_IF_ERROR(CheckBackupPath(path));
  DhcpState probe;
  absl::StatusOr<internal::BackupFileInfo> info =
      internal::ReadBackupFile(env_, path, &probe);
  if (!info.ok()) return JetError(info.status());
  return Mutate(caller, [&](const DhcpState&, RecordBuilder& b) {
    b.SetPendingRestore(path);
    return absl::OkStatus();
  });
}

absl::Status DhcpServer::restore_status() const {
  absl::ReaderMutexLock l(&mu_);
  return restore_status_;
}

std::string DhcpServer::pending_restore() const {
  absl::ReaderMutexLock l(&mu_);
  return state_->pending_restore();
}

// --- service ---

std::vector<std::string> DhcpServer::Check() const {
  absl::ReaderMutexLock l(&mu_);
  std::vector<std::string> problems = state_->Check();
  for (std::string& p : service::CheckAgainstLog(*log_, seq_, *state_,
                                                 "database volume", "server")) {
    problems.push_back(std::move(p));
  }
  return problems;
}

void DhcpServer::SetLeaseListener(LeaseListener listener) {
  absl::MutexLock l(&mu_);
  listener_ = std::move(listener);
}

void DhcpServer::AwaitBlockedMutations(size_t n) const {
  gate_.AwaitBlocked(n);
}

bool DhcpServer::quiesced() const {
  absl::ReaderMutexLock l(&mu_);
  return gate_.closed();
}

std::string DhcpServer::instance_id() const {
  absl::ReaderMutexLock l(&mu_);
  return state_->config().instance_id;
}

IpAddress DhcpServer::server_ip() const {
  absl::ReaderMutexLock l(&mu_);
  return state_->config().server_ip;
}

size_t DhcpServer::lease_count() const {
  absl::ReaderMutexLock l(&mu_);
  return state_->leases().size();
}

service::LogUsage DhcpServer::log_usage() const {
  absl::ReaderMutexLock l(&mu_);
  return {log_->half_size(), log_->used(), log_->commit_rounds(),
          log_->records_appended()};
}

absl::Status DhcpServer::Flush() {
  std::shared_ptr<service::RecordLog> log;
  {
    absl::ReaderMutexLock l(&mu_);
    log = log_;
  }
  absl::Status s = log->SyncAll();
  return s.ok() ? s : JetError(s);
}

absl::StatusOr<uint64_t> DhcpServer::Quiesce() {
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
    return JetError(s);
  }
  return seq;
}

void DhcpServer::Resume() {
  absl::MutexLock l(&mu_);
  gate_.Open();
}

uint64_t DhcpServer::sequence() const {
  absl::ReaderMutexLock l(&mu_);
  return seq_;
}

std::vector<std::string> DhcpServer::volumes() const {
  return {options_.volume};
}

absl::Status DhcpServer::Reload() {
  absl::MutexLock l(&mu_);
  RETURN_IF_ERROR(Load());
  return ApplyPendingRestore();
}

}  // namespace shadowset::dhcp
