// End to end: `shadowset demo` at the small scale - exit 0 with the
// summary table, its directory removed; with --json one JSON object per
// line ending in the summary; with --keep, backups the other commands
// verify and restore with the kept key; bad arguments refused with one
// line, changing nothing.

#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "engine/env.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testing/cli_runner.h"
#include "tests/testing/temp_dir.h"

namespace shadowset::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

std::vector<std::string> Entries(const std::string& dir) {
  return Env::Default()->ListDir(dir).value_or(std::vector<std::string>{});
}

class DemoCliTest : public ::testing::Test {
 protected:
  DemoCliTest() : cli_(SHADOWSET_BINARY, tmp_.path(), "") {}

  // A refused demo: `exit_code`, one line on stderr holding `message`.
  void ExpectRefused(const std::vector<std::string>& args, int exit_code,
                     const std::string& message) {
    CliResult r = cli_.Run(args);
    EXPECT_EQ(r.code, exit_code) << r.err;
    EXPECT_THAT(r.err, StartsWith("shadowset: "));
    EXPECT_THAT(r.err, HasSubstr(message));
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }

  TempDir tmp_;
  CliRunner cli_;
};

TEST_F(DemoCliTest, SmallScalePassesWithTheSummaryAndCleansUp) {
  ASSERT_TRUE(Env::Default()->CreateDir(tmp_.Sub("tmp")).ok());
  CliResult r = cli_.Run({"demo", "--scale", "small"},
                         "TMPDIR=" + ShellQuote(tmp_.Sub("tmp")));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  for (const char* line :
       {"Summary: shadowset demo, small scale, ",
        "  freeze window (Freeze to Thaw)\n    DHCP Jet Writer ",
        "\n    Router Configuration Writer ", "\n    NTDS ",
        "\n  commit hold (writes held) ", "\n  read from the snapshot ",
        "\n  backup set size ", "% of full)\n", "\n  backup throughput ",
        "\n  raw sequential read ", "\n  backup / raw read ", "\n  verify ",
        "\n  restore ", "\nresult: every check passed (16 checks)\n"}) {
    EXPECT_THAT(r.out, HasSubstr(line));
  }
  EXPECT_THAT(r.out, HasSubstr("ok     full: every DHCP lease's host is in "
                               "the directory"));
  EXPECT_THAT(r.out, HasSubstr("ok     incremental: directory restored at its "
                               "Freeze"));
  EXPECT_THAT(r.out, Not(HasSubstr("FAILED")));
  EXPECT_THAT(Entries(tmp_.Sub("tmp")), IsEmpty());  // removed what it made
}

TEST_F(DemoCliTest, JsonKeepAndTheKeptBackupsWorkWithTheOtherCommands) {
  const std::string dir = tmp_.Sub("kept");
  CliResult r = cli_.Run({"--json", "demo", "--scale", "small", "--seconds",
                          "1", "--dir", dir, "--keep"});
  ASSERT_EQ(r.code, 0) << r.err;
  std::vector<std::string> lines =
      absl::StrSplit(r.out, '\n', absl::SkipEmpty());
  ASSERT_FALSE(lines.empty());
  for (const std::string& line : lines) {
    EXPECT_TRUE(nlohmann::json::accept(line)) << line;
  }
  EXPECT_EQ(nlohmann::json::parse(lines.front())["phase"], 1);
  const nlohmann::json summary = nlohmann::json::parse(lines.back())["summary"];
  EXPECT_EQ(summary["passed"], true);
  EXPECT_EQ(summary["scale"], "small");
  EXPECT_EQ(summary["checks"].size(), 16u);
  EXPECT_EQ(summary["full"]["type"], "full");
  EXPECT_EQ(summary["incremental"]["type"], "incremental");
  EXPECT_EQ(summary["full"]["freeze_window_ms"].size(), 3u);

  // What it kept: the live and restored data directories, the backups and
  // the token key, which the backup commands take as they are.
  EXPECT_THAT(Entries(dir),
              ElementsAre("backup.key", "backups", "data", "restored"));
  const std::string key = JoinPath(dir, "backup.key");
  const std::string incremental = summary["incremental"]["dir"];
  // The result is the last line (progress objects may come first).
  const std::vector<std::string> verify_lines = absl::StrSplit(
      cli_.Ok({"--json", "backup", "verify", incremental, "--token-key", key}),
      '\n', absl::SkipEmpty());
  ASSERT_FALSE(verify_lines.empty());
  nlohmann::json verified = nlohmann::json::parse(verify_lines.back());
  EXPECT_EQ(verified["chain"].size(), 2u);
  const std::string wrong = tmp_.Sub("wrong.key");
  const std::string other(64, 'k');
  ASSERT_TRUE(
      WriteFileAtomically(
          Env::Default(), wrong,
          {reinterpret_cast<const uint8_t*>(other.data()), other.size()})
          .ok());
  CliResult refused =
      cli_.Run({"backup", "verify", incremental, "--token-key", wrong});
  EXPECT_EQ(refused.code, 1);
  EXPECT_THAT(refused.err, HasSubstr("expiry token refused (tampered)"));

  CliRunner restored(SHADOWSET_BINARY, tmp_.path(), tmp_.Sub("again"));
  restored.Ok({"restore", incremental, "--token-key", key});
  EXPECT_THAT(restored.Ok({"directory", "check"}), HasSubstr(" objects ("));
  EXPECT_EQ(nlohmann::json::parse(restored.Ok({"--json", "check"}))["ok"],
            true);
}

TEST_F(DemoCliTest, BadArgumentsAreRefusedAndChangeNothing) {
  ExpectRefused({"demo", "--scale", "huge"}, 2, "--scale");
  ExpectRefused({"demo", "--seconds", "0"}, 2, "--seconds");
  ExpectRefused({"demo", "--seconds", "soon"}, 2, "--seconds");
  ExpectRefused({"demo", "--frobnicate"}, 2, "--frobnicate");

  const std::string busy = tmp_.Sub("busy");
  ASSERT_TRUE(Env::Default()->CreateDir(busy).ok());
  ASSERT_TRUE(
      WriteFileAtomically(Env::Default(), JoinPath(busy, "notes"), {}).ok());
  ExpectRefused({"demo", "--scale", "small", "--dir", busy}, 1, "is not empty");
  EXPECT_THAT(Entries(busy), ElementsAre("notes"));
  ExpectRefused({"demo", "--scale", "small", "--dir", JoinPath(busy, "notes")},
                1, "is not a directory");
  ExpectRefused(
      {"demo", "--scale", "small", "--dir", tmp_.Sub("no/such/parent")}, 1,
      "no/such");
  EXPECT_THAT(Entries(busy), ElementsAre("notes"));
  EXPECT_EQ(Env::Default()->GetFileType(tmp_.Sub("no")).value(),
            FileType::kMissing);
}

}  // namespace
}  // namespace shadowset::testing
