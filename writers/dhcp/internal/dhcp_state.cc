#include "writers/dhcp/internal/dhcp_state.h"

#include "absl/strings/str_format.h"
#include "writers/service/coding.h"

namespace shadowset::dhcp::internal {

using service::Decoder;

namespace {

constexpr size_t kBasePartSize = 64 * 1024;

bool Contains(const SubnetInfo& s, IpAddress ip) {
  return (ip & s.mask) == s.address;
}

std::string Hw(absl::string_view hw) { return FormatHardwareAddress(hw); }

void CheckRanges(const Scope& scope, const std::vector<IpRange>& ranges,
                 const char* what, std::vector<std::string>* problems) {
  for (size_t i = 0; i < ranges.size(); ++i) {
    const IpRange& r = ranges[i];
    if (r.start > r.end || !Contains(scope.info, r.start) ||
        !Contains(scope.info, r.end)) {
      problems->push_back(absl::StrFormat(
          "%s %s-%s of scope %s is empty or outside it", what,
          FormatIp(r.start), FormatIp(r.end), FormatIp(scope.info.address)));
    }
    if (i > 0 && ranges[i - 1].end >= r.start) {
      problems->push_back(absl::StrFormat("%ss of scope %s overlap at %s", what,
                                          FormatIp(scope.info.address),
                                          FormatIp(r.start)));
    }
  }
}

}  // namespace

bool DhcpState::IsAdmin(absl::string_view principal) const {
  return admins_.count(std::string(principal)) > 0;
}

const Scope* DhcpState::FindScope(IpAddress subnet) const {
  auto it = scopes_.find(subnet);
  return it == scopes_.end() ? nullptr : &it->second;
}

const Scope* DhcpState::ScopeFor(IpAddress ip) const {
  auto it = scopes_.upper_bound(ip);
  if (it == scopes_.begin()) return nullptr;
  --it;
  return Contains(it->second.info, ip) ? &it->second : nullptr;
}

const Reservation* DhcpState::FindReservation(IpAddress ip) const {
  auto it = reservations_.find(ip);
  return it == reservations_.end() ? nullptr : &it->second;
}

std::optional<IpAddress> DhcpState::ReservedFor(IpAddress subnet,
                                                absl::string_view hw) const {
  auto it = reserved_by_hw_.find({subnet, std::string(hw)});
  if (it == reserved_by_hw_.end()) return std::nullopt;
  return it->second;
}

const ClientInfo* DhcpState::FindLease(IpAddress ip) const {
  auto it = leases_.find(ip);
  return it == leases_.end() ? nullptr : &it->second;
}

std::vector<IpAddress> DhcpState::LeasesWithHardwareAddress(
    absl::string_view hw) const {
  auto it = by_hw_.find(std::string(hw));
  if (it == by_hw_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

std::vector<IpAddress> DhcpState::LeasesWithName(absl::string_view name) const {
  auto it = by_name_.find(std::string(name));
  if (it == by_name_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

size_t DhcpState::LeaseCount(IpAddress subnet) const {
  const Scope* scope = FindScope(subnet);
  if (scope == nullptr) return 0;
  IpAddress last = subnet | ~scope->info.mask;
  size_t n = 0;
  for (auto it = leases_.lower_bound(subnet);
       it != leases_.end() && it->first <= last; ++it) {
    ++n;
  }
  return n;
}

void DhcpState::PutLease(const ClientInfo& info) {
  DeleteLease(info.ip);
  leases_[info.ip] = info;
  by_hw_[info.hardware_address].insert(info.ip);
  if (!info.name.empty()) by_name_[info.name].insert(info.ip);
}

void DhcpState::DeleteLease(IpAddress ip) {
  auto it = leases_.find(ip);
  if (it == leases_.end()) return;
  auto erase_from = [ip](std::map<std::string, std::set<IpAddress>>& index,
                         const std::string& key) {
    auto e = index.find(key);
    if (e == index.end()) return;
    e->second.erase(ip);
    if (e->second.empty()) index.erase(e);
  };
  erase_from(by_hw_, it->second.hardware_address);
  if (!it->second.name.empty()) erase_from(by_name_, it->second.name);
  leases_.erase(it);
}

void DhcpState::DeleteReservation(IpAddress ip) {
  auto it = reservations_.find(ip);
  if (it == reservations_.end()) return;
  for (auto e = reserved_by_hw_.begin(); e != reserved_by_hw_.end(); ++e) {
    if (e->second == ip) {
      reserved_by_hw_.erase(e);
      break;
    }
  }
  for (auto o = options_.begin(); o != options_.end();) {
    if (o->first.scope.type == OptionScopeType::kReserved &&
        o->first.scope.reserved_ip == ip) {
      o = options_.erase(o);
    } else {
      ++o;
    }
  }
  reservations_.erase(it);
}

absl::Status DhcpState::ApplyRecord(absl::string_view payload) {
  Decoder d(payload);
  uint32_t count;
  auto malformed = [](const char* what) {
    return absl::DataLossError(
        absl::StrFormat("malformed DHCP database record (%s)", what));
  };
  if (!d.U32(&count)) return malformed("operation count");
  for (uint32_t i = 0; i < count; ++i) {
    uint8_t kind;
    if (!d.U8(&kind)) return malformed("operation kind");
    switch (static_cast<OpKind>(kind)) {
      case OpKind::kServerConfig:
        if (!DecodeServerConfig(d, &config_)) return malformed("config");
        break;
      case OpKind::kAddAdmin: {
        std::string name;
        if (!d.Str(&name)) return malformed("admin");
        admins_.insert(name);
        break;
      }
      case OpKind::kRemoveAdmin: {
        std::string name;
        if (!d.Str(&name)) return malformed("admin");
        admins_.erase(name);
        break;
      }
      case OpKind::kPutSubnet: {
        Scope scope;
        if (!DecodeScope(d, &scope)) return malformed("subnet");
        scopes_[scope.info.address] = std::move(scope);
        break;
      }
      case OpKind::kDeleteSubnet: {
        IpAddress subnet;
        if (!d.U32(&subnet)) return malformed("subnet");
        auto it = scopes_.find(subnet);
        if (it == scopes_.end()) break;
        IpAddress last = subnet | ~it->second.info.mask;
        std::vector<IpAddress> doomed;
        for (auto l = leases_.lower_bound(subnet);
             l != leases_.end() && l->first <= last; ++l) {
          doomed.push_back(l->first);
        }
        for (IpAddress ip : doomed) DeleteLease(ip);
        doomed.clear();
        for (auto r = reservations_.lower_bound(subnet);
             r != reservations_.end() && r->first <= last; ++r) {
          doomed.push_back(r->first);
        }
        for (IpAddress ip : doomed) DeleteReservation(ip);
        for (auto o = options_.begin(); o != options_.end();) {
          if (o->first.scope.type == OptionScopeType::kSubnet &&
              o->first.scope.subnet == subnet) {
            o = options_.erase(o);
          } else {
            ++o;
          }
        }
        scopes_.erase(it);
        break;
      }
      case OpKind::kPutReservation: {
        Reservation r;
        if (!DecodeReservation(d, &r)) return malformed("reservation");
        DeleteReservation(r.ip);
        const Scope* scope = ScopeFor(r.ip);
        reserved_by_hw_[{scope != nullptr ? scope->info.address : 0,
                         r.hardware_address}] = r.ip;
        reservations_[r.ip] = std::move(r);
        break;
      }
      case OpKind::kDeleteReservation: {
        IpAddress ip;
        if (!d.U32(&ip)) return malformed("reservation");
        DeleteReservation(ip);
        break;
      }
      case OpKind::kPutOption: {
        OptionKey key;
        OptionValue value;
        if (!DecodeOptionKey(d, &key) || !DecodeOptionValue(d, &value)) {
          return malformed("option");
        }
        options_[key] = std::move(value);
        break;
      }
      case OpKind::kDeleteOption: {
        OptionKey key;
        if (!DecodeOptionKey(d, &key)) return malformed("option");
        options_.erase(key);
        break;
      }
      case OpKind::kPutLease: {
        ClientInfo info;
        if (!DecodeClientInfo(d, &info)) return malformed("lease");
        PutLease(info);
        break;
      }
      case OpKind::kDeleteLease: {
        IpAddress ip;
        if (!d.U32(&ip)) return malformed("lease");
        DeleteLease(ip);
        break;
      }
      case OpKind::kSetPendingRestore:
        if (!d.Str(&pending_restore_)) return malformed("restore path");
        break;
      case OpKind::kClearPendingRestore:
        pending_restore_.clear();
        break;
      default:
        return malformed("unknown operation kind");
    }
  }
  if (!d.done()) return malformed("trailing bytes");
  return absl::OkStatus();
}

std::vector<std::string> DhcpState::Serialize() const {
  std::vector<std::string> parts;
  RecordBuilder b;
  auto maybe_cut = [&] {
    if (b.size() >= kBasePartSize) parts.push_back(b.Finish());
  };
  b.ServerConfigOp(config_);
  for (const std::string& admin : admins_) {
    b.AddAdmin(admin);
    maybe_cut();
  }
  for (const auto& [subnet, scope] : scopes_) {
    b.PutSubnet(scope);
    maybe_cut();
  }
  for (const auto& [ip, r] : reservations_) {
    b.PutReservation(r);
    maybe_cut();
  }
  for (const auto& [key, value] : options_) {
    b.PutOption(key, value);
    maybe_cut();
  }
  for (const auto& [ip, lease] : leases_) {
    b.PutLease(lease);
    maybe_cut();
  }
  if (!pending_restore_.empty()) b.SetPendingRestore(pending_restore_);
  if (!b.empty()) parts.push_back(b.Finish());
  return parts;
}

std::vector<std::string> DhcpState::Check() const {
  std::vector<std::string> problems;
  if (admins_.empty()) problems.push_back("no DHCP administrator");

  const Scope* prev = nullptr;
  for (const auto& [subnet, scope] : scopes_) {
    if (subnet != scope.info.address || !PrefixLength(scope.info.mask) ||
        (subnet & ~scope.info.mask) != 0) {
      problems.push_back(absl::StrFormat("scope %s has a malformed address/mask",
                                         FormatIp(subnet)));
    }
    if (prev != nullptr &&
        (prev->info.address | ~prev->info.mask) >= scope.info.address) {
      problems.push_back(absl::StrFormat("scopes %s and %s overlap",
                                         FormatIp(prev->info.address),
                                         FormatIp(subnet)));
    }
    prev = &scope;
    CheckRanges(scope, scope.ranges, "range", &problems);
    CheckRanges(scope, scope.exclusions, "exclusion", &problems);
  }

  // Leases: inside a scope; one per hardware address per scope.
  std::map<std::pair<IpAddress, std::string>, IpAddress> seen_hw;
  std::map<std::string, std::set<IpAddress>> by_hw, by_name;
  for (const auto& [ip, lease] : leases_) {
    if (ip != lease.ip) {
      problems.push_back(absl::StrFormat("lease keyed %s records address %s",
                                         FormatIp(ip), FormatIp(lease.ip)));
    }
    const Scope* scope = ScopeFor(ip);
    if (scope == nullptr) {
      problems.push_back(
          absl::StrFormat("lease %s is outside every scope", FormatIp(ip)));
    } else {
      auto [it, inserted] = seen_hw.insert(
          {{scope->info.address, lease.hardware_address}, ip});
      if (!inserted) {
        problems.push_back(absl::StrFormat(
            "hardware address %s holds two leases in scope %s: %s and %s",
            Hw(lease.hardware_address), FormatIp(scope->info.address),
            FormatIp(it->second), FormatIp(ip)));
      }
    }
    if (lease.hardware_address.empty()) {
      problems.push_back(
          absl::StrFormat("lease %s has no hardware address", FormatIp(ip)));
    }
    const Reservation* r = FindReservation(ip);
    if (r != nullptr && r->hardware_address != lease.hardware_address) {
      problems.push_back(absl::StrFormat(
          "address %s is reserved for %s but leased to %s", FormatIp(ip),
          Hw(r->hardware_address), Hw(lease.hardware_address)));
    }
    by_hw[lease.hardware_address].insert(ip);
    if (!lease.name.empty()) by_name[lease.name].insert(ip);
  }
  if (by_hw != by_hw_) {
    problems.push_back("the hardware-address index does not match the leases");
  }
  if (by_name != by_name_) {
    problems.push_back("the name index does not match the leases");
  }

  // Reservations.
  std::map<std::pair<IpAddress, std::string>, IpAddress> reserved;
  for (const auto& [ip, r] : reservations_) {
    const Scope* scope = ScopeFor(ip);
    if (scope == nullptr || ip != r.ip) {
      problems.push_back(absl::StrFormat("reservation %s is outside every scope",
                                         FormatIp(ip)));
      continue;
    }
    auto [it, inserted] =
        reserved.insert({{scope->info.address, r.hardware_address}, ip});
    if (!inserted) {
      problems.push_back(absl::StrFormat(
          "hardware address %s has two reservations in scope %s",
          Hw(r.hardware_address), FormatIp(scope->info.address)));
    }
  }
  if (reserved != reserved_by_hw_) {
    problems.push_back("the reservation index does not match the reservations");
  }

  // Options.
  for (const auto& [key, value] : options_) {
    bool ok = true;
    switch (key.scope.type) {
      case OptionScopeType::kGlobal:
        break;
      case OptionScopeType::kSubnet:
        ok = FindScope(key.scope.subnet) != nullptr;
        break;
      case OptionScopeType::kReserved:
        ok = FindReservation(key.scope.reserved_ip) != nullptr;
        break;
      default:
        ok = false;
    }
    if (!ok) {
      problems.push_back(absl::StrFormat(
          "option %d refers to a missing scope or reservation", key.id));
    }
  }
  return problems;
}

}  // namespace shadowset::dhcp::internal
