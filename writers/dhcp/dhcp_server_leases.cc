// DhcpServer: lease records (DHCP_CLIENT_INFO_VQ) and address allocation.

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
using internal::NoSuchClient;
using internal::OutsideEveryScope;
using internal::RecordBuilder;
using internal::Scope;
using internal::SubnetNotPresent;

namespace {

bool Excluded(const Scope& scope, IpAddress ip) {
  for (const IpRange& r : scope.exclusions) {
    if (r.start <= ip && ip <= r.end) return true;
  }
  return false;
}

absl::Status AddressNotAvailable(absl::string_view why) {
  return MakeError(absl::StatusCode::kFailedPrecondition,
                   kErrorDhcpAddressNotAvailable, why);
}

// Validates `info` as the record for its address (replacing the lease at
// that address, if any) and fills the defaults. `server` is the owner of
// records that name none.
absl::StatusOr<ClientInfo> CheckedLease(const DhcpState& state,
                                        const ClientInfo& info,
                                        const HostInfo& server) {
  const Scope* scope = state.ScopeFor(info.ip);
  if (scope == nullptr) return OutsideEveryScope(info.ip);
  if (Excluded(*scope, info.ip)) {
    return AddressNotAvailable(
        absl::StrCat(FormatIp(info.ip), " is excluded from its scope"));
  }
  const Reservation* r = state.FindReservation(info.ip);
  if (r != nullptr && r->hardware_address != info.hardware_address) {
    return AddressNotAvailable(absl::StrCat(
        FormatIp(info.ip), " is reserved for ",
        FormatHardwareAddress(r->hardware_address)));
  }
  IpAddress last = scope->info.address | ~scope->info.mask;
  for (IpAddress other : state.LeasesWithHardwareAddress(info.hardware_address)) {
    if (other != info.ip && other >= scope->info.address && other <= last) {
      return MakeError(absl::StatusCode::kAlreadyExists,
                       kErrorDhcpReservedIpExists,
                       absl::StrCat(FormatHardwareAddress(info.hardware_address),
                                    " already holds ", FormatIp(other),
                                    " in scope ",
                                    FormatIp(scope->info.address)));
    }
  }
  if (info.subnet_mask != 0 && info.subnet_mask != scope->info.mask) {
    return InvalidParameter(absl::StrCat("subnet mask ", FormatIp(info.subnet_mask),
                                         " is not the scope's ",
                                         FormatIp(scope->info.mask)));
  }
  ClientInfo out = info;
  out.subnet_mask = scope->info.mask;
  if (out.owner == HostInfo{}) out.owner = server;
  return out;
}

absl::Status CheckLeaseInput(const ClientInfo& info) {
  if (info.ip == 0 || info.hardware_address.empty()) {
    return InvalidParameter(
        "a lease record needs ClientIpAddress and ClientHardwareAddress");
  }
  return absl::OkStatus();
}

// The addresses of the leases `search` matches, ascending.
absl::StatusOr<std::vector<IpAddress>> Matches(const DhcpState& state,
                                               const SearchInfo& search) {
  switch (search.type) {
    case SearchType::kIpAddress:
      if (search.ip == 0) return InvalidParameter("search by address 0.0.0.0");
      if (state.FindLease(search.ip) == nullptr) return std::vector<IpAddress>{};
      return std::vector<IpAddress>{search.ip};
    case SearchType::kHardwareAddress:
      if (search.hardware_address.empty()) {
        return InvalidParameter("search by an empty hardware address");
      }
      return state.LeasesWithHardwareAddress(search.hardware_address);
    case SearchType::kName:
      if (search.name.empty()) return InvalidParameter("search by an empty name");
      return state.LeasesWithName(search.name);
  }
  return InvalidParameter("unknown search type");
}

std::string Describe(const SearchInfo& search) {
  switch (search.type) {
    case SearchType::kIpAddress:
      return absl::StrCat("for address ", FormatIp(search.ip));
    case SearchType::kHardwareAddress:
      return absl::StrCat("for hardware address ",
                          FormatHardwareAddress(search.hardware_address));
    case SearchType::kName:
      return absl::StrCat("named '", search.name, "'");
  }
  return "";
}

HostInfo ServerHost(const DhcpState& state) {
  HostInfo h;
  h.ip = state.config().server_ip;
  h.host_name = state.config().server_name;
  return h;
}

}  // namespace

absl::Status DhcpServer::CreateClientInfo(absl::string_view caller,
                                          const ClientInfo& info) {
  return Mutate(caller, [&](const DhcpState& state, RecordBuilder& b) {
    RETURN_IF_ERROR(CheckLeaseInput(info));
    if (state.ScopeFor(info.ip) == nullptr) return OutsideEveryScope(info.ip);
    if (state.FindLease(info.ip) != nullptr) {
      return MakeError(absl::StatusCode::kAlreadyExists, kErrorDhcpClientExists,
                       absl::StrCat("a lease record for ", FormatIp(info.ip),
                                    " exists"));
    }
    ASSIGN_OR_RETURN(ClientInfo lease,
                     CheckedLease(state, info, ServerHost(state)));
    b.PutLease(lease);
    return absl::OkStatus();
  });
}

absl::Status DhcpServer::SetClientInfo(absl::string_view caller,
                                       const ClientInfo& info) {
  return Mutate(caller, [&](const DhcpState& state, RecordBuilder& b) {
    RETURN_IF_ERROR(CheckLeaseInput(info));
    if (state.FindLease(info.ip) == nullptr) {
      return NoSuchClient(absl::StrCat("for address ", FormatIp(info.ip)));
    }
    ASSIGN_OR_RETURN(ClientInfo lease,
                     CheckedLease(state, info, ServerHost(state)));
    b.PutLease(lease);
    return absl::OkStatus();
  });
}

absl::StatusOr<ClientInfo> DhcpServer::GetClientInfo(
    absl::string_view caller, const SearchInfo& search) const {
  absl::ReaderMutexLock l(&mu_);
  RETURN_IF_ERROR(CheckCaller(caller));
  ASSIGN_OR_RETURN(std::vector<IpAddress> ips, Matches(*state_, search));
  if (ips.empty()) return NoSuchClient(Describe(search));
  return *state_->FindLease(ips.front());
}

absl::Status DhcpServer::DeleteClientInfo(absl::string_view caller,
                                          const SearchInfo& search) {
  return Mutate(caller, [&](const DhcpState& state, RecordBuilder& b) {
    ASSIGN_OR_RETURN(std::vector<IpAddress> ips, Matches(state, search));
    if (ips.empty()) return NoSuchClient(Describe(search));
    for (IpAddress ip : ips) b.DeleteLease(ip);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<ClientInfo>> DhcpServer::EnumSubnetClients(
    absl::string_view caller, IpAddress subnet) const {
  absl::ReaderMutexLock l(&mu_);
  RETURN_IF_ERROR(CheckCaller(caller));
  std::vector<ClientInfo> out;
  if (subnet == 0) {
    out.reserve(state_->leases().size());
    for (const auto& [ip, lease] : state_->leases()) out.push_back(lease);
    return out;
  }
  const Scope* scope = state_->FindScope(subnet);
  if (scope == nullptr) return SubnetNotPresent(subnet);
  IpAddress last = subnet | ~scope->info.mask;
  for (auto it = state_->leases().lower_bound(subnet);
       it != state_->leases().end() && it->first <= last; ++it) {
    out.push_back(it->second);
  }
  return out;
}

absl::StatusOr<ClientInfo> DhcpServer::AllocateClient(
    absl::string_view caller, IpAddress subnet, const ClientInfo& request) {
  ClientInfo granted;
  RETURN_IF_ERROR(Mutate(caller, [&](const DhcpState& state,
                                     RecordBuilder& b) -> absl::Status {
    mu_.AssertHeld();  // Mutate runs this under the lock
    if (request.hardware_address.empty()) {
      return InvalidParameter("a client needs a hardware address");
    }
    const Scope* scope = state.FindScope(subnet);
    if (scope == nullptr) return SubnetNotPresent(subnet);
    IpAddress last = subnet | ~scope->info.mask;
    // A client with a lease in the scope renews it.
    for (IpAddress ip :
         state.LeasesWithHardwareAddress(request.hardware_address)) {
      if (ip >= subnet && ip <= last) {
        granted = *state.FindLease(ip);
        granted.expires = request.expires;
        granted.address_state = AddressState::kActive;
        if (!request.name.empty()) granted.name = request.name;
        b.PutLease(granted);
        return absl::OkStatus();
      }
    }
    std::optional<IpAddress> chosen =
        state.ReservedFor(subnet, request.hardware_address);
    if (!chosen) {
      auto is_free = [&](IpAddress a) {
        return state.FindLease(a) == nullptr && !Excluded(*scope, a) &&
               state.FindReservation(a) == nullptr;
      };
      IpAddress cursor = next_free_[subnet];
      for (int pass = 0; pass < 2 && !chosen; ++pass) {
        for (const IpRange& r : scope->ranges) {
          uint64_t from = pass == 0 ? std::max<uint64_t>(r.start, cursor) : r.start;
          for (uint64_t a = from; a <= r.end; ++a) {
            if (pass == 1 && a >= cursor) break;
            if (is_free(static_cast<IpAddress>(a))) {
              chosen = static_cast<IpAddress>(a);
              break;
            }
          }
          if (chosen) break;
        }
      }
      if (!chosen) {
        return MakeError(absl::StatusCode::kResourceExhausted,
                         kErrorDhcpRangeFull,
                         absl::StrCat("no free address in scope ",
                                      FormatIp(subnet)));
      }
      next_free_[subnet] = *chosen + 1;
    }
    ClientInfo lease = request;
    lease.ip = *chosen;
    lease.subnet_mask = 0;
    ASSIGN_OR_RETURN(granted, CheckedLease(state, lease, ServerHost(state)));
    b.PutLease(granted);
    return absl::OkStatus();
  }));
  return granted;
}

}  // namespace shadowset::dhcp
