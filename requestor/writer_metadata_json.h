// Writer metadata as JSON: what a backup set's manifest records of each
// writer (ManifestWriter::metadata) and what `shadowset writers list
// --json` prints, and the id a writer goes by in a backup set.
//
//   nlohmann::json doc = WriterMetadataToJson(metadata);
//   std::string id = ManifestWriterId(metadata);   // "NTDS"
//
// The JSON object (stable keys; enum values by their SEMANTICS.md names):
//   {"name", "class_id", "instance_id", "usage": "SYSTEMSERVICE",
//    "source": "TRANSACTEDDB", "supported_types": ["full", "copy"],
//    "restore_method": "STOP_RESTORE_START",
//    "restore_lifetime": "180d" | "inf", "freeze_timeout": "60s",
//    "components": [{"type": "DATABASE", "name", "logical_path",
//                    "selectable_for_backup", "selectable_for_restore",
//                    "volumes": [...], "files": [...]}]}
//
// Thread safety: free functions.

#ifndef SHADOWSET_REQUESTOR_WRITER_METADATA_JSON_H_
#define SHADOWSET_REQUESTOR_WRITER_METADATA_JSON_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "writers/writer.h"

namespace shadowset {

nlohmann::json WriterMetadataToJson(const WriterMetadata& metadata);

// The writer's name made a valid backup-set writer id: 1-128 letters,
// digits, '.', '_' or '-', not starting with '.' or '-' (other characters
// become '_'; an empty name becomes its instance id).
std::string ManifestWriterId(const WriterMetadata& metadata);

// "SYSTEMSERVICE", "TRANSACTEDDB", "STOP_RESTORE_START", "DATABASE": the
// SEMANTICS.md names; "" for values that are none of the enum's.
absl::string_view UsageTypeName(UsageType usage);
absl::string_view SourceTypeName(SourceType source);
absl::string_view RestoreMethodName(RestoreMethod method);
absl::string_view ComponentTypeName(ComponentType type);

// "inf" for InfiniteDuration; otherwise whole days ("180d"), hours ("36h"),
// minutes ("15m") or seconds ("90s"), the largest unit that is exact.
std::string DurationText(absl::Duration d);

}  // namespace shadowset

#endif  // SHADOWSET_REQUESTOR_WRITER_METADATA_JSON_H_
