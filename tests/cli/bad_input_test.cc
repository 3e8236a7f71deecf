// End to end: bad input to the built `shadowset` binary - unknown
// commands and flags, a missing or locked data directory, bad sizes and
// durations, ids that do not exist, corrupt and truncated backups, a wrong
// token key - each gets its own one-line error and a non-zero exit, and
// nothing stored changes: every listing (--json) of the data directory and
// of a restored one, and every byte under the working directory, are as
// they were.
//
// Also the happy paths no other suite runs: dhcp exclusion add and
// directory gc.

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/engine.h"
#include "engine/env.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/cli_runner.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace shadowset::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::StartsWith;

struct Bad {
  std::vector<std::string> args;
  int code;             // the exit code
  std::string message;  // in the one error line
  std::string data;     // --data for this one ("": the fixture's)
};

class BadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cli_ = std::make_unique<CliRunner>(SHADOWSET_BINARY, tmp_.path(), "");
    Ok({"init", "--block-size", "4K", "--diff-area-max", "64M"});
    Ok({"volume", "create", "v", "--size", "256K"});
    WriteFile("hello", "hello, volume");
    Ok({"volume", "write", "v", "--offset", "8K", "--file", "hello"});
    Ok({"directory", "init"});
    Ok({"directory", "object", "add", "DC=shadowset,DC=test", "--class",
        "domain"});
    Ok({"dhcp", "init", "--size", "1M"});
    Ok({"dhcp", "scope", "add", "10.1.0.0/24"});
    Ok({"dhcp", "range", "add", "10.1.0.0/24", "10.1.0.10", "10.1.0.200"});
    Ok({"dhcp", "lease", "add", "--ip", "10.1.0.20", "--mac",
        "aa:bb:cc:dd:ee:01", "--name", "pc-20"});
    Ok({"rras", "init", "--size", "256K"});
    Ok({"rras", "transport", "add", "ip"});
    Ok({"rras", "interface", "add", "eth0", "--type", "dedicated"});
    WriteFile("key", std::string(32, 'k'));
    WriteFile("wrong.key", std::string(32, 'w'));
    WriteFile("short.key", "short");
    Ok({"backup", "create", "--to", Path("backups"), "--token-key", Path("key"),
        "--id", "full-1"});
    Ok({"volume", "write", "v", "--offset", "64K", "--file", "hello"});
    Ok({"backup", "create", "--to", Path("backups"), "--token-key", Path("key"),
        "--type", "incremental", "--id", "inc-1"});
    CliRunner restored(SHADOWSET_BINARY, tmp_.path(), Path("restored"));
    restored.Ok({"restore", Path("backups/inc-1"), "--token-key", Path("key")});
    Damage();
  }

  std::string Path(const std::string& name) const { return tmp_.Sub(name); }
  std::string Data() const { return Path("data"); }

  std::string Ok(const std::vector<std::string>& args) {
    std::vector<std::string> full = {"--data", Data()};
    full.insert(full.end(), args.begin(), args.end());
    return cli_->Ok(full);
  }

  void WriteFile(const std::string& name, const std::string& bytes) {
    ASSERT_OK(WriteFileAtomically(
        Env::Default(), Path(name),
        {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}));
  }

  // Copies of the full backup, each damaged one way, in a parent of its
  // own (a set is found by its directory name).
  void Damage() {
    for (const char* how :
         {"flipped", "truncated", "manifest", "token", "missing"}) {
      fs::create_directories(Path(how));
      fs::copy(Path("backups/full-1"), Path(absl::StrCat(how, "/full-1")),
               fs::copy_options::recursive);
    }
    auto edit = [](const std::string& path, auto change) {
      std::string bytes = ReadFileToString(Env::Default(), path).value();
      change(bytes);
      ASSERT_OK(WriteFileAtomically(
          Env::Default(), path,
          {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}));
    };
    edit(Path("flipped/full-1/volumes/v.img"), [](std::string& b) {
      size_t at = b.find("hello, volume");
      ASSERT_NE(at, std::string::npos);
      b[at] ^= 1;
    });
    edit(Path("truncated/full-1/volumes/v.img"),
         [](std::string& b) { b.resize(b.size() - 100); });
    edit(Path("manifest/full-1/manifest.json"), [](std::string& b) {
      size_t at = b.find("\"backup_id\"");
      ASSERT_NE(at, std::string::npos);
      b.insert(at, " ");
    });
    edit(Path("token/full-1/token"), [](std::string& b) { b.resize(10); });
    fs::remove(Path("missing/full-1/volumes/v.sums"));
  }

  // Everything a command could change: the listings of both data
  // directories and every file under the working directory.
  std::map<std::string, std::string> State() {
    std::map<std::string, std::string> state;
    for (const auto& [dir, lists] : std::vector<
             std::pair<std::string, std::vector<std::vector<std::string>>>>{
             {Data(),
              {{"volume", "list"},
               {"snapshot", "list"},
               {"backup", "list"},
               {"events"},
               {"dhcp", "lease", "list"},
               {"dhcp", "scope", "list"},
               {"rras", "interface", "list"},
               {"directory", "object", "list"}}},
             {Path("restored"),
              {{"volume", "list"}, {"snapshot", "list"}, {"events"}}}}) {
      CliRunner at(SHADOWSET_BINARY, tmp_.path(), dir);
      for (std::vector<std::string> args : lists) {
        const std::string name =
            absl::StrCat(dir, ": ", absl::StrJoin(args, " "));
        args.insert(args.begin(), "--json");
        state[name] = at.Ok(args);
      }
    }
    for (const fs::directory_entry& e :
         fs::recursive_directory_iterator(tmp_.path())) {
      const std::string path = e.path().string();
      if (path.find("/.std") != std::string::npos) continue;  // the runner's
      // Live volumes and catalogs change when a service merely opens
      // (recovery, checkpoints); their listings above are what counts.
      if (path.find("/data/") != std::string::npos ||
          path.find("/restored/") != std::string::npos) {
        continue;
      }
      state[path] = e.is_regular_file()
                        ? ReadFileToString(Env::Default(), path).value()
                        : "<dir>";
    }
    return state;
  }

  void ExpectRefused(const Bad& bad) {
    SCOPED_TRACE(absl::StrJoin(bad.args, " "));
    std::vector<std::string> args = {"--data",
                                     bad.data.empty() ? Data() : bad.data};
    args.insert(args.end(), bad.args.begin(), bad.args.end());
    CliResult r = cli_->Run(args);
    EXPECT_EQ(r.code, bad.code) << r.err;
    EXPECT_THAT(r.err, StartsWith("shadowset: "));
    EXPECT_THAT(r.err, HasSubstr(bad.message));
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(r.out, "");
  }

  // Each of `bad` refused, with nothing changed after each.
  void ExpectAllRefused(const std::vector<Bad>& bad) {
    const std::map<std::string, std::string> before = State();
    for (const Bad& b : bad) {
      ExpectRefused(b);
      const std::map<std::string, std::string> after = State();
      for (const auto& [what, text] : before) {
        auto it = after.find(what);
        EXPECT_TRUE(it != after.end() && it->second == text)
            << "'" << absl::StrJoin(b.args, " ") << "' changed " << what;
      }
      for (const auto& [what, text] : after) {
        EXPECT_TRUE(before.contains(what))
            << "'" << absl::StrJoin(b.args, " ") << "' made " << what;
      }
    }
  }

  TempDir tmp_{/*prefer_memory=*/true};
  std::unique_ptr<CliRunner> cli_;
};

TEST_F(BadInputTest, UnknownCommandsAndFlags) {
  ExpectAllRefused({
      {{"frobnicate"}, 2, "unknown command 'frobnicate' (see --help)"},
      {{"backup", "frob"},
       2,
       "unknown command 'backup frob' (see 'shadowset backup --help')"},
      {{"dhcp", "lease", "renew"}, 2, "unknown command 'dhcp lease renew'"},
      {{"snapshot"},
       2,
       "'snapshot' needs a command: create, list, delete, export, changed"},
      {{}, 2, "give a command: init, volume,"},
      {{"backup", "create", "--to", Path("backups"), "--frobnicate"},
       2,
       "--frobnicate"},
      {{"restore", Path("backups/full-1"), "--speed", "11"}, 2, "--speed"},
      {{"volume", "list", "extra"}, 2, "extra"},
      {{"backup", "create", "--to", Path("backups"), "--type", "log"},
       1,
       "bad value for --type: 'log'"},
  });
}

TEST_F(BadInputTest, MissingOrLockedDataDirectory) {
  const std::string nowhere = Path("nowhere");
  const std::string missing =
      "data directory " + nowhere + " does not exist (run 'shadowset init')";
  {
    // The lock held by this process, as a running command would hold it.
    EngineOptions o;
    o.lock_holder = "the bad-input test";
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Engine> holder,
                         Engine::Open(Data(), o));
    const std::string locked = Data() + " is locked by the bad-input test";
    for (const std::vector<std::string>& args :
         std::vector<std::vector<std::string>>{
             {"volume", "list"},
             {"backup", "create", "--to", Path("backups")},
             {"restore", Path("backups/full-1"), "--token-key", Path("key")},
             {"dhcp", "lease", "list"},
             {"directory", "object", "list"},
             {"writers", "status"},
             {"check"}}) {
      ExpectRefused({args, 1, locked});
    }
  }
  ExpectAllRefused({
      {{"volume", "list"}, 1, missing, nowhere},
      {{"backup", "list"}, 1, missing, nowhere},
      {{"backup", "create", "--to", Path("backups")}, 1, missing, nowhere},
      {{"writers", "status"}, 1, missing, nowhere},
      {{"dhcp", "lease", "list"}, 1, missing, nowhere},
      {{"directory", "object", "list"}, 1, missing, nowhere},
  });
}

TEST_F(BadInputTest, BadSizesAndDurations) {
  ExpectAllRefused({
      {{"volume", "create", "x", "--size", "12Q"},
       1,
       "bad size for --size: '12Q' (use bytes or a K/M/G/T suffix"},
      {{"init", "--block-size", "4X"},
       1,
       "bad size for --block-size: '4X'",
       Path("fresh")},
      {{"init", "--diff-area-max", "-1"},
       1,
       "bad size for --diff-area-max",
       Path("fresh")},
      {{"rras", "init", "--size", "1.5M"}, 1, "bad size for --size: '1.5M'"},
      {{"volume", "read", "v", "--offset", "8KB!", "--length", "1K", "--out",
        Path("out")},
       1,
       "bad size for --offset"},
      {{"backup", "create", "--to", Path("backups"), "--expires-in",
        "3fortnights"},
       1,
       "bad duration for --expires-in: '3fortnights'"},
      {{"backup", "create", "--to", Path("backups"), "--expires-in", "0s"},
       1,
       "bad duration for --expires-in: '0s'"},
      {{"directory", "tombstone-lifetime", "5w"}, 1, "bad duration"},
      {{"dhcp", "lease", "add", "--ip", "10.1.0.30", "--mac",
        "aa:bb:cc:dd:ee:02", "--expires", "tomorrow"},
       1,
       "bad time for --expires: 'tomorrow'"},
      {{"demo", "--seconds", "0"}, 2, "--seconds"},
  });
}

TEST_F(BadInputTest, IdsThatDoNotExist) {
  const std::string no_set = "1b4e28ba-2fa1-41d2-883f-0016d3cca427";
  ExpectAllRefused({
      {{"snapshot", "delete", no_set},
       1,
       "no snapshot set " + no_set + ": VSS_E_OBJECT_NOT_FOUND (0x80042308)"},
      {{"snapshot", "changed", no_set, no_set, "v"},
       1,
       "VSS_E_OBJECT_NOT_FOUND"},
      {{"volume", "read", "nope", "--length", "4K", "--out", Path("out")},
       1,
       "no volume named 'nope'"},
      {{"backup", "verify", Path("backups/nope")}, 1, "no backup set at"},
      {{"restore", Path("backups/nope")}, 1, "no backup set at"},
      {{"restore", Path("backups/full-1"), "--token-key", Path("key"),
        "--volumes", "zz"},
       1,
       "backup full-1 holds no volume 'zz'"},
      {{"backup", "create", "--to", Path("backups"), "--volumes", "zz"},
       1,
       "zz"},
      {{"token", "show", Path("backups/nope")}, 1, "no expiry token at"},
      {{"dhcp", "lease", "get", "--ip", "10.1.0.99"},
       1,
       "ERROR_DHCP_INVALID_DHCP_CLIENT (20016)"},
      {{"rras", "interface", "delete", "nope"},
       1,
       "ERROR_NO_SUCH_INTERFACE (905)"},
      {{"directory", "object", "get", "CN=nope,DC=shadowset,DC=test"},
       1,
       "ERROR_NOT_FOUND (1168)"},
  });
}

TEST_F(BadInputTest, CorruptAndTruncatedBackupsAndAWrongKey) {
  const std::string key = Path("key");
  auto set = [&](const std::string& how) { return Path(how + "/full-1"); };
  const std::string flipped =
      "volumes/v.img: block 2 (data block 0 of the file) fails its xxh3-64 "
      "checksum";
  const std::string truncated = "volumes/v.img: ";
  const std::string manifest =
      "expiry token refused (tampered): backup full-1: manifest.json changed";
  const std::string token = "expiry token refused (unreadable)";
  const std::string missing = "volumes/v.sums: missing (the manifest lists it)";
  const std::string wrong_key = "expiry token refused (tampered)";
  ExpectAllRefused({
      {{"backup", "verify", set("flipped"), "--token-key", key}, 1, flipped},
      {{"restore", set("flipped"), "--token-key", key}, 1, flipped},
      {{"restore", set("flipped"), "--token-key", key, "--to", Path("new")},
       1,
       flipped},
      {{"backup", "verify", set("truncated"), "--token-key", key},
       1,
       truncated},
      {{"restore", set("truncated"), "--token-key", key, "--to", Path("new")},
       1,
       truncated},
      {{"backup", "verify", set("manifest"), "--token-key", key}, 1, manifest},
      {{"restore", set("manifest"), "--token-key", key}, 1, manifest},
      {{"backup", "verify", set("token")}, 1, token},
      {{"restore", set("token"), "--to", Path("new")}, 1, token},
      {{"token", "show", set("token")}, 1, "truncated"},
      {{"backup", "verify", set("missing"), "--token-key", key}, 1, missing},
      {{"restore", set("missing"), "--token-key", key, "--to", Path("new")},
       1,
       missing},
      {{"backup", "verify", Path("backups/inc-1"), "--token-key",
        Path("wrong.key")},
       1,
       wrong_key},
      {{"restore", Path("backups/inc-1"), "--token-key", Path("wrong.key")},
       1,
       wrong_key},
      {{"restore", Path("backups/inc-1"), "--token-key", Path("wrong.key"),
        "--to", Path("new")},
       1,
       wrong_key},
      {{"backup", "create", "--to", Path("backups"), "--token-key",
        Path("short.key")},
       1,
       "holds 5 bytes; a key needs at least 16"},
  });
  // The undamaged sets still verify.
  for (const char* b : {"backups/full-1", "backups/inc-1"}) {
    Ok({"backup", "verify", Path(b), "--token-key", key});
  }
}

// Happy paths no other suite takes.
TEST_F(BadInputTest, ExclusionsAndGarbageCollection) {
  EXPECT_EQ(Ok({"dhcp", "exclusion", "add", "10.1.0.0/24", "10.1.0.100",
                "10.1.0.120"}),
            "added exclusion 10.1.0.100-10.1.0.120 to scope 10.1.0.0/24\n");
  ExpectRefused({{"dhcp", "lease", "add", "--ip", "10.1.0.110", "--mac",
                  "aa:bb:cc:dd:ee:03"},
                 1,
                 "10.1.0.110 is excluded from its scope: "
                 "ERROR_DHCP_ADDRESS_NOT_AVAILABLE (20011)"});
  Ok({"dhcp", "lease", "add", "--ip", "10.1.0.121", "--mac",
      "aa:bb:cc:dd:ee:03"});
  Ok({"directory", "object", "add", "CN=gone,DC=shadowset,DC=test", "--class",
      "computer"});
  Ok({"directory", "object", "delete", "CN=gone,DC=shadowset,DC=test"});
  // A tombstone younger than the tombstone lifetime stays.
  EXPECT_EQ(Ok({"directory", "gc"}), "purged 0 tombstones\n");
  EXPECT_THAT(
      Ok({"directory", "object", "get", "CN=gone,DC=shadowset,DC=test"}),
      HasSubstr("deleted"));
}

}  // namespace
}  // namespace shadowset::testing
