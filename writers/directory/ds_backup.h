// The directory's backup and restore API, after ntdsbcli.h (SEMANTICS.md
// §4): DsBackup* reads an online backup, DsRestore* puts one back while
// the directory is offline. Every status carries the ntdsbcli code
// (directory_codes.h, engine/codes.h) as its Win32-style payload.
//
//   DsClient client(&directory);                    // as the process's user
//   ASSIGN_OR_RETURN(DsBackupPrepared b,
//                    client.DsBackupPrepare("\\\\dc1", 0, kBackupTypeFull));
//   // keep b.expiry_token with the backup
//   ASSIGN_OR_RETURN(std::string names, b.context->DsBackupGetDatabaseNames());
//   ASSIGN_OR_RETURN(uint64_t size, b.context->DsBackupOpenFile("ntds.dit", 65536));
//   ... DsBackupRead until ERROR_HANDLE_EOF, DsBackupClose, the same for
//   ... every log, then DsBackupTruncateLogs (after the backup is safe)
//   RETURN_IF_ERROR(b.context->DsBackupEnd());
//
//   ASSIGN_OR_RETURN(auto r, client.DsRestorePrepare("dc1", 0, token));
//   ... DsRestoreGetDatabaseLocations, DsRestoreRegister(low, high),
//   ... DsRestoreOpenFile / DsRestoreWrite / DsRestoreCloseFile per file,
//   RETURN_IF_ERROR(r->DsRestoreRegisterComplete(0));
//   RETURN_IF_ERROR(r->DsRestoreEnd());
//
// The rules, in the order they are checked:
//  * Server names: leading backslashes optional, compared with the local
//    server case-insensitively. A name with '_' or otherwise malformed:
//    hrCouldNotConnect (kInvalidArgument). Another server:
//    RPC_S_INVALID_BINDING (kInvalidArgument).
//  * Privileges: DsBackupPrepare needs the backup privilege and
//    DsRestorePrepare the restore privilege of the client's principal
//    (identity.h): ERROR_ACCESS_DENIED (kPermissionDenied).
//  * State: backup needs the directory online, restore needs it offline;
//    otherwise hrCouldNotConnect (kFailedPrecondition), as when no directory
//    serves that interface (ours). One restore at a time:
//    hrRestoreInProgress (kFailedPrecondition).
//  * Expiry tokens (the engine's format, engine/backup/token.h):
//    DsBackupPrepare's expires = created + the tombstone lifetime.
//    DsRestorePrepare: no token -> the context only answers
//    DsRestoreGetDatabaseLocations (anything else: hrMissingExpiryToken);
//    unreadable (or unsigned while a key is configured) ->
//    hrUnknownExpiryTokenFormat; older than the tombstone lifetime now in
//    force, past its own expiry, or created after the clock ->
//    hrContentsExpired. DsRestoreRegisterComplete checks the token again
//    against the restored patch file (MAC, and that it belongs to this
//    backup: otherwise hrUnknownExpiryTokenFormat).
//
// What a backup holds: "ntds.dit" (BFT_NTDS_DATABASE: the checkpoint's
// image), "ntds.pat" (BFT_PATCH_FILE: the descriptor of the backup, ours)
// and the retained log generations "edbXXXXXXXX.log" (BFT_LOG), all read
// from one engine snapshot taken while the directory was quiesced for an
// instant; restoring them reproduces exactly that instant.
//
// Thread safety: a DsClient is thread-compatible; so is each context (one
// call at a time). Contexts must end (DsBackupEnd / DsRestoreEnd, or
// destruction) before the DirectoryService is destroyed.

#ifndef SHADOWSET_WRITERS_DIRECTORY_DS_BACKUP_H_
#define SHADOWSET_WRITERS_DIRECTORY_DS_BACKUP_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "engine/backup/token.h"
#include "writers/directory/directory_service.h"

namespace shadowset {

// DsBackupPrepare's backup types (ntdsbcli.h).
inline constexpr uint32_t kBackupTypeFull = 0x01;
inline constexpr uint32_t kBackupTypeLogsOnly = 0x02;     // not supported
inline constexpr uint32_t kBackupTypeIncremental = 0x04;  // not supported
// DsRestorePrepare's flags (ntdsbcli.h).
inline constexpr uint32_t kRestoreTypeAuthoritative = 0x01;  // not supported
inline constexpr uint32_t kRestoreTypeOnline = 0x02;         // not supported
inline constexpr uint32_t kRestoreTypeCatchup = 0x04;        // the default
// The type character that prefixes each name in a file list. These are the
// values SEMANTICS.md §4 fixes; note that the public ntdsbcli.h defines
// BFT_LOG_DIR and BFT_CHECKPOINT_DIR as 0x82 and 0x83 (BFT_DIRECTORY | 2, 3).
inline constexpr char kBftLog = 0x21;
inline constexpr char kBftLogDir = 0x22;
inline constexpr char kBftCheckpointDir = 0x23;
inline constexpr char kBftNtdsDatabase = 0x44;
inline constexpr char kBftPatchFile = 0x25;
// DsBackupOpenFile's read hint and DsBackupRead's buffer: a multiple of
// 8192 bytes and at least 24576.
inline constexpr uint32_t kDsBufferGranularity = 8192;
inline constexpr uint32_t kDsMinBufferSize = 24576;

inline constexpr char kDsDatabaseFile[] = "ntds.dit";
inline constexpr char kDsPatchFile[] = "ntds.pat";

// A file list entry: its BFT type character and its name.
struct DsFileEntry {
  char type = 0;
  std::string name;
  friend bool operator==(const DsFileEntry&, const DsFileEntry&) = default;
};
// Builds and parses the double-NUL-terminated lists the API returns.
std::string EncodeDsFileList(const std::vector<DsFileEntry>& entries);
absl::StatusOr<std::vector<DsFileEntry>> ParseDsFileList(absl::string_view list);

class DsBackupContext;
class DsRestoreContext;

struct DsBackupPrepared {
  std::string expiry_token;  // keep it with the backup
  std::unique_ptr<DsBackupContext> context;
};

// A caller of the backup and restore API: a principal talking to one
// directory service.
class DsClient {
 public:
  // Acts as `principal` ("user" or "DOMAIN\user"); empty: the user running
  // the process. `service` must outlive the client.
  explicit DsClient(DirectoryService* service, std::string principal = "");

  const std::string& principal() const { return principal_; }

  // Later calls act as DOMAIN\user. The password is not checked (identity.h).
  // ERROR_INVALID_PARAMETER for an empty or malformed user.
  absl::Status DsSetAuthIdentity(absl::string_view user,
                                 absl::string_view domain,
                                 absl::string_view password);

  // Whether the directory on `server` is online. Server rules only.
  absl::StatusOr<bool> DsIsNTDSOnline(absl::string_view server);

  // Starts an online backup: quiesces the directory for an instant, takes an
  // engine snapshot of its volumes and returns the expiry token and the
  // context that reads the snapshot. Errors (after the rules above): grbit
  // other than 0, BACKUP_TYPE_INCREMENTAL or an unknown type:
  // ERROR_INVALID_PARAMETER; BACKUP_TYPE_LOGS_ONLY: ERROR_NOT_SUPPORTED;
  // engine errors from the snapshot. Nothing is left behind on failure.
  absl::StatusOr<DsBackupPrepared> DsBackupPrepare(absl::string_view server,
                                                   uint32_t grbit,
                                                   uint32_t backup_type);

  // Starts a restore (the directory must be offline). `expiry_token` empty:
  // no token (see above). `restore_flags`: 0 or RESTORE_TYPE_CATCHUP;
  // RESTORE_TYPE_AUTHORATATIVE / _ONLINE: ERROR_NOT_SUPPORTED; other bits:
  // ERROR_INVALID_PARAMETER.
  absl::StatusOr<std::unique_ptr<DsRestoreContext>> DsRestorePrepare(
      absl::string_view server, uint32_t restore_flags,
      absl::string_view expiry_token);

 private:
  absl::Status CheckServer(absl::string_view server) const;
  absl::Status CheckPrivilege(bool restore) const;

  DirectoryService* const service_;
  std::string principal_;
};

// An online backup in progress (ntdsbcli's HBC from DsBackupPrepare).
class DsBackupContext {
 public:
  ~DsBackupContext();  // ends the backup if DsBackupEnd was not called
  DsBackupContext(const DsBackupContext&) = delete;
  DsBackupContext& operator=(const DsBackupContext&) = delete;

  // BFT_NTDS_DATABASE "ntds.dit" and BFT_PATCH_FILE "ntds.pat".
  absl::StatusOr<std::string> DsBackupGetDatabaseNames();
  // BFT_LOG "edbXXXXXXXX.log" for every retained generation.
  absl::StatusOr<std::string> DsBackupGetBackupLogs();
  // Opens one file (named without its type character) and returns its size.
  // hrAlreadyOpen if a file is open; ERROR_INVALID_PARAMETER for a read hint
  // that is not a multiple of 8192 or below 24576; ERROR_FILE_NOT_FOUND for
  // a name not in the lists.
  absl::StatusOr<uint64_t> DsBackupOpenFile(absl::string_view name,
                                            uint32_t read_hint);
  // Reads the next bytes of the open file into `buffer` (its size a
  // multiple of 8192, at least 24576: else ERROR_INVALID_PARAMETER);
  // returns how many (possibly fewer than asked). ERROR_HANDLE_EOF
  // (kOutOfRange) once the whole file was read; hrInvalidHandle
  // (kFailedPrecondition) when no file is open.
  absl::StatusOr<uint32_t> DsBackupRead(absl::Span<uint8_t> buffer);
  // Closes the open file. hrInvalidHandle when none is open.
  absl::Status DsBackupClose();
  // Deletes the log generations this backup holds whole (all but the one
  // being written at the snapshot). Call it once the backup is safe.
  // hrFullBackupNotTaken (kFailedPrecondition) unless every file of both
  // lists was read to the end in this context.
  absl::Status DsBackupTruncateLogs();
  // Ends the backup and releases its snapshot. Afterwards every call
  // (DsBackupEnd too) fails with ERROR_INVALID_PARAMETER.
  absl::Status DsBackupEnd();

  // What the backup holds (ours): the last change's USN, the snapshot set.
  uint64_t usn() const;
  SetId set_id() const;

 private:
  friend class DsClient;
  struct OpenFile {
    std::string name;
    uint64_t size = 0;
    uint64_t position = 0;
  };

  DsBackupContext(DirectoryService* service,
                  std::unique_ptr<DirectoryService::Capture> capture);
  absl::Status CheckLive() const;
  // The size of a file of this backup, or ERROR_FILE_NOT_FOUND.
  absl::StatusOr<uint64_t> FileSize(absl::string_view name) const;
  absl::Status ReadFile(const std::string& name, uint64_t offset,
                        absl::Span<uint8_t> out) const;

  DirectoryService* const service_;
  std::unique_ptr<DirectoryService::Capture> capture_;  // null once ended
  std::optional<OpenFile> open_;
  std::set<std::string> read_whole_;  // files read to the end
};

// A restore in progress (ntdsbcli's HBC from DsRestorePrepare).
class DsRestoreContext {
 public:
  ~DsRestoreContext();  // ends the restore if DsRestoreEnd was not called
  DsRestoreContext(const DsRestoreContext&) = delete;
  DsRestoreContext& operator=(const DsRestoreContext&) = delete;

  // Where each kind of file goes: BFT_NTDS_DATABASE "<db volume>/ntds.dit",
  // BFT_LOG_DIR "<log volume>/", BFT_CHECKPOINT_DIR "<db volume>/". Works
  // without a token.
  absl::StatusOr<std::string> DsRestoreGetDatabaseLocations();

  // Registers the restore of log generations [gen_low, gen_high]: from now
  // until a successful DsRestoreRegisterComplete the directory does not
  // start (durably). The paths and the restore map are optional; given,
  // they must name the locations above (else ERROR_INVALID_PARAMETER).
  // hrMissingExpiryToken without a token; ERROR_INVALID_PARAMETER for
  // gen_low > gen_high, 0, or a range the log ring cannot hold, or when
  // called twice.
  struct RestoreMapEntry {
    std::string database_name;
    std::string new_database_name;
  };
  absl::Status DsRestoreRegister(absl::string_view checkpoint_path,
                                 absl::string_view log_path,
                                 const std::vector<RestoreMapEntry>& map,
                                 absl::string_view backup_log_path,
                                 uint32_t gen_low, uint32_t gen_high);

  // Writes one backed-up file into place (ours: the files go onto engine
  // volumes, so they are copied through the context). After
  // DsRestoreRegister. `size`: the file's size. ERROR_FILE_NOT_FOUND for a
  // name that is not ntds.dit, ntds.pat or a log in the registered range;
  // ERROR_INVALID_PARAMETER for a wrong size; hrAlreadyOpen if one is open.
  absl::Status DsRestoreOpenFile(absl::string_view name, uint64_t size);
  // Appends to the open file. ERROR_INVALID_PARAMETER past its size;
  // hrInvalidHandle when none is open.
  absl::Status DsRestoreWrite(absl::Span<const uint8_t> data);
  // Closes it; ERROR_INVALID_PARAMETER if fewer bytes than its size were
  // written; hrInvalidHandle when none is open.
  absl::Status DsRestoreCloseFile();

  // Ends the registered restore. `restore_state` 0 (success): checks that
  // every file was written, the token against the patch file, that the image
  // and logs replay to exactly the backed-up USN, then switches the restored
  // database in; a failure keeps the directory from starting
  // (ERROR_INVALID_DATA for damaged files, the token codes above). Any
  // other `restore_state`: records the failure; the directory will not
  // start until a valid database is restored.
  absl::Status DsRestoreRegisterComplete(uint32_t restore_state);

  // Ends the restore session. Afterwards every call fails with
  // ERROR_INVALID_PARAMETER.
  absl::Status DsRestoreEnd();

 private:
  friend class DsClient;
  struct OpenFile {
    std::string name;
    uint64_t size = 0;
    uint64_t position = 0;
    uint64_t generation = 0;  // logs
  };

  DsRestoreContext(DirectoryService* service,
                   std::optional<ExpiryToken> token);
  absl::Status CheckLive() const;
  absl::Status CheckToken() const;

  DirectoryService* const service_;
  bool ended_ = false;
  std::optional<ExpiryToken> token_;  // nullopt: prepared without one
  bool registered_ = false;
  uint32_t gen_low_ = 0;
  uint32_t gen_high_ = 0;
  std::optional<OpenFile> open_;
  std::set<std::string> written_;  // files written whole
  std::string patch_bytes_;
};

// Maps a token status (TokenErrorOf) to the directory's codes.
absl::Status TokenStatusToDirectory(absl::Status status);

}  // namespace shadowset

#endif  // SHADOWSET_WRITERS_DIRECTORY_DS_BACKUP_H_
