// The one boundary where foreign error families (errno, LMDB's MDB_*)
// become absl::Status.

#ifndef SHADOWSET_ENGINE_INTERNAL_ERRORS_H_
#define SHADOWSET_ENGINE_INTERNAL_ERRORS_H_

#include "absl/strings/string_view.h"

#include "absl/status/status.h"

namespace shadowset::internal {

// `what` names the operation and object, e.g. "pwrite /d/seg-000001".
absl::Status PosixError(int err, absl::string_view what);

// Maps an LMDB return code (keeping mdb_strerror's text).
absl::Status MdbToStatus(int rc, absl::string_view what);

}  // namespace shadowset::internal

#endif  // SHADOWSET_ENGINE_INTERNAL_ERRORS_H_
