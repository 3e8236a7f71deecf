// The ntdsbcli-style backup and restore API: every rule and error code of
// SEMANTICS.md §4, the expiry token against the tombstone lifetime (with an
// injected clock), and round trips that restore exactly the backed-up
// instant.

#include "writers/directory/ds_backup.h"

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/backup/token.h"
#include "engine/codes.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/directory/directory_fixture.h"
#include "writers/directory/directory_codes.h"

namespace shadowset {
namespace {

using ::shadowset::testing::DirectoryTestBase;
using ::shadowset::testing::HasCode;
using ::shadowset::testing::IsOk;
using ::shadowset::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kRoot[] = "DC=example,DC=test";
constexpr char kOu[] = "OU=Hosts,DC=example,DC=test";
constexpr uint32_t kBuf = 65536;

// A backup read into memory through the API, as a backup program would.
struct MemoryBackup {
  std::string token;
  uint64_t usn = 0;
  std::string database_names;
  std::string log_names;
  std::map<std::string, std::string> files;  // name -> bytes
  uint32_t gen_low = 0;
  uint32_t gen_high = 0;
};

absl::StatusOr<std::string> ReadWholeFile(DsBackupContext& ctx,
                                          const std::string& name) {
  absl::StatusOr<uint64_t> size = ctx.DsBackupOpenFile(name, kBuf);
  if (!size.ok()) return size.status();
  std::string out;
  std::vector<uint8_t> buf(kBuf);
  while (true) {
    absl::StatusOr<uint32_t> n = ctx.DsBackupRead(absl::MakeSpan(buf));
    if (!n.ok()) {
      if (CodeOf(n.status()) == kErrorHandleEof) break;
      return n.status();
    }
    out.append(reinterpret_cast<const char*>(buf.data()), *n);
  }
  if (out.size() != *size) return absl::InternalError("size mismatch");
  absl::Status st = ctx.DsBackupClose();
  if (!st.ok()) return st;
  return out;
}

class DsBackupTest : public DirectoryTestBase {
 protected:
  void SetUp() override {
    DirectoryTestBase::SetUp();
    ASSERT_OK(d().AddObject(kRoot, "domain").status());
    ASSERT_OK(d().AddObject(kOu, "organizationalUnit").status());
  }

  std::string Host(int i) { return absl::StrCat("CN=host", i, ",", kOu); }

  MemoryBackup Backup(DsClient& client, bool truncate = false) {
    MemoryBackup b;
    absl::StatusOr<DsBackupPrepared> prepared =
        client.DsBackupPrepare("\\\\dc1", 0, kBackupTypeFull);
    EXPECT_OK(prepared.status());
    if (!prepared.ok()) return b;
    DsBackupContext& ctx = *prepared->context;
    b.token = prepared->expiry_token;
    b.usn = ctx.usn();
    b.database_names = ctx.DsBackupGetDatabaseNames().value();
    b.log_names = ctx.DsBackupGetBackupLogs().value();
    std::vector<DsFileEntry> all = ParseDsFileList(b.database_names).value();
    std::vector<DsFileEntry> logs = ParseDsFileList(b.log_names).value();
    all.insert(all.end(), logs.begin(), logs.end());
    for (const DsFileEntry& e : all) {
      absl::StatusOr<std::string> bytes = ReadWholeFile(ctx, e.name);
      EXPECT_OK(bytes.status()) << e.name;
      b.files[e.name] = bytes.value_or("");
    }
    b.gen_low = static_cast<uint32_t>(
        std::stoul(logs.front().name.substr(3, 8), nullptr, 16));
    b.gen_high = static_cast<uint32_t>(
        std::stoul(logs.back().name.substr(3, 8), nullptr, 16));
    if (truncate) {
      EXPECT_OK(ctx.DsBackupTruncateLogs());
    }
    EXPECT_OK(ctx.DsBackupEnd());
    return b;
  }

  // Writes every file of `b` through `ctx` (registered already).
  absl::Status WriteFiles(DsRestoreContext& ctx, const MemoryBackup& b) {
    for (const auto& [name, bytes] : b.files) {
      absl::Status st = ctx.DsRestoreOpenFile(name, bytes.size());
      if (!st.ok()) return st;
      for (size_t off = 0; off < bytes.size(); off += 50000) {
        std::string piece = bytes.substr(off, 50000);
        st = ctx.DsRestoreWrite(absl::MakeConstSpan(
            reinterpret_cast<const uint8_t*>(piece.data()), piece.size()));
        if (!st.ok()) return st;
      }
      st = ctx.DsRestoreCloseFile();
      if (!st.ok()) return st;
    }
    return absl::OkStatus();
  }

  // The full restore sequence; the directory must be offline.
  absl::Status Restore(DsClient& client, const MemoryBackup& b) {
    absl::StatusOr<std::unique_ptr<DsRestoreContext>> ctx =
        client.DsRestorePrepare("dc1", 0, b.token);
    if (!ctx.ok()) return ctx.status();
    absl::Status st = (*ctx)->DsRestoreRegister("", "", {}, "", b.gen_low,
                                                b.gen_high);
    if (st.ok()) st = WriteFiles(**ctx, b);
    if (st.ok()) st = (*ctx)->DsRestoreRegisterComplete(0);
    absl::Status end = (*ctx)->DsRestoreEnd();
    return st.ok() ? end : st;
  }

  void ExpectClean() {
    ASSERT_OK_AND_ASSIGN(DirectoryCheckReport report, d().Check());
    EXPECT_TRUE(report.ok()) << ::testing::PrintToString(report.problems);
    ASSERT_OK_AND_ASSIGN(CheckReport engine_report, engine_->Check());
    EXPECT_TRUE(engine_report.ok());
  }
};

TEST_F(DsBackupTest, ServerNameRules) {
  DsClient client(&d(), "admin");
  for (const char* ok : {"dc1", "\\\\dc1", "\\dc1", "DC1", "\\\\\\dC1"}) {
    ASSERT_OK_AND_ASSIGN(bool online, client.DsIsNTDSOnline(ok));
    EXPECT_TRUE(online) << ok;
  }
  for (const char* bad : {"dc_1", "\\\\dc_1", "", "\\\\", "dc 1", "-dc1"}) {
    EXPECT_THAT(client.DsIsNTDSOnline(bad), HasCode(kHrCouldNotConnect)) << bad;
    EXPECT_THAT(client.DsBackupPrepare(bad, 0, kBackupTypeFull),
                HasCode(kHrCouldNotConnect))
        << bad;
  }
  EXPECT_THAT(client.DsIsNTDSOnline("dc2"), HasCode(kRpcSInvalidBinding));
  EXPECT_THAT(client.DsBackupPrepare("\\\\dc2", 0, kBackupTypeFull),
              HasCode(kRpcSInvalidBinding));
  EXPECT_THAT(client.DsRestorePrepare("dc2", 0, ""),
              HasCode(kRpcSInvalidBinding));
  // A name error comes before the privilege check.
  DsClient nobody(&d(), "nobody");
  EXPECT_THAT(nobody.DsBackupPrepare("dc_1", 0, kBackupTypeFull),
              HasCode(kHrCouldNotConnect));
}

TEST_F(DsBackupTest, PrivilegesAndAuthIdentity) {
  DsClient client(&d(), "bob");
  EXPECT_THAT(client.DsBackupPrepare("dc1", 0, kBackupTypeFull),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(client.DsBackupPrepare("dc1", 0, kBackupTypeFull),
              HasCode(kErrorAccessDenied));
  ASSERT_OK(d().SetPrivileges("admin", "CORP\\bob", {true, false}));
  ASSERT_OK(client.DsSetAuthIdentity("Bob", "corp", "any password"));
  EXPECT_EQ(client.principal(), "corp\\bob");
  {
    ASSERT_OK_AND_ASSIGN(DsBackupPrepared b,
                         client.DsBackupPrepare("dc1", 0, kBackupTypeFull));
    ASSERT_OK(b.context->DsBackupEnd());
  }
  ASSERT_OK(d().TakeOffline());
  EXPECT_THAT(client.DsRestorePrepare("dc1", 0, ""), HasCode(kErrorAccessDenied));
  EXPECT_THAT(client.DsSetAuthIdentity("", "corp", ""),
              HasCode(kErrorInvalidParameter));
  EXPECT_EQ(client.principal(), "corp\\bob");  // unchanged by the failure
  ASSERT_OK(client.DsSetAuthIdentity("admin", "", ""));
  ASSERT_OK_AND_ASSIGN(auto r, client.DsRestorePrepare("dc1", 0, ""));
  ASSERT_OK(r->DsRestoreEnd());
}

TEST_F(DsBackupTest, IsOnlineFollowsTheService) {
  DsClient client(&d(), "admin");
  ASSERT_OK_AND_ASSIGN(bool online, client.DsIsNTDSOnline("dc1"));
  EXPECT_TRUE(online);
  ASSERT_OK(d().TakeOffline());
  ASSERT_OK_AND_ASSIGN(online, client.DsIsNTDSOnline("dc1"));
  EXPECT_FALSE(online);
  // Backup needs online, restore needs offline.
  EXPECT_THAT(client.DsBackupPrepare("dc1", 0, kBackupTypeFull),
              HasCode(kHrCouldNotConnect));
  ASSERT_OK(d().BringOnline());
  EXPECT_THAT(client.DsRestorePrepare("dc1", 0, ""),
              HasCode(kHrCouldNotConnect));
}

TEST_F(DsBackupTest, PrepareParameters) {
  DsClient client(&d(), "admin");
  EXPECT_THAT(client.DsBackupPrepare("dc1", 1, kBackupTypeFull),
              HasCode(kErrorInvalidParameter));
  EXPECT_THAT(client.DsBackupPrepare("dc1", 0, kBackupTypeIncremental),
              HasCode(kErrorInvalidParameter));
  EXPECT_THAT(client.DsBackupPrepare("dc1", 0, kBackupTypeLogsOnly),
              HasCode(kErrorNotSupported));
  EXPECT_THAT(client.DsBackupPrepare("dc1", 0, 0), HasCode(kErrorInvalidParameter));
  EXPECT_THAT(client.DsBackupPrepare("dc1", 0, 8), HasCode(kErrorInvalidParameter));
  EXPECT_THAT(engine_->ListSnapshotSets(), IsEmpty());  // nothing left behind
}

TEST_F(DsBackupTest, PrepareReturnsATokenAndTypedLists) {
  DsClient client(&d(), "admin");
  const absl::Time at = clock_.Now();
  ASSERT_OK_AND_ASSIGN(DsBackupPrepared b,
                       client.DsBackupPrepare("dc1", 0, kBackupTypeFull));
  ASSERT_OK_AND_ASSIGN(ExpiryToken token, DecodeToken(b.expiry_token));
  EXPECT_EQ(token.created, at);
  EXPECT_EQ(token.expires, at + absl::Hours(24 * 180));
  EXPECT_FALSE(token.is_signed);
  EXPECT_EQ(token.set_id, b.context->set_id());
  EXPECT_EQ(b.context->usn(), 2u);
  ASSERT_EQ(engine_->ListSnapshotSets().size(), 1u);
  EXPECT_FALSE(engine_->ListSnapshotSets()[0].persistent);

  ASSERT_OK_AND_ASSIGN(std::string names, b.context->DsBackupGetDatabaseNames());
  EXPECT_EQ(names, std::string("Dntds.dit\0%ntds.pat\0\0", 21));
  ASSERT_OK_AND_ASSIGN(std::string logs, b.context->DsBackupGetBackupLogs());
  EXPECT_EQ(logs, std::string("!edb00000001.log\0\0", 18));
  EXPECT_THAT(ParseDsFileList(names).value(),
              ElementsAre(DsFileEntry{kBftNtdsDatabase, "ntds.dit"},
                          DsFileEntry{kBftPatchFile, "ntds.pat"}));
  // The token's manifest hash covers the patch file.
  ASSERT_OK_AND_ASSIGN(std::string patch, ReadWholeFile(*b.context, "ntds.pat"));
  EXPECT_EQ(token.manifest_sha256, Sha256(patch));
  ASSERT_OK(b.context->DsBackupEnd());
  EXPECT_THAT(engine_->ListSnapshotSets(), IsEmpty());
}

TEST_F(DsBackupTest, FileAndBufferRules) {
  DsClient client(&d(), "admin");
  ASSERT_OK_AND_ASSIGN(DsBackupPrepared b,
                       client.DsBackupPrepare("dc1", 0, kBackupTypeFull));
  DsBackupContext& ctx = *b.context;
  std::vector<uint8_t> buf(kBuf);
  EXPECT_THAT(ctx.DsBackupRead(absl::MakeSpan(buf)), HasCode(kHrInvalidHandle));
  EXPECT_THAT(ctx.DsBackupClose(), HasCode(kHrInvalidHandle));
  for (uint32_t hint : {0u, 8192u, 16384u, 24577u, 30000u}) {
    EXPECT_THAT(ctx.DsBackupOpenFile("ntds.dit", hint),
                HasCode(kErrorInvalidParameter))
        << hint;
  }
  EXPECT_THAT(ctx.DsBackupOpenFile("nope.dit", 24576), HasCode(kErrorFileNotFound));
  EXPECT_THAT(ctx.DsBackupOpenFile("edb00000002.log", 24576),
              HasCode(kErrorFileNotFound));
  EXPECT_THAT(ctx.DsBackupOpenFile("Dntds.dit", 24576), HasCode(kErrorFileNotFound));
  ASSERT_OK_AND_ASSIGN(uint64_t size, ctx.DsBackupOpenFile("edb00000001.log", 24576));
  EXPECT_EQ(size, 64u * 1024);
  EXPECT_THAT(ctx.DsBackupOpenFile("ntds.dit", 24576), HasCode(kHrAlreadyOpen));
  for (size_t n : {size_t{8192}, size_t{16384}, size_t{24577}}) {
    std::vector<uint8_t> small(n);
    EXPECT_THAT(ctx.DsBackupRead(absl::MakeSpan(small)),
                HasCode(kErrorInvalidParameter))
        << n;
  }
  // 64 KiB in 24 KiB reads: 24, 24, 16, then the end.
  std::vector<uint8_t> b24(24576);
  std::vector<uint32_t> got;
  while (true) {
    absl::StatusOr<uint32_t> n = ctx.DsBackupRead(absl::MakeSpan(b24));
    if (!n.ok()) {
      EXPECT_THAT(n, HasCode(kErrorHandleEof));
      EXPECT_THAT(n, StatusIs(absl::StatusCode::kOutOfRange));
      break;
    }
    got.push_back(*n);
  }
  EXPECT_THAT(got, ElementsAre(24576, 24576, 16384));
  EXPECT_THAT(ctx.DsBackupRead(absl::MakeSpan(b24)), HasCode(kErrorHandleEof));
  ASSERT_OK(ctx.DsBackupClose());
  EXPECT_THAT(ctx.DsBackupClose(), HasCode(kHrInvalidHandle));
  ASSERT_OK(ctx.DsBackupEnd());
  // An ended context is not a valid handle.
  EXPECT_THAT(ctx.DsBackupGetDatabaseNames(), HasCode(kErrorInvalidParameter));
  EXPECT_THAT(ctx.DsBackupOpenFile("ntds.dit", 24576),
              HasCode(kErrorInvalidParameter));
  EXPECT_THAT(ctx.DsBackupEnd(), HasCode(kErrorInvalidParameter));
}

TEST_F(DsBackupTest, TruncationNeedsTheWholeBackupRead) {
  // Fill a few generations.
  for (int i = 0; i < 30; ++i) {
    ASSERT_OK(d().AddObject(Host(i), "computer", {{"pad", {std::string(6000, 'x')}}})
                  .status());
  }
  ASSERT_GE(d().LogStatus().current_gen, 3u);
  DsClient client(&d(), "admin");
  ASSERT_OK_AND_ASSIGN(DsBackupPrepared b,
                       client.DsBackupPrepare("dc1", 0, kBackupTypeFull));
  EXPECT_THAT(b.context->DsBackupTruncateLogs(), HasCode(kHrFullBackupNotTaken));
  ASSERT_OK(ReadWholeFile(*b.context, "ntds.dit").status());
  ASSERT_OK(ReadWholeFile(*b.context, "ntds.pat").status());
  EXPECT_THAT(b.context->DsBackupTruncateLogs(), HasCode(kHrFullBackupNotTaken));
  EXPECT_EQ(d().LogStatus().first_retained_gen, 1u);
  std::vector<DsFileEntry> logs =
      ParseDsFileList(b.context->DsBackupGetBackupLogs().value()).value();
  for (const DsFileEntry& e : logs) {
    ASSERT_OK(ReadWholeFile(*b.context, e.name).status());
  }
  const uint64_t last = logs.size();
  ASSERT_OK(b.context->DsBackupTruncateLogs());
  // Every generation but the one being written at the snapshot is gone.
  EXPECT_EQ(d().LogStatus().first_retained_gen, last);
  ASSERT_OK(b.context->DsBackupEnd());
  // The next backup lists only what is retained.
  ASSERT_OK_AND_ASSIGN(DsBackupPrepared next,
                       client.DsBackupPrepare("dc1", 0, kBackupTypeFull));
  ASSERT_OK_AND_ASSIGN(std::vector<DsFileEntry> now,
                       ParseDsFileList(next.context->DsBackupGetBackupLogs().value()));
  EXPECT_EQ(now.front().name, absl::StrFormat("edb%08X.log", last));
  ExpectClean();
}

TEST_F(DsBackupTest, RestoreRecoversExactlyTheBackedUpInstant) {
  DsClient client(&d(), "admin");
  for (int i = 0; i < 10; ++i) {
    ASSERT_OK(d().AddObject(Host(i), "computer", {{"n", {absl::StrCat(i)}}})
                  .status());
  }
  ASSERT_OK(d().Checkpoint());  // the image holds some, the log the rest
  ASSERT_OK(d().DeleteObject(Host(3)).status());
  ASSERT_OK(d().ModifyObject(Host(4), {{AttributeChange::Kind::kAdd, "n", {"x"}}})
                .status());
  ASSERT_OK_AND_ASSIGN(std::vector<DirectoryObject> at_backup, d().ListObjects());
  const uint64_t usn = d().usn();
  MemoryBackup b = Backup(client);
  EXPECT_EQ(b.usn, usn);
  // Later changes, and a checkpoint, must all be undone by the restore.
  ASSERT_OK(d().DeleteObject(Host(5)).status());
  ASSERT_OK(d().Checkpoint());
  ASSERT_OK(d().AddObject(Host(50), "computer").status());

  ASSERT_OK(d().TakeOffline());
  ASSERT_OK(Restore(client, b));
  ASSERT_OK(d().BringOnline());
  ASSERT_OK_AND_ASSIGN(std::vector<DirectoryObject> restored, d().ListObjects());
  EXPECT_EQ(restored, at_backup);
  EXPECT_EQ(d().usn(), usn);
  ASSERT_OK_AND_ASSIGN(uint64_t next, d().AddObject(Host(60), "computer"));
  EXPECT_EQ(next, usn + 1);
  ExpectClean();
  // And it survives a restart.
  Restart();
  ASSERT_OK(d().GetObject(Host(60)).status());
  EXPECT_THAT(d().GetObject(Host(50)), HasCode(kErrorNotFound));
  ExpectClean();
}

TEST_F(DsBackupTest, ExpiryIsJudgedAgainstTheTombstoneLifetime) {
  DsClient client(&d(), "admin");
  const absl::Time taken = clock_.Now();
  MemoryBackup b = Backup(client);
  ASSERT_OK(d().TakeOffline());
  // Just inside the lifetime: restorable.
  clock_.Set(taken + absl::Hours(24 * 180) - absl::Seconds(1));
  {
    ASSERT_OK_AND_ASSIGN(auto r, client.DsRestorePrepare("dc1", 0, b.token));
    ASSERT_OK(r->DsRestoreEnd());
  }
  clock_.Set(taken + absl::Hours(24 * 180));
  {
    ASSERT_OK_AND_ASSIGN(auto r, client.DsRestorePrepare("dc1", 0, b.token));
    ASSERT_OK(r->DsRestoreEnd());
  }
  // Just past it: refused, and nothing was registered.
  clock_.Set(taken + absl::Hours(24 * 180) + absl::Seconds(1));
  EXPECT_THAT(client.DsRestorePrepare("dc1", 0, b.token),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("tombstone lifetime")));
  EXPECT_THAT(client.DsRestorePrepare("dc1", 0, b.token),
              HasCode(kHrContentsExpired));
  // A clock earlier than the backup cannot vouch for its age.
  clock_.Set(taken - absl::Seconds(1));
  EXPECT_THAT(client.DsRestorePrepare("dc1", 0, b.token),
              HasCode(kHrContentsExpired));
  // The lifetime in force counts, not the one at backup time.
  clock_.Set(taken + absl::Hours(24 * 61));
  ASSERT_OK(d().BringOnline());
  ASSERT_OK(d().SetTombstoneLifetime(absl::Hours(24 * 60)).status());
  ASSERT_OK(d().TakeOffline());
  EXPECT_THAT(client.DsRestorePrepare("dc1", 0, b.token),
              HasCode(kHrContentsExpired));
  // The complete restore just inside the lifetime works.
  clock_.Set(taken + absl::Hours(24 * 60) - absl::Seconds(1));
  ASSERT_OK(Restore(client, b));
  ASSERT_OK(d().BringOnline());
  EXPECT_EQ(d().usn(), b.usn);
  // The restored database brings back its own (180-day) lifetime.
  EXPECT_EQ(d().TombstoneLifetime(), absl::Hours(24 * 180));
}

TEST_F(DsBackupTest, TokenRows) {
  DsClient client(&d(), "admin");
  MemoryBackup b = Backup(client);
  MemoryBackup other = Backup(client);
  ASSERT_OK(d().TakeOffline());
  // Unreadable.
  EXPECT_THAT(client.DsRestorePrepare("dc1", 0, "not a token"),
              HasCode(kHrUnknownExpiryTokenFormat));
  std::string truncated = b.token.substr(0, b.token.size() - 3);
  EXPECT_THAT(client.DsRestorePrepare("dc1", 0, truncated),
              HasCode(kHrUnknownExpiryTokenFormat));
  // Missing: only the locations may be asked for.
  ASSERT_OK_AND_ASSIGN(auto r, client.DsRestorePrepare("dc1", 0, ""));
  ASSERT_OK_AND_ASSIGN(std::string locations, r->DsRestoreGetDatabaseLocations());
  EXPECT_EQ(locations, std::string("Ddirectory-db/ntds.dit\0\"directory-log/\0"
                                   "#directory-db/\0\0",
                                   55));
  EXPECT_THAT(r->DsRestoreRegister("", "", {}, "", b.gen_low, b.gen_high),
              HasCode(kHrMissingExpiryToken));
  EXPECT_THAT(r->DsRestoreOpenFile("ntds.dit", 10), HasCode(kHrMissingExpiryToken));
  EXPECT_THAT(r->DsRestoreRegisterComplete(0), HasCode(kHrMissingExpiryToken));
  // One restore at a time.
  EXPECT_THAT(client.DsRestorePrepare("dc1", 0, b.token),
              HasCode(kHrRestoreInProgress));
  ASSERT_OK(r->DsRestoreEnd());
  EXPECT_THAT(r->DsRestoreGetDatabaseLocations(), HasCode(kErrorInvalidParameter));
  EXPECT_THAT(r->DsRestoreEnd(), HasCode(kErrorInvalidParameter));
  // Flags.
  EXPECT_THAT(client.DsRestorePrepare("dc1", kRestoreTypeAuthoritative, b.token),
              HasCode(kErrorNotSupported));
  EXPECT_THAT(client.DsRestorePrepare("dc1", kRestoreTypeOnline, b.token),
              HasCode(kErrorNotSupported));
  EXPECT_THAT(client.DsRestorePrepare("dc1", 0x8, b.token),
              HasCode(kErrorInvalidParameter));
  // A token with another backup's files: foreign.
  MemoryBackup mixed = other;
  mixed.token = b.token;
  absl::Status st = Restore(client, mixed);
  EXPECT_THAT(st, HasCode(kHrUnknownExpiryTokenFormat));
  EXPECT_THAT(st, StatusIs(absl::StatusCode::kFailedPrecondition,
                           HasSubstr("does not belong")));
  // That registered restore keeps the directory down ...
  EXPECT_THAT(d().BringOnline(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                          HasSubstr("never completed")));
  // ... until a valid restore (with the catch-up flag, the default).
  ASSERT_OK_AND_ASSIGN(auto ok, client.DsRestorePrepare("dc1", kRestoreTypeCatchup,
                                                        other.token));
  ASSERT_OK(ok->DsRestoreRegister("directory-db/", "directory-log/",
                                  {{"ntds.dit", "directory-db/ntds.dit"}},
                                  "directory-log/", other.gen_low, other.gen_high));
  ASSERT_OK(WriteFiles(*ok, other));
  ASSERT_OK(ok->DsRestoreRegisterComplete(0));
  ASSERT_OK(ok->DsRestoreEnd());
  ASSERT_OK(d().BringOnline());
  EXPECT_EQ(d().usn(), other.usn);
}

TEST_F(DsBackupTest, RegisterAndFileRules) {
  DsClient client(&d(), "admin");
  MemoryBackup b = Backup(client);
  ASSERT_OK(d().TakeOffline());
  ASSERT_OK_AND_ASSIGN(auto r, client.DsRestorePrepare("dc1", 0, b.token));
  EXPECT_THAT(r->DsRestoreOpenFile("ntds.dit", 10), HasCode(kErrorInvalidParameter));
  EXPECT_THAT(r->DsRestoreRegisterComplete(0), HasCode(kErrorInvalidParameter));
  EXPECT_THAT(r->DsRestoreRegister("", "", {}, "", 0, 1),
              HasCode(kErrorInvalidParameter));
  EXPECT_THAT(r->DsRestoreRegister("", "", {}, "", 3, 2),
              HasCode(kErrorInvalidParameter));
  EXPECT_THAT(r->DsRestoreRegister("", "", {}, "", 1, 16),
              HasCode(kErrorInvalidParameter));
  EXPECT_THAT(r->DsRestoreRegister("/elsewhere", "", {}, "", 1, 1),
              HasCode(kErrorInvalidParameter));
  EXPECT_THAT(r->DsRestoreRegister("", "", {{"ntds.dit", "/tmp/x"}}, "", 1, 1),
              HasCode(kErrorInvalidParameter));
  // Nothing registered so far: the directory would still start.
  ASSERT_OK(d().BringOnline());
  ASSERT_OK(d().TakeOffline());
  ASSERT_OK(r->DsRestoreRegister("", "", {}, "", b.gen_low, b.gen_high));
  EXPECT_THAT(r->DsRestoreRegister("", "", {}, "", b.gen_low, b.gen_high),
              HasCode(kErrorInvalidParameter));
  EXPECT_THAT(d().BringOnline(), StatusIs(absl::StatusCode::kFailedPrecondition));
  std::vector<uint8_t> data(10);
  EXPECT_THAT(r->DsRestoreWrite(data), HasCode(kHrInvalidHandle));
  EXPECT_THAT(r->DsRestoreCloseFile(), HasCode(kHrInvalidHandle));
  EXPECT_THAT(r->DsRestoreOpenFile("other.dat", 10), HasCode(kErrorFileNotFound));
  EXPECT_THAT(r->DsRestoreOpenFile("edb00000002.log", 64 * 1024),
              HasCode(kErrorFileNotFound));
  EXPECT_THAT(r->DsRestoreOpenFile("edb00000001.log", 1000),
              HasCode(kErrorInvalidParameter));
  EXPECT_THAT(r->DsRestoreOpenFile("ntds.dit", uint64_t{1} << 30),
              HasCode(kErrorDiskFull));
  ASSERT_OK(r->DsRestoreOpenFile("ntds.pat", 5));
  EXPECT_THAT(r->DsRestoreOpenFile("ntds.dit", 10), HasCode(kHrAlreadyOpen));
  EXPECT_THAT(r->DsRestoreWrite(data), HasCode(kErrorInvalidParameter));
  ASSERT_OK(r->DsRestoreWrite(absl::MakeSpan(data).first(3)));
  EXPECT_THAT(r->DsRestoreCloseFile(), HasCode(kErrorInvalidParameter));
  // A missing log file: the restore is refused and stays registered.
  MemoryBackup partial = b;
  partial.files.erase("edb00000001.log");
  ASSERT_OK(WriteFiles(*r, partial));
  EXPECT_THAT(r->DsRestoreRegisterComplete(0), HasCode(kErrorInvalidData));
  EXPECT_THAT(d().BringOnline(), StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_OK(r->DsRestoreEnd());
}

TEST_F(DsBackupTest, AFailedRestoreKeepsTheDirectoryDownUntilAValidOne) {
  DsClient client(&d(), "admin");
  MemoryBackup b = Backup(client);
  ASSERT_OK(d().TakeOffline());
  {
    ASSERT_OK_AND_ASSIGN(auto r, client.DsRestorePrepare("dc1", 0, b.token));
    ASSERT_OK(r->DsRestoreRegister("", "", {}, "", b.gen_low, b.gen_high));
    ASSERT_OK(r->DsRestoreRegisterComplete(kHrError));  // the copy failed
    ASSERT_OK(r->DsRestoreEnd());
  }
  EXPECT_THAT(d().BringOnline(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("reported failure")));
  // It is durable: a normal open stays offline with the reason.
  Restart();
  EXPECT_FALSE(d().IsOnline());
  EXPECT_THAT(d().OfflineReason(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                            HasSubstr("last restore failed")));
  DsClient again(&d(), "admin");
  ASSERT_OK(Restore(again, b));
  ASSERT_OK(d().BringOnline());
  EXPECT_EQ(d().usn(), b.usn);
  ExpectClean();
}

TEST_F(DsBackupTest, ATokenKeySignsAndIsRequired) {
  dir_service_.reset();
  DirectoryOptions keyed = Options();
  keyed.token_key = "0123456789abcdef-secret";
  ASSERT_OK_AND_ASSIGN(dir_service_, DirectoryService::Open(engine_.get(), keyed));
  DsClient client(&d(), "admin");
  MemoryBackup signed_backup = Backup(client);
  ASSERT_OK_AND_ASSIGN(ExpiryToken token, DecodeToken(signed_backup.token));
  EXPECT_TRUE(token.is_signed);
  ExpiryToken unsigned_token = token;
  MemoryBackup unsigned_backup = signed_backup;
  unsigned_backup.token = EncodeToken(unsigned_token, "");
  ASSERT_OK(d().TakeOffline());
  EXPECT_THAT(client.DsRestorePrepare("dc1", 0, unsigned_backup.token),
              HasCode(kHrUnknownExpiryTokenFormat));
  // Re-signed with another key: the MAC does not verify at completion.
  MemoryBackup forged = signed_backup;
  forged.token = EncodeToken(token, "another-key-of-16-bytes");
  EXPECT_THAT(Restore(client, forged), HasCode(kHrUnknownExpiryTokenFormat));
  ASSERT_OK(Restore(client, signed_backup));
  ASSERT_OK(d().BringOnline());
}

}  // namespace
}  // namespace shadowset
