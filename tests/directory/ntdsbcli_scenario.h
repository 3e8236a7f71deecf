/* A backup and a restore through the C API (ntdsbcli.h), written in C:
 * compiling ntdsbcli_scenario.c as C proves the header is valid C. */

#ifndef SHADOWSET_TESTS_DIRECTORY_NTDSBCLI_SCENARIO_H_
#define SHADOWSET_TESTS_DIRECTORY_NTDSBCLI_SCENARIO_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SCENARIO_MAX_FILES 64

/* A backup held in memory. */
typedef struct ScenarioBackup {
  void* token;
  uint32_t token_size;
  int file_count;
  char names[SCENARIO_MAX_FILES][64];
  char* data[SCENARIO_MAX_FILES];
  int64_t sizes[SCENARIO_MAX_FILES];
  uint32_t gen_low;
  uint32_t gen_high;
} ScenarioBackup;

/* Each returns 0, or writes what failed into `error` and returns -1. */
int ScenarioBackupAll(const char* data_dir, ScenarioBackup* out, char* error,
                      size_t error_size);
int ScenarioRestoreAll(const char* data_dir, const ScenarioBackup* backup,
                       char* error, size_t error_size);
void ScenarioFree(ScenarioBackup* backup);

#ifdef __cplusplus
}
#endif

#endif /* SHADOWSET_TESTS_DIRECTORY_NTDSBCLI_SCENARIO_H_ */
