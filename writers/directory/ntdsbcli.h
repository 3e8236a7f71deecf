/* The directory's backup and restore API for C callers, after ntdsbcli.h
 * (SEMANTICS.md §4). The functions keep the seed's names, parameters and
 * numeric codes; strings are UTF-8 (char), codes are returned as uint32_t
 * (0 = success; the hr* values are HRESULTs, the others Win32 codes).
 *
 * Differences from the seed, all marked "ours" below:
 *  - Calls that name a server take a DS_CLIENT first: an in-process client
 *    of the directory in one shadowset data directory (DsClientOpen). There
 *    is no process-wide state; DsSetAuthIdentity changes the client's
 *    identity.
 *  - Restored files are written through the restore context
 *    (DsRestoreOpenFile / DsRestoreWrite / DsRestoreCloseFile), because the
 *    database lives on engine volumes, not in files.
 *  - BFT_LOG_DIR and BFT_CHECKPOINT_DIR are 0x22 and 0x23 as SEMANTICS.md
 *    fixes them (the public ntdsbcli.h has 0x82 and 0x83).
 *
 * Typical backup:
 *
 *   DS_CLIENT* c;  void* token;  uint32_t token_size;  HBC hbc;
 *   if (DsClientOpen("/var/lib/shadowset", NULL, 0, &c) != 0) ...
 *   DsBackupPrepare(c, "\\\\dc1", 0, BACKUP_TYPE_FULL, &token, &token_size,
 *                   &hbc);
 *   DsBackupGetDatabaseNames(hbc, &names, &size);  ... DsBackupFree(names);
 *   DsBackupOpenFile(hbc, "ntds.dit", 65536, &file_size);
 *   while (DsBackupRead(hbc, buf, 65536, &got) == 0) ... ;  // ERROR_HANDLE_EOF
 *   DsBackupClose(hbc);  ... every database and log file ...
 *   DsBackupTruncateLogs(hbc);  DsBackupEnd(hbc);  DsBackupFree(token);
 *   DsClientClose(c);
 *
 * Memory returned through void** / char** is freed with DsBackupFree.
 * Handles stay valid (answering ERROR_INVALID_PARAMETER once ended) until
 * their client is closed; DsClientClose ends every handle still open.
 * Thread safety: one call at a time per client and its handles. */

#ifndef SHADOWSET_WRITERS_DIRECTORY_NTDSBCLI_H_
#define SHADOWSET_WRITERS_DIRECTORY_NTDSBCLI_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Backup types for DsBackupPrepare. */
#define BACKUP_TYPE_FULL 0x01u
#define BACKUP_TYPE_LOGS_ONLY 0x02u   /* not supported */
#define BACKUP_TYPE_INCREMENTAL 0x04u /* not supported */

/* Restore flags for DsRestorePrepare. */
#define RESTORE_TYPE_AUTHORATATIVE 0x01u /* not supported */
#define RESTORE_TYPE_ONLINE 0x02u        /* not supported */
#define RESTORE_TYPE_CATCHUP 0x04u       /* the default */

/* The type character prefixing each name of a file list. */
#define BFT_LOG ((char)0x21)
#define BFT_LOG_DIR ((char)0x22)
#define BFT_CHECKPOINT_DIR ((char)0x23)
#define BFT_NTDS_DATABASE ((char)0x44)
#define BFT_PATCH_FILE ((char)0x25)

/* Codes of the directory backup facility (ntdsbmsg.h). */
#define hrInvalidParam 0xC7FF0001u
#define hrError 0xC7FF0002u
#define hrInvalidHandle 0xC7FF0003u
#define hrRestoreInProgress 0xC7FF0004u
#define hrAlreadyOpen 0xC7FF0005u
#define hrCouldNotConnect 0xC7FF0007u
#define hrFullBackupNotTaken 0xC7FF000Eu
#define hrMissingExpiryToken 0xC7FF000Fu
#define hrUnknownExpiryTokenFormat 0xC7FF0010u
#define hrContentsExpired 0xC7FF0011u

/* Win32 codes the functions return. */
#ifndef ERROR_SUCCESS
#define ERROR_SUCCESS 0u
#define ERROR_FILE_NOT_FOUND 2u
#define ERROR_ACCESS_DENIED 5u
#define ERROR_INVALID_DATA 13u
#define ERROR_HANDLE_EOF 38u
#define ERROR_NOT_SUPPORTED 50u
#define ERROR_INVALID_PARAMETER 87u
#define ERROR_DISK_FULL 112u
#define ERROR_ALREADY_EXISTS 183u
#define ERROR_NOT_FOUND 1168u
#define RPC_S_INVALID_BINDING 1702u
#endif

/* A backup or restore context. */
typedef void* HBC;

/* An open client of one directory (ours). */
typedef struct DS_CLIENT DS_CLIENT;

/* A restore map entry. */
typedef struct EDB_RSTMAP {
  const char* szDatabaseName;
  const char* szNewDatabaseName;
} EDB_RSTMAP;

/* DsClientOpen flags (ours). */
#define DS_CLIENT_RESTORE_MODE 0x1u /* open the directory offline */

/* Opens the shadowset data directory `data_dir` and the directory in it
 * (volumes "<volume_prefix>-db/-log"; NULL: "directory"), online unless
 * DS_CLIENT_RESTORE_MODE, acting as the user running the process (ours).
 * ERROR_INVALID_PARAMETER for NULL arguments or unknown flags;
 * hrCouldNotConnect if there is no directory or it cannot be opened (for
 * example, another process holds the data directory). */
uint32_t DsClientOpen(const char* data_dir, const char* volume_prefix,
                      uint32_t flags, DS_CLIENT** client);
/* Ends every open handle and closes the client (ours). NULL is ignored. */
void DsClientClose(DS_CLIENT* client);

uint32_t DsSetAuthIdentity(DS_CLIENT* client, const char* user,
                           const char* domain, const char* password);
/* *online: 1 or 0. */
uint32_t DsIsNTDSOnline(DS_CLIENT* client, const char* server, int* online);

/* hrInvalidParam for a NULL token or token-size pointer;
 * ERROR_INVALID_PARAMETER for a NULL server or phbc. */
uint32_t DsBackupPrepare(DS_CLIENT* client, const char* server, uint32_t grbit,
                         uint32_t backup_type, void** expiry_token,
                         uint32_t* expiry_token_size, HBC* phbc);
/* Double-NUL-terminated lists; *size counts every byte. */
uint32_t DsBackupGetDatabaseNames(HBC hbc, char** attachment_info,
                                  uint32_t* size);
uint32_t DsBackupGetBackupLogs(HBC hbc, char** log_files, uint32_t* size);
uint32_t DsBackupOpenFile(HBC hbc, const char* attachment_name,
                          uint32_t read_hint_size, int64_t* file_size);
uint32_t DsBackupRead(HBC hbc, void* buffer, uint32_t buffer_size,
                      uint32_t* read);
uint32_t DsBackupClose(HBC hbc);
uint32_t DsBackupTruncateLogs(HBC hbc);
uint32_t DsBackupEnd(HBC hbc);
void DsBackupFree(void* buffer);

/* expiry_token NULL or expiry_token_size 0: no token. */
uint32_t DsRestorePrepare(DS_CLIENT* client, const char* server,
                          uint32_t restore_flags, const void* expiry_token,
                          uint32_t expiry_token_size, HBC* phbc);
uint32_t DsRestoreGetDatabaseLocations(HBC hbc, char** locations,
                                       uint32_t* size);
/* Paths may be NULL; `count` entries of `map` (may be NULL when 0). */
uint32_t DsRestoreRegister(HBC hbc, const char* checkpoint_file_path,
                           const char* log_path, const EDB_RSTMAP* map,
                           int32_t count, const char* backup_log_path,
                           uint32_t gen_low, uint32_t gen_high);
/* Writing one restored file (ours). */
uint32_t DsRestoreOpenFile(HBC hbc, const char* name, int64_t size);
uint32_t DsRestoreWrite(HBC hbc, const void* data, uint32_t size);
uint32_t DsRestoreCloseFile(HBC hbc);
uint32_t DsRestoreRegisterComplete(HBC hbc, uint32_t restore_state);
uint32_t DsRestoreEnd(HBC hbc);

#ifdef __cplusplus
}  /* extern "C" */
#endif

#endif /* SHADOWSET_WRITERS_DIRECTORY_NTDSBCLI_H_ */
