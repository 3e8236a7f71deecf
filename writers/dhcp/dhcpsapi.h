/* dhcpsapi.h: the C management API of the shadowset DHCP server, after
 * Windows' dhcpsapi (SEMANTICS.md §2). Valid C (C99) and C++.
 *
 * Functions return ERROR_SUCCESS (0) or a numeric code: the generic Win32
 * ones of writers/win32_types.h and the ERROR_DHCP_* ones below.
 *
 * Differences from Windows, all deliberate:
 *  - Strings are UTF-8 `char*` where Windows has LPWSTR.
 *  - The server: ServerIpAddress names a server bound in this process with
 *    shadowset::dhcp::DhcpApiBinding (writers/dhcp/dhcpsapi_binding.h);
 *    NULL or "" means the only bound server. An unknown name, or NULL/""
 *    while several are bound, returns RPC_S_INVALID_BINDING (1702).
 *  - The caller: each thread has a current principal, set with
 *    DhcpSetCallerPrincipal (unset: "", which is nobody). A caller that is
 *    not in the server's DHCP Administrators gets ERROR_ACCESS_DENIED (5).
 *  - Memory: every structure returned through an out-pointer is one block
 *    owning all it points to; free it with one DhcpRpcFreeMemory call (never
 *    free the pointers inside it).
 *  - Enumerations: PreferredMaximum is in bytes of returned structures
 *    (each element counts its structure, strings and bytes; 0xFFFFFFFF: no
 *    limit; at least one element is returned). The resume handle starts at
 *    0. ERROR_MORE_DATA: more remain (call again with the handle);
 *    ERROR_NO_MORE_ITEMS: none left (the out-pointer is set to NULL);
 *    ERROR_SUCCESS: this call returned the last ones.
 *  - Options need no definition (DhcpCreateOption) before a value is set;
 *    option ids are 1..254.
 *
 * Thread safety: every function is safe to call from any thread.
 */

#ifndef SHADOWSET_WRITERS_DHCP_DHCPSAPI_H_
#define SHADOWSET_WRITERS_DHCP_DHCPSAPI_H_

#include "writers/win32_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* --- codes (public Windows constants; never renumber) --- */
#define ERROR_DHCP_SUBNET_EXITS 20004u
#define ERROR_DHCP_SUBNET_NOT_PRESENT 20005u
#define ERROR_DHCP_ELEMENT_CANT_REMOVE 20007u
#define ERROR_DHCP_OPTION_NOT_PRESENT 20010u
#define ERROR_DHCP_ADDRESS_NOT_AVAILABLE 20011u
#define ERROR_DHCP_RANGE_FULL 20012u
#define ERROR_DHCP_JET_ERROR 20013u
#define ERROR_DHCP_CLIENT_EXISTS 20014u
#define ERROR_DHCP_INVALID_DHCP_CLIENT 20016u
#define ERROR_DHCP_NOT_RESERVED_CLIENT 20018u
#define ERROR_DHCP_RESERVEDIP_EXITS 20022u
#define ERROR_DHCP_INVALID_RANGE 20023u

/* --- basic types --- */
typedef DWORD DHCP_IP_ADDRESS, *PDHCP_IP_ADDRESS, *LPDHCP_IP_ADDRESS;
typedef DWORD DHCP_IP_MASK;
typedef DWORD DHCP_RESUME_HANDLE;
typedef DWORD DHCP_OPTION_ID;

/* A FILETIME: 100 ns ticks since 1601-01-01 UTC. {0,0}: not set. */
typedef struct _DATE_TIME {
  DWORD dwLowDateTime;
  DWORD dwHighDateTime;
} DATE_TIME, *LPDATE_TIME;
/* "Never expires" (reservations). */
#define DHCP_DATE_TIME_INFINIT_LOW 0xFFFFFFFFu
#define DHCP_DATE_TIME_INFINIT_HIGH 0x7FFFFFFFu

typedef struct _DHCP_BINARY_DATA {
  DWORD DataLength;
  BYTE* Data;
} DHCP_BINARY_DATA, *LPDHCP_BINARY_DATA;
typedef DHCP_BINARY_DATA DHCP_CLIENT_UID;

typedef struct _DHCP_HOST_INFO {
  DHCP_IP_ADDRESS IpAddress;
  char* NetBiosName;
  char* HostName;
} DHCP_HOST_INFO, *LPDHCP_HOST_INFO;

/* --- lease records --- */
#define CLIENT_TYPE_UNSPECIFIED 0x00
#define CLIENT_TYPE_DHCP 0x01
#define CLIENT_TYPE_BOOTP 0x02
#define CLIENT_TYPE_BOTH 0x03
#define CLIENT_TYPE_RESERVATION_FLAG 0x04
#define CLIENT_TYPE_NONE 0x64

#define ADDRESS_STATE_OFFERED 0
#define ADDRESS_STATE_ACTIVE 1
#define ADDRESS_STATE_DECLINED 2
#define ADDRESS_STATE_DOOM 3

typedef enum _QuarantineStatus {
  NOQUARANTINE = 0,
  RESTRICTEDACCESS = 1,
  DROPPACKET = 2,
  PROBATION = 3,
  EXEMPT = 4,
  DEFAULTQUARSETTING = 5,
  NOQUARINFO = 6
} QuarantineStatus;

typedef struct _DHCP_CLIENT_INFO_VQ {
  DHCP_IP_ADDRESS ClientIpAddress;       /* required */
  DHCP_IP_MASK SubnetMask;               /* 0: the scope's */
  DHCP_CLIENT_UID ClientHardwareAddress; /* required */
  char* ClientName;
  char* ClientComment;
  DATE_TIME ClientLeaseExpires;
  DHCP_HOST_INFO OwnerHost; /* all zero: this server */
  BYTE bClientType;
  BYTE AddressState;
  QuarantineStatus Status;
  DATE_TIME ProbationEnds;
  BOOL QuarantineCapable;
} DHCP_CLIENT_INFO_VQ, *LPDHCP_CLIENT_INFO_VQ;

typedef struct _DHCP_CLIENT_INFO_ARRAY_VQ {
  DWORD NumElements;
  LPDHCP_CLIENT_INFO_VQ* Clients;
} DHCP_CLIENT_INFO_ARRAY_VQ, *LPDHCP_CLIENT_INFO_ARRAY_VQ;

typedef enum _DHCP_SEARCH_INFO_TYPE {
  DhcpClientIpAddress = 0,
  DhcpClientHardwareAddress = 1,
  DhcpClientName = 2
} DHCP_SEARCH_INFO_TYPE;

typedef struct _DHCP_SEARCH_INFO {
  DHCP_SEARCH_INFO_TYPE SearchType;
  union {
    DHCP_IP_ADDRESS ClientIpAddress;
    DHCP_CLIENT_UID ClientHardwareAddress;
    char* ClientName;
  } SearchInfo;
} DHCP_SEARCH_INFO, *LPDHCP_SEARCH_INFO;

/* --- scopes --- */
typedef enum _DHCP_SUBNET_STATE {
  DhcpSubnetEnabled = 0,
  DhcpSubnetDisabled = 1,
  DhcpSubnetEnabledSwitched = 2,
  DhcpSubnetDisabledSwitched = 3,
  DhcpSubnetInvalidState = 4
} DHCP_SUBNET_STATE;

typedef struct _DHCP_SUBNET_INFO {
  DHCP_IP_ADDRESS SubnetAddress;
  DHCP_IP_MASK SubnetMask;
  char* SubnetName;
  char* SubnetComment;
  DHCP_HOST_INFO PrimaryHost;
  DHCP_SUBNET_STATE SubnetState;
} DHCP_SUBNET_INFO, *LPDHCP_SUBNET_INFO;

typedef struct _DHCP_IP_ARRAY {
  DWORD NumElements;
  LPDHCP_IP_ADDRESS Elements;
} DHCP_IP_ARRAY, *LPDHCP_IP_ARRAY;

typedef enum _DHCP_FORCE_FLAG {
  DhcpFullForce = 0,
  DhcpNoForce = 1
} DHCP_FORCE_FLAG;

typedef struct _DHCP_IP_RANGE {
  DHCP_IP_ADDRESS StartAddress;
  DHCP_IP_ADDRESS EndAddress;
} DHCP_IP_RANGE, *LPDHCP_IP_RANGE;

typedef struct _DHCP_IP_RESERVATION_V4 {
  DHCP_IP_ADDRESS ReservedIpAddress;
  DHCP_CLIENT_UID* ReservedForClient;
  BYTE bAllowedClientTypes;
} DHCP_IP_RESERVATION_V4, *LPDHCP_IP_RESERVATION_V4;

/* Only DhcpIpRanges, DhcpReservedIps and DhcpExcludedIpRanges are kept;
 * the others return ERROR_NOT_SUPPORTED. */
typedef enum _DHCP_SUBNET_ELEMENT_TYPE {
  DhcpIpRanges = 0,
  DhcpSecondaryHosts = 1,
  DhcpReservedIps = 2,
  DhcpExcludedIpRanges = 3,
  DhcpIpUsedClusters = 4,
  DhcpIpRangesDhcpOnly = 5,
  DhcpIpRangesDhcpBootp = 6,
  DhcpIpRangesBootpOnly = 7
} DHCP_SUBNET_ELEMENT_TYPE;

typedef struct _DHCP_SUBNET_ELEMENT_DATA_V4 {
  DHCP_SUBNET_ELEMENT_TYPE ElementType;
  union {
    DHCP_IP_RANGE* IpRange;
    DHCP_HOST_INFO* SecondaryHost;
    DHCP_IP_RESERVATION_V4* ReservedIp;
    DHCP_IP_RANGE* ExcludeIpRange;
    void* IpUsedCluster;
  } Element;
} DHCP_SUBNET_ELEMENT_DATA_V4, *LPDHCP_SUBNET_ELEMENT_DATA_V4;

typedef struct _DHCP_SUBNET_ELEMENT_INFO_ARRAY_V4 {
  DWORD NumElements;
  LPDHCP_SUBNET_ELEMENT_DATA_V4 Elements;
} DHCP_SUBNET_ELEMENT_INFO_ARRAY_V4, *LPDHCP_SUBNET_ELEMENT_INFO_ARRAY_V4;

/* --- options --- */
typedef enum _DHCP_OPTION_DATA_TYPE {
  DhcpByteOption = 0,
  DhcpWordOption = 1,
  DhcpDWordOption = 2,
  DhcpDWordDWordOption = 3,
  DhcpIpAddressOption = 4,
  DhcpStringDataOption = 5,
  DhcpBinaryDataOption = 6,
  DhcpEncapsulatedDataOption = 7,
  DhcpIpv6AddressOption = 8
} DHCP_OPTION_DATA_TYPE;

typedef struct _DWORD_DWORD {
  DWORD DWord1; /* high */
  DWORD DWord2; /* low */
} DWORD_DWORD;

typedef struct _DHCP_OPTION_DATA_ELEMENT {
  DHCP_OPTION_DATA_TYPE OptionType;
  union {
    BYTE ByteOption;
    WORD WordOption;
    DWORD DWordOption;
    DWORD_DWORD DWordDWordOption;
    DHCP_IP_ADDRESS IpAddressOption;
    char* StringDataOption;
    DHCP_BINARY_DATA BinaryDataOption;
    DHCP_BINARY_DATA EncapsulatedDataOption;
    char* Ipv6AddressDataOption;
  } Element;
} DHCP_OPTION_DATA_ELEMENT, *LPDHCP_OPTION_DATA_ELEMENT;

typedef struct _DHCP_OPTION_DATA {
  DWORD NumElements;
  LPDHCP_OPTION_DATA_ELEMENT Elements;
} DHCP_OPTION_DATA, *LPDHCP_OPTION_DATA;

typedef struct _DHCP_OPTION_VALUE {
  DHCP_OPTION_ID OptionID;
  DHCP_OPTION_DATA Value;
} DHCP_OPTION_VALUE, *LPDHCP_OPTION_VALUE;

/* Only DhcpGlobalOptions, DhcpSubnetOptions and DhcpReservedOptions are
 * kept; the others return ERROR_INVALID_PARAMETER. */
typedef enum _DHCP_OPTION_SCOPE_TYPE {
  DhcpDefaultOptions = 0,
  DhcpGlobalOptions = 1,
  DhcpSubnetOptions = 2,
  DhcpReservedOptions = 3,
  DhcpMScopeOptions = 4
} DHCP_OPTION_SCOPE_TYPE;

typedef struct _DHCP_RESERVED_SCOPE {
  DHCP_IP_ADDRESS ReservedIpAddress;
  DHCP_IP_ADDRESS ReservedIpSubnetAddress;
} DHCP_RESERVED_SCOPE, *LPDHCP_RESERVED_SCOPE;

typedef struct _DHCP_OPTION_SCOPE_INFO {
  DHCP_OPTION_SCOPE_TYPE ScopeType;
  union {
    void* DefaultScopeInfo;
    void* GlobalScopeInfo;
    DHCP_IP_ADDRESS SubnetScopeInfo;
    DHCP_RESERVED_SCOPE ReservedScopeInfo;
    char* MScopeInfo;
  } ScopeInfo;
} DHCP_OPTION_SCOPE_INFO, *LPDHCP_OPTION_SCOPE_INFO;

/* --- the caller (ours) --- */

/* Sets the principal on whose behalf this thread's later calls run (copied;
 * NULL clears it). */
void DhcpSetCallerPrincipal(const char* principal);

/* "ERROR_DHCP_CLIENT_EXISTS" etc.; "" for an unknown code. Static storage. */
const char* DhcpErrorName(DWORD code);

/* --- lease records --- */

/* Creates a lease record and so marks its address in use.
 * ERROR_ACCESS_DENIED; ERROR_INVALID_PARAMETER (NULL, no address or
 * hardware address); ERROR_DHCP_SUBNET_NOT_PRESENT (outside every scope);
 * ERROR_DHCP_CLIENT_EXISTS; ERROR_DHCP_ADDRESS_NOT_AVAILABLE (excluded or
 * reserved for another client); ERROR_DHCP_RESERVEDIP_EXITS (the hardware
 * address holds another lease in the scope); ERROR_DHCP_JET_ERROR. */
DWORD DhcpCreateClientInfoVQ(const char* ServerIpAddress,
                             const DHCP_CLIENT_INFO_VQ* ClientInfo);
/* Replaces the record at ClientInfo->ClientIpAddress; as Create, but
 * ERROR_DHCP_INVALID_DHCP_CLIENT when there is none. */
DWORD DhcpSetClientInfoVQ(const char* ServerIpAddress,
                          const DHCP_CLIENT_INFO_VQ* ClientInfo);
/* Finds a record by address, hardware address or name (lowest address
 * wins). ERROR_ACCESS_DENIED; ERROR_INVALID_PARAMETER;
 * ERROR_DHCP_INVALID_DHCP_CLIENT when none matches. */
DWORD DhcpGetClientInfoVQ(const char* ServerIpAddress,
                          const DHCP_SEARCH_INFO* SearchInfo,
                          LPDHCP_CLIENT_INFO_VQ* ClientInfo);
/* Deletes every record that matches. Errors as Get, and
 * ERROR_DHCP_JET_ERROR. */
DWORD DhcpDeleteClientInfo(const char* ServerIpAddress,
                           const DHCP_SEARCH_INFO* ClientInfo);
/* The records of scope SubnetAddress (0: every scope), ascending by
 * address. ERROR_DHCP_SUBNET_NOT_PRESENT; see "Enumerations" above. */
DWORD DhcpEnumSubnetClientsVQ(const char* ServerIpAddress,
                              DHCP_IP_ADDRESS SubnetAddress,
                              DHCP_RESUME_HANDLE* ResumeHandle,
                              DWORD PreferredMaximum,
                              LPDHCP_CLIENT_INFO_ARRAY_VQ* ClientInfo,
                              DWORD* ClientsRead, DWORD* ClientsTotal);

/* --- backup and restore --- */

/* Writes the whole database into directory Path (absolute; created if
 * missing), consistently, while the server keeps serving.
 * ERROR_ACCESS_DENIED; ERROR_INVALID_PARAMETER; ERROR_DHCP_JET_ERROR. */
DWORD DhcpServerBackupDatabase(const char* ServerIpAddress, const char* Path);
/* Records Path for a restore at the server's next open (which first keeps
 * the current state as a fallback). ERROR_ACCESS_DENIED;
 * ERROR_INVALID_PARAMETER; ERROR_DHCP_JET_ERROR if Path holds no readable
 * backup (nothing is recorded). */
DWORD DhcpServerRestoreDatabase(const char* ServerIpAddress, const char* Path);

/* --- scopes --- */

/* ERROR_DHCP_SUBNET_EXITS (exists or overlaps); ERROR_INVALID_PARAMETER
 * (SubnetAddress differs from SubnetInfo->SubnetAddress, bad mask). */
DWORD DhcpCreateSubnet(const char* ServerIpAddress,
                       DHCP_IP_ADDRESS SubnetAddress,
                       const DHCP_SUBNET_INFO* SubnetInfo);
/* ERROR_DHCP_SUBNET_NOT_PRESENT; ERROR_INVALID_PARAMETER. */
DWORD DhcpSetSubnetInfo(const char* ServerIpAddress,
                        DHCP_IP_ADDRESS SubnetAddress,
                        const DHCP_SUBNET_INFO* SubnetInfo);
DWORD DhcpGetSubnetInfo(const char* ServerIpAddress,
                        DHCP_IP_ADDRESS SubnetAddress,
                        LPDHCP_SUBNET_INFO* SubnetInfo);
/* ERROR_DHCP_SUBNET_NOT_PRESENT; ERROR_DHCP_ELEMENT_CANT_REMOVE
 * (DhcpNoForce while leases exist). */
DWORD DhcpDeleteSubnet(const char* ServerIpAddress,
                       DHCP_IP_ADDRESS SubnetAddress,
                       DHCP_FORCE_FLAG ForceFlag);
DWORD DhcpEnumSubnets(const char* ServerIpAddress,
                      DHCP_RESUME_HANDLE* ResumeHandle,
                      DWORD PreferredMaximum, LPDHCP_IP_ARRAY* EnumInfo,
                      DWORD* ElementsRead, DWORD* ElementsTotal);

/* Ranges and exclusions: ERROR_DHCP_INVALID_RANGE (outside the subnet,
 * overlapping); reservations: ERROR_DHCP_RESERVEDIP_EXITS,
 * ERROR_DHCP_ADDRESS_NOT_AVAILABLE; all: ERROR_DHCP_SUBNET_NOT_PRESENT,
 * ERROR_INVALID_PARAMETER, ERROR_NOT_SUPPORTED (other element types). */
DWORD DhcpAddSubnetElementV4(const char* ServerIpAddress,
                             DHCP_IP_ADDRESS SubnetAddress,
                             const DHCP_SUBNET_ELEMENT_DATA_V4* AddElementInfo);
/* ERROR_DHCP_INVALID_RANGE (no such range), ERROR_DHCP_NOT_RESERVED_CLIENT,
 * ERROR_DHCP_ELEMENT_CANT_REMOVE (DhcpNoForce, a leased range). */
DWORD DhcpRemoveSubnetElementV4(
    const char* ServerIpAddress, DHCP_IP_ADDRESS SubnetAddress,
    const DHCP_SUBNET_ELEMENT_DATA_V4* RemoveElementInfo,
    DHCP_FORCE_FLAG ForceFlag);
DWORD DhcpEnumSubnetElementsV4(
    const char* ServerIpAddress, DHCP_IP_ADDRESS SubnetAddress,
    DHCP_SUBNET_ELEMENT_TYPE EnumElementType, DHCP_RESUME_HANDLE* ResumeHandle,
    DWORD PreferredMaximum, LPDHCP_SUBNET_ELEMENT_INFO_ARRAY_V4* EnumElementInfo,
    DWORD* ElementsRead, DWORD* ElementsTotal);

/* --- options --- */

/* ERROR_INVALID_PARAMETER (id outside 1..254, no elements, scope type);
 * ERROR_DHCP_SUBNET_NOT_PRESENT; ERROR_DHCP_NOT_RESERVED_CLIENT. */
DWORD DhcpSetOptionValue(const char* ServerIpAddress, DHCP_OPTION_ID OptionID,
                         const DHCP_OPTION_SCOPE_INFO* ScopeInfo,
                         const DHCP_OPTION_DATA* OptionValue);
/* As Set, and ERROR_DHCP_OPTION_NOT_PRESENT. */
DWORD DhcpGetOptionValue(const char* ServerIpAddress, DHCP_OPTION_ID OptionID,
                         const DHCP_OPTION_SCOPE_INFO* ScopeInfo,
                         LPDHCP_OPTION_VALUE* OptionValue);
DWORD DhcpRemoveOptionValue(const char* ServerIpAddress,
                            DHCP_OPTION_ID OptionID,
                            const DHCP_OPTION_SCOPE_INFO* ScopeInfo);

/* Frees a structure returned by any function above, with everything it
 * points to. NULL is ignored. */
void DhcpRpcFreeMemory(void* BufferPointer);

#ifdef __cplusplus
}  /* extern "C" */
#endif

#endif /* SHADOWSET_WRITERS_DHCP_DHCPSAPI_H_ */
