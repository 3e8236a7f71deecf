// End-to-end: the built `shadowset` binary's engine commands (init, volume,
// snapshot, check, events): output, one-line errors, exit codes, and that
// a rejected command changes nothing.

#include <string>
#include <vector>

#include "engine/env.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testing/cli_runner.h"
#include "tests/testing/temp_dir.h"

namespace shadowset {
namespace {

using ::shadowset::testing::CliResult;
using ::shadowset::testing::CliRunner;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::StartsWith;

std::string Bytes(size_t n, char seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(seed + i * 7 + i / 4096);
  return s;
}

class EngineCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cli_ = std::make_unique<CliRunner>(SHADOWSET_BINARY, tmp_.path(),
                                       tmp_.Sub("data"));
    cli_->Ok({"init", "--block-size", "4K", "--diff-area-max", "16M"});
  }

  void WriteFile(const std::string& name, const std::string& data) {
    ASSERT_TRUE(WriteFileAtomically(
                    Env::Default(), tmp_.Sub(name),
                    absl::MakeConstSpan(
                        reinterpret_cast<const uint8_t*>(data.data()),
                        data.size()))
                    .ok());
  }
  std::string ReadFile(const std::string& name) {
    return ReadFileToString(Env::Default(), tmp_.Sub(name)).value_or("<missing>");
  }

  // A failing command: non-zero exit, one line on stderr, nothing on stdout.
  void ExpectError(const std::vector<std::string>& args, int code,
                   const std::string& message) {
    CliResult r = cli_->Run(args);
    EXPECT_EQ(r.code, code) << r.err;
    EXPECT_THAT(r.err, StartsWith("shadowset: "));
    EXPECT_THAT(r.err, HasSubstr(message));
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(r.out, "");
  }

  shadowset::testing::TempDir tmp_;
  std::unique_ptr<CliRunner> cli_;
};

TEST_F(EngineCommandsTest, VolumeSnapshotExportAndChangedBlocks) {
  cli_->Ok({"volume", "create", "db", "--size", "256K"});
  std::string a = Bytes(100000, 'a');
  WriteFile("a.bin", a);
  cli_->Ok({"volume", "write", "db", "--offset", "5000", "--file", "a.bin"});
  nlohmann::json set1 = nlohmann::json::parse(
      cli_->Ok({"--json", "snapshot", "create", "db"}));
  std::string id1 = set1["set_id"];
  EXPECT_EQ(set1["volumes"], nlohmann::json::array({"db"}));
  std::string b = Bytes(8192, 'b');
  WriteFile("b.bin", b);
  cli_->Ok({"volume", "write", "db", "--offset", "8K", "--file", "b.bin"});
  nlohmann::json set2 = nlohmann::json::parse(
      cli_->Ok({"snapshot", "create", "db", "--json"}));

  // The export is the volume at set 1's instant, byte for byte.
  cli_->Ok({"snapshot", "export", id1, "db", "--out", "img"});
  std::string expect(256 * 1024, '\0');
  expect.replace(5000, a.size(), a);
  EXPECT_TRUE(ReadFile("img") == expect);
  // The live volume has the later write.
  cli_->Ok({"volume", "read", "db", "--offset", "0", "--length", "256K",
            "--out", "live"});
  expect.replace(8192, b.size(), b);
  EXPECT_TRUE(ReadFile("live") == expect);

  nlohmann::json changed = nlohmann::json::parse(cli_->Ok(
      {"--json", "snapshot", "changed", id1, set2["set_id"], "db"}));
  EXPECT_EQ(changed["block_size"], 4096);
  EXPECT_EQ(changed["blocks"], nlohmann::json::array({2, 3}));

  nlohmann::json list = nlohmann::json::parse(cli_->Ok({"--json", "snapshot", "list"}));
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["set_id"], id1);
  EXPECT_THAT(std::string(list[0]["created"]),
              MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T.*Z"));
  cli_->Ok({"snapshot", "delete", id1});
  list = nlohmann::json::parse(cli_->Ok({"--json", "snapshot", "list"}));
  EXPECT_EQ(list.size(), 1u);
  nlohmann::json check = nlohmann::json::parse(cli_->Ok({"--json", "check"}));
  EXPECT_EQ(check["ok"], true);
  nlohmann::json events = nlohmann::json::parse(cli_->Ok({"--json", "events"}));
  EXPECT_GE(events.size(), 2u);
  nlohmann::json volumes = nlohmann::json::parse(cli_->Ok({"--json", "volume", "list"}));
  ASSERT_EQ(volumes.size(), 1u);
  EXPECT_EQ(volumes[0]["name"], "db");
  EXPECT_EQ(volumes[0]["live_snapshots"], 1);
}

TEST_F(EngineCommandsTest, BadInputGetsOneLineAndChangesNothing) {
  cli_->Ok({"volume", "create", "db", "--size", "64K"});
  WriteFile("big.bin", Bytes(70000, 'x'));
  const std::string before =
      cli_->Ok({"--json", "volume", "list"}) + cli_->Ok({"--json", "snapshot", "list"});

  ExpectError({"bogus"}, 2, "unknown command 'bogus'");
  ExpectError({"volume", "create", "x", "--size", "12Q"}, 1,
              "bad size for --size: '12Q'");
  ExpectError({"volume", "create", "x", "--size", "5000"}, 1,
              "not a positive multiple of the block size 4096");
  ExpectError({"volume", "create", "db", "--size", "64K"}, 1, "already exists");
  ExpectError({"volume", "create", "x"}, 2, "--size is required");
  ExpectError({"volume", "list", "--frobnicate"}, 2, "--frobnicate");
  ExpectError({"volume", "write", "db", "--file", "big.bin"}, 1,
              "passes the end of volume 'db'");
  ExpectError({"volume", "write", "nope", "--file", "big.bin"}, 1,
              "no volume named 'nope'");
  ExpectError({"volume", "write", "db", "--file", "missing.bin"}, 1,
              "missing.bin");
  ExpectError({"volume", "read", "db", "--offset", "60K", "--length", "8K",
               "--out", "o"},
              1, "passes the end of volume 'db'");
  ExpectError({"snapshot", "create", "nope"}, 1,
              "no volume named 'nope': VSS_E_OBJECT_NOT_FOUND (0x80042308)");
  ExpectError({"snapshot", "delete", "not-a-guid"}, 1,
              "is not a snapshot set id");
  ExpectError({"snapshot", "delete", "1b4e28ba-2fa1-41d2-883f-0016d3cca427"}, 1,
              "VSS_E_OBJECT_NOT_FOUND (0x80042308)");
  ExpectError({"snapshot", "export", "1b4e28ba-2fa1-41d2-883f-0016d3cca427",
               "db", "--out", "img"},
              1, "no snapshot set");
  ExpectError({"init"}, 1, "already a shadowset data directory");

  EXPECT_EQ(cli_->Ok({"--json", "volume", "list"}) +
                cli_->Ok({"--json", "snapshot", "list"}),
            before);
  EXPECT_EQ(Env::Default()->GetFileType(tmp_.Sub("o")).value(), FileType::kMissing);
  EXPECT_EQ(Env::Default()->GetFileType(tmp_.Sub("img")).value(), FileType::kMissing);
}

TEST_F(EngineCommandsTest, DataDirectoryErrors) {
  CliRunner elsewhere(SHADOWSET_BINARY, tmp_.path(), tmp_.Sub("nowhere"));
  CliResult r = elsewhere.Run({"volume", "list"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("does not exist (run 'shadowset init')"));
  // $SHADOWSET_DATA is the default for --data.
  CliRunner by_env(SHADOWSET_BINARY, tmp_.path(), "");
  r = by_env.Run({"--json", "volume", "list"},
                 "SHADOWSET_DATA=" + tmp_.Sub("data"));
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "[]\n");
  // Without either, ./shadowset-data.
  r = by_env.Run({"volume", "list"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("./shadowset-data does not exist"));
  EXPECT_THAT(cli_->Run({"init", "--block-size", "3K"}).code, 1);
}

// DESIGN §2.4: mdb_stat (and mdb_dump) read the catalog.
TEST_F(EngineCommandsTest, MdbStatReadsTheCatalog) {
  if (Env::Default()->GetFileType("/usr/bin/mdb_stat").value() !=
      FileType::kFile) {
    GTEST_SKIP() << "mdb_stat is not installed (scripts/setup installs lmdb-utils)";
  }
  cli_->Ok({"volume", "create", "db", "--size", "64K"});
  cli_->Ok({"snapshot", "create", "db"});
  std::string out = tmp_.Sub("stat.txt");
  int rc = std::system(("mdb_stat -a " + tmp_.Sub("data/catalog") + " > " + out).c_str());
  ASSERT_EQ(rc, 0);
  std::string text = ReadFile("stat.txt");
  for (const char* db : {"index", "changes", "sets", "volumes", "events"}) {
    EXPECT_THAT(text, HasSubstr(std::string("Status of ") + db)) << db;
  }
}

TEST_F(EngineCommandsTest, InitRefusesASmallCapWithTheMinimum) {
  CliRunner fresh(SHADOWSET_BINARY, tmp_.path(), tmp_.Sub("d2"));
  CliResult r = fresh.Run({"init", "--block-size", "16K", "--diff-area-max", "100K"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("below the minimum of 163840 bytes"));
  EXPECT_EQ(Env::Default()->GetFileType(tmp_.Sub("d2")).value(), FileType::kMissing);
}

}  // namespace
}  // namespace shadowset
