// DhcpServer: scopes, scope elements (ranges, exclusions, reservations) and
// option values.

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/codes.h"
#include "engine/internal/status_macros.h"
#include "writers/dhcp/dhcp_server.h"
#include "writers/dhcp/internal/dhcp_errors.h"
#include "writers/dhcp/internal/dhcp_records.h"
#include "writers/dhcp/internal/dhcp_state.h"

namespace shadowset::dhcp {

using internal::DhcpState;
using internal::InvalidParameter;
using internal::OptionKey;
using internal::RecordBuilder;
using internal::Scope;
using internal::SubnetNotPresent;

namespace {

bool InSubnet(const SubnetInfo& s, IpAddress ip) {
  return (ip & s.mask) == s.address;
}

bool Overlaps(const IpRange& a, const IpRange& b) {
  return a.start <= b.end && b.start <= a.end;
}

std::string RangeText(const IpRange& r) {
  return absl::StrCat(FormatIp(r.start), "-", FormatIp(r.end));
}

absl::Status InvalidRange(absl::string_view message) {
  return MakeError(absl::StatusCode::kInvalidArgument, kErrorDhcpInvalidRange,
                   message);
}

absl::Status NotReserved(IpAddress ip) {
  return MakeError(absl::StatusCode::kNotFound, kErrorDhcpNotReservedClient,
                   absl::StrCat("no reservation for ", FormatIp(ip)));
}

// Validates an option scope against the state.
absl::Status CheckOptionScope(const DhcpState& state, const OptionScope& scope) {
  switch (scope.type) {
    case OptionScopeType::kGlobal:
      return absl::OkStatus();
    case OptionScopeType::kSubnet:
      if (state.FindScope(scope.subnet) == nullptr) {
        return SubnetNotPresent(scope.subnet);
      }
      return absl::OkStatus();
    case OptionScopeType::kReserved: {
      if (state.FindScope(scope.subnet) == nullptr) {
        return SubnetNotPresent(scope.subnet);
      }
      const Reservation* r = state.FindReservation(scope.reserved_ip);
      const Scope* owner = state.ScopeFor(scope.reserved_ip);
      if (r == nullptr || owner == nullptr ||
          owner->info.address != scope.subnet) {
        return NotReserved(scope.reserved_ip);
      }
      return absl::OkStatus();
    }
  }
  return InvalidParameter(absl::StrFormat("unknown option scope type %d",
                                          static_cast<uint32_t>(scope.type)));
}

// Only the fields the scope type uses take part in the key.
OptionScope Normalized(OptionScope scope) {
  if (scope.type != OptionScopeType::kReserved) scope.reserved_ip = 0;
  if (scope.type == OptionScopeType::kGlobal) scope.subnet = 0;
  return scope;
}

absl::Status CheckOptionId(uint32_t id) {
  if (id == 0 || id > 254) {
    return InvalidParameter(
        absl::StrFormat("option id %d is outside 1..254", id));
  }
  return absl::OkStatus();
}

absl::Status OptionNotPresent(uint32_t id) {
  return MakeError(absl::StatusCode::kNotFound, kErrorDhcpOptionNotPresent,
                   absl::StrFormat("option %d is not set at that level", id));
}

}  // namespace

// --- scopes ---

absl::Status DhcpServer::CreateSubnet(absl::string_view caller,
                                      const SubnetInfo& info) {
  return Mutate(caller, [&](const DhcpState& state, RecordBuilder& b) {
    if (info.address == 0 || !PrefixLength(info.mask) || info.mask == 0 ||
        (info.address & ~info.mask) != 0) {
      return InvalidParameter(absl::StrFormat(
          "%s/%s is not a subnet (contiguous mask, no host bits)",
          FormatIp(info.address), FormatIp(info.mask)));
    }
    for (const auto& [subnet, scope] : state.scopes()) {
      IpRange mine{info.address, info.address | ~info.mask};
      IpRange theirs{subnet, subnet | ~scope.info.mask};
      if (Overlaps(mine, theirs)) {
        return MakeError(
            absl::StatusCode::kAlreadyExists, kErrorDhcpSubnetExists,
            subnet == info.address
                ? absl::StrCat("scope ", FormatIp(subnet), " exists")
                : absl::StrCat("scope ", FormatIp(info.address),
                               " overlaps scope ", FormatIp(subnet), "/",
                               *PrefixLength(scope.info.mask)));
      }
    }
    Scope scope;
    scope.info = info;
    b.PutSubnet(scope);
    return absl::OkStatus();
  });
}

absl::Status DhcpServer::SetSubnetInfo(absl::string_view caller,
                                       const SubnetInfo& info) {
  return Mutate(caller, [&](const DhcpState& state, RecordBuilder& b) {
    const Scope* scope = state.FindScope(info.address);
    if (scope == nullptr) return SubnetNotPresent(info.address);
    if (info.mask != scope->info.mask) {
      return InvalidParameter("the mask of a scope cannot change");
    }
    Scope changed = *scope;
    changed.info = info;
    b.PutSubnet(changed);
    return absl::OkStatus();
  });
}

absl::StatusOr<SubnetInfo> DhcpServer::GetSubnetInfo(absl::string_view caller,
                                                     IpAddress subnet) const {
  absl::ReaderMutexLock l(&mu_);
  RETURN_IF_ERROR(CheckCaller(caller));
  const Scope* scope = state_->FindScope(subnet);
  if (scope == nullptr) return SubnetNotPresent(subnet);
  return scope->info;
}

absl::Status DhcpServer::DeleteSubnet(absl::string_view caller,
                                      IpAddress subnet, ForceFlag force) {
  return Mutate(caller, [&](const DhcpState& state, RecordBuilder& b) {
    const Scope* scope = state.FindScope(subnet);
    if (scope == nullptr) return SubnetNotPresent(subnet);
    size_t leases = state.LeaseCount(subnet);
    if (force == ForceFlag::kNoForce && leases > 0) {
      return MakeError(absl::StatusCode::kFailedPrecondition,
                       kErrorDhcpElementCantRemove,
                       absl::StrFormat("scope %s has %d leases",
                                       FormatIp(subnet), leases));
    }
    IpAddress last = subnet | ~scope->info.mask;
    for (auto it = state.leases().lower_bound(subnet);
         it != state.leases().end() && it->first <= last; ++it) {
      b.DeleteLease(it->first);
    }
    b.DeleteSubnet(subnet);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<SubnetInfo>> DhcpServer::EnumSubnets(
    absl::string_view caller) const {
  absl::ReaderMutexLock l(&mu_);
  RETURN_IF_ERROR(CheckCaller(caller));
  std::vector<SubnetInfo> out;
  for (const auto& [subnet, scope] : state_->scopes()) out.push_back(scope.info);
  return out;
}

// --- elements ---

absl::Status DhcpServer::AddSubnetElement(absl::string_view caller,
                                          IpAddress subnet,
                                          const SubnetElement& element) {
  return Mutate(caller, [&](const DhcpState& state, RecordBuilder& b) {
    const Scope* scope = state.FindScope(subnet);
    if (scope == nullptr) return SubnetNotPresent(subnet);
    switch (element.type) {
      case ElementType::kIpRanges:
      case ElementType::kExcludedIpRanges: {
        const IpRange& r = element.range;
        bool is_range = element.type == ElementType::kIpRanges;
        const char* what = is_range ? "range" : "exclusion";
        if (r.start > r.end) {
          return InvalidParameter(
              absl::StrCat("the ", what, " ", RangeText(r), " is empty"));
        }
        if (!InSubnet(scope->info, r.start) || !InSubnet(scope->info, r.end)) {
          return InvalidRange(absl::StrCat("the ", what, " ", RangeText(r),
                                           " is outside scope ",
                                           FormatIp(subnet)));
        }
        const std::vector<IpRange>& existing =
            is_range ? scope->ranges : scope->exclusions;
        for (const IpRange& other : existing) {
          if (Overlaps(r, other)) {
            return InvalidRange(absl::StrCat("the ", what, " ", RangeText(r),
                                             " overlaps ", RangeText(other)));
          }
        }
        Scope changed = *scope;
        std::vector<IpRange>& list =
            is_range ? changed.ranges : changed.exclusions;
        list.push_back(r);
        std::sort(list.begin(), list.end());
        b.PutSubnet(changed);
        return absl::OkStatus();
      }
      case ElementType::kReservedIps: {
        const Reservation& r = element.reservation;
        if (r.ip == 0 || r.hardware_address.empty()) {
          return InvalidParameter(
              "a reservation needs an address and a hardware address");
        }
        if (!InSubnet(scope->info, r.ip)) {
          return MakeError(absl::StatusCode::kNotFound,
                           kErrorDhcpSubnetNotPresent,
                           absl::StrCat(FormatIp(r.ip), " is outside scope ",
                                        FormatIp(subnet)));
        }
        if (state.FindReservation(r.ip) != nullptr) {
          return MakeError(absl::StatusCode::kAlreadyExists,
                           kErrorDhcpReservedIpExists,
                           absl::StrCat(FormatIp(r.ip), " is already reserved"));
        }
        if (std::optional<IpAddress> other =
                state.ReservedFor(subnet, r.hardware_address)) {
          return MakeError(
              absl::StatusCode::kAlreadyExists, kErrorDhcpReservedIpExists,
              absl::StrCat(FormatHardwareAddress(r.hardware_address),
                           " already has reservation ", FormatIp(*other)));
        }
        const ClientInfo* lease = state.FindLease(r.ip);
        if (lease != nullptr &&
            lease->hardware_address != r.hardware_address) {
          return MakeError(
              absl::StatusCode::kFailedPrecondition,
              kErrorDhcpAddressNotAvailable,
              absl::StrCat(FormatIp(r.ip), " is leased to ",
                           FormatHardwareAddress(lease->hardware_address)));
        }
        b.PutReservation(r);
        return absl::OkStatus();
      }
    }
    return InvalidParameter("unknown element type");
  });
}

absl::Status DhcpServer::RemoveSubnetElement(absl::string_view caller,
                                             IpAddress subnet,
                                             const SubnetElement& element,
                                             ForceFlag force) {
  return Mutate(caller, [&](const DhcpState& state, RecordBuilder& b) {
    const Scope* scope = state.FindScope(subnet);
    if (scope == nullptr) return SubnetNotPresent(subnet);
    switch (element.type) {
      case ElementType::kIpRanges:
      case ElementType::kExcludedIpRanges: {
        bool is_range = element.type == ElementType::kIpRanges;
        Scope changed = *scope;
        std::vector<IpRange>& list =
            is_range ? changed.ranges : changed.exclusions;
        auto it = std::find(list.begin(), list.end(), element.range);
        if (it == list.end()) {
          return MakeError(absl::StatusCode::kNotFound, kErrorDhcpInvalidRange,
                           absl::StrCat("scope ", FormatIp(subnet), " has no ",
                                        is_range ? "range " : "exclusion ",
                                        RangeText(element.range)));
        }
        if (is_range && force == ForceFlag::kNoForce) {
          auto l = state.leases().lower_bound(it->start);
          if (l != state.leases().end() && l->first <= it->end) {
            return MakeError(absl::StatusCode::kFailedPrecondition,
                             kErrorDhcpElementCantRemove,
                             absl::StrCat("address ", FormatIp(l->first),
                                          " of the range is leased"));
          }
        }
        list.erase(it);
        b.PutSubnet(changed);
        return absl::OkStatus();
      }
      case ElementType::kReservedIps: {
        const IpAddress ip = element.reservation.ip;
        const Reservation* r = state.FindReservation(ip);
        if (r == nullptr || !InSubnet(scope->info, ip)) return NotReserved(ip);
        b.DeleteReservation(ip);
        return absl::OkStatus();
      }
    }
    return InvalidParameter("unknown element type");
  });
}

absl::StatusOr<std::vector<SubnetElement>> DhcpServer::EnumSubnetElements(
    absl::string_view caller, IpAddress subnet, ElementType type) const {
  absl::ReaderMutexLock l(&mu_);
  RETURN_IF_ERROR(CheckCaller(caller));
  const Scope* scope = state_->FindScope(subnet);
  if (scope == nullptr) return SubnetNotPresent(subnet);
  std::vector<SubnetElement> out;
  switch (type) {
    case ElementType::kIpRanges:
    case ElementType::kExcludedIpRanges:
      for (const IpRange& r : type == ElementType::kIpRanges
                                  ? scope->ranges
                                  : scope->exclusions) {
        SubnetElement e;
        e.type = type;
        e.range = r;
        out.push_back(e);
      }
      return out;
    case ElementType::kReservedIps: {
      IpAddress last = subnet | ~scope->info.mask;
      for (auto it = state_->reservations().lower_bound(subnet);
           it != state_->reservations().end() && it->first <= last; ++it) {
        SubnetElement e;
        e.type = type;
        e.reservation = it->second;
        out.push_back(e);
      }
      return out;
    }
  }
  return InvalidParameter("unknown element type");
}

// --- options ---

absl::Status DhcpServer::SetOptionValue(absl::string_view caller,
                                        const OptionScope& scope,
                                        uint32_t option_id,
                                        const OptionValue& value) {
  return Mutate(caller, [&](const DhcpState& state, RecordBuilder& b) {
    RETURN_IF_ERROR(CheckOptionId(option_id));
    if (value.empty()) return InvalidParameter("an option value has no elements");
    for (const OptionElement& e : value) {
      if (static_cast<uint32_t>(e.type) >
          static_cast<uint32_t>(OptionDataType::kIpv6Address)) {
        return InvalidParameter("unknown option data type");
      }
    }
    RETURN_IF_ERROR(CheckOptionScope(state, scope));
    b.PutOption(OptionKey{Normalized(scope), option_id}, value);
    return absl::OkStatus();
  });
}

absl::StatusOr<OptionValue> DhcpServer::GetOptionValue(
    absl::string_view caller, const OptionScope& scope,
    uint32_t option_id) const {
  absl::ReaderMutexLock l(&mu_);
  RETURN_IF_ERROR(CheckCaller(caller));
  RETURN_IF_ERROR(CheckOptionId(option_id));
  RETURN_IF_ERROR(CheckOptionScope(*state_, scope));
  auto it = state_->options().find(OptionKey{Normalized(scope), option_id});
  if (it == state_->options().end()) return OptionNotPresent(option_id);
  return it->second;
}

absl::Status DhcpServer::RemoveOptionValue(absl::string_view caller,
                                           const OptionScope& scope,
                                           uint32_t option_id) {
  return Mutate(caller, [&](const DhcpState& state, RecordBuilder& b) {
    RETURN_IF_ERROR(CheckOptionId(option_id));
    RETURN_IF_ERROR(CheckOptionScope(state, scope));
    OptionKey key{Normalized(scope), option_id};
    if (state.options().count(key) == 0) return OptionNotPresent(option_id);
    b.DeleteOption(key);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<std::pair<uint32_t, OptionValue>>>
DhcpServer::EnumOptionValues(absl::string_view caller,
                             const OptionScope& scope) const {
  absl::ReaderMutexLock l(&mu_);
  RETURN_IF_ERROR(CheckCaller(caller));
  RETURN_IF_ERROR(CheckOptionScope(*state_, scope));
  std::vector<std::pair<uint32_t, OptionValue>> out;
  for (const auto& [key, value] : state_->options()) {
    if (key.scope == Normalized(scope)) out.emplace_back(key.id, value);
  }
  return out;
}

}  // namespace shadowset::dhcp
