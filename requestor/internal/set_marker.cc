#include "requestor/internal/set_marker.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/types/span.h"
#include "engine/internal/status_macros.h"

namespace shadowset::internal {
namespace {

constexpr absl::string_view kPrefix = "shadowset-set-marker 1 ";
constexpr absl::string_view kSuffix = ".set";

std::string MarkerPath(const std::string& destination,
                       const std::string& backup_id) {
  return JoinPath(destination, absl::StrCat(".", backup_id, kSuffix));
}

}  // namespace

bool IsSetMarkerName(absl::string_view name) {
  return absl::StartsWith(name, ".") && absl::EndsWith(name, kSuffix) &&
         name.size() > 1 + kSuffix.size();
}

absl::Status WriteSetMarker(Env* env, const std::string& destination,
                            const std::string& backup_id, const SetId& set) {
  const std::string line = absl::StrCat(kPrefix, set.ToString(), "\n");
  return WriteFileAtomically(
      env, MarkerPath(destination, backup_id),
      absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(line.data()),
                          line.size()));
}

absl::StatusOr<std::optional<SetId>> ReadSetMarker(Env* env,
                                                   const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadFileToString(env, path));
  absl::string_view rest = text;
  if (!absl::ConsumePrefix(&rest, kPrefix) || !absl::ConsumeSuffix(&rest, "\n")) {
    return std::optional<SetId>();
  }
  return SetId::Parse(rest);
}

absl::Status RemoveSetMarker(Env* env, const std::string& destination,
                             const std::string& backup_id) {
  absl::Status st = env->RemoveFile(MarkerPath(destination, backup_id));
  if (absl::IsNotFound(st)) return absl::OkStatus();
  RETURN_IF_ERROR(st);
  return env->SyncDir(destination);
}

}  // namespace shadowset::internal
