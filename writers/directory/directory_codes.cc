#include "writers/directory/directory_codes.h"

#include "engine/codes.h"

namespace shadowset {
namespace {

struct NamedCode {
  uint32_t code;
  absl::string_view name;
};

constexpr NamedCode kDirectoryNames[] = {
    {kHrInvalidParam, "hrInvalidParam"},
    {kHrError, "hrError"},
    {kHrInvalidHandle, "hrInvalidHandle"},
    {kHrRestoreInProgress, "hrRestoreInProgress"},
    {kHrAlreadyOpen, "hrAlreadyOpen"},
    {kHrCouldNotConnect, "hrCouldNotConnect"},
    {kHrFullBackupNotTaken, "hrFullBackupNotTaken"},
    {kHrMissingExpiryToken, "hrMissingExpiryToken"},
    {kHrUnknownExpiryTokenFormat, "hrUnknownExpiryTokenFormat"},
    {kHrContentsExpired, "hrContentsExpired"},
    {kErrorFileNotFound, "ERROR_FILE_NOT_FOUND"},
    {kErrorDsCantOnNonLeaf, "ERROR_DS_CANT_ON_NON_LEAF"},
};

// The generic Win32 codes (engine/codes.h) the directory returns.
constexpr uint32_t kGenericCodes[] = {
    kErrorSuccess,         kErrorAccessDenied,   kErrorInvalidData,
    kErrorHandleEof,       kErrorNotSupported,   kErrorInvalidParameter,
    kErrorDiskFull,        kErrorAlreadyExists,  kErrorNotFound,
    kRpcSInvalidBinding,
};

}  // namespace

absl::string_view DirectoryCodeName(uint32_t code) {
  for (const NamedCode& named : kDirectoryNames) {
    if (named.code == code) return named.name;
  }
  for (uint32_t generic : kGenericCodes) {
    if (generic == code) return CodeName(code);
  }
  return {};
}

}  // namespace shadowset
