#include "engine/internal/errors.h"

#include <errno.h>
#include <lmdb.h>
#include <string.h>

#include "absl/strings/str_cat.h"

namespace shadowset::internal {

absl::Status PosixError(int err, absl::string_view what) {
  std::string message = absl::StrCat(what, ": ", strerror(err));
  switch (err) {
    case ENOENT:
      return absl::NotFoundError(message);
    case EEXIST:
      return absl::AlreadyExistsError(message);
    case ENOSPC:
    case EDQUOT:
      return absl::ResourceExhaustedError(message);
    case EACCES:
    case EPERM:
    case EROFS:
      return absl::PermissionDeniedError(message);
    case EINVAL:
      return absl::InvalidArgumentError(message);
    case EWOULDBLOCK:
      return absl::FailedPreconditionError(message);
    default:
      return absl::InternalError(message);
  }
}

absl::Status MdbToStatus(int rc, absl::string_view what) {
  if (rc == MDB_SUCCESS) return absl::OkStatus();
  std::string message = absl::StrCat(what, ": ", mdb_strerror(rc));
  switch (rc) {
    case MDB_NOTFOUND:
      return absl::NotFoundError(message);
    case MDB_KEYEXIST:
      return absl::AlreadyExistsError(message);
    case MDB_MAP_FULL:
    case MDB_READERS_FULL:
    case MDB_TXN_FULL:
    case MDB_DBS_FULL:
      return absl::ResourceExhaustedError(message);
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_INVALID:
      return absl::DataLossError(message);
    case MDB_VERSION_MISMATCH:
      return absl::FailedPreconditionError(message);
    default:
      if (rc > 0) return PosixError(rc, what);
      return absl::InternalError(message);
  }
}

}  // namespace shadowset::internal
