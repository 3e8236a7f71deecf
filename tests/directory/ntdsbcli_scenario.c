/* See ntdsbcli_scenario.h. Every check names the code it expected. */

#include "tests/directory/ntdsbcli_scenario.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "writers/directory/ntdsbcli.h"

#define EXPECT_CODE(expr, want)                                             \
  do {                                                                      \
    uint32_t got_ = (expr);                                                 \
    if (got_ != (uint32_t)(want)) {                                         \
      snprintf(error, error_size, "%s:%d: %s returned 0x%08X, not 0x%08X",  \
               __FILE__, __LINE__, #expr, (unsigned)got_, (unsigned)(want)); \
      goto fail;                                                            \
    }                                                                       \
  } while (0)

#define EXPECT_TRUE(cond)                                                  \
  do {                                                                     \
    if (!(cond)) {                                                         \
      snprintf(error, error_size, "%s:%d: %s is false", __FILE__, __LINE__, \
               #cond);                                                     \
      goto fail;                                                           \
    }                                                                      \
  } while (0)

enum { kBuffer = 65536 };

/* Reads one whole file of the backup into out->data[i]. */
static uint32_t ReadOne(HBC hbc, const char* name, ScenarioBackup* out,
                        char* buffer) {
  int64_t size = 0;
  uint32_t got = 0;
  uint32_t code;
  int i = out->file_count;
  char* data;
  int64_t at = 0;
  if (i >= SCENARIO_MAX_FILES || strlen(name) >= sizeof(out->names[0])) {
    return hrError;
  }
  code = DsBackupOpenFile(hbc, name, kBuffer, &size);
  if (code != ERROR_SUCCESS) return code;
  data = (char*)malloc(size > 0 ? (size_t)size : 1);
  for (;;) {
    code = DsBackupRead(hbc, buffer, kBuffer, &got);
    if (code == ERROR_HANDLE_EOF) break;
    if (code != ERROR_SUCCESS || at + got > size) {
      free(data);
      return code != ERROR_SUCCESS ? code : hrError;
    }
    memcpy(data + at, buffer, got);
    at += got;
  }
  if (at != size) {
    free(data);
    return hrError;
  }
  strcpy(out->names[i], name);
  out->data[i] = data;
  out->sizes[i] = size;
  out->file_count = i + 1;
  return DsBackupClose(hbc);
}

int ScenarioBackupAll(const char* data_dir, ScenarioBackup* out, char* error,
                      size_t error_size) {
  DS_CLIENT* client = NULL;
  HBC hbc = NULL;
  char* names = NULL;
  char* logs = NULL;
  uint32_t size = 0;
  int online = 0;
  void* token = NULL;
  uint32_t token_size = 0;
  char* buffer = (char*)malloc(kBuffer);
  const char* p;
  memset(out, 0, sizeof(*out));

  EXPECT_CODE(DsClientOpen(NULL, NULL, 0, &client), ERROR_INVALID_PARAMETER);
  EXPECT_CODE(DsClientOpen(data_dir, "nothing-here", 0, &client),
              hrCouldNotConnect);
  EXPECT_CODE(DsClientOpen(data_dir, NULL, 0, &client), ERROR_SUCCESS);
  EXPECT_CODE(DsIsNTDSOnline(client, "\\\\dc1", &online), ERROR_SUCCESS);
  EXPECT_TRUE(online == 1);
  EXPECT_CODE(DsIsNTDSOnline(client, "dc_1", &online), hrCouldNotConnect);
  EXPECT_CODE(DsIsNTDSOnline(client, "dc2", &online), RPC_S_INVALID_BINDING);

  /* Bad out-pointers, parameters and identities. */
  EXPECT_CODE(DsSetAuthIdentity(client, "admin", NULL, NULL), ERROR_SUCCESS);
  EXPECT_CODE(DsBackupPrepare(client, "dc1", 0, BACKUP_TYPE_FULL, NULL,
                              &token_size, &hbc),
              hrInvalidParam);
  EXPECT_CODE(DsBackupPrepare(client, "dc1", 0, BACKUP_TYPE_FULL, &token, NULL,
                              &hbc),
              hrInvalidParam);
  EXPECT_CODE(DsBackupPrepare(client, "dc1", 0, BACKUP_TYPE_FULL, &token,
                              &token_size, NULL),
              ERROR_INVALID_PARAMETER);
  EXPECT_CODE(DsBackupPrepare(client, "dc1", 0, BACKUP_TYPE_INCREMENTAL, &token,
                              &token_size, &hbc),
              ERROR_INVALID_PARAMETER);
  EXPECT_CODE(DsBackupPrepare(client, "dc1", 0, BACKUP_TYPE_LOGS_ONLY, &token,
                              &token_size, &hbc),
              ERROR_NOT_SUPPORTED);
  EXPECT_CODE(DsBackupPrepare(client, "dc1", 1, BACKUP_TYPE_FULL, &token,
                              &token_size, &hbc),
              ERROR_INVALID_PARAMETER);
  EXPECT_CODE(DsSetAuthIdentity(client, "guest", NULL, NULL), ERROR_SUCCESS);
  EXPECT_CODE(DsBackupPrepare(client, "dc1", 0, BACKUP_TYPE_FULL, &token,
                              &token_size, &hbc),
              ERROR_ACCESS_DENIED);
  EXPECT_CODE(DsSetAuthIdentity(client, "Admin", "", "secret"), ERROR_SUCCESS);

  EXPECT_CODE(DsBackupPrepare(client, "\\\\DC1", 0, BACKUP_TYPE_FULL, &token,
                              &token_size, &hbc),
              ERROR_SUCCESS);
  EXPECT_TRUE(token_size > 0);
  out->token = token;
  out->token_size = token_size;

  EXPECT_CODE(DsBackupGetDatabaseNames(hbc, &names, &size), ERROR_SUCCESS);
  EXPECT_TRUE(size == 21 && memcmp(names, "Dntds.dit\0%ntds.pat\0\0", 21) == 0);
  EXPECT_TRUE(names[0] == BFT_NTDS_DATABASE && names[10] == BFT_PATCH_FILE);
  EXPECT_CODE(DsBackupGetBackupLogs(hbc, &logs, &size), ERROR_SUCCESS);
  EXPECT_TRUE(logs[0] == BFT_LOG && logs[size - 1] == '\0' &&
              logs[size - 2] == '\0');

  /* Buffer and handle rules. */
  EXPECT_CODE(DsBackupRead(hbc, buffer, kBuffer, &size), hrInvalidHandle);
  EXPECT_CODE(DsBackupClose(hbc), hrInvalidHandle);
  {
    int64_t file_size = 0;
    EXPECT_CODE(DsBackupOpenFile(hbc, "ntds.dit", 8192, &file_size),
                ERROR_INVALID_PARAMETER);
    EXPECT_CODE(DsBackupOpenFile(hbc, "missing.dit", 24576, &file_size),
                ERROR_FILE_NOT_FOUND);
    EXPECT_CODE(DsBackupOpenFile(hbc, "ntds.dit", 24576, &file_size),
                ERROR_SUCCESS);
    EXPECT_CODE(DsBackupOpenFile(hbc, "ntds.pat", 24576, &file_size),
                hrAlreadyOpen);
    EXPECT_CODE(DsBackupRead(hbc, buffer, 8192, &size), ERROR_INVALID_PARAMETER);
    EXPECT_CODE(DsBackupClose(hbc), ERROR_SUCCESS);
  }
  EXPECT_CODE(DsBackupTruncateLogs(hbc), hrFullBackupNotTaken);

  /* Every file, then truncation. */
  for (p = names; *p != '\0'; p += strlen(p) + 1) {
    EXPECT_CODE(ReadOne(hbc, p + 1, out, buffer), ERROR_SUCCESS);
  }
  for (p = logs; *p != '\0'; p += strlen(p) + 1) {
    unsigned gen = (unsigned)strtoul(p + 4, NULL, 16);
    if (out->gen_low == 0) out->gen_low = gen;
    out->gen_high = gen;
    EXPECT_CODE(ReadOne(hbc, p + 1, out, buffer), ERROR_SUCCESS);
  }
  EXPECT_CODE(DsBackupTruncateLogs(hbc), ERROR_SUCCESS);
  EXPECT_CODE(DsBackupEnd(hbc), ERROR_SUCCESS);
  EXPECT_CODE(DsBackupEnd(hbc), ERROR_INVALID_PARAMETER);
  EXPECT_CODE(DsBackupEnd(NULL), ERROR_INVALID_PARAMETER);
  DsBackupFree(names);
  DsBackupFree(logs);
  free(buffer);
  DsClientClose(client);
  return 0;

fail:
  DsBackupFree(names);
  DsBackupFree(logs);
  free(buffer);
  DsClientClose(client);
  return -1;
}

int ScenarioRestoreAll(const char* data_dir, const ScenarioBackup* backup,
                       char* error, size_t error_size) {
  DS_CLIENT* client = NULL;
  HBC hbc = NULL;
  HBC bare = NULL;
  char* locations = NULL;
  uint32_t size = 0;
  int online = 1;
  int i;
  EDB_RSTMAP map[1];

  /* Online: a restore is refused. */
  EXPECT_CODE(DsClientOpen(data_dir, NULL, 0, &client), ERROR_SUCCESS);
  EXPECT_CODE(DsSetAuthIdentity(client, "admin", NULL, NULL), ERROR_SUCCESS);
  EXPECT_CODE(DsRestorePrepare(client, "dc1", 0, backup->token,
                               backup->token_size, &hbc),
              hrCouldNotConnect);
  DsClientClose(client);
  client = NULL;

  EXPECT_CODE(DsClientOpen(data_dir, NULL, DS_CLIENT_RESTORE_MODE, &client),
              ERROR_SUCCESS);
  EXPECT_CODE(DsIsNTDSOnline(client, "dc1", &online), ERROR_SUCCESS);
  EXPECT_TRUE(online == 0);
  EXPECT_CODE(DsSetAuthIdentity(client, "admin", NULL, NULL), ERROR_SUCCESS);

  /* Without a token only the locations are available. */
  EXPECT_CODE(DsRestorePrepare(client, "dc1", 0, NULL, 0, &bare), ERROR_SUCCESS);
  EXPECT_CODE(DsRestoreGetDatabaseLocations(bare, &locations, &size),
              ERROR_SUCCESS);
  EXPECT_TRUE(locations[0] == BFT_NTDS_DATABASE);
  EXPECT_TRUE(strcmp(locations + 1, "directory-db/ntds.dit") == 0);
  EXPECT_CODE(DsRestoreRegister(bare, NULL, NULL, NULL, 0, NULL, 1, 1),
              hrMissingExpiryToken);
  EXPECT_CODE(DsRestoreEnd(bare), ERROR_SUCCESS);
  EXPECT_CODE(DsRestorePrepare(client, "dc1", 0, "garbage", 7, &hbc),
              hrUnknownExpiryTokenFormat);

  EXPECT_CODE(DsRestorePrepare(client, "dc1", RESTORE_TYPE_CATCHUP,
                               backup->token, backup->token_size, &hbc),
              ERROR_SUCCESS);
  EXPECT_CODE(DsRestorePrepare(client, "dc1", 0, backup->token,
                               backup->token_size, &bare),
              hrRestoreInProgress);
  map[0].szDatabaseName = "ntds.dit";
  map[0].szNewDatabaseName = "directory-db/ntds.dit";
  EXPECT_CODE(DsRestoreRegister(hbc, "directory-db/", "directory-log/", map, 1,
                                NULL, backup->gen_low, backup->gen_high),
              ERROR_SUCCESS);
  for (i = 0; i < backup->file_count; ++i) {
    int64_t at = 0;
    EXPECT_CODE(DsRestoreOpenFile(hbc, backup->names[i], backup->sizes[i]),
                ERROR_SUCCESS);
    while (at < backup->sizes[i]) {
      uint32_t n = (uint32_t)(backup->sizes[i] - at > 40000
                                  ? 40000
                                  : backup->sizes[i] - at);
      EXPECT_CODE(DsRestoreWrite(hbc, backup->data[i] + at, n), ERROR_SUCCESS);
      at += n;
    }
    EXPECT_CODE(DsRestoreCloseFile(hbc), ERROR_SUCCESS);
  }
  EXPECT_CODE(DsRestoreRegisterComplete(hbc, ERROR_SUCCESS), ERROR_SUCCESS);
  EXPECT_CODE(DsRestoreEnd(hbc), ERROR_SUCCESS);
  DsBackupFree(locations);
  DsClientClose(client);
  return 0;

fail:
  DsBackupFree(locations);
  DsClientClose(client);
  return -1;
}

void ScenarioFree(ScenarioBackup* backup) {
  int i;
  DsBackupFree(backup->token);
  for (i = 0; i < backup->file_count; ++i) free(backup->data[i]);
  memset(backup, 0, sizeof(*backup));
}
