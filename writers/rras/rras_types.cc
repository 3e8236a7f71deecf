#include "writers/rras/rras_types.h"

namespace shadowset::rras {
namespace {

struct NamedType {
  InterfaceType type;
  absl::string_view name;
};

constexpr NamedType kTypes[] = {
    {InterfaceType::kClient, "client"},
    {InterfaceType::kHomeRouter, "home-router"},
    {InterfaceType::kFullRouter, "full-router"},
    {InterfaceType::kDedicated, "dedicated"},
    {InterfaceType::kInternal, "internal"},
    {InterfaceType::kLoopback, "loopback"},
    {InterfaceType::kTunnel1, "tunnel"},
    {InterfaceType::kDialout, "dialout"},
};

}  // namespace

absl::string_view InterfaceTypeName(InterfaceType type) {
  for (const NamedType& t : kTypes) {
    if (t.type == type) return t.name;
  }
  return "unknown";
}

std::optional<InterfaceType> ParseInterfaceType(absl::string_view name) {
  for (const NamedType& t : kTypes) {
    if (t.name == name) return t.type;
  }
  return std::nullopt;
}

absl::string_view TransportName(uint32_t id) {
  if (id == kPidIp) return "ip";
  if (id == kPidIpv6) return "ipv6";
  return "";
}

std::optional<uint32_t> ParseTransport(absl::string_view name) {
  if (name == "ip") return kPidIp;
  if (name == "ipv6") return kPidIpv6;
  return std::nullopt;
}

}  // namespace shadowset::rras
