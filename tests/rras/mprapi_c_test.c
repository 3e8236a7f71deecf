/* Scenarios of the mprapi C API written in C (compiled as C: this proves
 * mprapi.h is valid C). The router under test is bound by mprapi_test.cc as
 * "router1"; "alice" administers it. Each returns 0, or 1 with a message. */

#include <stdio.h>
#include <string.h>

#include "writers/rras/mprapi.h"

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

int CConnectScenario(char* msg, size_t msg_size) {
  HANDLE h = NULL;
  MprConfigSetCallerPrincipal("alice");
  CHECK_EQ(MprConfigServerConnect(NULL, NULL), ERROR_INVALID_PARAMETER);
  CHECK_EQ(MprConfigServerConnect("elsewhere", &h), RPC_S_INVALID_BINDING);
  CHECK_EQ(h == NULL, 1);
  MprConfigSetCallerPrincipal("mallory");
  CHECK_EQ(MprConfigServerConnect(NULL, &h), ERROR_ACCESS_DENIED);
  MprConfigSetCallerPrincipal("alice");
  CHECK_EQ(MprConfigServerConnect(NULL, &h), ERROR_SUCCESS);
  CHECK_EQ(h != NULL, 1);
  MprConfigServerDisconnect(h);
  CHECK_EQ(MprConfigServerConnect("router1", &h), ERROR_SUCCESS);
  MprConfigServerDisconnect(h);
  /* A disconnected handle is no longer valid. */
  CHECK_EQ(MprConfigServerBackup(h, "/tmp/x/"), ERROR_INVALID_HANDLE);
  MprConfigServerDisconnect(NULL);
  return 0;
}

int CTransportScenario(char* msg, size_t msg_size) {
  HANDLE h = NULL, t = NULL;
  BYTE global[4] = {1, 2, 3, 4};
  LPBYTE buffer = NULL, info = NULL;
  DWORD read = 0, total = 0, resume = 0, size = 0;
  char* dll = NULL;
  MPR_TRANSPORT_0* transports;

  MprConfigSetCallerPrincipal("alice");
  CHECK_EQ(MprConfigServerConnect(NULL, &h), ERROR_SUCCESS);
  CHECK_EQ(MprConfigTransportEnum(h, 0, &buffer, 0xFFFFFFFFu, &read, &total,
                                  &resume),
           ERROR_NO_MORE_ITEMS);
  CHECK_EQ(MprConfigTransportCreate(h, PID_IP, "IP", global, 4, NULL, 0,
                                    "iprtrmgr.dll", &t),
           ERROR_SUCCESS);
  CHECK_EQ((DWORD)(size_t)t, PID_IP);
  global[0] = 9; /* acts as set-info when it exists */
  CHECK_EQ(MprConfigTransportCreate(h, PID_IP, "IP", global, 4, NULL, 0,
                                    "iprtrmgr.dll", NULL),
           ERROR_SUCCESS);
  CHECK_EQ(MprConfigTransportCreate(h, 0x2B, "IPX", NULL, 0, NULL, 0, NULL, NULL),
           ERROR_UNKNOWN_PROTOCOL_ID);
  CHECK_EQ(MprConfigTransportCreate(h, PID_IPV6, "IPv6", NULL, 0, NULL, 0,
                                    NULL, NULL),
           ERROR_SUCCESS);
  CHECK_EQ(MprConfigTransportGetHandle(h, PID_IP, &t), ERROR_SUCCESS);
  CHECK_EQ(MprConfigTransportGetInfo(h, t, &info, &size, NULL, NULL, &dll),
           ERROR_SUCCESS);
  CHECK_EQ(size, 4);
  CHECK_EQ(info[0], 9);
  CHECK_EQ(strcmp(dll, "iprtrmgr.dll"), 0);
  MprConfigBufferFree(info);
  MprConfigBufferFree(dll);

  resume = 0;
  CHECK_EQ(MprConfigTransportEnum(h, 0, &buffer, sizeof(MPR_TRANSPORT_0), &read,
                                  &total, &resume),
           ERROR_MORE_DATA);
  CHECK_EQ(read, 1);
  CHECK_EQ(total, 2);
  transports = (MPR_TRANSPORT_0*)buffer;
  CHECK_EQ(transports[0].dwTransportId, PID_IP);
  CHECK_EQ(strcmp(transports[0].wszTransportName, "IP"), 0);
  MprConfigBufferFree(buffer);
  CHECK_EQ(MprConfigTransportEnum(h, 0, &buffer, sizeof(MPR_TRANSPORT_0), &read,
                                  &total, &resume),
           ERROR_SUCCESS);
  CHECK_EQ(((MPR_TRANSPORT_0*)buffer)[0].dwTransportId, PID_IPV6);
  MprConfigBufferFree(buffer);
  CHECK_EQ(MprConfigTransportEnum(h, 1, &buffer, 0xFFFFFFFFu, &read, &total,
                                  NULL),
           ERROR_INVALID_PARAMETER);

  CHECK_EQ(MprConfigTransportGetHandle(h, PID_IPV6, &t), ERROR_SUCCESS);
  CHECK_EQ(MprConfigTransportDelete(h, t), ERROR_SUCCESS);
  CHECK_EQ(MprConfigTransportDelete(h, t), ERROR_UNKNOWN_PROTOCOL_ID);
  CHECK_EQ(MprConfigTransportGetHandle(h, PID_IPV6, &t), ERROR_UNKNOWN_PROTOCOL_ID);
  MprConfigServerDisconnect(h);
  return 0;
}

int CInterfaceScenario(char* msg, size_t msg_size) {
  HANDLE h = NULL, i = NULL, i2 = NULL, it = NULL;
  MPR_INTERFACE_0 in;
  MPR_INTERFACE_0* out;
  LPBYTE buffer = NULL;
  DWORD read = 0, total = 0, resume = 0, size = 0;
  BYTE ifinfo[2] = {7, 8};

  MprConfigSetCallerPrincipal("alice");
  CHECK_EQ(MprConfigServerConnect(NULL, &h), ERROR_SUCCESS);
  CHECK_EQ(MprConfigInterfaceEnum(h, 0, &buffer, 0xFFFFFFFFu, &read, &total,
                                  &resume),
           ERROR_NO_MORE_ITEMS);
  CHECK_EQ(buffer == NULL, 1);
  memset(&in, 0, sizeof(in));
  strcpy(in.wszInterfaceName, "eth0");
  in.fEnabled = TRUE;
  in.dwIfType = ROUTER_IF_TYPE_DEDICATED;
  CHECK_EQ(MprConfigInterfaceCreate(h, 0, (LPBYTE)&in, &i), ERROR_SUCCESS);
  CHECK_EQ(MprConfigInterfaceCreate(h, 0, (LPBYTE)&in, &i2),
           ERROR_INTERFACE_ALREADY_EXISTS);
  CHECK_EQ(MprConfigInterfaceCreate(h, 1, (LPBYTE)&in, &i2), ERROR_INVALID_PARAMETER);
  in.dwIfType = ROUTER_IF_TYPE_MAX;
  strcpy(in.wszInterfaceName, "bad");
  CHECK_EQ(MprConfigInterfaceCreate(h, 0, (LPBYTE)&in, &i2), ERROR_INVALID_PARAMETER);
  in.dwIfType = ROUTER_IF_TYPE_FULL_ROUTER;
  strcpy(in.wszInterfaceName, "wan0");
  CHECK_EQ(MprConfigInterfaceCreate(h, 0, (LPBYTE)&in, &i2), ERROR_SUCCESS);

  CHECK_EQ(MprConfigInterfaceTransportAdd(h, i, PID_IP, "IP", ifinfo, 2, &it),
           ERROR_SUCCESS);
  CHECK_EQ(MprConfigInterfaceTransportAdd(h, i, PID_IPV6, "IPv6", NULL, 0, &it),
           ERROR_UNKNOWN_PROTOCOL_ID);
  CHECK_EQ(MprConfigInterfaceTransportRemove(h, i, (HANDLE)(size_t)PID_IP),
           ERROR_SUCCESS);
  CHECK_EQ(MprConfigInterfaceTransportRemove(h, i, (HANDLE)(size_t)PID_IP),
           ERROR_UNKNOWN_PROTOCOL_ID);

  CHECK_EQ(MprConfigInterfaceGetInfo(h, i, 0, &buffer, &size), ERROR_SUCCESS);
  out = (MPR_INTERFACE_0*)buffer;
  CHECK_EQ(strcmp(out->wszInterfaceName, "eth0"), 0);
  CHECK_EQ(out->dwIfType, ROUTER_IF_TYPE_DEDICATED);
  CHECK_EQ(out->fEnabled, TRUE);
  CHECK_EQ(size, sizeof(MPR_INTERFACE_0));
  out->fEnabled = FALSE;
  CHECK_EQ(MprConfigInterfaceSetInfo(h, i, 0, buffer), ERROR_SUCCESS);
  MprConfigBufferFree(buffer);

  resume = 0;
  CHECK_EQ(MprConfigInterfaceEnum(h, 0, &buffer, 0xFFFFFFFFu, &read, &total,
                                  &resume),
           ERROR_SUCCESS);
  CHECK_EQ(read, 2);
  out = (MPR_INTERFACE_0*)buffer;
  CHECK_EQ(strcmp(out[0].wszInterfaceName, "eth0"), 0);
  CHECK_EQ(out[0].fEnabled, FALSE);
  CHECK_EQ(out[0].hInterface == i, 1);
  CHECK_EQ(strcmp(out[1].wszInterfaceName, "wan0"), 0);
  MprConfigBufferFree(buffer);
  CHECK_EQ(MprConfigInterfaceEnum(h, 0, &buffer, 0xFFFFFFFFu, &read, &total,
                                  &resume),
           ERROR_NO_MORE_ITEMS);

  CHECK_EQ(MprConfigInterfaceGetHandle(h, "WAN0", &i2), ERROR_SUCCESS);
  CHECK_EQ(MprConfigInterfaceDelete(h, i2), ERROR_SUCCESS);
  CHECK_EQ(MprConfigInterfaceDelete(h, i2), ERROR_NO_SUCH_INTERFACE);
  CHECK_EQ(MprConfigInterfaceGetHandle(h, "wan0", &i2), ERROR_NO_SUCH_INTERFACE);
  CHECK_EQ(MprConfigInterfaceDelete(h, (HANDLE)(size_t)999), ERROR_INVALID_HANDLE);
  MprConfigServerDisconnect(h);
  return 0;
}

int CBackupScenario(const char* good_dir, const char* plain_dir, char* msg,
                    size_t msg_size) {
  HANDLE h = NULL;
  char no_sep[512];
  MprConfigSetCallerPrincipal("alice");
  CHECK_EQ(MprConfigServerBackup(NULL, good_dir), ERROR_INVALID_PARAMETER);
  CHECK_EQ(MprConfigServerConnect(NULL, &h), ERROR_SUCCESS);
  snprintf(no_sep, sizeof(no_sep), "%s", good_dir);
  no_sep[strlen(no_sep) - 1] = '\0';
  CHECK_EQ(MprConfigServerBackup(h, no_sep), ERROR_INVALID_PARAMETER);
  CHECK_EQ(MprConfigServerBackup(h, "relative/"), ERROR_INVALID_PARAMETER);
  CHECK_EQ(MprConfigServerBackup(h, good_dir), ERROR_SUCCESS);
  CHECK_EQ(MprConfigServerRestore(h, plain_dir), ERROR_ROUTER_CONFIG_INCOMPATIBLE);
  CHECK_EQ(MprConfigServerRestore(NULL, good_dir), ERROR_INVALID_PARAMETER);
  CHECK_EQ(MprConfigServerRestore(h, good_dir), ERROR_SUCCESS);
  CHECK_EQ(strcmp(MprConfigErrorName(ERROR_ROUTER_CONFIG_INCOMPATIBLE),
                  "ERROR_ROUTER_CONFIG_INCOMPATIBLE"),
           0);
  MprConfigServerDisconnect(h);
  return 0;
}
