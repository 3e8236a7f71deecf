/* Win32 base types for the C headers of the reference services
 * (writers/dhcp/dhcpsapi.h, writers/rras/mprapi.h), as plain C.
 *
 * Fixed-width integers, so the structures have the same field sizes as on
 * Windows. Strings are UTF-8 `char*` where Windows has LPWSTR.
 */

#ifndef SHADOWSET_WRITERS_WIN32_TYPES_H_
#define SHADOWSET_WRITERS_WIN32_TYPES_H_

#include <stdint.h>

typedef uint32_t DWORD;
typedef uint16_t WORD;
typedef uint8_t BYTE;
typedef int32_t BOOL;
typedef void* HANDLE;
typedef BYTE* LPBYTE;
typedef DWORD* LPDWORD;

#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif

/* Generic Win32 codes (SEMANTICS.md §5); values match engine/codes.h. */
#define ERROR_SUCCESS 0u
#define ERROR_ACCESS_DENIED 5u
#define ERROR_INVALID_HANDLE 6u
#define ERROR_NOT_ENOUGH_MEMORY 8u
#define ERROR_INVALID_DATA 13u
#define ERROR_NOT_SUPPORTED 50u
#define ERROR_INVALID_PARAMETER 87u
#define ERROR_ALREADY_EXISTS 183u
#define ERROR_MORE_DATA 234u
#define ERROR_NO_MORE_ITEMS 259u
#define ERROR_NOT_FOUND 1168u
#define RPC_S_INVALID_BINDING 1702u

#endif /* SHADOWSET_WRITERS_WIN32_TYPES_H_ */
