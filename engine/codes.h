// Win32-style result codes carried by shadowset statuses.
//
// shadowset reports errors as absl::Status with a canonical code chosen by
// what the caller should do next (Unavailable: retry the call; Aborted: retry
// the whole snapshot set; FailedPrecondition: fix state first; ...). Where a
// seed API (VSS, dhcpsapi, mprapi, ntdsbcli) defines a numeric code, the
// status also carries it as a payload:
//
//   absl::Status s = MakeError(absl::StatusCode::kUnavailable,
//                              kVssSnapshotSetInProgress, "set in progress");
//   CodeOf(s) == kVssSnapshotSetInProgress;
//
// Values are public Windows constants; never renumber.

#ifndef SHADOWSET_ENGINE_CODES_H_
#define SHADOWSET_ENGINE_CODES_H_

#include <cstdint>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"

namespace shadowset {

// VSS provider / coordinator codes (SEMANTICS.md §1).
inline constexpr uint32_t kVssBadState = 0x80042301;
inline constexpr uint32_t kVssObjectNotFound = 0x80042308;
inline constexpr uint32_t kVssVolumeNotSupported = 0x8004230C;
inline constexpr uint32_t kVssMaximumNumberOfVolumesReached = 0x80042312;
inline constexpr uint32_t kVssFlushWritesTimeout = 0x80042313;
inline constexpr uint32_t kVssHoldWritesTimeout = 0x80042314;
inline constexpr uint32_t kVssSnapshotSetInProgress = 0x80042316;
inline constexpr uint32_t kVssMaximumNumberOfSnapshotsReached = 0x80042317;
inline constexpr uint32_t kVssWriterNotResponding = 0x80042319;
inline constexpr uint32_t kVssInsufficientStorage = 0x8004231F;
inline constexpr uint32_t kVssWriterPartialFailure = 0x80042336;

// Generic Win32 codes (SEMANTICS.md §5).
inline constexpr uint32_t kErrorSuccess = 0;
inline constexpr uint32_t kErrorAccessDenied = 5;
inline constexpr uint32_t kErrorInvalidHandle = 6;
inline constexpr uint32_t kErrorNotEnoughMemory = 8;
inline constexpr uint32_t kErrorInvalidData = 13;
inline constexpr uint32_t kErrorHandleEof = 38;
inline constexpr uint32_t kErrorNotSupported = 50;
inline constexpr uint32_t kErrorFileExists = 80;
inline constexpr uint32_t kErrorInvalidParameter = 87;
inline constexpr uint32_t kErrorDiskFull = 112;
inline constexpr uint32_t kErrorInsufficientBuffer = 122;
inline constexpr uint32_t kErrorAlreadyExists = 183;
inline constexpr uint32_t kErrorMoreData = 234;
inline constexpr uint32_t kErrorNoMoreItems = 259;
inline constexpr uint32_t kErrorNotFound = 1168;
inline constexpr uint32_t kErrorPrivilegeNotHeld = 1314;
inline constexpr uint32_t kErrorTimeout = 1460;
inline constexpr uint32_t kRpcSInvalidBinding = 1702;

// Returns `status` with `code` attached as its Win32-style payload.
absl::Status WithCode(absl::Status status, uint32_t code);

// Shorthand for WithCode(absl::Status(canonical, message), code).
absl::Status MakeError(absl::StatusCode canonical, uint32_t code,
                       absl::string_view message);

// The Win32-style code attached to `status`, if any. An OK status yields 0.
std::optional<uint32_t> CodeOf(const absl::Status& status);

// "VSS_E_SNAPSHOT_SET_IN_PROGRESS" etc. for the codes above; empty if the
// code is not one of them (services add their own names).
absl::string_view CodeName(uint32_t code);

// "NAME (number)" as the command line prints it: decimal for small Win32
// codes, 0x%08X for HRESULT-style ones. Uses `name` when CodeName knows none.
std::string FormatCode(uint32_t code, absl::string_view name = {});

}  // namespace shadowset

#endif  // SHADOWSET_ENGINE_CODES_H_
