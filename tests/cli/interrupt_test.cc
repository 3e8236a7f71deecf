// End to end: Ctrl-C (SIGINT) and SIGTERM stop the built `shadowset`
// binary cleanly. A backup interrupted in the middle of its copy exits with
// 130 and one error line, leaving no .partial directory, no snapshot set,
// no backup record, its writer stable and the engine scrubbing clean; the
// demo interrupted exits with 130 and removes (or, with --keep, keeps) its
// directory with nothing half-done in it.

#include <signal.h>

#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/env.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testing/cli_child.h"
#include "tests/testing/cli_runner.h"
#include "tests/testing/temp_dir.h"

namespace shadowset::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr absl::Duration kPatience = absl::Seconds(120);

std::vector<std::string> Entries(const std::string& dir) {
  return Env::Default()->ListDir(dir).value_or(std::vector<std::string>{});
}

class InterruptTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cli_ = std::make_unique<CliRunner>(SHADOWSET_BINARY, tmp_.path(), Data());
  }
  std::string Data() const { return tmp_.Sub("data"); }

  // What every interrupted backup must leave: no set, no record, no
  // partial backup, a stable writer, a clean engine and directory.
  void ExpectNothingHalfDone(const std::string& backups) {
    EXPECT_THAT(Entries(backups), IsEmpty());
    EXPECT_EQ(cli_->Ok({"--json", "snapshot", "list"}), "[]\n");
    EXPECT_EQ(cli_->Ok({"--json", "backup", "list"}), "[]\n");
    nlohmann::json writers =
        nlohmann::json::parse(cli_->Ok({"--json", "writers", "status"}));
    ASSERT_EQ(writers.size(), 1u);
    EXPECT_EQ(writers[0]["name"], "NTDS");
    EXPECT_EQ(writers[0]["state"], "STABLE");
    EXPECT_EQ(writers[0]["failure"], "NONE");
    EXPECT_THAT(cli_->Ok({"directory", "check"}), HasSubstr(" objects ("));
    EXPECT_EQ(nlohmann::json::parse(cli_->Ok({"--json", "check"}))["ok"], true);
  }

  TempDir tmp_;
  std::unique_ptr<CliRunner> cli_;
};

// A backup of a large sparse volume (and the directory's volumes),
// interrupted once its first progress line is out.
TEST_F(InterruptTest, BackupInterruptedMidCopyLeavesNothingHalfDone) {
  for (int signal_number : {SIGINT, SIGTERM}) {
    SCOPED_TRACE(strsignal(signal_number));
    const std::string data = tmp_.Sub(absl::StrCat("data-", signal_number));
    cli_ = std::make_unique<CliRunner>(SHADOWSET_BINARY, tmp_.path(), data);
    cli_->Ok({"init"});
    cli_->Ok({"directory", "init"});
    // Copying 64 GiB of holes takes minutes: the signal lands mid-copy.
    cli_->Ok({"volume", "create", "big", "--size", "64G"});
    const std::string backups =
        tmp_.Sub(absl::StrCat("backups-", signal_number));

    CliChild backup(SHADOWSET_BINARY, tmp_.path(),
                    {"--data", data, "backup", "create", "--to", backups});
    ASSERT_TRUE(backup.started());
    ASSERT_TRUE(backup.WaitForLine("backup ", kPatience)) << backup.err();
    EXPECT_THAT(backup.out(), HasSubstr(" of 64.5 GiB ("));
    backup.Signal(signal_number);
    EXPECT_EQ(backup.Wait(), 130) << backup.err();
    EXPECT_EQ(backup.err(), "shadowset: the backup was cancelled\n");
    ExpectNothingHalfDone(backups);
  }
}

TEST_F(InterruptTest, DemoInterruptedRemovesItsDirectory) {
  const std::string dir = tmp_.Sub("demo");
  CliChild demo(SHADOWSET_BINARY, tmp_.path(),
                {"demo", "--scale", "small", "--seconds", "600", "--dir", dir});
  ASSERT_TRUE(demo.started());
  ASSERT_TRUE(demo.WaitForLine("The services work under load", kPatience))
      << demo.err();
  demo.Signal(SIGINT);
  EXPECT_EQ(demo.Wait(), 130) << demo.err();
  EXPECT_EQ(demo.err(), "shadowset: the demo was cancelled\n");
  EXPECT_EQ(Env::Default()->GetFileType(dir).value(), FileType::kMissing);
}

TEST_F(InterruptTest, DemoInterruptedWithKeepKeepsItConsistent) {
  const std::string dir = tmp_.Sub("demo");
  CliChild demo(
      SHADOWSET_BINARY, tmp_.path(),
      {"demo", "--scale", "small", "--seconds", "600", "--dir", dir, "--keep"});
  ASSERT_TRUE(demo.started());
  ASSERT_TRUE(demo.WaitForLine("The services work under load", kPatience))
      << demo.err();
  demo.Signal(SIGINT);
  EXPECT_EQ(demo.Wait(), 130) << demo.err();
  EXPECT_THAT(Entries(dir), ::testing::Contains("data"));
  CliRunner kept(SHADOWSET_BINARY, tmp_.path(), JoinPath(dir, "data"));
  EXPECT_EQ(kept.Ok({"--json", "snapshot", "list"}), "[]\n");
  EXPECT_EQ(kept.Ok({"--json", "backup", "list"}), "[]\n");
  EXPECT_THAT(kept.Ok({"directory", "check"}), HasSubstr(" objects ("));
  EXPECT_EQ(nlohmann::json::parse(kept.Ok({"--json", "check"}))["ok"], true);
}

}  // namespace
}  // namespace shadowset::testing
