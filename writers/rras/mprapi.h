/* mprapi.h: the C configuration API of the shadowset router configuration
 * service, after Windows' mprapi (SEMANTICS.md §3). Valid C (C99) and C++.
 *
 * Functions return ERROR_SUCCESS (0) or a numeric code: the generic Win32
 * ones of writers/win32_types.h and the router ones below.
 *
 * Differences from Windows, all deliberate:
 *  - Strings are UTF-8 `char` where Windows has WCHAR.
 *  - The server: MprConfigServerConnect's name selects a RouterConfig bound
 *    in this process with shadowset::rras::RrasApiBinding
 *    (writers/rras/mprapi_binding.h); NULL or "" is the local server, the
 *    only bound one. An unknown name: RPC_S_INVALID_BINDING (1702).
 *  - The caller: MprConfigServerConnect binds the handle to the thread's
 *    current principal (MprConfigSetCallerPrincipal; unset: "", nobody).
 *    A caller that is not an administrator of the router gets
 *    ERROR_ACCESS_DENIED (5) from Connect and from every later call.
 *  - Memory: each buffer returned through an out-pointer is one block
 *    owning all it points to; free it with one MprConfigBufferFree.
 *  - Enumerations take level 0 only; dwPrefMaxLen is in bytes (0xFFFFFFFF:
 *    no limit; at least one entry is returned); the resume handle (may be
 *    NULL) starts at 0. ERROR_MORE_DATA: more remain; ERROR_NO_MORE_ITEMS:
 *    none (left); ERROR_SUCCESS: this call returned the last ones.
 *  - Handles: the interface and transport handles belong to their
 *    configuration handle and stay valid until it is disconnected.
 *  - The phone book is reachable through the C++ API only.
 *  - Storage failures return ERROR_CAN_NOT_COMPLETE (1003).
 *
 * Thread safety: every function is safe to call from any thread.
 */

#ifndef SHADOWSET_WRITERS_RRAS_MPRAPI_H_
#define SHADOWSET_WRITERS_RRAS_MPRAPI_H_

#include "writers/win32_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* --- codes (public Windows constants; never renumber) --- */
#define ERROR_UNKNOWN_PROTOCOL_ID 902u
#define ERROR_INTERFACE_ALREADY_EXISTS 904u
#define ERROR_NO_SUCH_INTERFACE 905u
#define ERROR_ROUTER_CONFIG_INCOMPATIBLE 945u
#define ERROR_CAN_NOT_COMPLETE 1003u

#define PID_IP 0x00000021u
#define PID_IPV6 0x00000057u
#define MAX_INTERFACE_NAME_LEN 256
#define MAX_TRANSPORT_NAME_LEN 40

typedef enum _ROUTER_INTERFACE_TYPE {
  ROUTER_IF_TYPE_CLIENT = 0,
  ROUTER_IF_TYPE_HOME_ROUTER = 1,
  ROUTER_IF_TYPE_FULL_ROUTER = 2,
  ROUTER_IF_TYPE_DEDICATED = 3,
  ROUTER_IF_TYPE_INTERNAL = 4,
  ROUTER_IF_TYPE_LOOPBACK = 5,
  ROUTER_IF_TYPE_TUNNEL1 = 6,
  ROUTER_IF_TYPE_DIALOUT = 7,
  ROUTER_IF_TYPE_MAX = 8
} ROUTER_INTERFACE_TYPE;

typedef enum _ROUTER_CONNECTION_STATE {
  ROUTER_IF_STATE_UNREACHABLE = 0,
  ROUTER_IF_STATE_DISCONNECTED = 1,
  ROUTER_IF_STATE_CONNECTING = 2,
  ROUTER_IF_STATE_CONNECTED = 3
} ROUTER_CONNECTION_STATE;

typedef struct _MPR_INTERFACE_0 {
  char wszInterfaceName[MAX_INTERFACE_NAME_LEN + 1];
  HANDLE hInterface;
  BOOL fEnabled;
  ROUTER_INTERFACE_TYPE dwIfType;
  ROUTER_CONNECTION_STATE dwConnectionState; /* configuration: UNREACHABLE */
  DWORD fUnReachabilityReasons;
  DWORD dwLastError;
} MPR_INTERFACE_0, *PMPR_INTERFACE_0;

typedef struct _MPR_TRANSPORT_0 {
  DWORD dwTransportId;
  HANDLE hTransport;
  char wszTransportName[MAX_TRANSPORT_NAME_LEN + 1];
} MPR_TRANSPORT_0, *PMPR_TRANSPORT_0;

/* --- the caller and code names (ours) --- */
void MprConfigSetCallerPrincipal(const char* principal);
/* "ERROR_NO_SUCH_INTERFACE" etc.; "" for an unknown code. */
const char* MprConfigErrorName(DWORD code);

/* --- server --- */

/* Opens a configuration handle. ERROR_INVALID_PARAMETER (NULL out-pointer);
 * RPC_S_INVALID_BINDING; ERROR_ACCESS_DENIED; ERROR_NOT_ENOUGH_MEMORY when
 * 1024 handles are open. */
DWORD MprConfigServerConnect(const char* lpwsServerName, HANDLE* phMprConfig);
/* Closes a handle (and its interface handles). NULL is ignored. */
void MprConfigServerDisconnect(HANDLE hMprConfig);
/* Backs up router managers, interfaces and the phone book into directory
 * lpwsPath (absolute, ending with '/'). ERROR_INVALID_PARAMETER (NULL
 * handle, bad path); ERROR_INVALID_HANDLE; ERROR_CAN_NOT_COMPLETE. */
DWORD MprConfigServerBackup(HANDLE hMprConfig, const char* lpwsPath);
/* Restores the three parts from such a directory, atomically.
 * ERROR_INVALID_PARAMETER; ERROR_ROUTER_CONFIG_INCOMPATIBLE (not a
 * compatible backup; nothing changes). */
DWORD MprConfigServerRestore(HANDLE hMprConfig, const char* lpwsPath);
/* Frees a buffer returned by any function here. */
DWORD MprConfigBufferFree(void* pBuffer);

/* --- interfaces --- */

/* lpbBuffer: an MPR_INTERFACE_0 (dwLevel 0). ERROR_INVALID_PARAMETER (bad
 * level, name or type); ERROR_INTERFACE_ALREADY_EXISTS. */
DWORD MprConfigInterfaceCreate(HANDLE hMprConfig, DWORD dwLevel,
                               LPBYTE lpbBuffer, HANDLE* phRouterInterface);
/* ERROR_NO_SUCH_INTERFACE. */
DWORD MprConfigInterfaceGetHandle(HANDLE hMprConfig,
                                  const char* lpwsInterfaceName,
                                  HANDLE* phRouterInterface);
/* *lplpBuffer: an MPR_INTERFACE_0. ERROR_NO_SUCH_INTERFACE;
 * ERROR_INVALID_HANDLE (an unknown interface handle). */
DWORD MprConfigInterfaceGetInfo(HANDLE hMprConfig, HANDLE hRouterInterface,
                                DWORD dwLevel, LPBYTE* lplpBuffer,
                                LPDWORD lpdwBufferSize);
/* Sets fEnabled and dwIfType from an MPR_INTERFACE_0. */
DWORD MprConfigInterfaceSetInfo(HANDLE hMprConfig, HANDLE hRouterInterface,
                                DWORD dwLevel, LPBYTE lpbBuffer);
/* ERROR_NO_SUCH_INTERFACE. */
DWORD MprConfigInterfaceDelete(HANDLE hMprConfig, HANDLE hRouterInterface);
/* *lplpBuffer: an array of MPR_INTERFACE_0. */
DWORD MprConfigInterfaceEnum(HANDLE hMprConfig, DWORD dwLevel,
                             LPBYTE* lplpBuffer, DWORD dwPrefMaxLen,
                             LPDWORD lpdwEntriesRead, LPDWORD lpdwTotalEntries,
                             LPDWORD lpdwResumeHandle);
/* Binds a router manager to an interface. ERROR_UNKNOWN_PROTOCOL_ID (the
 * router has no such manager); ERROR_NO_SUCH_INTERFACE. */
DWORD MprConfigInterfaceTransportAdd(HANDLE hMprConfig, HANDLE hRouterInterface,
                                     DWORD dwTransportId,
                                     const char* lpwsTransportName,
                                     LPBYTE pInterfaceInfo,
                                     DWORD dwInterfaceInfoSize,
                                     HANDLE* phRouterIfTransport);
/* ERROR_UNKNOWN_PROTOCOL_ID when it is not bound. */
DWORD MprConfigInterfaceTransportRemove(HANDLE hMprConfig,
                                        HANDLE hRouterInterface,
                                        HANDLE hRouterIfTransport);

/* --- router managers (transports) --- */

/* Creates the router manager, or sets its information when it exists.
 * ERROR_UNKNOWN_PROTOCOL_ID (not PID_IP or PID_IPV6);
 * ERROR_INVALID_PARAMETER (name over MAX_TRANSPORT_NAME_LEN). */
DWORD MprConfigTransportCreate(HANDLE hMprConfig, DWORD dwTransportId,
                               const char* lpwsTransportName,
                               LPBYTE pGlobalInfo, DWORD dwGlobalInfoSize,
                               LPBYTE pClientInterfaceInfo,
                               DWORD dwClientInterfaceInfoSize,
                               const char* lpwsDLLPath,
                               HANDLE* phRouterTransport);
/* ERROR_UNKNOWN_PROTOCOL_ID. */
DWORD MprConfigTransportGetHandle(HANDLE hMprConfig, DWORD dwTransportId,
                                  HANDLE* phRouterTransport);
/* Each out-pointer may be NULL; each buffer returned is freed with
 * MprConfigBufferFree. */
DWORD MprConfigTransportGetInfo(HANDLE hMprConfig, HANDLE hRouterTransport,
                                LPBYTE* ppGlobalInfo, LPDWORD lpdwGlobalInfoSize,
                                LPBYTE* ppClientInterfaceInfo,
                                LPDWORD lpdwClientInterfaceInfoSize,
                                char** lplpwsDLLPath);
/* ERROR_UNKNOWN_PROTOCOL_ID. */
DWORD MprConfigTransportDelete(HANDLE hMprConfig, HANDLE hRouterTransport);
/* *lplpBuffer: an array of MPR_TRANSPORT_0. */
DWORD MprConfigTransportEnum(HANDLE hMprConfig, DWORD dwLevel,
                             LPBYTE* lplpBuffer, DWORD dwPrefMaxLen,
                             LPDWORD lpdwEntriesRead, LPDWORD lpdwTotalEntries,
                             LPDWORD lpdwResumeHandle);

#ifdef __cplusplus
}  /* extern "C" */
#endif

#endif /* SHADOWSET_WRITERS_RRAS_MPRAPI_H_ */
