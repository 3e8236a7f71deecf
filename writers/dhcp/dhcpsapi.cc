// The C API (dhcpsapi.h) over DhcpServer: conversions between the C
// structures and the C++ types, the server table and the caller.

#include "writers/dhcp/dhcpsapi.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/codes.h"
#include "writers/dhcp/dhcp_server.h"
#include "writers/dhcp/dhcpsapi_binding.h"
#include "writers/service/api_registry.h"
#include "writers/service/c_memory.h"

namespace shadowset::dhcp {
namespace {

using service::CopyBytes;
using service::CopyString;
using service::NewChild;
using service::NewRoot;

service::ApiRegistry<DhcpServer>& Registry() {
  static auto* registry = new service::ApiRegistry<DhcpServer>();
  return *registry;
}

thread_local std::string t_principal;

DWORD Code(const absl::Status& status) {
  if (status.ok()) return ERROR_SUCCESS;
  std::optional<uint32_t> code = CodeOf(status);
  return code ? *code : ERROR_DHCP_JET_ERROR;
}

template <typename F>
DWORD WithServer(const char* name, F&& fn) {
  auto lease = Registry().Find(name != nullptr ? name : "");
  if (!lease) return RPC_S_INVALID_BINDING;
  return fn(*lease->get());
}

std::string Str(const char* s) { return s != nullptr ? s : ""; }

std::string Bytes(const DHCP_BINARY_DATA& b) {
  if (b.Data == nullptr || b.DataLength == 0) return "";
  return std::string(reinterpret_cast<const char*>(b.Data), b.DataLength);
}

void SetBytes(const void* root, absl::string_view bytes, DHCP_BINARY_DATA* out) {
  out->DataLength = static_cast<DWORD>(bytes.size());
  out->Data = CopyBytes(root, bytes);
}

absl::Time FromDateTime(const DATE_TIME& t) {
  return FromFileTime((uint64_t{t.dwHighDateTime} << 32) | t.dwLowDateTime);
}

DATE_TIME ToDateTime(absl::Time t) {
  uint64_t ft = ToFileTime(t);
  return DATE_TIME{static_cast<DWORD>(ft), static_cast<DWORD>(ft >> 32)};
}

HostInfo FromC(const DHCP_HOST_INFO& h) {
  return HostInfo{h.IpAddress, Str(h.NetBiosName), Str(h.HostName)};
}

void ToC(const void* root, const HostInfo& h, DHCP_HOST_INFO* out) {
  out->IpAddress = h.ip;
  out->NetBiosName = CopyString(root, h.netbios_name);
  out->HostName = CopyString(root, h.host_name);
}

ClientInfo FromC(const DHCP_CLIENT_INFO_VQ& c) {
  ClientInfo info;
  info.ip = c.ClientIpAddress;
  info.subnet_mask = c.SubnetMask;
  info.hardware_address = Bytes(c.ClientHardwareAddress);
  info.name = Str(c.ClientName);
  info.comment = Str(c.ClientComment);
  info.expires = FromDateTime(c.ClientLeaseExpires);
  info.owner = FromC(c.OwnerHost);
  info.client_type = static_cast<ClientType>(c.bClientType);
  info.address_state = static_cast<AddressState>(c.AddressState);
  info.quarantine_status = static_cast<QuarantineStatus>(c.Status);
  info.probation_ends = FromDateTime(c.ProbationEnds);
  info.quarantine_capable = c.QuarantineCapable != FALSE;
  return info;
}

void ToC(const void* root, const ClientInfo& info, DHCP_CLIENT_INFO_VQ* out) {
  out->ClientIpAddress = info.ip;
  out->SubnetMask = info.subnet_mask;
  SetBytes(root, info.hardware_address, &out->ClientHardwareAddress);
  out->ClientName = CopyString(root, info.name);
  out->ClientComment = CopyString(root, info.comment);
  out->ClientLeaseExpires = ToDateTime(info.expires);
  ToC(root, info.owner, &out->OwnerHost);
  out->bClientType = static_cast<BYTE>(info.client_type);
  out->AddressState = static_cast<BYTE>(info.address_state);
  out->Status = static_cast<::QuarantineStatus>(info.quarantine_status);
  out->ProbationEnds = ToDateTime(info.probation_ends);
  out->QuarantineCapable = info.quarantine_capable ? TRUE : FALSE;
}

size_t CostOf(const ClientInfo& c) {
  return sizeof(DHCP_CLIENT_INFO_VQ) + c.hardware_address.size() +
         c.name.size() + c.comment.size() + c.owner.netbios_name.size() +
         c.owner.host_name.size() + 5;
}

SubnetInfo FromC(const DHCP_SUBNET_INFO& s) {
  SubnetInfo info;
  info.address = s.SubnetAddress;
  info.mask = s.SubnetMask;
  info.name = Str(s.SubnetName);
  info.comment = Str(s.SubnetComment);
  info.primary_host = FromC(s.PrimaryHost);
  info.state = static_cast<SubnetState>(s.SubnetState);
  return info;
}

absl::StatusOr<SearchInfo> FromC(const DHCP_SEARCH_INFO* s) {
  if (s == nullptr) return absl::InvalidArgumentError("no search info");
  switch (s->SearchType) {
    case DhcpClientIpAddress:
      return SearchInfo::ByIp(s->SearchInfo.ClientIpAddress);
    case DhcpClientHardwareAddress:
      return SearchInfo::ByHardwareAddress(
          Bytes(s->SearchInfo.ClientHardwareAddress));
    case DhcpClientName:
      return SearchInfo::ByName(Str(s->SearchInfo.ClientName));
  }
  return absl::InvalidArgumentError("unknown search type");
}

absl::StatusOr<OptionScope> FromC(const DHCP_OPTION_SCOPE_INFO* s) {
  if (s == nullptr) return absl::InvalidArgumentError("no scope info");
  switch (s->ScopeType) {
    case DhcpGlobalOptions:
      return OptionScope::Global();
    case DhcpSubnetOptions:
      return OptionScope::Subnet(s->ScopeInfo.SubnetScopeInfo);
    case DhcpReservedOptions:
      return OptionScope::Reserved(
          s->ScopeInfo.ReservedScopeInfo.ReservedIpSubnetAddress,
          s->ScopeInfo.ReservedScopeInfo.ReservedIpAddress);
    default:
      return absl::InvalidArgumentError("unsupported option scope type");
  }
}

OptionValue FromC(const DHCP_OPTION_DATA& d) {
  OptionValue value;
  for (DWORD i = 0; i < d.NumElements && d.Elements != nullptr; ++i) {
    const DHCP_OPTION_DATA_ELEMENT& e = d.Elements[i];
    OptionElement el;
    el.type = static_cast<OptionDataType>(e.OptionType);
    switch (e.OptionType) {
      case DhcpByteOption:
        el.number = e.Element.ByteOption;
        break;
      case DhcpWordOption:
        el.number = e.Element.WordOption;
        break;
      case DhcpDWordOption:
        el.number = e.Element.DWordOption;
        break;
      case DhcpDWordDWordOption:
        el.number = (uint64_t{e.Element.DWordDWordOption.DWord1} << 32) |
                    e.Element.DWordDWordOption.DWord2;
        break;
      case DhcpIpAddressOption:
        el.number = e.Element.IpAddressOption;
        break;
      case DhcpStringDataOption:
        el.data = Str(e.Element.StringDataOption);
        break;
      case DhcpBinaryDataOption:
        el.data = Bytes(e.Element.BinaryDataOption);
        break;
      case DhcpEncapsulatedDataOption:
        el.data = Bytes(e.Element.EncapsulatedDataOption);
        break;
      case DhcpIpv6AddressOption:
        el.data = Str(e.Element.Ipv6AddressDataOption);
        break;
    }
    value.push_back(std::move(el));
  }
  return value;
}

void ToC(const void* root, const OptionValue& value, DHCP_OPTION_DATA* out) {
  out->NumElements = static_cast<DWORD>(value.size());
  out->Elements = NewChild<DHCP_OPTION_DATA_ELEMENT>(root, value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    const OptionElement& el = value[i];
    DHCP_OPTION_DATA_ELEMENT& e = out->Elements[i];
    e.OptionType = static_cast<DHCP_OPTION_DATA_TYPE>(el.type);
    switch (e.OptionType) {
      case DhcpByteOption:
        e.Element.ByteOption = static_cast<BYTE>(el.number);
        break;
      case DhcpWordOption:
        e.Element.WordOption = static_cast<WORD>(el.number);
        break;
      case DhcpDWordOption:
        e.Element.DWordOption = static_cast<DWORD>(el.number);
        break;
      case DhcpDWordDWordOption:
        e.Element.DWordDWordOption.DWord1 = static_cast<DWORD>(el.number >> 32);
        e.Element.DWordDWordOption.DWord2 = static_cast<DWORD>(el.number);
        break;
      case DhcpIpAddressOption:
        e.Element.IpAddressOption = static_cast<DWORD>(el.number);
        break;
      case DhcpStringDataOption:
        e.Element.StringDataOption = CopyString(root, el.data);
        break;
      case DhcpBinaryDataOption:
        SetBytes(root, el.data, &e.Element.BinaryDataOption);
        break;
      case DhcpEncapsulatedDataOption:
        SetBytes(root, el.data, &e.Element.EncapsulatedDataOption);
        break;
      case DhcpIpv6AddressOption:
        e.Element.Ipv6AddressDataOption = CopyString(root, el.data);
        break;
    }
  }
}

// ERROR_SUCCESS, or the code that rejects the element.
DWORD FromC(const DHCP_SUBNET_ELEMENT_DATA_V4* e, SubnetElement* out) {
  if (e == nullptr) return ERROR_INVALID_PARAMETER;
  switch (e->ElementType) {
    case DhcpIpRanges:
    case DhcpExcludedIpRanges: {
      const DHCP_IP_RANGE* r = e->ElementType == DhcpIpRanges
                                   ? e->Element.IpRange
                                   : e->Element.ExcludeIpRange;
      if (r == nullptr) return ERROR_INVALID_PARAMETER;
      out->type = e->ElementType == DhcpIpRanges ? ElementType::kIpRanges
                                                 : ElementType::kExcludedIpRanges;
      out->range = {r->StartAddress, r->EndAddress};
      return ERROR_SUCCESS;
    }
    case DhcpReservedIps: {
      const DHCP_IP_RESERVATION_V4* r = e->Element.ReservedIp;
      if (r == nullptr) return ERROR_INVALID_PARAMETER;
      out->type = ElementType::kReservedIps;
      out->reservation.ip = r->ReservedIpAddress;
      out->reservation.hardware_address =
          r->ReservedForClient != nullptr ? Bytes(*r->ReservedForClient) : "";
      out->reservation.allowed_client_types = r->bAllowedClientTypes;
      return ERROR_SUCCESS;
    }
    default:
      return ERROR_NOT_SUPPORTED;
  }
}

std::optional<ElementType> ElementTypeFromC(DHCP_SUBNET_ELEMENT_TYPE t) {
  switch (t) {
    case DhcpIpRanges:
      return ElementType::kIpRanges;
    case DhcpReservedIps:
      return ElementType::kReservedIps;
    case DhcpExcludedIpRanges:
      return ElementType::kExcludedIpRanges;
    default:
      return std::nullopt;
  }
}

// How many elements from `start` fit in `max_bytes` (at least one).
template <typename T, typename Cost>
size_t TakeCount(const std::vector<T>& items, size_t start, DWORD max_bytes,
                 Cost cost) {
  size_t n = 0, bytes = 0;
  while (start + n < items.size()) {
    size_t c = cost(items[start + n]);
    if (n > 0 && max_bytes != 0xFFFFFFFFu && bytes + c > max_bytes) break;
    bytes += c;
    ++n;
  }
  return n;
}

}  // namespace

DhcpApiBinding::DhcpApiBinding(std::string server_name, DhcpServer* server)
    : name_(std::move(server_name)), bound_(Registry().Bind(name_, server)) {}

DhcpApiBinding::~DhcpApiBinding() {
  if (bound_) Registry().Unbind(name_);
}

}  // namespace shadowset::dhcp

using namespace shadowset::dhcp;  // NOLINT: the C entry points below

extern "C" {

void DhcpSetCallerPrincipal(const char* principal) {
  t_principal = principal != nullptr ? principal : "";
}

const char* DhcpErrorName(DWORD code) {
  absl::string_view name = DhcpCodeName(code);
  return name.empty() ? "" : name.data();
}

void DhcpRpcFreeMemory(void* BufferPointer) {
  shadowset::service::FreeRoot(BufferPointer);
}

DWORD DhcpCreateClientInfoVQ(const char* ServerIpAddress,
                             const DHCP_CLIENT_INFO_VQ* ClientInfo) {
  if (ClientInfo == nullptr) return ERROR_INVALID_PARAMETER;
  return WithServer(ServerIpAddress, [&](DhcpServer& s) {
    return Code(s.CreateClientInfo(t_principal, FromC(*ClientInfo)));
  });
}

DWORD DhcpSetClientInfoVQ(const char* ServerIpAddress,
                          const DHCP_CLIENT_INFO_VQ* ClientInfo) {
  if (ClientInfo == nullptr) return ERROR_INVALID_PARAMETER;
  return WithServer(ServerIpAddress, [&](DhcpServer& s) {
    return Code(s.SetClientInfo(t_principal, FromC(*ClientInfo)));
  });
}

DWORD DhcpGetClientInfoVQ(const char* ServerIpAddress,
                          const DHCP_SEARCH_INFO* SearchInfo,
                          LPDHCP_CLIENT_INFO_VQ* ClientInfo) {
  if (ClientInfo == nullptr) return ERROR_INVALID_PARAMETER;
  *ClientInfo = nullptr;
  absl::StatusOr<shadowset::dhcp::SearchInfo> search = FromC(SearchInfo);
  if (!search.ok()) return ERROR_INVALID_PARAMETER;
  return WithServer(ServerIpAddress, [&](DhcpServer& s) -> DWORD {
    absl::StatusOr<shadowset::dhcp::ClientInfo> info =
        s.GetClientInfo(t_principal, *search);
    if (!info.ok()) return Code(info.status());
    auto* out = NewRoot<DHCP_CLIENT_INFO_VQ>();
    if (out == nullptr) return ERROR_NOT_ENOUGH_MEMORY;
    ToC(out, *info, out);
    *ClientInfo = out;
    return ERROR_SUCCESS;
  });
}

DWORD DhcpDeleteClientInfo(const char* ServerIpAddress,
                           const DHCP_SEARCH_INFO* ClientInfo) {
  absl::StatusOr<shadowset::dhcp::SearchInfo> search = FromC(ClientInfo);
  if (!search.ok()) return ERROR_INVALID_PARAMETER;
  return WithServer(ServerIpAddress, [&](DhcpServer& s) {
    return Code(s.DeleteClientInfo(t_principal, *search));
  });
}

DWORD DhcpEnumSubnetClientsVQ(const char* ServerIpAddress,
                              DHCP_IP_ADDRESS SubnetAddress,
                              DHCP_RESUME_HANDLE* ResumeHandle,
                              DWORD PreferredMaximum,
                              LPDHCP_CLIENT_INFO_ARRAY_VQ* ClientInfo,
                              DWORD* ClientsRead, DWORD* ClientsTotal) {
  if (ResumeHandle == nullptr || ClientInfo == nullptr ||
      ClientsRead == nullptr || ClientsTotal == nullptr) {
    return ERROR_INVALID_PARAMETER;
  }
  *ClientInfo = nullptr;
  *ClientsRead = *ClientsTotal = 0;
  return WithServer(ServerIpAddress, [&](DhcpServer& s) -> DWORD {
    absl::StatusOr<std::vector<shadowset::dhcp::ClientInfo>> all =
        s.EnumSubnetClients(t_principal, SubnetAddress);
    if (!all.ok()) return Code(all.status());
    size_t start = std::lower_bound(all->begin(), all->end(), *ResumeHandle,
                                    [](const shadowset::dhcp::ClientInfo& c,
                                       DWORD ip) { return c.ip < ip; }) -
                   all->begin();
    if (start >= all->size()) return ERROR_NO_MORE_ITEMS;
    size_t n = TakeCount(*all, start, PreferredMaximum, CostOf);
    auto* out = NewRoot<DHCP_CLIENT_INFO_ARRAY_VQ>();
    if (out == nullptr) return ERROR_NOT_ENOUGH_MEMORY;
    out->NumElements = static_cast<DWORD>(n);
    out->Clients = NewChild<LPDHCP_CLIENT_INFO_VQ>(out, n);
    for (size_t i = 0; i < n; ++i) {
      out->Clients[i] = NewChild<DHCP_CLIENT_INFO_VQ>(out);
      ToC(out, (*all)[start + i], out->Clients[i]);
    }
    *ClientInfo = out;
    *ClientsRead = static_cast<DWORD>(n);
    *ClientsTotal = static_cast<DWORD>(all->size() - start);
    *ResumeHandle = (*all)[start + n - 1].ip + 1;
    return start + n < all->size() ? ERROR_MORE_DATA : ERROR_SUCCESS;
  });
}

DWORD DhcpServerBackupDatabase(const char* ServerIpAddress, const char* Path) {
  return WithServer(ServerIpAddress, [&](DhcpServer& s) {
    return Code(s.BackupDatabase(t_principal, Str(Path)).status());
  });
}

DWORD DhcpServerRestoreDatabase(const char* ServerIpAddress, const char* Path) {
  return WithServer(ServerIpAddress, [&](DhcpServer& s) {
    return Code(s.RestoreDatabase(t_principal, Str(Path)));
  });
}

DWORD DhcpCreateSubnet(const char* ServerIpAddress,
                       DHCP_IP_ADDRESS SubnetAddress,
                       const DHCP_SUBNET_INFO* SubnetInfo) {
  if (SubnetInfo == nullptr || SubnetInfo->SubnetAddress != SubnetAddress) {
    return ERROR_INVALID_PARAMETER;
  }
  return WithServer(ServerIpAddress, [&](DhcpServer& s) {
    return Code(s.CreateSubnet(t_principal, FromC(*SubnetInfo)));
  });
}

DWORD DhcpSetSubnetInfo(const char* ServerIpAddress,
                        DHCP_IP_ADDRESS SubnetAddress,
                        const DHCP_SUBNET_INFO* SubnetInfo) {
  if (SubnetInfo == nullptr || SubnetInfo->SubnetAddress != SubnetAddress) {
    return ERROR_INVALID_PARAMETER;
  }
  return WithServer(ServerIpAddress, [&](DhcpServer& s) {
    return Code(s.SetSubnetInfo(t_principal, FromC(*SubnetInfo)));
  });
}

DWORD DhcpGetSubnetInfo(const char* ServerIpAddress,
                        DHCP_IP_ADDRESS SubnetAddress,
                        LPDHCP_SUBNET_INFO* SubnetInfo) {
  if (SubnetInfo == nullptr) return ERROR_INVALID_PARAMETER;
  *SubnetInfo = nullptr;
  return WithServer(ServerIpAddress, [&](DhcpServer& s) -> DWORD {
    absl::StatusOr<shadowset::dhcp::SubnetInfo> info =
        s.GetSubnetInfo(t_principal, SubnetAddress);
    if (!info.ok()) return Code(info.status());
    auto* out = NewRoot<DHCP_SUBNET_INFO>();
    if (out == nullptr) return ERROR_NOT_ENOUGH_MEMORY;
    out->SubnetAddress = info->address;
    out->SubnetMask = info->mask;
    out->SubnetName = CopyString(out, info->name);
    out->SubnetComment = CopyString(out, info->comment);
    ToC(out, info->primary_host, &out->PrimaryHost);
    out->SubnetState = static_cast<DHCP_SUBNET_STATE>(info->state);
    *SubnetInfo = out;
    return ERROR_SUCCESS;
  });
}

DWORD DhcpDeleteSubnet(const char* ServerIpAddress,
                       DHCP_IP_ADDRESS SubnetAddress,
                       DHCP_FORCE_FLAG ForceFlag) {
  return WithServer(ServerIpAddress, [&](DhcpServer& s) {
    return Code(s.DeleteSubnet(t_principal, SubnetAddress,
                               static_cast<shadowset::dhcp::ForceFlag>(ForceFlag)));
  });
}

DWORD DhcpEnumSubnets(const char* ServerIpAddress,
                      DHCP_RESUME_HANDLE* ResumeHandle,
                      DWORD PreferredMaximum, LPDHCP_IP_ARRAY* EnumInfo,
                      DWORD* ElementsRead, DWORD* ElementsTotal) {
  if (ResumeHandle == nullptr || EnumInfo == nullptr ||
      ElementsRead == nullptr || ElementsTotal == nullptr) {
    return ERROR_INVALID_PARAMETER;
  }
  *EnumInfo = nullptr;
  *ElementsRead = *ElementsTotal = 0;
  return WithServer(ServerIpAddress, [&](DhcpServer& s) -> DWORD {
    absl::StatusOr<std::vector<shadowset::dhcp::SubnetInfo>> all =
        s.EnumSubnets(t_principal);
    if (!all.ok()) return Code(all.status());
    size_t start =
        std::lower_bound(all->begin(), all->end(), *ResumeHandle,
                         [](const shadowset::dhcp::SubnetInfo& i, DWORD a) {
                           return i.address < a;
                         }) -
        all->begin();
    if (start >= all->size()) return ERROR_NO_MORE_ITEMS;
    size_t n = TakeCount(*all, start, PreferredMaximum,
                         [](const auto&) { return sizeof(DHCP_IP_ADDRESS); });
    auto* out = NewRoot<DHCP_IP_ARRAY>();
    if (out == nullptr) return ERROR_NOT_ENOUGH_MEMORY;
    out->NumElements = static_cast<DWORD>(n);
    out->Elements = NewChild<DHCP_IP_ADDRESS>(out, n);
    for (size_t i = 0; i < n; ++i) out->Elements[i] = (*all)[start + i].address;
    *EnumInfo = out;
    *ElementsRead = static_cast<DWORD>(n);
    *ElementsTotal = static_cast<DWORD>(all->size() - start);
    *ResumeHandle = (*all)[start + n - 1].address + 1;
    return start + n < all->size() ? ERROR_MORE_DATA : ERROR_SUCCESS;
  });
}

DWORD DhcpAddSubnetElementV4(const char* ServerIpAddress,
                             DHCP_IP_ADDRESS SubnetAddress,
                             const DHCP_SUBNET_ELEMENT_DATA_V4* AddElementInfo) {
  SubnetElement element;
  if (DWORD rc = FromC(AddElementInfo, &element); rc != ERROR_SUCCESS) return rc;
  return WithServer(ServerIpAddress, [&](DhcpServer& s) {
    return Code(s.AddSubnetElement(t_principal, SubnetAddress, element));
  });
}

DWORD DhcpRemoveSubnetElementV4(
    const char* ServerIpAddress, DHCP_IP_ADDRESS SubnetAddress,
    const DHCP_SUBNET_ELEMENT_DATA_V4* RemoveElementInfo,
    DHCP_FORCE_FLAG ForceFlag) {
  SubnetElement element;
  if (DWORD rc = FromC(RemoveElementInfo, &element); rc != ERROR_SUCCESS) {
    return rc;
  }
  return WithServer(ServerIpAddress, [&](DhcpServer& s) {
    return Code(s.RemoveSubnetElement(t_principal, SubnetAddress, element,
                                      static_cast<shadowset::dhcp::ForceFlag>(ForceFlag)));
  });
}

DWORD DhcpEnumSubnetElementsV4(
    const char* ServerIpAddress, DHCP_IP_ADDRESS SubnetAddress,
    DHCP_SUBNET_ELEMENT_TYPE EnumElementType, DHCP_RESUME_HANDLE* ResumeHandle,
    DWORD PreferredMaximum, LPDHCP_SUBNET_ELEMENT_INFO_ARRAY_V4* EnumElementInfo,
    DWORD* ElementsRead, DWORD* ElementsTotal) {
  if (ResumeHandle == nullptr || EnumElementInfo == nullptr ||
      ElementsRead == nullptr || ElementsTotal == nullptr) {
    return ERROR_INVALID_PARAMETER;
  }
  *EnumElementInfo = nullptr;
  *ElementsRead = *ElementsTotal = 0;
  std::optional<ElementType> type = ElementTypeFromC(EnumElementType);
  if (!type) return ERROR_NOT_SUPPORTED;
  return WithServer(ServerIpAddress, [&](DhcpServer& s) -> DWORD {
    absl::StatusOr<std::vector<SubnetElement>> all =
        s.EnumSubnetElements(t_principal, SubnetAddress, *type);
    if (!all.ok()) return Code(all.status());
    size_t start = *ResumeHandle;
    if (start >= all->size()) return ERROR_NO_MORE_ITEMS;
    size_t n = TakeCount(*all, start, PreferredMaximum, [](const SubnetElement& e) {
      return sizeof(DHCP_SUBNET_ELEMENT_DATA_V4) + sizeof(DHCP_IP_RESERVATION_V4) +
             sizeof(DHCP_CLIENT_UID) + e.reservation.hardware_address.size();
    });
    auto* out = NewRoot<DHCP_SUBNET_ELEMENT_INFO_ARRAY_V4>();
    if (out == nullptr) return ERROR_NOT_ENOUGH_MEMORY;
    out->NumElements = static_cast<DWORD>(n);
    out->Elements = NewChild<DHCP_SUBNET_ELEMENT_DATA_V4>(out, n);
    for (size_t i = 0; i < n; ++i) {
      const SubnetElement& e = (*all)[start + i];
      DHCP_SUBNET_ELEMENT_DATA_V4& c = out->Elements[i];
      c.ElementType = EnumElementType;
      if (e.type == ElementType::kReservedIps) {
        auto* r = NewChild<DHCP_IP_RESERVATION_V4>(out);
        r->ReservedIpAddress = e.reservation.ip;
        r->ReservedForClient = NewChild<DHCP_CLIENT_UID>(out);
        SetBytes(out, e.reservation.hardware_address, r->ReservedForClient);
        r->bAllowedClientTypes = e.reservation.allowed_client_types;
        c.Element.ReservedIp = r;
      } else {
        auto* r = NewChild<DHCP_IP_RANGE>(out);
        r->StartAddress = e.range.start;
        r->EndAddress = e.range.end;
        c.Element.IpRange = r;  // shares storage with ExcludeIpRange
      }
    }
    *EnumElementInfo = out;
    *ElementsRead = static_cast<DWORD>(n);
    *ElementsTotal = static_cast<DWORD>(all->size() - start);
    *ResumeHandle = static_cast<DWORD>(start + n);
    return start + n < all->size() ? ERROR_MORE_DATA : ERROR_SUCCESS;
  });
}

DWORD DhcpSetOptionValue(const char* ServerIpAddress, DHCP_OPTION_ID OptionID,
                         const DHCP_OPTION_SCOPE_INFO* ScopeInfo,
                         const DHCP_OPTION_DATA* OptionValue) {
  absl::StatusOr<OptionScope> scope = FromC(ScopeInfo);
  if (!scope.ok() || OptionValue == nullptr) return ERROR_INVALID_PARAMETER;
  return WithServer(ServerIpAddress, [&](DhcpServer& s) {
    return Code(
        s.SetOptionValue(t_principal, *scope, OptionID, FromC(*OptionValue)));
  });
}

DWORD DhcpGetOptionValue(const char* ServerIpAddress, DHCP_OPTION_ID OptionID,
                         const DHCP_OPTION_SCOPE_INFO* ScopeInfo,
                         LPDHCP_OPTION_VALUE* OptionValue) {
  if (OptionValue == nullptr) return ERROR_INVALID_PARAMETER;
  *OptionValue = nullptr;
  absl::StatusOr<OptionScope> scope = FromC(ScopeInfo);
  if (!scope.ok()) return ERROR_INVALID_PARAMETER;
  return WithServer(ServerIpAddress, [&](DhcpServer& s) -> DWORD {
    absl::StatusOr<shadowset::dhcp::OptionValue> value =
        s.GetOptionValue(t_principal, *scope, OptionID);
    if (!value.ok()) return Code(value.status());
    auto* out = NewRoot<DHCP_OPTION_VALUE>();
    if (out == nullptr) return ERROR_NOT_ENOUGH_MEMORY;
    out->OptionID = OptionID;
    ToC(out, *value, &out->Value);
    *OptionValue = out;
    return ERROR_SUCCESS;
  });
}

DWORD DhcpRemoveOptionValue(const char* ServerIpAddress,
                            DHCP_OPTION_ID OptionID,
                            const DHCP_OPTION_SCOPE_INFO* ScopeInfo) {
  absl::StatusOr<OptionScope> scope = FromC(ScopeInfo);
  if (!scope.ok()) return ERROR_INVALID_PARAMETER;
  return WithServer(ServerIpAddress, [&](DhcpServer& s) {
    return Code(s.RemoveOptionValue(t_principal, *scope, OptionID));
  });
}

}  // extern "C"
