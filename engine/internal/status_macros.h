// Two small macros for propagating absl::Status, shared by every layer of
// shadowset. (The Debian Abseil release predates ABSL_RETURN_IF_ERROR.)
//
//   RETURN_IF_ERROR(file->Sync());
//   ASSIGN_OR_RETURN(auto file, env->OpenFile(path, options));

#ifndef SHADOWSET_ENGINE_INTERNAL_STATUS_MACROS_H_
#define SHADOWSET_ENGINE_INTERNAL_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define SHADOWSET_CONCAT_INNER_(a, b) a##b
#define SHADOWSET_CONCAT_(a, b) SHADOWSET_CONCAT_INNER_(a, b)

#define RETURN_IF_ERROR(expr)                           \
  do {                                                  \
    ::absl::Status shadowset_status_ = (expr);          \
    if (!shadowset_status_.ok()) return shadowset_status_; \
  } while (0)

#define ASSIGN_OR_RETURN(lhs, expr) \
  SHADOWSET_ASSIGN_OR_RETURN_IMPL_( \
      SHADOWSET_CONCAT_(shadowset_statusor_, __LINE__), lhs, expr)

#define SHADOWSET_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                     \
  if (!statusor.ok()) return std::move(statusor).status();    \
  lhs = std::move(statusor).value()

#endif  // SHADOWSET_ENGINE_INTERNAL_STATUS_MACROS_H_
