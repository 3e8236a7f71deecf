// End-to-end: the built `shadowset` binary's dhcp and rras commands, their
// output, error lines and exit codes.

#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/env.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace shadowset {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

struct Result {
  int code = -1;
  std::string out;
  std::string err;
};

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') {
      q += "'\\''";
    } else {
      q += c;
    }
  }
  return q + "'";
}

class ServiceCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = tmp_.Sub("data");
    ASSERT_EQ(Sh({"init", "--block-size", "4K", "--diff-area-max", "64M"}).code, 0);
  }

  // Runs `shadowset --data <data> args...` in the scratch directory.
  Result Sh(const std::vector<std::string>& args) {
    std::vector<std::string> quoted;
    for (const std::string& a : args) quoted.push_back(Quote(a));
    std::string out = tmp_.Sub("stdout"), err = tmp_.Sub("stderr");
    std::string cmd = absl::StrCat("cd ", Quote(tmp_.path()), " && ",
                                   Quote(SHADOWSET_BINARY), " --data ",
                                   Quote(data_), " ", absl::StrJoin(quoted, " "),
                                   " >", Quote(out), " 2>", Quote(err));
    int status = std::system(cmd.c_str());
    Result r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = ReadFileToString(Env::Default(), out).value_or("");
    r.err = ReadFileToString(Env::Default(), err).value_or("");
    return r;
  }

  // Runs a command that must succeed; returns its stdout.
  std::string Ok(const std::vector<std::string>& args) {
    Result r = Sh(args);
    EXPECT_EQ(r.code, 0) << absl::StrJoin(args, " ") << "\n" << r.err;
    return r.out;
  }

  ::shadowset::testing::TempDir tmp_;
  std::string data_;
};

std::string Me() {
  const passwd* pw = getpwuid(geteuid());
  return pw != nullptr ? pw->pw_name : "";
}

TEST_F(ServiceCommandsTest, DhcpLifecycle) {
  EXPECT_EQ(Ok({"dhcp", "init", "--server-ip", "10.0.0.1", "--size", "4M"}),
            absl::StrCat("created the DHCP server on volume dhcp; "
                         "administrator: ", Me(), "\n"));
  EXPECT_EQ(Ok({"dhcp", "scope", "add", "10.1.0.0/24", "--name", "lab"}),
            "created scope 10.1.0.0/24\n");
  EXPECT_EQ(Ok({"dhcp", "range", "add", "10.1.0.0/24", "10.1.0.10", "10.1.0.200"}),
            "added range 10.1.0.10-10.1.0.200 to scope 10.1.0.0/24\n");
  EXPECT_EQ(Ok({"dhcp", "reservation", "add", "--ip", "10.1.0.50", "--mac",
                "aa:bb:cc:dd:ee:50"}),
            "reserved 10.1.0.50 for aa:bb:cc:dd:ee:50\n");
  EXPECT_EQ(Ok({"dhcp", "lease", "add", "--ip", "10.1.0.20", "--mac",
                "AA:BB:CC:DD:EE:01", "--name", "pc-20", "--comment", "desk",
                "--expires", "2031-02-03T04:05:06Z"}),
            "10.1.0.20       aa:bb:cc:dd:ee:01 pc-20                active  "
            "expires 2031-02-03T04:05:06Z  # desk\n");
  Ok({"dhcp", "lease", "add", "--ip", "10.1.0.21", "--mac", "aa:bb:cc:dd:ee:02",
      "--expires", "8d"});

  nlohmann::json list =
      nlohmann::json::parse(Ok({"--json", "dhcp", "lease", "list"}));
  ASSERT_TRUE(list.is_array());
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["ip"], "10.1.0.20");
  EXPECT_EQ(list[0]["mac"], "aa:bb:cc:dd:ee:01");
  EXPECT_EQ(list[0]["name"], "pc-20");
  EXPECT_EQ(list[1]["ip"], "10.1.0.21");
  EXPECT_EQ(list[1]["name"], "");

  nlohmann::json got = nlohmann::json::parse(
      Ok({"--json", "dhcp", "lease", "get", "--mac", "aa:bb:cc:dd:ee:01"}));
  EXPECT_EQ(got["ip"], "10.1.0.20");
  EXPECT_EQ(got["expires"], "2031-02-03T04:05:06Z");
  Ok({"dhcp", "lease", "set", "--ip", "10.1.0.20", "--name", "pc-20b",
      "--state", "doom"});
  got = nlohmann::json::parse(Ok({"--json", "dhcp", "lease", "get", "--name", "pc-20b"}));
  EXPECT_EQ(got["state"], "doom");

  std::string scopes = Ok({"dhcp", "scope", "list"});
  EXPECT_THAT(scopes, HasSubstr("10.1.0.0/24        lab              enabled       2  "
                                "10.1.0.10-10.1.0.200"));
  Ok({"dhcp", "admins", "add", "bob"});
  EXPECT_EQ(Ok({"dhcp", "admins", "list", "--as", "bob"}),
            absl::StrCat("bob\n", Me(), "\n"));

  // Backup, change, restore.
  std::string backup = Ok({"dhcp", "backup", "bk"});
  EXPECT_EQ(backup, absl::StrCat("backed up the DHCP database (2 leases, "
                                 "sequence 7) to ", tmp_.path(), "/bk\n"));
  EXPECT_EQ(Ok({"dhcp", "lease", "delete", "--ip", "10.1.0.20"}), "deleted\n");
  EXPECT_EQ(Ok({"dhcp", "restore", "bk"}),
            absl::StrCat("restored the DHCP database from ", tmp_.path(),
                         "/bk (2 leases)\n"));
  EXPECT_EQ(nlohmann::json::parse(Ok({"--json", "dhcp", "lease", "list"})).size(), 2u);
  Ok({"dhcp", "scope", "delete", "10.1.0.0/24", "--force"});
  EXPECT_EQ(Ok({"--json", "dhcp", "scope", "list"}), "[]\n");
}

TEST_F(ServiceCommandsTest, DhcpErrorsPrintTheCodeAndExitNonZero) {
  Result r = Sh({"dhcp", "lease", "list"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, absl::StrCat("shadowset: no DHCP server in ", data_,
                                " (create one with 'shadowset dhcp init')\n"));
  Ok({"dhcp", "init"});
  r = Sh({"dhcp", "init"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, absl::StrCat("shadowset: a DHCP server already exists in ",
                                data_, "\n"));
  Ok({"dhcp", "scope", "add", "10.1.0.0/24"});
  Ok({"dhcp", "lease", "add", "--ip", "10.1.0.20", "--mac", "aa:bb:cc:dd:ee:01"});
  r = Sh({"dhcp", "lease", "add", "--ip", "10.1.0.20", "--mac", "aa:bb:cc:dd:ee:02"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "shadowset: a lease record for 10.1.0.20 exists: "
                   "ERROR_DHCP_CLIENT_EXISTS (20014)\n");
  EXPECT_EQ(r.out, "");
  r = Sh({"dhcp", "lease", "add", "--ip", "10.7.0.1", "--mac", "aa:bb:cc:dd:ee:02"});
  EXPECT_EQ(r.err, "shadowset: address 10.7.0.1 is outside every scope: "
                   "ERROR_DHCP_SUBNET_NOT_PRESENT (20005)\n");
  r = Sh({"dhcp", "lease", "list", "--as", "mallory"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "shadowset: 'mallory' is not a member of DHCP Administrators: "
                   "ERROR_ACCESS_DENIED (5)\n");
  r = Sh({"dhcp", "lease", "add", "--ip", "10.1.0.21", "--mac", "nonsense"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "shadowset: bad hardware address for --mac: 'nonsense' "
                   "(expected aa:bb:cc:dd:ee:ff): ERROR_INVALID_PARAMETER (87)\n");
  r = Sh({"dhcp", "scope", "delete", "10.1.0.0/24"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "shadowset: scope 10.1.0.0 has 1 leases: "
                   "ERROR_DHCP_ELEMENT_CANT_REMOVE (20007)\n");
  r = Sh({"dhcp", "lease", "get", "--name", "nobody"});
  EXPECT_EQ(r.err, "shadowset: no lease record named 'nobody': "
                   "ERROR_DHCP_INVALID_DHCP_CLIENT (20016)\n");
  r = Sh({"dhcp", "restore", "no-such-backup"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, StartsWith("shadowset: DHCP database error: "));
  EXPECT_THAT(r.err, HasSubstr("ERROR_DHCP_JET_ERROR (20013)"));
  r = Sh({"dhcp", "lease", "list", "--bogus"});
  EXPECT_EQ(r.code, 2);
  // Nothing changed along the way.
  nlohmann::json list = nlohmann::json::parse(Ok({"--json", "dhcp", "lease", "list"}));
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["mac"], "aa:bb:cc:dd:ee:01");
}

TEST_F(ServiceCommandsTest, RrasLifecycle) {
  EXPECT_EQ(Ok({"rras", "init"}),
            absl::StrCat("created the router configuration on volume rras; "
                         "administrator: ", Me(), "\n"));
  EXPECT_EQ(Ok({"rras", "transport", "add", "ip"}), "added router manager ip\n");
  Ok({"rras", "transport", "add", "ipv6"});
  EXPECT_EQ(Ok({"rras", "transport", "list"}), "ip    0x21  IP\nipv6  0x57  IPv6\n");
  EXPECT_EQ(Ok({"rras", "interface", "add", "eth0", "--type", "full-router"}),
            "created interface eth0\n");
  Ok({"rras", "interface", "add", "tun0", "--type", "tunnel", "--disabled"});
  EXPECT_EQ(Ok({"rras", "interface", "list"}),
            "NAME                     TYPE         STATE    TRANSPORTS\n"
            "eth0                     full-router  enabled  -\n"
            "tun0                     tunnel       disabled -\n");
  Ok({"rras", "phonebook", "add", "office", "--device", "vpn", "--number",
      "203.0.113.7", "--option", "Redial=3"});
  nlohmann::json pb = nlohmann::json::parse(Ok({"--json", "rras", "phonebook", "list"}));
  ASSERT_EQ(pb.size(), 1u);
  EXPECT_EQ(pb[0]["options"]["Redial"], "3");

  const std::string before = Ok({"--json", "rras", "interface", "list"});
  EXPECT_EQ(Ok({"rras", "backup", "rb/"}),
            absl::StrCat("backed up the router configuration to ", tmp_.path(),
                         "/rb/\n"));
  Ok({"rras", "interface", "delete", "eth0"});
  Ok({"rras", "phonebook", "delete", "office"});
  EXPECT_EQ(Ok({"rras", "restore", "rb/"}),
            absl::StrCat("restored the router configuration from ", tmp_.path(),
                         "/rb/\n"));
  EXPECT_EQ(Ok({"--json", "rras", "interface", "list"}), before);
  EXPECT_EQ(nlohmann::json::parse(Ok({"--json", "rras", "phonebook", "list"})).size(), 1u);
  Ok({"rras", "admins", "add", "bob"});
  EXPECT_EQ(Ok({"rras", "admins", "list", "--as", "bob"}),
            absl::StrCat("bob\n", Me(), "\n"));
}

TEST_F(ServiceCommandsTest, RrasErrorsPrintTheCodeAndChangeNothing) {
  Ok({"rras", "init"});
  Ok({"rras", "interface", "add", "eth0", "--type", "dedicated"});
  const std::string before = Ok({"--json", "rras", "interface", "list"});
  Result r = Sh({"rras", "interface", "add", "ETH0", "--type", "dedicated"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "shadowset: interface 'ETH0' exists: "
                   "ERROR_INTERFACE_ALREADY_EXISTS (904)\n");
  r = Sh({"rras", "interface", "delete", "wan9"});
  EXPECT_EQ(r.err, "shadowset: no interface 'wan9': ERROR_NO_SUCH_INTERFACE (905)\n");
  r = Sh({"rras", "transport", "add", "ipx"});
  EXPECT_EQ(r.err, "shadowset: unknown protocol 'ipx' (ip or ipv6): "
                   "ERROR_UNKNOWN_PROTOCOL_ID (902)\n");
  ASSERT_OK(Env::Default()->CreateDir(tmp_.Sub("plain")));
  r = Sh({"rras", "restore", "plain/"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, absl::StrCat("shadowset: ", tmp_.path(),
                                "/plain/ is not a compatible router "
                                "configuration backup: ", tmp_.path(),
                                "/plain/ has no rras-backup.manifest: "
                                "ERROR_ROUTER_CONFIG_INCOMPATIBLE (945)\n"));
  r = Sh({"rras", "backup", "rb"});
  EXPECT_EQ(r.err, absl::StrCat("shadowset: the backup path must be an absolute "
                                "directory ending with '/', not '",
                                tmp_.path(), "/rb': ERROR_INVALID_PARAMETER (87)\n"));
  r = Sh({"rras", "interface", "list", "--as", "mallory"});
  EXPECT_EQ(r.err, "shadowset: 'mallory' is not an administrator of the router: "
                   "ERROR_ACCESS_DENIED (5)\n");
  r = Sh({"rras", "interface", "add", "x", "--type", "nope"});
  EXPECT_THAT(r.err, HasSubstr("ERROR_INVALID_PARAMETER (87)"));
  EXPECT_EQ(Ok({"--json", "rras", "interface", "list"}), before);
}

}  // namespace
}  // namespace shadowset
