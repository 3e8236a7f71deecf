// The C API, driven from C (ntdsbcli_scenario.c, compiled as C): a backup
// with its error rows, changes after it, and a restore that undoes them.

#include "writers/directory/ntdsbcli.h"

#include "absl/strings/str_cat.h"
#include "engine/codes.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/directory/directory_fixture.h"
#include "tests/directory/ntdsbcli_scenario.h"
#include "writers/directory/directory_codes.h"
#include "writers/directory/ds_backup.h"

namespace shadowset {
namespace {

using ::shadowset::testing::DirectoryTestBase;
using ::shadowset::testing::HasCode;

// The C constants are the C++ ones.
static_assert(hrContentsExpired == kHrContentsExpired);
static_assert(hrUnknownExpiryTokenFormat == kHrUnknownExpiryTokenFormat);
static_assert(hrMissingExpiryToken == kHrMissingExpiryToken);
static_assert(hrCouldNotConnect == kHrCouldNotConnect);
static_assert(hrInvalidParam == kHrInvalidParam);
static_assert(hrInvalidHandle == kHrInvalidHandle);
static_assert(hrAlreadyOpen == kHrAlreadyOpen);
static_assert(hrRestoreInProgress == kHrRestoreInProgress);
static_assert(hrFullBackupNotTaken == kHrFullBackupNotTaken);
static_assert(hrError == kHrError);
static_assert(ERROR_ACCESS_DENIED == kErrorAccessDenied);
static_assert(ERROR_HANDLE_EOF == kErrorHandleEof);
static_assert(ERROR_INVALID_PARAMETER == kErrorInvalidParameter);
static_assert(ERROR_FILE_NOT_FOUND == kErrorFileNotFound);
static_assert(RPC_S_INVALID_BINDING == kRpcSInvalidBinding);
static_assert(BFT_NTDS_DATABASE == kBftNtdsDatabase && BFT_LOG == kBftLog &&
              BFT_PATCH_FILE == kBftPatchFile && BFT_LOG_DIR == kBftLogDir &&
              BFT_CHECKPOINT_DIR == kBftCheckpointDir);
static_assert(BACKUP_TYPE_FULL == kBackupTypeFull &&
              BACKUP_TYPE_LOGS_ONLY == kBackupTypeLogsOnly &&
              BACKUP_TYPE_INCREMENTAL == kBackupTypeIncremental);
static_assert(RESTORE_TYPE_CATCHUP == kRestoreTypeCatchup);

class NtdsbcliCTest : public DirectoryTestBase {
 protected:
  DirectoryOptions Options() override {
    DirectoryOptions o;  // the C client opens with the default options
    return o;
  }
  void Close() {
    dir_service_.reset();
    engine_.reset();
  }
  void Reopen() {
    OpenEngine();
    OpenDirectory();
  }
};

TEST_F(NtdsbcliCTest, BackupAndRestoreFromC) {
  ASSERT_OK(d().AddObject("DC=example,DC=test", "domain").status());
  ASSERT_OK(d().AddObject("CN=kept,DC=example,DC=test", "computer").status());
  ASSERT_OK_AND_ASSIGN(std::vector<DirectoryObject> at_backup, d().ListObjects());
  const uint64_t usn = d().usn();
  Close();

  ScenarioBackup backup;
  char error[512] = {};
  ASSERT_EQ(ScenarioBackupAll(dir_.c_str(), &backup, error, sizeof(error)), 0)
      << error;
  EXPECT_EQ(backup.file_count, 3);  // ntds.dit, ntds.pat, one log

  Reopen();
  ASSERT_OK(d().AddObject("CN=later,DC=example,DC=test", "computer").status());
  Close();

  int rc = ScenarioRestoreAll(dir_.c_str(), &backup, error, sizeof(error));
  ScenarioFree(&backup);
  ASSERT_EQ(rc, 0) << error;

  Reopen();
  ASSERT_OK_AND_ASSIGN(std::vector<DirectoryObject> restored, d().ListObjects());
  EXPECT_EQ(restored, at_backup);
  EXPECT_EQ(d().usn(), usn);
  EXPECT_THAT(d().GetObject("CN=later,DC=example,DC=test"),
              HasCode(kErrorNotFound));
}

}  // namespace
}  // namespace shadowset
