// The restore half of the ntdsbcli-style API: DsRestorePrepare and the
// restore context.

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/codes.h"
#include "engine/internal/status_macros.h"
#include "writers/directory/directory_codes.h"
#include "writers/directory/ds_backup.h"
#include "writers/directory/internal/log_format.h"
#include "writers/directory/internal/patch_file.h"

namespace shadowset {
namespace {

absl::Status InvalidParameter(absl::string_view message) {
  return MakeError(absl::StatusCode::kInvalidArgument, kErrorInvalidParameter,
                   message);
}

absl::Status NoSuchFile(absl::string_view name) {
  return MakeError(absl::StatusCode::kNotFound, kErrorFileNotFound,
                   absl::StrCat("'", name, "' is not a file this restore "
                                           "takes"));
}

// Expiry relative to the tombstone lifetime now in force (and the token's
// own expiry): a backup older than the lifetime would bring deleted
// objects back.
absl::Status CheckAge(const ExpiryToken& token, absl::Time now,
                      absl::Duration lifetime) {
  if (now < token.created) {
    return MakeError(
        absl::StatusCode::kFailedPrecondition, kHrContentsExpired,
        absl::StrCat("the backup was taken at ", absl::FormatTime(token.created),
                     ", after the directory's clock (",
                     absl::FormatTime(now), "): its age is unknown"));
  }
  if (now > token.created + lifetime) {
    return MakeError(
        absl::StatusCode::kFailedPrecondition, kHrContentsExpired,
        absl::StrCat("the backup was taken at ", absl::FormatTime(token.created),
                     ", more than the tombstone lifetime (",
                     absl::FormatDuration(lifetime),
                     ") ago: restoring it would bring deleted objects back"));
  }
  if (now > token.expires) {
    return MakeError(absl::StatusCode::kFailedPrecondition, kHrContentsExpired,
                     absl::StrCat("the backup expired at ",
                                  absl::FormatTime(token.expires)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<DsRestoreContext>> DsClient::DsRestorePrepare(
    absl::string_view server, uint32_t restore_flags,
    absl::string_view expiry_token) {
  RETURN_IF_ERROR(CheckServer(server));
  RETURN_IF_ERROR(CheckPrivilege(/*restore=*/true));
  if ((restore_flags & ~(kRestoreTypeAuthoritative | kRestoreTypeOnline |
                         kRestoreTypeCatchup)) != 0) {
    return InvalidParameter(
        absl::StrFormat("unknown restore flags 0x%x", restore_flags));
  }
  if ((restore_flags & (kRestoreTypeAuthoritative | kRestoreTypeOnline)) != 0) {
    return MakeError(absl::StatusCode::kInvalidArgument, kErrorNotSupported,
                     "authoritative and online restores are not supported");
  }
  if (service_->IsOnline()) {
    return MakeError(absl::StatusCode::kFailedPrecondition, kHrCouldNotConnect,
                     absl::StrCat("the directory on '", service_->server_name(),
                                  "' is online: a restore needs it offline "
                                  "(restore mode)"));
  }
  std::optional<ExpiryToken> token;
  if (!expiry_token.empty()) {
    absl::StatusOr<ExpiryToken> decoded = DecodeToken(expiry_token);
    if (!decoded.ok()) return TokenStatusToDirectory(decoded.status());
    if (!service_->options().token_key.empty() && !decoded->is_signed) {
      return MakeError(absl::StatusCode::kPermissionDenied,
                       kHrUnknownExpiryTokenFormat,
                       "the expiry token is unsigned, and a key is configured");
    }
    RETURN_IF_ERROR(
        CheckAge(*decoded, service_->Now(), service_->TombstoneLifetime()));
    token = std::move(*decoded);
  }
  {
    absl::MutexLock l(&service_->mu_);
    if (service_->restore_session_) {
      return MakeError(absl::StatusCode::kFailedPrecondition,
                       kHrRestoreInProgress,
                       "another restore of this directory is in progress");
    }
    service_->restore_session_ = true;
  }
  return std::unique_ptr<DsRestoreContext>(
      new DsRestoreContext(service_, std::move(token)));
}

DsRestoreContext::DsRestoreContext(DirectoryService* service,
                                   std::optional<ExpiryToken> token)
    : service_(service), token_(std::move(token)) {}

DsRestoreContext::~DsRestoreContext() {
  if (!ended_) DsRestoreEnd().IgnoreError();
}

absl::Status DsRestoreContext::CheckLive() const {
  if (!ended_) return absl::OkStatus();
  return InvalidParameter("the restore context has ended (hbc is not valid)");
}

absl::Status DsRestoreContext::CheckToken() const {
  if (token_) return absl::OkStatus();
  return MakeError(absl::StatusCode::kFailedPrecondition, kHrMissingExpiryToken,
                   "the restore was prepared without an expiry token: only "
                   "DsRestoreGetDatabaseLocations is allowed");
}

absl::StatusOr<std::string> DsRestoreContext::DsRestoreGetDatabaseLocations() {
  RETURN_IF_ERROR(CheckLive());
  std::vector<std::string> volumes = service_->VolumeNames();
  return EncodeDsFileList({{kBftNtdsDatabase, volumes[0] + "/" + kDsDatabaseFile},
                           {kBftLogDir, volumes[1] + "/"},
                           {kBftCheckpointDir, volumes[0] + "/"}});
}

absl::Status DsRestoreContext::DsRestoreRegister(
    absl::string_view checkpoint_path, absl::string_view log_path,
    const std::vector<RestoreMapEntry>& map, absl::string_view backup_log_path,
    uint32_t gen_low, uint32_t gen_high) {
  RETURN_IF_ERROR(CheckLive());
  RETURN_IF_ERROR(CheckToken());
  if (registered_) return InvalidParameter("the restore is already registered");
  std::vector<std::string> volumes = service_->VolumeNames();
  const std::string db_dir = volumes[0] + "/";
  const std::string log_dir = volumes[1] + "/";
  if ((!checkpoint_path.empty() && checkpoint_path != db_dir) ||
      (!log_path.empty() && log_path != log_dir) ||
      (!backup_log_path.empty() && backup_log_path != log_dir)) {
    return InvalidParameter(absl::StrCat(
        "restore paths must be empty or the locations returned by "
        "DsRestoreGetDatabaseLocations ('",
        db_dir, "', '", log_dir, "')"));
  }
  for (const RestoreMapEntry& e : map) {
    if (e.database_name != kDsDatabaseFile ||
        e.new_database_name != db_dir + kDsDatabaseFile) {
      return InvalidParameter(absl::StrCat("the restore map may only map ",
                                           kDsDatabaseFile, " to ", db_dir,
                                           kDsDatabaseFile));
    }
  }
  if (gen_low == 0 || gen_low > gen_high ||
      uint64_t{gen_high} - gen_low + 2 > service_->log_generations()) {
    return InvalidParameter(absl::StrFormat(
        "log generations %u-%u: a range of at most %u generations from 1",
        gen_low, gen_high, service_->log_generations() - 1));
  }
  RETURN_IF_ERROR(service_->RegisterRestore());
  registered_ = true;
  gen_low_ = gen_low;
  gen_high_ = gen_high;
  return absl::OkStatus();
}

absl::Status DsRestoreContext::DsRestoreOpenFile(absl::string_view name,
                                                 uint64_t size) {
  RETURN_IF_ERROR(CheckLive());
  RETURN_IF_ERROR(CheckToken());
  if (!registered_) {
    return InvalidParameter("call DsRestoreRegister before writing files");
  }
  if (open_) {
    return MakeError(absl::StatusCode::kFailedPrecondition, kHrAlreadyOpen,
                     absl::StrCat("'", open_->name, "' is still open"));
  }
  OpenFile file{std::string(name), size, 0, 0};
  if (name == kDsDatabaseFile) {
    if (size > service_->image_slot_size()) {
      return MakeError(
          absl::StatusCode::kResourceExhausted, kErrorDiskFull,
          absl::StrFormat("ntds.dit of %u bytes does not fit an image slot "
                          "(%u bytes)",
                          size, service_->image_slot_size()));
    }
  } else if (name == kDsPatchFile) {
    if (size == 0 || size > 64 * 1024) {
      return InvalidParameter("ntds.pat must be 1 to 65536 bytes");
    }
    patch_bytes_.clear();
  } else {
    std::optional<uint64_t> gen = directory_internal::ParseLogFileName(name);
    if (!gen || *gen < gen_low_ || *gen > gen_high_) return NoSuchFile(name);
    if (size != service_->log_generation_size()) {
      return InvalidParameter(absl::StrFormat(
          "log file '%s' has %u bytes; this directory's log files have %u",
          name, size, service_->log_generation_size()));
    }
    file.generation = *gen;
  }
  written_.erase(file.name);
  open_ = std::move(file);
  return absl::OkStatus();
}

absl::Status DsRestoreContext::DsRestoreWrite(absl::Span<const uint8_t> data) {
  RETURN_IF_ERROR(CheckLive());
  if (!open_) {
    return MakeError(absl::StatusCode::kFailedPrecondition, kHrInvalidHandle,
                     "no file is open");
  }
  if (data.size() > open_->size - open_->position) {
    return InvalidParameter(absl::StrFormat(
        "writing %u bytes at %u passes the end of '%s' (%u bytes)", data.size(),
        open_->position, open_->name, open_->size));
  }
  if (open_->name == kDsDatabaseFile) {
    RETURN_IF_ERROR(service_->WriteRestoredImage(open_->position, data));
  } else if (open_->name == kDsPatchFile) {
    patch_bytes_.append(reinterpret_cast<const char*>(data.data()), data.size());
  } else {
    RETURN_IF_ERROR(
        service_->WriteRestoredLog(open_->generation, open_->position, data));
  }
  open_->position += data.size();
  return absl::OkStatus();
}

absl::Status DsRestoreContext::DsRestoreCloseFile() {
  RETURN_IF_ERROR(CheckLive());
  if (!open_) {
    return MakeError(absl::StatusCode::kFailedPrecondition, kHrInvalidHandle,
                     "no file is open");
  }
  OpenFile file = std::move(*open_);
  open_.reset();
  if (file.position != file.size) {
    return InvalidParameter(absl::StrFormat(
        "'%s' was closed after %u of its %u bytes", file.name, file.position,
        file.size));
  }
  written_.insert(file.name);
  return absl::OkStatus();
}

absl::Status DsRestoreContext::DsRestoreRegisterComplete(
    uint32_t restore_state) {
  RETURN_IF_ERROR(CheckLive());
  RETURN_IF_ERROR(CheckToken());
  if (!registered_) return InvalidParameter("no restore is registered");
  if (restore_state != 0) {
    // The caller reports a failed copy: the directory must not start on it.
    RETURN_IF_ERROR(service_->FailRestore());
    registered_ = false;
    return absl::OkStatus();
  }
  if (!written_.contains(kDsDatabaseFile) || !written_.contains(kDsPatchFile)) {
    return MakeError(absl::StatusCode::kFailedPrecondition, kErrorInvalidData,
                     "ntds.dit and ntds.pat must both be restored");
  }
  absl::StatusOr<directory_internal::PatchFile> patch =
      directory_internal::DecodePatchFile(patch_bytes_);
  if (!patch.ok()) return WithCode(patch.status(), kErrorInvalidData);
  if (patch->first_gen != gen_low_ || patch->last_gen != gen_high_) {
    return InvalidParameter(absl::StrFormat(
        "the backup holds log generations %u-%u, but %u-%u were registered",
        patch->first_gen, patch->last_gen, gen_low_, gen_high_));
  }
  for (uint64_t g = gen_low_; g <= gen_high_; ++g) {
    if (!written_.contains(directory_internal::LogFileName(g))) {
      return MakeError(absl::StatusCode::kFailedPrecondition, kErrorInvalidData,
                       absl::StrCat("log file ", directory_internal::LogFileName(g),
                                    " was not restored"));
    }
  }
  // The token must be this backup's (its manifest hash covers ntds.pat),
  // signed when a key is set, and not expired now.
  RETURN_IF_ERROR(TokenStatusToDirectory(shadowset::CheckToken(
      *token_, patch_bytes_, service_->options().token_key, service_->Now())));
  RETURN_IF_ERROR(
      CheckAge(*token_, service_->Now(), service_->TombstoneLifetime()));
  RETURN_IF_ERROR(service_->CompleteRestore(*patch));
  registered_ = false;
  return absl::OkStatus();
}

absl::Status DsRestoreContext::DsRestoreEnd() {
  RETURN_IF_ERROR(CheckLive());
  ended_ = true;
  absl::MutexLock l(&service_->mu_);
  service_->restore_session_ = false;
  return absl::OkStatus();
}

}  // namespace shadowset
