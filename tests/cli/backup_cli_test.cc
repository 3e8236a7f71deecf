// End to end: the built `shadowset` binary's backup, restore, token and
// writers commands - plain volumes round trip through every backup type,
// --json outputs, the directory service's writer taking part and restored
// in place, expiry horizons, each token refusal's own error line, a
// flipped byte, and usage errors.

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "engine/backup/token.h"
#include "engine/env.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testing/cli_runner.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace shadowset::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

class BackupCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cli_ = std::make_unique<CliRunner>(SHADOWSET_BINARY, tmp_.path(),
                                       tmp_.Sub("data"));
    cli_->Ok({"init", "--block-size", "4K", "--diff-area-max", "64M"});
    cli_->Ok({"volume", "create", "a", "--size", "256K"});
    cli_->Ok({"volume", "create", "b", "--size", "128K"});
    Write("a", 0, 100000, 1);
    Write("b", 8192, 30000, 2);
  }

  // Writes `n` seeded bytes at `offset` of `volume` through the command.
  void Write(const std::string& volume, uint64_t offset, size_t n, int seed) {
    std::string bytes(n, '\0');
    uint64_t x = seed;
    for (char& c : bytes) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      c = static_cast<char>(x >> 56);
    }
    const std::string file = tmp_.Sub("input");
    ASSERT_OK(WriteFileAtomically(
        Env::Default(), file,
        {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}));
    cli_->Ok({"volume", "write", volume, "--offset", absl::StrCat(offset),
              "--file", file});
  }

  // The whole of `volume` in `data_dir`.
  std::string Read(const std::string& data_dir, const std::string& volume,
                   uint64_t size) {
    CliRunner other(SHADOWSET_BINARY, tmp_.path(), data_dir);
    const std::string out = tmp_.Sub("read-" + volume);
    other.Ok({"volume", "read", volume, "--length", absl::StrCat(size), "--out",
              out});
    return ReadFileToString(Env::Default(), out).value_or("");
  }

  std::map<std::string, std::string> Contents(const std::string& data_dir) {
    return {{"a", Read(data_dir, "a", 256 << 10)},
            {"b", Read(data_dir, "b", 128 << 10)}};
  }

  nlohmann::json Json(const std::vector<std::string>& args) {
    std::vector<std::string> full = {"--json"};
    full.insert(full.end(), args.begin(), args.end());
    CliResult r = cli_->Run(full);
    EXPECT_EQ(r.code, 0) << absl::StrJoin(args, " ") << "\n" << r.err;
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

  // Exit code 1 and exactly one error line holding `text`.
  std::string ExpectError(const std::vector<std::string>& args,
                          const std::string& text) {
    CliResult r = cli_->Run(args);
    EXPECT_EQ(r.code, 1) << absl::StrJoin(args, " ") << "\n" << r.err;
    EXPECT_THAT(r.err, StartsWith("shadowset: "));
    EXPECT_THAT(r.err, HasSubstr(text));
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    return r.err;
  }

  std::string Backups() const { return tmp_.Sub("backups"); }

  TempDir tmp_{/*prefer_memory=*/true};
  std::unique_ptr<CliRunner> cli_;
};

TEST_F(BackupCliTest, EveryTypeRoundTripsThroughTheCommands) {
  struct Taken {
    nlohmann::json backup;
    std::map<std::string, std::string> contents;
  };
  std::vector<Taken> taken;
  int seed = 10;
  for (const char* type :
       {"full", "incremental", "incremental", "differential", "copy"}) {
    SCOPED_TRACE(type);
    Write("a", 4096 * (seed % 50), 5000, seed);
    ++seed;
    nlohmann::json b =
        Json({"backup", "create", "--to", Backups(), "--type", type});
    ASSERT_TRUE(b.is_object());
    EXPECT_TRUE(b["backup_id"].is_string());
    EXPECT_TRUE(b["set_id"].is_string());
    EXPECT_EQ(b["type"], type);
    EXPECT_EQ(b["promoted_from"], nullptr);
    taken.push_back({b, Contents(tmp_.Sub("data"))});
  }
  EXPECT_EQ(taken[1].backup["base_backup_id"], taken[0].backup["backup_id"]);
  EXPECT_EQ(taken[2].backup["base_backup_id"], taken[1].backup["backup_id"]);
  EXPECT_EQ(taken[3].backup["base_backup_id"], taken[0].backup["backup_id"]);
  EXPECT_EQ(taken[1].backup["volumes"][0]["kind"], "delta");
  EXPECT_EQ(taken[4].backup["volumes"][0]["kind"], "image");

  nlohmann::json list = Json({"backup", "list"});
  ASSERT_EQ(list.size(), 5u);
  for (size_t i = 0; i < taken.size(); ++i) {
    EXPECT_EQ(list[i]["backup_id"], taken[i].backup["backup_id"]);
  }
  EXPECT_TRUE(list[0]["set_kept"]);   // the full: base of differentials
  EXPECT_FALSE(list[1]["set_kept"]);  // superseded by the next incremental
  EXPECT_TRUE(list[2]["set_kept"]);   // the latest incremental
  EXPECT_FALSE(list[3]["set_kept"]);
  EXPECT_FALSE(list[4]["set_kept"]);

  for (size_t i = 0; i < taken.size(); ++i) {
    const std::string dir = taken[i].backup["dir"];
    nlohmann::json v = Json({"backup", "verify", dir});
    EXPECT_EQ(v["ok"], true);
    EXPECT_EQ(v["chain"].size(), i == 0 || i == 4 ? 1u : i == 3 ? 2u : i + 1);
    const std::string target = tmp_.Sub(absl::StrCat("restored-", i));
    nlohmann::json r = Json({"restore", dir, "--to", target});
    EXPECT_EQ(r["initialised"], true);
    EXPECT_TRUE(Contents(target) == taken[i].contents) << "backup #" << i;
    CliRunner(SHADOWSET_BINARY, tmp_.path(), target).Ok({"check"});
  }
  cli_->Ok({"check"});
}

TEST_F(BackupCliTest, HumanOutputAndInPlaceRestore) {
  const auto before = Contents(tmp_.Sub("data"));
  std::string out = cli_->Ok({"backup", "create", "--to", Backups(),
                              "--volumes", "a,b", "--id", "nightly"});
  EXPECT_THAT(out, StartsWith("backup nightly: full of a, b"));
  EXPECT_THAT(out, HasSubstr("kept as the chain's base"));
  EXPECT_THAT(cli_->Ok({"backup", "list"}), HasSubstr("nightly"));
  EXPECT_THAT(cli_->Ok({"backup", "verify", Backups() + "/nightly"}),
              StartsWith("backup nightly verified: 6 files"));
  Write("a", 0, 4096, 99);
  ASSERT_FALSE(Contents(tmp_.Sub("data")) == before);
  EXPECT_THAT(cli_->Ok({"restore", Backups() + "/nightly"}),
              StartsWith("restored full backup nightly into "));
  EXPECT_TRUE(Contents(tmp_.Sub("data")) == before);
  EXPECT_THAT(cli_->Ok({"events"}), HasSubstr("restored full backup nightly"));
  cli_->Ok({"check"});
}

TEST_F(BackupCliTest, TheDirectoryWriterTakesPartAndIsRestoredInPlace) {
  cli_->Ok({"directory", "--as", "admin", "init", "--server", "dc1"});
  nlohmann::json writers = Json({"writers", "list"});
  ASSERT_EQ(writers.size(), 1u);
  EXPECT_EQ(writers[0]["name"], "NTDS");
  EXPECT_EQ(writers[0]["restore_lifetime"], "180d");
  EXPECT_EQ(writers[0]["restore_method"], "STOP_RESTORE_START");
  EXPECT_EQ(writers[0]["components"][0]["volumes"],
            nlohmann::json::array({"directory-db", "directory-log"}));
  nlohmann::json status = Json({"writers", "status"});
  ASSERT_EQ(status.size(), 1u);
  EXPECT_EQ(status[0]["state"], "STABLE");
  EXPECT_EQ(status[0]["failure"], "NONE");
  EXPECT_THAT(cli_->Ok({"writers", "list"}),
              HasSubstr("component ntds (DATABASE, directory) on "
                        "directory-db, directory-log"));

  cli_->Ok({"directory", "object", "add", "DC=example,DC=test", "--class",
            "domain"});
  cli_->Ok({"directory", "object", "add", "CN=h1,DC=example,DC=test", "--class",
            "computer"});
  nlohmann::json b = Json({"backup", "create", "--to", Backups(), "--writers",
                           "NTDS", "--expires-in", "36h"});
  ASSERT_EQ(b["writers"].size(), 1u);
  EXPECT_EQ(b["writers"][0]["id"], "NTDS");
  EXPECT_EQ(b["writers"][0]["state"], "STABLE");
  EXPECT_GT(b["writers"][0]["freeze_window_ms"].get<double>(), 0);
  EXPECT_EQ(b["volumes"].size(), 2u);  // only the writer's volumes
  nlohmann::json token = Json({"token", "show", b["dir"]});
  EXPECT_EQ(token["writers"], nlohmann::json::array({"NTDS"}));
  EXPECT_EQ(token["signed"], false);
  absl::Time created, expires;
  std::string err;
  ASSERT_TRUE(absl::ParseTime(
      absl::RFC3339_full, token["created"].get<std::string>(), &created, &err));
  ASSERT_TRUE(absl::ParseTime(
      absl::RFC3339_full, token["expires"].get<std::string>(), &expires, &err));
  EXPECT_EQ(expires - created, absl::Hours(36));

  // Only shortened: the tombstone lifetime is 180 days.
  ExpectError({"backup", "create", "--to", Backups(), "--expires-in", "181d"},
              "can only shorten the expiry: ERROR_INVALID_PARAMETER (87)");

  cli_->Ok({"directory", "object", "delete", "CN=h1,DC=example,DC=test"});
  nlohmann::json r = Json({"restore", b["dir"]});
  EXPECT_EQ(r["writers"], nlohmann::json::array({"NTDS"}));
  nlohmann::json h1 =
      Json({"directory", "object", "get", "CN=h1,DC=example,DC=test"});
  EXPECT_EQ(h1["deleted"], false);
  cli_->Ok({"directory", "check"});
  cli_->Ok({"check"});
}

TEST_F(BackupCliTest, EveryServiceInTheDataDirectoryTakesPart) {
  cli_->Ok({"dhcp", "init"});
  cli_->Ok({"rras", "init"});
  cli_->Ok({"directory", "--as", "admin", "init", "--server", "dc1"});
  nlohmann::json writers = Json({"writers", "list"});
  ASSERT_EQ(writers.size(), 3u);
  EXPECT_EQ(writers[0]["name"], "DHCP Jet Writer");
  EXPECT_EQ(writers[1]["name"], "Router Configuration Writer");
  EXPECT_EQ(writers[2]["name"], "NTDS");
  cli_->Ok({"dhcp", "scope", "add", "10.1.0.0/24", "--name", "kept"});
  nlohmann::json b = Json({"backup", "create", "--to", Backups(), "--writers",
                           "DHCP Jet Writer,Router Configuration Writer"});
  ASSERT_EQ(b["writers"].size(), 2u);
  EXPECT_EQ(b["writers"][0]["id"], "DHCP_Jet_Writer");
  EXPECT_EQ(b["writers"][1]["id"], "Router_Configuration_Writer");
  EXPECT_EQ(b["volumes"].size(), 2u);
  cli_->Ok({"dhcp", "scope", "add", "10.2.0.0/24", "--name", "later"});
  nlohmann::json r = Json({"restore", b["dir"]});
  EXPECT_EQ(r["writers"],
            nlohmann::json::array(
                {"DHCP Jet Writer", "Router Configuration Writer"}));
  std::string scopes = cli_->Ok({"dhcp", "scope", "list"});
  EXPECT_THAT(scopes, HasSubstr("10.1.0.0/24"));
  EXPECT_THAT(scopes, Not(HasSubstr("10.2.0.0/24")));
  nlohmann::json status = Json({"writers", "status"});
  for (const auto& w : status) EXPECT_EQ(w["state"], "STABLE") << w;
  cli_->Ok({"check"});
}

TEST_F(BackupCliTest, EachTokenRefusalHasItsOwnErrorLine) {
  const std::string key = tmp_.Sub("key");
  const std::string other_key = tmp_.Sub("other-key");
  ASSERT_OK(WriteFileAtomically(
      Env::Default(), key,
      {reinterpret_cast<const uint8_t*>("0123456789abcdef0123456789abcdef"),
       32}));
  ASSERT_OK(WriteFileAtomically(
      Env::Default(), other_key,
      {reinterpret_cast<const uint8_t*>("fedcba9876543210fedcba9876543210"),
       32}));
  nlohmann::json plain = Json({"backup", "create", "--to", Backups()});
  nlohmann::json keyed = Json({"backup", "create", "--to", Backups(), "--type",
                               "copy", "--token-key", key});
  nlohmann::json other =
      Json({"backup", "create", "--to", Backups(), "--type", "copy"});
  nlohmann::json brief = Json({"backup", "create", "--to", Backups(), "--type",
                               "copy", "--expires-in", "1s"});
  EXPECT_EQ(keyed["keyed"], true);
  EXPECT_EQ(Json({"token", "show", keyed["dir"]})["signed"], true);

  // Copies of the sets to damage (same names, other parents).
  auto copy = [&](const nlohmann::json& b, const std::string& label) {
    std::string parent = tmp_.Sub(label);
    std::filesystem::create_directories(parent);
    std::string to = parent + "/" + b["backup_id"].get<std::string>();
    std::filesystem::copy(b["dir"].get<std::string>(), to,
                          std::filesystem::copy_options::recursive);
    return to;
  };
  std::string missing = copy(plain, "missing");
  std::filesystem::remove(missing + "/token");
  std::string unreadable = copy(plain, "unreadable");
  ASSERT_OK(
      WriteFileAtomically(Env::Default(), unreadable + "/token",
                          {reinterpret_cast<const uint8_t*>("garbage"), 7}));
  std::string foreign = copy(plain, "foreign");
  std::filesystem::copy_file(other["dir"].get<std::string>() + "/token",
                             foreign + "/token",
                             std::filesystem::copy_options::overwrite_existing);

  const auto before = Contents(tmp_.Sub("data"));
  std::vector<std::string> lines = {
      ExpectError({"restore", missing}, "expiry token refused (missing)"),
      ExpectError({"restore", unreadable}, "expiry token refused (unreadable)"),
      ExpectError({"restore", plain["dir"], "--token-key", key},
                  "expiry token refused (unsigned)"),
      ExpectError({"restore", keyed["dir"], "--token-key", other_key},
                  "expiry token refused (tampered)"),
      ExpectError({"restore", foreign}, "expiry token refused (foreign)"),
  };
  // Verify refuses them the same way.
  ExpectError({"backup", "verify", missing}, "(missing)");
  ExpectError({"backup", "verify", plain["dir"], "--token-key", key},
              "(unsigned)");
  // The brief backup expires one second after its snapshot instant.
  absl::Time created;
  std::string err;
  ASSERT_TRUE(absl::ParseTime(
      absl::RFC3339_full, brief["created"].get<std::string>(), &created, &err));
  while (absl::Now() <= created + absl::Seconds(1)) {
    absl::SleepFor(absl::Milliseconds(50));  // time itself is the subject
  }
  lines.push_back(
      ExpectError({"restore", brief["dir"]}, "expiry token refused (expired)"));
  std::sort(lines.begin(), lines.end());
  EXPECT_EQ(std::unique(lines.begin(), lines.end()), lines.end());
  EXPECT_TRUE(Contents(tmp_.Sub("data")) == before);
  // None of them created a restore target either.
  ExpectError({"restore", missing, "--to", tmp_.Sub("never")}, "(missing)");
  EXPECT_FALSE(std::filesystem::exists(tmp_.Sub("never")));

  // The good ones restore, the keyed one with its key.
  cli_->Ok({"restore", keyed["dir"], "--token-key", key});
  cli_->Ok({"restore", plain["dir"]});
  EXPECT_TRUE(Contents(tmp_.Sub("data")) == before);
  cli_->Ok({"backup", "verify", keyed["dir"], "--token-key", key});
  cli_->Ok({"check"});
}

TEST_F(BackupCliTest, AFlippedByteFailsVerifyAndRestore) {
  nlohmann::json b = Json({"backup", "create", "--to", Backups()});
  const std::string img = b["dir"].get<std::string>() + "/volumes/a.img";
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<File> f,
                         Env::Default()->OpenFile(img, {}));
    uint8_t byte[1];
    ASSERT_OK(f->ReadAt(4096 + 100, byte));
    byte[0] ^= 0x20;
    ASSERT_OK(f->WriteAt(4096 + 100, byte));
  }
  ExpectError({"backup", "verify", b["dir"]}, "volumes/a.img");
  Write("a", 0, 4096, 77);
  const auto before = Contents(tmp_.Sub("data"));
  ExpectError({"restore", b["dir"]}, "volumes/a.img: block 0");
  EXPECT_TRUE(Contents(tmp_.Sub("data")) == before);
  EXPECT_THAT(cli_->Ok({"volume", "list"}), Not(HasSubstr("staging")));
  cli_->Ok({"check"});
}

TEST_F(BackupCliTest, UsageAndSelectionErrors) {
  EXPECT_EQ(cli_->Run({"backup", "create"}).code, 2);  // --to is required
  ExpectError({"backup", "create", "--to", Backups(), "--type", "log"},
              "bad value for --type: 'log'");
  ExpectError({"backup", "create", "--to", Backups(), "--expires-in", "10x"},
              "bad duration for --expires-in");
  ExpectError({"backup", "create", "--to", Backups(), "--volumes", "a,zz"},
              "VSS_E_OBJECT_NOT_FOUND (0x80042308)");
  ExpectError({"backup", "create", "--to", Backups(), "--writers", "NTDS"},
              "no writer named 'NTDS' is registered (there are no writers)");
  ExpectError(
      {"backup", "create", "--to", Backups(), "--token-key", tmp_.Sub("nokey")},
      "nokey");
  ExpectError({"restore", tmp_.Sub("nothing")}, "no backup set at");
  ExpectError({"token", "show", tmp_.Sub("nothing")}, "no expiry token at");
  EXPECT_EQ(cli_->Ok({"backup", "list"}), "no backups recorded\n");
  EXPECT_EQ(Json({"backup", "list"}), nlohmann::json::array());
  EXPECT_THAT(cli_->Ok({"writers", "list"}), HasSubstr("no writers"));
  // Nothing was left behind by the refused backups.
  EXPECT_FALSE(std::filesystem::exists(Backups()) &&
               !std::filesystem::is_empty(Backups()));
  EXPECT_EQ(Json({"snapshot", "list"}), nlohmann::json::array());
}

}  // namespace
}  // namespace shadowset::testing
