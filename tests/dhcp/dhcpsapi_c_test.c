/* Scenarios of the dhcpsapi C API written in C (compiled as C, so this file
 * proves dhcpsapi.h is valid C). Each returns 0, or 1 with a message. The
 * server under test is bound by dhcpsapi_test.cc as "dhcp1"; the caller is
 * "alice", an administrator. */

#include <stdio.h>
#include <string.h>

#include "writers/dhcp/dhcpsapi.h"

#define CHECK_EQ(a, b)                                                      \
  do {                                                                      \
    unsigned long long a_ = (unsigned long long)(a);                        \
    unsigned long long b_ = (unsigned long long)(b);                        \
    if (a_ != b_) {                                                         \
      snprintf(msg, msg_size, "%s:%d: %s is %llu, expected %llu", __FILE__, \
               __LINE__, #a, a_, b_);                                       \
      return 1;                                                             \
    }                                                                       \
  } while (0)

#define CHECK_STR(a, b)                                                     \
  do {                                                                      \
    const char* a_ = (a);                                                   \
    if (a_ == NULL || strcmp(a_, (b)) != 0) {                               \
      snprintf(msg, msg_size, "%s:%d: %s is \"%s\", expected \"%s\"",      \
               __FILE__, __LINE__, #a, a_ ? a_ : "(null)", (b));            \
      return 1;                                                             \
    }                                                                       \
  } while (0)

static const DHCP_IP_ADDRESS kNet = 0x0A010000u; /* 10.1.0.0 */

static BYTE g_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};

static void FillLease(DHCP_CLIENT_INFO_VQ* c, DHCP_IP_ADDRESS ip, BYTE last,
                      char* name) {
  memset(c, 0, sizeof(*c));
  g_mac[5] = last;
  c->ClientIpAddress = ip;
  c->ClientHardwareAddress.DataLength = 6;
  c->ClientHardwareAddress.Data = g_mac;
  c->ClientName = name;
  c->ClientLeaseExpires.dwLowDateTime = 0x12345670u;
  c->ClientLeaseExpires.dwHighDateTime = 0x01DA0000u;
  c->bClientType = CLIENT_TYPE_DHCP;
  c->AddressState = ADDRESS_STATE_ACTIVE;
  c->Status = NOQUARANTINE;
}

int CScopeScenario(char* msg, size_t msg_size) {
  DHCP_SUBNET_INFO info;
  LPDHCP_SUBNET_INFO got = NULL;
  DHCP_IP_RANGE range = {0x0A01000Au, 0x0A0100C8u}; /* .10 - .200 */
  DHCP_IP_RANGE excl = {0x0A010014u, 0x0A010015u};  /* .20 - .21 */
  DHCP_CLIENT_UID uid;
  DHCP_IP_RESERVATION_V4 res;
  DHCP_SUBNET_ELEMENT_DATA_V4 el;
  LPDHCP_SUBNET_ELEMENT_INFO_ARRAY_V4 elements = NULL;
  LPDHCP_IP_ARRAY subnets = NULL;
  DHCP_RESUME_HANDLE resume = 0;
  DWORD read = 0, total = 0;
  BYTE mac[6] = {0x02, 0, 0, 0, 0, 0x50};

  DhcpSetCallerPrincipal("alice");
  memset(&info, 0, sizeof(info));
  info.SubnetAddress = kNet;
  info.SubnetMask = 0xFFFFFF00u;
  info.SubnetName = "lab";
  info.SubnetComment = "first floor";
  info.SubnetState = DhcpSubnetEnabled;
  CHECK_EQ(DhcpCreateSubnet("dhcp1", kNet, &info), ERROR_SUCCESS);
  CHECK_EQ(DhcpCreateSubnet("dhcp1", kNet, &info), ERROR_DHCP_SUBNET_EXITS);
  CHECK_EQ(DhcpCreateSubnet("dhcp1", kNet + 256, &info), ERROR_INVALID_PARAMETER);
  CHECK_EQ(DhcpGetSubnetInfo("dhcp1", kNet, &got), ERROR_SUCCESS);
  CHECK_EQ(got->SubnetMask, 0xFFFFFF00u);
  CHECK_STR(got->SubnetName, "lab");
  CHECK_STR(got->SubnetComment, "first floor");
  DhcpRpcFreeMemory(got);
  CHECK_EQ(DhcpGetSubnetInfo("dhcp1", kNet + 256, &got),
           ERROR_DHCP_SUBNET_NOT_PRESENT);
  CHECK_EQ(got == NULL, 1);
  info.SubnetName = "renamed";
  CHECK_EQ(DhcpSetSubnetInfo("dhcp1", kNet, &info), ERROR_SUCCESS);

  el.ElementType = DhcpIpRanges;
  el.Element.IpRange = &range;
  CHECK_EQ(DhcpAddSubnetElementV4("dhcp1", kNet, &el), ERROR_SUCCESS);
  CHECK_EQ(DhcpAddSubnetElementV4("dhcp1", kNet, &el), ERROR_DHCP_INVALID_RANGE);
  el.ElementType = DhcpExcludedIpRanges;
  el.Element.ExcludeIpRange = &excl;
  CHECK_EQ(DhcpAddSubnetElementV4("dhcp1", kNet, &el), ERROR_SUCCESS);
  uid.DataLength = 6;
  uid.Data = mac;
  res.ReservedIpAddress = 0x0A010032u; /* .50 */
  res.ReservedForClient = &uid;
  res.bAllowedClientTypes = CLIENT_TYPE_BOTH;
  el.ElementType = DhcpReservedIps;
  el.Element.ReservedIp = &res;
  CHECK_EQ(DhcpAddSubnetElementV4("dhcp1", kNet, &el), ERROR_SUCCESS);
  CHECK_EQ(DhcpAddSubnetElementV4("dhcp1", kNet, &el),
           ERROR_DHCP_RESERVEDIP_EXITS);
  el.ElementType = DhcpSecondaryHosts;
  CHECK_EQ(DhcpAddSubnetElementV4("dhcp1", kNet, &el), ERROR_NOT_SUPPORTED);

  CHECK_EQ(DhcpEnumSubnetElementsV4("dhcp1", kNet, DhcpReservedIps, &resume,
                                    0xFFFFFFFFu, &elements, &read, &total),
           ERROR_SUCCESS);
  CHECK_EQ(read, 1);
  CHECK_EQ(elements->Elements[0].Element.ReservedIp->ReservedIpAddress,
           0x0A010032u);
  CHECK_EQ(elements->Elements[0].Element.ReservedIp->ReservedForClient->Data[5],
           0x50);
  DhcpRpcFreeMemory(elements);
  CHECK_EQ(DhcpEnumSubnetElementsV4("dhcp1", kNet, DhcpReservedIps, &resume,
                                    0xFFFFFFFFu, &elements, &read, &total),
           ERROR_NO_MORE_ITEMS);
  CHECK_EQ(elements == NULL, 1);

  /* Remove the exclusion, then an unknown one. */
  el.ElementType = DhcpExcludedIpRanges;
  el.Element.ExcludeIpRange = &excl;
  CHECK_EQ(DhcpRemoveSubnetElementV4("dhcp1", kNet, &el, DhcpFullForce),
           ERROR_SUCCESS);
  CHECK_EQ(DhcpRemoveSubnetElementV4("dhcp1", kNet, &el, DhcpFullForce),
           ERROR_DHCP_INVALID_RANGE);
  CHECK_EQ(DhcpAddSubnetElementV4("dhcp1", kNet, &el), ERROR_SUCCESS);
  res.ReservedIpAddress = 0x0A010033u;
  el.ElementType = DhcpReservedIps;
  el.Element.ReservedIp = &res;
  CHECK_EQ(DhcpRemoveSubnetElementV4("dhcp1", kNet, &el, DhcpFullForce),
           ERROR_DHCP_NOT_RESERVED_CLIENT);

  info.SubnetAddress = kNet + 256 * 2;
  info.SubnetName = "b";
  CHECK_EQ(DhcpCreateSubnet("dhcp1", kNet + 512, &info), ERROR_SUCCESS);
  resume = 0;
  CHECK_EQ(DhcpEnumSubnets("dhcp1", &resume, 1, &subnets, &read, &total),
           ERROR_MORE_DATA);
  CHECK_EQ(read, 1);
  CHECK_EQ(total, 2);
  CHECK_EQ(subnets->Elements[0], kNet);
  DhcpRpcFreeMemory(subnets);
  CHECK_EQ(DhcpEnumSubnets("dhcp1", &resume, 1, &subnets, &read, &total),
           ERROR_SUCCESS);
  CHECK_EQ(subnets->Elements[0], kNet + 512);
  DhcpRpcFreeMemory(subnets);
  CHECK_EQ(DhcpEnumSubnets("dhcp1", &resume, 1, &subnets, &read, &total),
           ERROR_NO_MORE_ITEMS);
  CHECK_EQ(DhcpDeleteSubnet("dhcp1", kNet + 512, DhcpNoForce), ERROR_SUCCESS);
  CHECK_EQ(DhcpDeleteSubnet("dhcp1", kNet + 512, DhcpNoForce),
           ERROR_DHCP_SUBNET_NOT_PRESENT);
  return 0;
}

int CLeaseScenario(char* msg, size_t msg_size) {
  DHCP_CLIENT_INFO_VQ c;
  LPDHCP_CLIENT_INFO_VQ got = NULL;
  LPDHCP_CLIENT_INFO_ARRAY_VQ all = NULL;
  DHCP_SEARCH_INFO search;
  DHCP_RESUME_HANDLE resume = 0;
  DWORD read = 0, total = 0;
  int i;

  DhcpSetCallerPrincipal("alice");
  FillLease(&c, 0x0A01001Eu, 1, "pc-30"); /* .30 */
  c.ClientComment = "desk";
  CHECK_EQ(DhcpCreateClientInfoVQ("dhcp1", &c), ERROR_SUCCESS);
  CHECK_EQ(DhcpCreateClientInfoVQ(NULL, &c), ERROR_DHCP_CLIENT_EXISTS);
  CHECK_EQ(DhcpCreateClientInfoVQ("elsewhere", &c), RPC_S_INVALID_BINDING);
  CHECK_EQ(DhcpCreateClientInfoVQ("dhcp1", NULL), ERROR_INVALID_PARAMETER);
  FillLease(&c, 0x0A01001Fu, 1, "pc-31");
  CHECK_EQ(DhcpCreateClientInfoVQ("dhcp1", &c), ERROR_DHCP_RESERVEDIP_EXITS);
  FillLease(&c, 0x0A010014u, 2, "x"); /* excluded .20 */
  CHECK_EQ(DhcpCreateClientInfoVQ("dhcp1", &c), ERROR_DHCP_ADDRESS_NOT_AVAILABLE);
  FillLease(&c, 0x0B000001u, 2, "x");
  CHECK_EQ(DhcpCreateClientInfoVQ("dhcp1", &c), ERROR_DHCP_SUBNET_NOT_PRESENT);
  FillLease(&c, 0, 2, "x");
  CHECK_EQ(DhcpCreateClientInfoVQ("dhcp1", &c), ERROR_INVALID_PARAMETER);
  FillLease(&c, 0x0A010028u, 2, "x");
  DhcpSetCallerPrincipal("mallory");
  CHECK_EQ(DhcpCreateClientInfoVQ("dhcp1", &c), ERROR_ACCESS_DENIED);
  DhcpSetCallerPrincipal(NULL);
  CHECK_EQ(DhcpCreateClientInfoVQ("dhcp1", &c), ERROR_ACCESS_DENIED);
  DhcpSetCallerPrincipal("alice");

  search.SearchType = DhcpClientIpAddress;
  search.SearchInfo.ClientIpAddress = 0x0A01001Eu;
  CHECK_EQ(DhcpGetClientInfoVQ("dhcp1", &search, &got), ERROR_SUCCESS);
  CHECK_EQ(got->ClientIpAddress, 0x0A01001Eu);
  CHECK_EQ(got->SubnetMask, 0xFFFFFF00u);
  CHECK_EQ(got->ClientHardwareAddress.DataLength, 6);
  CHECK_EQ(got->ClientHardwareAddress.Data[5], 1);
  CHECK_STR(got->ClientName, "pc-30");
  CHECK_STR(got->ClientComment, "desk");
  CHECK_EQ(got->ClientLeaseExpires.dwLowDateTime, 0x12345670u);
  CHECK_EQ(got->ClientLeaseExpires.dwHighDateTime, 0x01DA0000u);
  CHECK_EQ(got->OwnerHost.IpAddress, 0x0A000001u);
  CHECK_STR(got->OwnerHost.HostName, "dhcp1");
  CHECK_EQ(got->bClientType, CLIENT_TYPE_DHCP);
  CHECK_EQ(got->AddressState, ADDRESS_STATE_ACTIVE);
  CHECK_EQ(got->Status, NOQUARANTINE);
  CHECK_EQ(got->QuarantineCapable, FALSE);
  DhcpRpcFreeMemory(got);

  /* Renew: set a new expiry and probation fields. */
  FillLease(&c, 0x0A01001Eu, 1, "pc-30");
  c.ClientLeaseExpires.dwHighDateTime = DHCP_DATE_TIME_INFINIT_HIGH;
  c.ClientLeaseExpires.dwLowDateTime = DHCP_DATE_TIME_INFINIT_LOW;
  c.Status = PROBATION;
  c.ProbationEnds.dwHighDateTime = 0x01DB0000u;
  c.QuarantineCapable = TRUE;
  CHECK_EQ(DhcpSetClientInfoVQ("dhcp1", &c), ERROR_SUCCESS);
  FillLease(&c, 0x0A01001Du, 9, "ghost");
  CHECK_EQ(DhcpSetClientInfoVQ("dhcp1", &c), ERROR_DHCP_INVALID_DHCP_CLIENT);
  search.SearchType = DhcpClientHardwareAddress;
  g_mac[5] = 1;
  search.SearchInfo.ClientHardwareAddress.DataLength = 6;
  search.SearchInfo.ClientHardwareAddress.Data = g_mac;
  CHECK_EQ(DhcpGetClientInfoVQ("dhcp1", &search, &got), ERROR_SUCCESS);
  CHECK_EQ(got->ClientLeaseExpires.dwHighDateTime, DHCP_DATE_TIME_INFINIT_HIGH);
  CHECK_EQ(got->Status, PROBATION);
  CHECK_EQ(got->ProbationEnds.dwHighDateTime, 0x01DB0000u);
  CHECK_EQ(got->QuarantineCapable, TRUE);
  DhcpRpcFreeMemory(got);

  for (i = 0; i < 5; ++i) {
    FillLease(&c, 0x0A010064u + (DWORD)i, (BYTE)(10 + i), "same");
    CHECK_EQ(DhcpCreateClientInfoVQ("dhcp1", &c), ERROR_SUCCESS);
  }
  search.SearchType = DhcpClientName;
  search.SearchInfo.ClientName = "same";
  CHECK_EQ(DhcpGetClientInfoVQ("dhcp1", &search, &got), ERROR_SUCCESS);
  CHECK_EQ(got->ClientIpAddress, 0x0A010064u);
  DhcpRpcFreeMemory(got);

  /* Paged enumeration: 6 records, 2 at a time by size. */
  read = 0;
  for (i = 0; i < 3; ++i) {
    DWORD rc = DhcpEnumSubnetClientsVQ(
        "dhcp1", kNet, &resume, 2 * sizeof(DHCP_CLIENT_INFO_VQ) + 60, &all,
        &read, &total);
    CHECK_EQ(rc, i < 2 ? ERROR_MORE_DATA : ERROR_SUCCESS);
    CHECK_EQ(read, 2);
    CHECK_EQ(total, 6 - 2 * i);
    CHECK_EQ(all->NumElements, 2);
    DhcpRpcFreeMemory(all);
  }
  CHECK_EQ(DhcpEnumSubnetClientsVQ("dhcp1", kNet, &resume, 0xFFFFFFFFu, &all,
                                   &read, &total),
           ERROR_NO_MORE_ITEMS);
  CHECK_EQ(all == NULL, 1);
  CHECK_EQ(DhcpEnumSubnetClientsVQ("dhcp1", kNet + 768, &resume, 0xFFFFFFFFu,
                                   &all, &read, &total),
           ERROR_DHCP_SUBNET_NOT_PRESENT);

  CHECK_EQ(DhcpDeleteClientInfo("dhcp1", &search), ERROR_SUCCESS);
  CHECK_EQ(DhcpDeleteClientInfo("dhcp1", &search), ERROR_DHCP_INVALID_DHCP_CLIENT);
  CHECK_EQ(DhcpGetClientInfoVQ("dhcp1", &search, &got),
           ERROR_DHCP_INVALID_DHCP_CLIENT);
  search.SearchInfo.ClientName = "";
  CHECK_EQ(DhcpDeleteClientInfo("dhcp1", &search), ERROR_INVALID_PARAMETER);
  CHECK_STR(DhcpErrorName(ERROR_DHCP_CLIENT_EXISTS), "ERROR_DHCP_CLIENT_EXISTS");
  CHECK_STR(DhcpErrorName(ERROR_ACCESS_DENIED), "ERROR_ACCESS_DENIED");
  return 0;
}

int COptionScenario(char* msg, size_t msg_size) {
  DHCP_OPTION_SCOPE_INFO scope;
  DHCP_OPTION_DATA_ELEMENT elements[2];
  DHCP_OPTION_DATA data;
  LPDHCP_OPTION_VALUE got = NULL;

  DhcpSetCallerPrincipal("alice");
  memset(&scope, 0, sizeof(scope));
  scope.ScopeType = DhcpSubnetOptions;
  scope.ScopeInfo.SubnetScopeInfo = kNet;
  elements[0].OptionType = DhcpIpAddressOption;
  elements[0].Element.IpAddressOption = 0x0A010001u;
  elements[1].OptionType = DhcpStringDataOption;
  elements[1].Element.StringDataOption = "gw";
  data.NumElements = 2;
  data.Elements = elements;
  CHECK_EQ(DhcpSetOptionValue("dhcp1", 3, &scope, &data), ERROR_SUCCESS);
  CHECK_EQ(DhcpGetOptionValue("dhcp1", 3, &scope, &got), ERROR_SUCCESS);
  CHECK_EQ(got->OptionID, 3);
  CHECK_EQ(got->Value.NumElements, 2);
  CHECK_EQ(got->Value.Elements[0].Element.IpAddressOption, 0x0A010001u);
  CHECK_STR(got->Value.Elements[1].Element.StringDataOption, "gw");
  DhcpRpcFreeMemory(got);
  CHECK_EQ(DhcpGetOptionValue("dhcp1", 6, &scope, &got),
           ERROR_DHCP_OPTION_NOT_PRESENT);
  scope.ScopeType = DhcpReservedOptions;
  scope.ScopeInfo.ReservedScopeInfo.ReservedIpSubnetAddress = kNet;
  scope.ScopeInfo.ReservedScopeInfo.ReservedIpAddress = 0x0A010033u;
  CHECK_EQ(DhcpSetOptionValue("dhcp1", 3, &scope, &data),
           ERROR_DHCP_NOT_RESERVED_CLIENT);
  scope.ScopeType = DhcpMScopeOptions;
  CHECK_EQ(DhcpSetOptionValue("dhcp1", 3, &scope, &data), ERROR_INVALID_PARAMETER);
  scope.ScopeType = DhcpSubnetOptions;
  scope.ScopeInfo.SubnetScopeInfo = kNet;
  CHECK_EQ(DhcpRemoveOptionValue("dhcp1", 3, &scope), ERROR_SUCCESS);
  CHECK_EQ(DhcpRemoveOptionValue("dhcp1", 3, &scope), ERROR_DHCP_OPTION_NOT_PRESENT);
  return 0;
}

int CBackupScenario(const char* dir, char* msg, size_t msg_size) {
  DhcpSetCallerPrincipal("alice");
  CHECK_EQ(DhcpServerBackupDatabase("dhcp1", "relative/path"),
           ERROR_INVALID_PARAMETER);
  CHECK_EQ(DhcpServerBackupDatabase("dhcp1", dir), ERROR_SUCCESS);
  CHECK_EQ(DhcpServerRestoreDatabase("dhcp1", "/nonexistent/backup"),
           ERROR_DHCP_JET_ERROR);
  CHECK_EQ(DhcpServerRestoreDatabase("dhcp1", dir), ERROR_SUCCESS);
  DhcpSetCallerPrincipal("mallory");
  CHECK_EQ(DhcpServerBackupDatabase("dhcp1", dir), ERROR_ACCESS_DENIED);
  CHECK_EQ(DhcpServerRestoreDatabase("dhcp1", dir), ERROR_ACCESS_DENIED);
  return 0;
}
