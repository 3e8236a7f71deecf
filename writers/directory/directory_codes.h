// Result codes of the directory service and its ntdsbcli-style backup API
// (SEMANTICS.md §4), and their names.
//
// Statuses returned by the directory service carry one of these (or a
// generic Win32 code from engine/codes.h) as their Win32-style payload:
//
//   absl::Status s = client.DsRestorePrepare(server, 0, token);
//   if (CodeOf(s) == kHrContentsExpired) ...        // the backup is too old
//   std::cerr << DirectoryCodeName(*CodeOf(s));     // "hrContentsExpired"
//
// The hr* values are the public ntdsbmsg.h constants; never renumber.

#ifndef SHADOWSET_WRITERS_DIRECTORY_DIRECTORY_CODES_H_
#define SHADOWSET_WRITERS_DIRECTORY_DIRECTORY_CODES_H_

#include <cstdint>

#include "absl/strings/string_view.h"

namespace shadowset {

// ntdsbmsg.h (the directory backup facility).
inline constexpr uint32_t kHrInvalidParam = 0xC7FF0001;
inline constexpr uint32_t kHrError = 0xC7FF0002;
inline constexpr uint32_t kHrInvalidHandle = 0xC7FF0003;
inline constexpr uint32_t kHrRestoreInProgress = 0xC7FF0004;
inline constexpr uint32_t kHrAlreadyOpen = 0xC7FF0005;
inline constexpr uint32_t kHrCouldNotConnect = 0xC7FF0007;
inline constexpr uint32_t kHrFullBackupNotTaken = 0xC7FF000E;
inline constexpr uint32_t kHrMissingExpiryToken = 0xC7FF000F;
inline constexpr uint32_t kHrUnknownExpiryTokenFormat = 0xC7FF0010;
inline constexpr uint32_t kHrContentsExpired = 0xC7FF0011;

// Win32 codes the directory uses beyond engine/codes.h.
inline constexpr uint32_t kErrorFileNotFound = 2;
// An object with live children cannot be deleted (winerror.h).
inline constexpr uint32_t kErrorDsCantOnNonLeaf = 8213;

// The name of every code the directory service returns ("hrContentsExpired",
// "ERROR_ACCESS_DENIED", "RPC_S_INVALID_BINDING", ...); empty for a code it
// never returns. Suitable for Cli::AddCodeNames.
absl::string_view DirectoryCodeName(uint32_t code);

}  // namespace shadowset

#endif  // SHADOWSET_WRITERS_DIRECTORY_DIRECTORY_CODES_H_
