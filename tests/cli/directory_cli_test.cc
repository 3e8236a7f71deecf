// End to end: the built `shadowset` binary's directory commands, their
// output, their exact error lines (code name and number) and exit codes.

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "engine/backup/token.h"
#include "engine/env.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

extern char** environ;

namespace shadowset {
namespace {

using ::shadowset::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::StartsWith;

struct Result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

class DirectoryCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = tmp_.Sub("data");
    ASSERT_EQ(Run({"init", "--block-size", "4K"}).exit_code, 0);
    Result r = Run({"directory", "--as", "admin", "init", "--server", "dc1"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  // Runs the binary with `args` (after --data), capturing its output.
  Result Run(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {SHADOWSET_BINARY, "--data", data_};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> cargv;
    for (std::string& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    const std::string out_path = tmp_.Sub("stdout");
    const std::string err_path = tmp_.Sub("stderr");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid = 0;
    Result r;
    if (posix_spawn(&pid, cargv[0], &actions, nullptr, cargv.data(), environ) ==
        0) {
      int status = 0;
      waitpid(pid, &status, 0);
      r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    posix_spawn_file_actions_destroy(&actions);
    r.out = ReadFileToString(Env::Default(), out_path).value_or("");
    r.err = ReadFileToString(Env::Default(), err_path).value_or("");
    return r;
  }

  // Expects exit code 1 and one error line ending in `code`.
  void ExpectError(const std::vector<std::string>& args,
                   const std::string& code) {
    Result r = Run(args);
    EXPECT_EQ(r.exit_code, 1) << absl::StrJoin(args, " ") << "\n" << r.err;
    EXPECT_THAT(r.err, StartsWith("shadowset: ")) << absl::StrJoin(args, " ");
    EXPECT_THAT(r.err, HasSubstr(": " + code + "\n")) << absl::StrJoin(args, " ");
  }

  nlohmann::json Json(const std::vector<std::string>& args) {
    std::vector<std::string> with = {"--json"};
    with.insert(with.end(), args.begin(), args.end());
    Result r = Run(with);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    // With --json a long command also prints progress objects, one per
    // line, before its result (how many depends on the machine's speed).
    std::vector<std::string> lines =
        absl::StrSplit(r.out, '\n', absl::SkipEmpty());
    if (lines.empty()) return nlohmann::json();
    for (size_t i = 0; i + 1 < lines.size(); ++i) {
      EXPECT_TRUE(nlohmann::json::parse(lines[i], nullptr, false)
                      .contains("progress"))
          << lines[i];
    }
    return nlohmann::json::parse(lines.back(), nullptr, false);
  }

  void AddBase() {
    ASSERT_EQ(Run({"directory", "object", "add", "DC=example,DC=test", "--class",
                   "domain"})
                  .exit_code,
              0);
    ASSERT_EQ(Run({"directory", "object", "add", "CN=h1,DC=example,DC=test",
                   "--class", "computer", "--attr", "description=a", "--attr",
                   "description=b"})
                  .exit_code,
              0);
  }

  TempDir tmp_;
  std::string data_;
};

TEST_F(DirectoryCliTest, InitTwiceIsAlreadyExists) {
  ExpectError({"directory", "init"}, "ERROR_ALREADY_EXISTS (183)");
  Result r = Run({"directory", "online"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "online\n");
  nlohmann::json j = Json({"directory", "online"});
  EXPECT_EQ(j["server"], "dc1");
  EXPECT_EQ(j["online"], true);
}

TEST_F(DirectoryCliTest, ObjectsRoundTripAsJson) {
  AddBase();
  ASSERT_EQ(Run({"directory", "object", "modify", "CN=h1,DC=example,DC=test",
                 "--attr", "location=rack 4", "--add", "description=c",
                 "--remove", "description=a"})
                .exit_code,
            0);
  nlohmann::json o = Json({"directory", "object", "get", "cn=H1,dc=example,dc=test"});
  EXPECT_EQ(o["dn"], "CN=h1,DC=example,DC=test");
  EXPECT_EQ(o["class"], "computer");
  EXPECT_EQ(o["deleted"], false);
  EXPECT_EQ(o["usn_created"], 2);
  EXPECT_EQ(o["usn_changed"], 3);
  EXPECT_EQ(o["attributes"]["description"], nlohmann::json({"b", "c"}));
  EXPECT_EQ(o["attributes"]["location"], nlohmann::json({"rack 4"}));
  ASSERT_EQ(Run({"directory", "object", "delete", "CN=h1,DC=example,DC=test"})
                .exit_code,
            0);
  nlohmann::json list = Json({"directory", "object", "list"});
  ASSERT_TRUE(list.is_array());
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["dn"], "CN=h1,DC=example,DC=test");
  EXPECT_EQ(list[0]["deleted"], true);
  EXPECT_TRUE(list[0]["deletion_time"].is_string());
  EXPECT_EQ(list[1]["dn"], "DC=example,DC=test");
  EXPECT_EQ(list[1]["class"], "domain");
  EXPECT_EQ(list[1]["deleted"], false);
  nlohmann::json check = Json({"directory", "check"});
  EXPECT_EQ(check["ok"], true);
  EXPECT_EQ(check["usn"], 4);
}

TEST_F(DirectoryCliTest, ObjectErrorsCarryTheirCodes) {
  AddBase();
  ExpectError({"directory", "object", "add", "CN=x", "--class", "computer"},
              "ERROR_INVALID_PARAMETER (87)");
  ExpectError({"directory", "object", "add", "CN=x,OU=none,DC=example,DC=test",
               "--class", "computer"},
              "ERROR_NOT_FOUND (1168)");
  ExpectError({"directory", "object", "add", "CN=h1,DC=example,DC=test",
               "--class", "computer"},
              "ERROR_ALREADY_EXISTS (183)");
  ExpectError({"directory", "object", "delete", "DC=example,DC=test"},
              "ERROR_DS_CANT_ON_NON_LEAF (8213)");
  ExpectError({"directory", "object", "get", "CN=nope,DC=example,DC=test"},
              "ERROR_NOT_FOUND (1168)");
  ExpectError({"directory", "tombstone-lifetime", "1d"},
              "ERROR_INVALID_PARAMETER (87)");
  // A flag without NAME=VALUE is a usage error.
  Result r = Run({"directory", "object", "add", "CN=y,DC=example,DC=test",
                  "--class", "computer", "--attr", "novalue"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("use NAME=VALUE"));
  r = Run({"directory", "object", "frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
}

TEST_F(DirectoryCliTest, TombstoneLifetimeShowsAndSets) {
  Result r = Run({"directory", "tombstone-lifetime"});
  EXPECT_EQ(r.out, "180d\n");
  r = Run({"directory", "tombstone-lifetime", "60d"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "60d\n");
  EXPECT_EQ(Json({"directory", "tombstone-lifetime"})["seconds"], 60 * 86400);
}

TEST_F(DirectoryCliTest, BackupErrorsCarryTheirCodes) {
  AddBase();
  const std::string b = tmp_.Sub("b");
  ExpectError({"directory", "--as", "admin", "backup", "--to", b, "--type", "incremental"},
              "ERROR_INVALID_PARAMETER (87)");
  ExpectError({"directory", "--as", "admin", "backup", "--to", b, "--type", "logs-only"},
              "ERROR_NOT_SUPPORTED (50)");
  ExpectError({"directory", "--as", "admin", "backup", "--to", b, "--grbit", "1"},
              "ERROR_INVALID_PARAMETER (87)");
  ExpectError({"directory", "backup", "--to", b, "--server", "dc2"},
              "RPC_S_INVALID_BINDING (1702)");
  ExpectError({"directory", "backup", "--to", b, "--server", "\\\\dc_1"},
              "hrCouldNotConnect (0xC7FF0007)");
  ExpectError({"directory", "--as", "nobody", "backup", "--to", b},
              "ERROR_ACCESS_DENIED (5)");
  EXPECT_EQ(Env::Default()->GetFileType(b).value(), FileType::kMissing);
  EXPECT_EQ(Run({"directory", "--as", "admin", "backup", "--to", b,
                 "--server", "\\\\DC1"})
                .exit_code,
            0);
  ExpectError({"directory", "--as", "admin", "backup", "--to", b},
              "ERROR_ALREADY_EXISTS (183)");
  Result r = Run({"directory", "backup", "--to", b, "--type", "weekly"});
  EXPECT_EQ(r.exit_code, 2);
}

TEST_F(DirectoryCliTest, BackupAndRestoreRoundTrip) {
  AddBase();
  const std::string b = tmp_.Sub("b");
  nlohmann::json made = Json({"directory", "--as", "admin", "backup", "--to", b});
  EXPECT_EQ(made["usn"], 2);
  EXPECT_EQ(made["files"], nlohmann::json({"ntds.dit", "ntds.pat", "edb00000001.log"}));
  for (const char* f : {"ntds.dit", "ntds.pat", "edb00000001.log", "token"}) {
    EXPECT_EQ(Env::Default()->GetFileType(b + "/" + f).value(), FileType::kFile) << f;
  }
  EXPECT_EQ(Env::Default()->GetFileType(b + ".partial").value(), FileType::kMissing);
  nlohmann::json before = Json({"directory", "object", "list"});
  ASSERT_EQ(Run({"directory", "object", "delete", "CN=h1,DC=example,DC=test"})
                .exit_code,
            0);
  ASSERT_EQ(Run({"directory", "object", "add", "CN=h2,DC=example,DC=test",
                 "--class", "computer"})
                .exit_code,
            0);
  Result r = Run({"directory", "--as", "admin", "restore", b});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "restored " + b + ": the directory is online at USN 2\n");
  EXPECT_EQ(Json({"directory", "object", "list"}), before);
  EXPECT_EQ(Run({"directory", "online"}).out, "online\n");
  EXPECT_EQ(Json({"directory", "check"})["ok"], true);
}

TEST_F(DirectoryCliTest, RestoreRefusesBadTokensAndCallers) {
  AddBase();
  const std::string b = tmp_.Sub("b");
  ASSERT_EQ(Run({"directory", "--as", "admin", "backup", "--to", b}).exit_code, 0);
  ExpectError({"directory", "--as", "nobody", "restore", b},
              "ERROR_ACCESS_DENIED (5)");
  ExpectError({"directory", "--as", "admin", "restore", b, "--server", "dc2"},
              "RPC_S_INVALID_BINDING (1702)");

  // The same backup with its token made 181 days ago: older than the
  // tombstone lifetime.
  const std::string old = tmp_.Sub("old");
  std::filesystem::copy(b, old, std::filesystem::copy_options::recursive);
  ASSERT_OK_AND_ASSIGN(std::string bytes,
                       ReadFileToString(Env::Default(), old + "/token"));
  ASSERT_OK_AND_ASSIGN(ExpiryToken token, DecodeToken(bytes));
  token.created = absl::Now() - absl::Hours(24 * 181);
  token.expires = token.created + absl::Hours(24 * 180);
  std::string forged = EncodeToken(token, "");
  ASSERT_OK(WriteFileAtomically(
      Env::Default(), old + "/token",
      absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(forged.data()),
                          forged.size())));
  ExpectError({"directory", "--as", "admin", "restore", old},
              "hrContentsExpired (0xC7FF0011)");
  // Just inside the lifetime it is accepted.
  token.created = absl::Now() - absl::Hours(24 * 179);
  token.expires = token.created + absl::Hours(24 * 180);
  forged = EncodeToken(token, "");
  ASSERT_OK(WriteFileAtomically(
      Env::Default(), old + "/token",
      absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(forged.data()),
                          forged.size())));
  EXPECT_EQ(Run({"directory", "--as", "admin", "restore", old}).exit_code, 0);

  std::string garbage = "not a token";
  ASSERT_OK(WriteFileAtomically(
      Env::Default(), old + "/token",
      absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(garbage.data()),
                          garbage.size())));
  ExpectError({"directory", "--as", "admin", "restore", old},
              "hrUnknownExpiryTokenFormat (0xC7FF0010)");
  ASSERT_OK(Env::Default()->RemoveFile(old + "/token"));
  ExpectError({"directory", "--as", "admin", "restore", old},
              "hrMissingExpiryToken (0xC7FF000F)");
  // None of the refusals registered a restore: the directory still starts.
  EXPECT_EQ(Run({"directory", "online"}).out, "online\n");
}

TEST_F(DirectoryCliTest, GrantedPrincipalsBackUpButDoNotRestore) {
  AddBase();
  EXPECT_EQ(Run({"directory", "--as", "admin", "grant", "CORP\\bob", "--backup"})
                .out,
            "CORP\\bob: backup yes, restore no\n");
  ExpectError({"directory", "--as", "corp\\bob", "grant", "carol", "--backup"},
              "ERROR_ACCESS_DENIED (5)");
  const std::string b = tmp_.Sub("b");
  ASSERT_EQ(Run({"directory", "--as", "corp\\bob", "backup", "--to", b}).exit_code,
            0);
  ExpectError({"directory", "--as", "corp\\bob", "restore", b},
              "ERROR_ACCESS_DENIED (5)");
}

}  // namespace
}  // namespace shadowset
