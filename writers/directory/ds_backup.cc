// DsClient and the backup half of the ntdsbcli-style API. The restore half
// is in ds_restore.cc.

#include "writers/directory/ds_backup.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/codes.h"
#include "engine/internal/status_macros.h"
#include "writers/directory/directory_codes.h"
#include "writers/directory/internal/backup_capture.h"
#include "writers/directory/internal/log_format.h"

namespace shadowset {

using directory_internal::LogGeometry;

namespace {

absl::Status InvalidParameter(absl::string_view message) {
  return MakeError(absl::StatusCode::kInvalidArgument, kErrorInvalidParameter,
                   message);
}

absl::Status CheckBufferSize(absl::string_view what, uint64_t size) {
  if (size >= kDsMinBufferSize && size % kDsBufferGranularity == 0) {
    return absl::OkStatus();
  }
  return InvalidParameter(absl::StrFormat(
      "%s of %u bytes: it must be a multiple of %u and at least %u", what, size,
      kDsBufferGranularity, kDsMinBufferSize));
}

}  // namespace

// --- file lists ------------------------------------------------------------

std::string EncodeDsFileList(const std::vector<DsFileEntry>& entries) {
  std::string out;
  for (const DsFileEntry& e : entries) {
    out.push_back(e.type);
    out.append(e.name);
    out.push_back('\0');
  }
  out.push_back('\0');
  return out;
}

absl::StatusOr<std::vector<DsFileEntry>> ParseDsFileList(
    absl::string_view list) {
  std::vector<DsFileEntry> out;
  size_t i = 0;
  while (true) {
    if (i >= list.size()) {
      return absl::InvalidArgumentError("file list is not double-NUL-terminated");
    }
    if (list[i] == '\0') break;
    size_t end = list.find('\0', i);
    if (end == absl::string_view::npos || end == i + 1) {
      return absl::InvalidArgumentError("malformed file list entry");
    }
    out.push_back({list[i], std::string(list.substr(i + 1, end - i - 1))});
    i = end + 1;
  }
  if (i + 1 != list.size()) {
    return absl::InvalidArgumentError("bytes after the file list's end");
  }
  return out;
}

// --- tokens ----------------------------------------------------------------

absl::Status TokenStatusToDirectory(absl::Status status) {
  std::optional<TokenError> error = TokenErrorOf(status);
  if (status.ok() || !error) return status;
  switch (*error) {
    case TokenError::kMissing:
      return WithCode(std::move(status), kHrMissingExpiryToken);
    case TokenError::kExpired:
    case TokenError::kNotYetValid:
      return WithCode(std::move(status), kHrContentsExpired);
    case TokenError::kUnreadable:
    case TokenError::kTampered:
    case TokenError::kForeign:
    case TokenError::kUnsigned:
      return WithCode(std::move(status), kHrUnknownExpiryTokenFormat);
  }
  return status;
}

// --- the client --------------------------------------------------------------

DsClient::DsClient(DirectoryService* service, std::string principal)
    : service_(service) {
  absl::StatusOr<std::string> name = ParsePrincipal(principal);
  principal_ = principal.empty() || !name.ok() ? CurrentUserPrincipal() : *name;
}

absl::Status DsClient::DsSetAuthIdentity(absl::string_view user,
                                         absl::string_view domain,
                                         absl::string_view password) {
  ASSIGN_OR_RETURN(principal_, PrincipalName(user, domain));
  return absl::OkStatus();
}

absl::Status DsClient::CheckServer(absl::string_view server) const {
  absl::StatusOr<std::string> name = ParseServerName(server);
  if (!name.ok()) return WithCode(name.status(), kHrCouldNotConnect);
  if (!absl::EqualsIgnoreCase(*name, service_->server_name())) {
    return MakeError(
        absl::StatusCode::kInvalidArgument, kRpcSInvalidBinding,
        absl::StrCat("'", *name, "' is not the local directory server ('",
                     service_->server_name(), "')"));
  }
  return absl::OkStatus();
}

absl::Status DsClient::CheckPrivilege(bool restore) const {
  Privileges held = service_->GetPrivileges(principal_);
  if (restore ? held.restore : held.backup) return absl::OkStatus();
  return MakeError(absl::StatusCode::kPermissionDenied, kErrorAccessDenied,
                   absl::StrCat("'", principal_, "' does not hold the ",
                                restore ? "restore" : "backup", " privilege"));
}

absl::StatusOr<bool> DsClient::DsIsNTDSOnline(absl::string_view server) {
  RETURN_IF_ERROR(CheckServer(server));
  return service_->IsOnline();
}

absl::StatusOr<DsBackupPrepared> DsClient::DsBackupPrepare(
    absl::string_view server, uint32_t grbit, uint32_t backup_type) {
  RETURN_IF_ERROR(CheckServer(server));
  RETURN_IF_ERROR(CheckPrivilege(/*restore=*/false));
  if (grbit != 0) {
    return InvalidParameter(absl::StrFormat(
        "grbit must be 0 (incremental backups are not supported), not %u",
        grbit));
  }
  if (backup_type == kBackupTypeLogsOnly) {
    return MakeError(absl::StatusCode::kInvalidArgument, kErrorNotSupported,
                     "BACKUP_TYPE_LOGS_ONLY is not supported: only full "
                     "backups are");
  }
  if (backup_type != kBackupTypeFull) {
    return InvalidParameter(absl::StrFormat(
        "backup type %u is not supported: only BACKUP_TYPE_FULL (1) is",
        backup_type));
  }
  if (!service_->IsOnline()) {
    return WithCode(
        absl::FailedPreconditionError(absl::StrCat(
            "the directory on '", service_->server_name(),
            "' is not running: ", service_->OfflineReason().message())),
        kHrCouldNotConnect);
  }
  ASSIGN_OR_RETURN(std::unique_ptr<DirectoryService::Capture> capture,
                   service_->CaptureForBackup());
  ExpiryToken token;
  token.set_id = capture->set_id;
  token.backup_id =
      absl::StrCat(service_->server_name(), "-", capture->set_id.ToString());
  token.created = capture->patch.created;
  token.expires = token.created + service_->TombstoneLifetime();
  token.manifest_sha256 = Sha256(capture->patch_bytes);
  token.writer_ids = {service_->instance_id().ToString()};
  DsBackupPrepared prepared;
  prepared.expiry_token = EncodeToken(token, service_->options().token_key);
  prepared.context = std::unique_ptr<DsBackupContext>(
      new DsBackupContext(service_, std::move(capture)));
  return prepared;
}

// --- the backup context ------------------------------------------------------

DsBackupContext::DsBackupContext(
    DirectoryService* service,
    std::unique_ptr<DirectoryService::Capture> capture)
    : service_(service), capture_(std::move(capture)) {}

DsBackupContext::~DsBackupContext() {
  if (capture_ != nullptr) DsBackupEnd().IgnoreError();
}

absl::Status DsBackupContext::CheckLive() const {
  if (capture_ != nullptr) return absl::OkStatus();
  return InvalidParameter("the backup context has ended (hbc is not valid)");
}

uint64_t DsBackupContext::usn() const {
  return capture_ != nullptr ? capture_->patch.usn : 0;
}

SetId DsBackupContext::set_id() const {
  return capture_ != nullptr ? capture_->set_id : SetId();
}

absl::StatusOr<std::string> DsBackupContext::DsBackupGetDatabaseNames() {
  RETURN_IF_ERROR(CheckLive());
  return EncodeDsFileList({{kBftNtdsDatabase, kDsDatabaseFile},
                           {kBftPatchFile, kDsPatchFile}});
}

absl::StatusOr<std::string> DsBackupContext::DsBackupGetBackupLogs() {
  RETURN_IF_ERROR(CheckLive());
  std::vector<DsFileEntry> logs;
  for (uint64_t g = capture_->patch.first_gen; g <= capture_->patch.last_gen;
       ++g) {
    logs.push_back({kBftLog, directory_internal::LogFileName(g)});
  }
  return EncodeDsFileList(logs);
}

absl::StatusOr<uint64_t> DsBackupContext::FileSize(
    absl::string_view name) const {
  if (name == kDsDatabaseFile) return capture_->patch.image_length;
  if (name == kDsPatchFile) return capture_->patch_bytes.size();
  std::optional<uint64_t> gen = directory_internal::ParseLogFileName(name);
  if (gen && *gen >= capture_->patch.first_gen &&
      *gen <= capture_->patch.last_gen) {
    return capture_->patch.log_generation_size;
  }
  return MakeError(absl::StatusCode::kNotFound, kErrorFileNotFound,
                   absl::StrCat("'", name, "' is not a file of this backup"));
}

absl::Status DsBackupContext::ReadFile(const std::string& name, uint64_t offset,
                                       absl::Span<uint8_t> out) const {
  if (name == kDsDatabaseFile) {
    const uint64_t base = directory_internal::kImageAreaOffset +
                          uint64_t{capture_->control.image_slot} *
                              service_->image_slot_size();
    return capture_->database->Read(base + offset, out);
  }
  if (name == kDsPatchFile) {
    std::memcpy(out.data(), capture_->patch_bytes.data() + offset, out.size());
    return absl::OkStatus();
  }
  uint64_t gen = *directory_internal::ParseLogFileName(name);
  LogGeometry geometry{capture_->patch.log_generation_size,
                       capture_->patch.log_generations};
  return capture_->log->Read(geometry.SlotOffset(gen) + offset, out);
}

absl::StatusOr<uint64_t> DsBackupContext::DsBackupOpenFile(
    absl::string_view name, uint32_t read_hint) {
  RETURN_IF_ERROR(CheckLive());
  if (open_) {
    return MakeError(absl::StatusCode::kFailedPrecondition, kHrAlreadyOpen,
                     absl::StrCat("'", open_->name,
                                  "' is still open; one file at a time"));
  }
  RETURN_IF_ERROR(CheckBufferSize("a read hint", read_hint));
  ASSIGN_OR_RETURN(uint64_t size, FileSize(name));
  open_ = OpenFile{std::string(name), size, 0};
  return size;
}

absl::StatusOr<uint32_t> DsBackupContext::DsBackupRead(
    absl::Span<uint8_t> buffer) {
  RETURN_IF_ERROR(CheckLive());
  if (!open_) {
    return MakeError(absl::StatusCode::kFailedPrecondition, kHrInvalidHandle,
                     "no file is open");
  }
  RETURN_IF_ERROR(CheckBufferSize("a read buffer", buffer.size()));
  if (open_->position >= open_->size) {
    read_whole_.insert(open_->name);
    return MakeError(absl::StatusCode::kOutOfRange, kErrorHandleEof,
                     absl::StrCat("end of '", open_->name, "'"));
  }
  uint64_t n = std::min<uint64_t>(buffer.size(), open_->size - open_->position);
  RETURN_IF_ERROR(ReadFile(open_->name, open_->position, buffer.first(n)));
  open_->position += n;
  if (open_->position == open_->size) read_whole_.insert(open_->name);
  return static_cast<uint32_t>(n);
}

absl::Status DsBackupContext::DsBackupClose() {
  RETURN_IF_ERROR(CheckLive());
  if (!open_) {
    return MakeError(absl::StatusCode::kFailedPrecondition, kHrInvalidHandle,
                     "no file is open");
  }
  open_.reset();
  return absl::OkStatus();
}

absl::Status DsBackupContext::DsBackupTruncateLogs() {
  RETURN_IF_ERROR(CheckLive());
  std::vector<std::string> needed = {kDsDatabaseFile, kDsPatchFile};
  for (uint64_t g = capture_->patch.first_gen; g <= capture_->patch.last_gen;
       ++g) {
    needed.push_back(directory_internal::LogFileName(g));
  }
  for (const std::string& name : needed) {
    if (!read_whole_.contains(name)) {
      return MakeError(
          absl::StatusCode::kFailedPrecondition, kHrFullBackupNotTaken,
          absl::StrCat("'", name,
                       "' was not read to its end: the full backup is not "
                       "taken, so no log may be truncated"));
    }
  }
  return service_->TruncateLogs(capture_->patch.last_gen);
}

absl::Status DsBackupContext::DsBackupEnd() {
  RETURN_IF_ERROR(CheckLive());
  SetId id = capture_->set_id;
  capture_.reset();  // the snapshots close before their set is deleted
  open_.reset();
  return service_->ReleaseCapture(id);
}

}  // namespace shadowset
