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
  absl::ConsumeSuffix(&name, ".tmp");  // WriteFileAtomically's, if it failed
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
  if (!absl::ConsumePrefix(&rest, kPrefix) ||
      !absl::ConsumeSuffix(&rest, "\n")) {
    return std::optional<SetId>();
  }
  return SetId::Parse(rest);
}

absl::Status RemoveSetMarker(Env* env, const std::string& destination,
                             const std::string& backup_id) {
  const std::string path = MarkerPath(destination, backup_id);
  for (const std::string& p : {path + ".tmp", path}) {
    absl::Status st = env->RemoveFile(p);
    if (!st.ok() && !absl::IsNotFound(st)) return st;
  }
  return absl::OkStatus();
}

}  // namespace shadowset::internal
