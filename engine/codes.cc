#include "engine/codes.h"

#include <charconv>

#include "absl/strings/str_format.h"

namespace shadowset {
namespace {

constexpr absl::string_view kCodeUrl = "type.shadowset.dev/win32-code";

struct NamedCode {
  uint32_t code;
  absl::string_view name;
};

constexpr NamedCode kNames[] = {
    {kVssBadState, "VSS_E_BAD_STATE"},
    {kVssObjectNotFound, "VSS_E_OBJECT_NOT_FOUND"},
    {kVssVolumeNotSupported, "VSS_E_VOLUME_NOT_SUPPORTED"},
    {kVssMaximumNumberOfVolumesReached, "VSS_E_MAXIMUM_NUMBER_OF_VOLUMES_REACHED"},
    {kVssFlushWritesTimeout, "VSS_E_FLUSH_WRITES_TIMEOUT"},
    {kVssHoldWritesTimeout, "VSS_E_HOLD_WRITES_TIMEOUT"},
    {kVssSnapshotSetInProgress, "VSS_E_SNAPSHOT_SET_IN_PROGRESS"},
    {kVssMaximumNumberOfSnapshotsReached, "VSS_E_MAXIMUM_NUMBER_OF_SNAPSHOTS_REACHED"},
    {kVssWriterNotResponding, "VSS_E_WRITER_NOT_RESPONDING"},
    {kVssInsufficientStorage, "VSS_E_INSUFFICIENT_STORAGE"},
    {kVssWriterPartialFailure, "VSS_E_WRITERERROR_PARTIAL_FAILURE"},
    {kErrorSuccess, "ERROR_SUCCESS"},
    {kErrorAccessDenied, "ERROR_ACCESS_DENIED"},
    {kErrorInvalidHandle, "ERROR_INVALID_HANDLE"},
    {kErrorNotEnoughMemory, "ERROR_NOT_ENOUGH_MEMORY"},
    {kErrorInvalidData, "ERROR_INVALID_DATA"},
    {kErrorHandleEof, "ERROR_HANDLE_EOF"},
    {kErrorNotSupported, "ERROR_NOT_SUPPORTED"},
    {kErrorFileExists, "ERROR_FILE_EXISTS"},
    {kErrorInvalidParameter, "ERROR_INVALID_PARAMETER"},
    {kErrorDiskFull, "ERROR_DISK_FULL"},
    {kErrorInsufficientBuffer, "ERROR_INSUFFICIENT_BUFFER"},
    {kErrorAlreadyExists, "ERROR_ALREADY_EXISTS"},
    {kErrorMoreData, "ERROR_MORE_DATA"},
    {kErrorNoMoreItems, "ERROR_NO_MORE_ITEMS"},
    {kErrorNotFound, "ERROR_NOT_FOUND"},
    {kErrorPrivilegeNotHeld, "ERROR_PRIVILEGE_NOT_HELD"},
    {kErrorTimeout, "ERROR_TIMEOUT"},
    {kRpcSInvalidBinding, "RPC_S_INVALID_BINDING"},
};

}  // namespace

absl::Status WithCode(absl::Status status, uint32_t code) {
  if (status.ok()) return status;
  status.SetPayload(kCodeUrl, absl::Cord(absl::StrFormat("%u", code)));
  return status;
}

absl::Status MakeError(absl::StatusCode canonical, uint32_t code,
                       absl::string_view message) {
  return WithCode(absl::Status(canonical, message), code);
}

std::optional<uint32_t> CodeOf(const absl::Status& status) {
  if (status.ok()) return kErrorSuccess;
  absl::optional<absl::Cord> payload = status.GetPayload(kCodeUrl);
  if (!payload) return std::nullopt;
  std::string text(*payload);
  uint32_t code = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), code);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return code;
}

absl::string_view CodeName(uint32_t code) {
  for (const NamedCode& named : kNames) {
    if (named.code == code) return named.name;
  }
  return {};
}

std::string FormatCode(uint32_t code, absl::string_view name) {
  if (name.empty()) name = CodeName(code);
  if (name.empty()) name = "code";
  if (code >= 0x10000) return absl::StrFormat("%s (0x%08X)", name, code);
  return absl::StrFormat("%s (%u)", name, code);
}

}  // namespace shadowset
