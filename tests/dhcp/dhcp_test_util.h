// Shared fixtures of the DHCP tests: an engine in a scratch directory, a
// server on it, and small builders for addresses and lease records.

#ifndef SHADOWSET_TESTS_DHCP_DHCP_TEST_UTIL_H_
#define SHADOWSET_TESTS_DHCP_DHCP_TEST_UTIL_H_

#include <map>
#include <ostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/engine.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "writers/dhcp/dhcp_server.h"

namespace shadowset::dhcp {

// Readable lease records in test failures.
inline void PrintTo(const ClientInfo& c, std::ostream* os) {
  *os << "{" << FormatIp(c.ip) << " " << FormatHardwareAddress(c.hardware_address)
      << " '" << c.name << "' state " << static_cast<int>(c.address_state)
      << " type " << static_cast<int>(c.client_type) << " expires "
      << absl::FormatTime(c.expires) << "}";
}

}  // namespace shadowset::dhcp

namespace shadowset::dhcp::testing {

inline constexpr char kAdmin[] = "alice";
inline constexpr char kStranger[] = "mallory";

// A StatusOr that is OK and whose value matches `m`.
MATCHER_P(IsOkAndHolds, m, "is OK and holds a value that matches") {
  if (!arg.ok()) {
    *result_listener << "status: " << arg.status();
    return false;
  }
  return ::testing::ExplainMatchResult(m, *arg, result_listener);
}

inline IpAddress Ip(const char* text) {
  std::optional<IpAddress> ip = ParseIp(text);
  EXPECT_TRUE(ip.has_value()) << text;
  return ip.value_or(0);
}

// A distinct 6-byte MAC per n: 02:00:00:xx:xx:xx.
inline std::string Mac(uint32_t n) {
  std::string mac = {0x02, 0x00, 0x00, static_cast<char>(n >> 16),
                     static_cast<char>(n >> 8), static_cast<char>(n)};
  return mac;
}

inline ClientInfo Lease(const char* ip, uint32_t mac, std::string name = "") {
  ClientInfo c;
  c.ip = Ip(ip);
  c.hardware_address = Mac(mac);
  c.name = std::move(name);
  c.expires = absl::FromUnixSeconds(1900000000);
  return c;
}

inline SubnetInfo Subnet(const char* address, int prefix,
                         std::string name = "") {
  SubnetInfo s;
  s.address = Ip(address);
  s.mask = MaskFromPrefix(prefix);
  s.name = std::move(name);
  return s;
}

inline SubnetElement Range(const char* start, const char* end) {
  SubnetElement e;
  e.type = ElementType::kIpRanges;
  e.range = {Ip(start), Ip(end)};
  return e;
}

inline SubnetElement Exclusion(const char* start, const char* end) {
  SubnetElement e;
  e.type = ElementType::kExcludedIpRanges;
  e.range = {Ip(start), Ip(end)};
  return e;
}

inline SubnetElement Reserved(const char* ip, uint32_t mac) {
  SubnetElement e;
  e.type = ElementType::kReservedIps;
  e.reservation.ip = Ip(ip);
  e.reservation.hardware_address = Mac(mac);
  return e;
}

// An engine in a scratch directory.
class EngineFixture {
 public:
  explicit EngineFixture(EngineOptions options = {}, uint32_t block_size = 4096)
      : options_(options) {
    dir_ = tmp_.Sub("data");
    InitOptions init;
    init.block_size = block_size;
    init.diff_area_max = 256 << 20;
    EXPECT_OK(Engine::Init(dir_, init, options.env));
    Reopen();
  }

  void Reopen() {
    engine_.reset();
    auto engine = Engine::Open(dir_, options_);
    EXPECT_OK(engine.status());
    if (engine.ok()) engine_ = std::move(*engine);
  }
  void Close() { engine_.reset(); }

  Engine* engine() { return engine_.get(); }
  const std::string& dir() const { return dir_; }
  const ::shadowset::testing::TempDir& tmp() const { return tmp_; }

 private:
  ::shadowset::testing::TempDir tmp_;
  std::string dir_;
  EngineOptions options_;
  std::unique_ptr<Engine> engine_;
};

// What the API can see of a server, for "nothing changed" checks.
struct Observed {
  uint64_t seq = 0;
  std::vector<SubnetInfo> subnets;
  std::vector<ClientInfo> leases;
  std::vector<std::string> admins;
  friend bool operator==(const Observed&, const Observed&) = default;
};

inline Observed Observe(const DhcpServer& server) {
  Observed o;
  o.seq = server.sequence();
  o.subnets = server.EnumSubnets(kAdmin).value_or(std::vector<SubnetInfo>{});
  o.leases = server.EnumSubnetClients(kAdmin, 0)
                 .value_or(std::vector<ClientInfo>{});
  o.admins = server.ListAdministrators(kAdmin)
                 .value_or(std::vector<std::string>{});
  return o;
}

// Records every lease change with its sequence number, and wakes a waiter
// when the server passes a given sequence number.
class ChangeLog {
 public:
  // For DhcpServer::SetLeaseListener.
  LeaseListener Listener() {
    return [this](uint64_t seq, IpAddress ip, const ClientInfo* c) {
      Record(seq, ip, c);
    };
  }

  void Record(uint64_t seq, IpAddress ip, const ClientInfo* lease) {
    absl::MutexLock l(&mu_);
    changes_.push_back({seq, ip, lease ? std::optional<ClientInfo>(*lease)
                                       : std::nullopt});
    last_seq_ = seq;
  }
  void AwaitSequence(uint64_t seq) {
    absl::MutexLock l(&mu_);
    auto reached = [this, seq]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return last_seq_ >= seq;
    };
    mu_.Await(absl::Condition(&reached));
  }
  // `base` with every change up to `seq` applied.
  std::map<IpAddress, ClientInfo> StateAt(std::map<IpAddress, ClientInfo> base,
                                          uint64_t seq) {
    absl::MutexLock l(&mu_);
    for (const Change& c : changes_) {
      if (c.seq > seq) break;
      if (c.lease) {
        base[c.ip] = *c.lease;
      } else {
        base.erase(c.ip);
      }
    }
    return base;
  }
  uint64_t last_seq() {
    absl::MutexLock l(&mu_);
    return last_seq_;
  }

 private:
  struct Change {
    uint64_t seq;
    IpAddress ip;
    std::optional<ClientInfo> lease;
  };
  absl::Mutex mu_;
  std::vector<Change> changes_ ABSL_GUARDED_BY(mu_);
  uint64_t last_seq_ ABSL_GUARDED_BY(mu_) = 0;
};

inline std::map<IpAddress, ClientInfo> AsMap(const std::vector<ClientInfo>& leases) {
  std::map<IpAddress, ClientInfo> m;
  for (const ClientInfo& c : leases) m[c.ip] = c;
  return m;
}

}  // namespace shadowset::dhcp::testing

#endif  // SHADOWSET_TESTS_DHCP_DHCP_TEST_UTIL_H_
