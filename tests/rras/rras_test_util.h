// Shared fixtures of the router configuration tests.

#ifndef SHADOWSET_TESTS_RRAS_RRAS_TEST_UTIL_H_
#define SHADOWSET_TESTS_RRAS_RRAS_TEST_UTIL_H_

#include <string>
#include <vector>

#include "tests/dhcp/dhcp_test_util.h"
#include "writers/rras/router_config.h"

namespace shadowset::rras::testing {

using ::shadowset::dhcp::testing::EngineFixture;
using ::shadowset::dhcp::testing::IsOkAndHolds;

inline constexpr char kAdmin[] = "alice";
inline constexpr char kStranger[] = "mallory";

inline Interface Iface(std::string name,
                       InterfaceType type = InterfaceType::kDedicated) {
  Interface i;
  i.name = std::move(name);
  i.type = type;
  return i;
}

inline Transport Ip4(std::string info = "global-v4") {
  Transport t;
  t.id = kPidIp;
  t.name = "IP";
  t.global_info = std::move(info);
  t.dll_path = "iprtrmgr.dll";
  return t;
}

inline PhonebookEntry Entry(std::string name, std::string number = "203.0.113.7") {
  PhonebookEntry e;
  e.name = std::move(name);
  e.device = "vpn";
  e.number = std::move(number);
  e.options["Redial"] = "3";
  return e;
}

// What the API can see, for "nothing changed" checks.
struct Observed {
  uint64_t seq = 0;
  std::vector<Transport> transports;
  std::vector<Interface> interfaces;
  std::vector<PhonebookEntry> phonebook;
  std::vector<std::string> admins;
  friend bool operator==(const Observed&, const Observed&) = default;
};

inline Observed Observe(const RouterConfig& r) {
  Observed o;
  o.seq = r.sequence();
  o.transports = r.EnumTransports(kAdmin).value_or(std::vector<Transport>{});
  o.interfaces = r.EnumInterfaces(kAdmin).value_or(std::vector<Interface>{});
  o.phonebook = r.EnumPhonebook(kAdmin).value_or(std::vector<PhonebookEntry>{});
  o.admins = r.ListAdministrators(kAdmin).value_or(std::vector<std::string>{});
  return o;
}

}  // namespace shadowset::rras::testing

#endif  // SHADOWSET_TESTS_RRAS_RRAS_TEST_UTIL_H_
