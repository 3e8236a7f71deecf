// Fuzz targets for the backup-set parsers: the manifest, image/delta files
// (block maps), sums files and expiry tokens. Each Check* function parses
// one input and returns a description of any broken invariant (empty when
// all hold): a parser may refuse input only with its documented codes, and
// what it accepts must encode back to the same bytes (or, for the JSON
// manifest, to the same value).
//
// The libFuzzer entry points (*_fuzzer.cc, built with
// -DSHADOWSET_BUILD_FUZZ=ON and clang) abort on a broken invariant; the
// GoogleTest smoke driver (fuzz_smoke_test.cc) runs the same checks on the
// seed corpus and seeded mutations of it in every build.

#ifndef SHADOWSET_TESTS_FUZZ_FUZZ_TARGETS_H_
#define SHADOWSET_TESTS_FUZZ_FUZZ_TARGETS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace shadowset::fuzz {

enum class Target { kManifest, kVolumeFile, kSumsFile, kToken };
inline constexpr Target kAllTargets[] = {Target::kManifest, Target::kVolumeFile,
                                         Target::kSumsFile, Target::kToken};
// "manifest", "volume_file", "sums", "token" (the fuzzers' names).
absl::string_view TargetName(Target target);

std::string CheckManifest(absl::string_view input);
std::string CheckVolumeFile(absl::string_view input);
std::string CheckSumsFile(absl::string_view input);
std::string CheckToken(absl::string_view input);
std::string Check(Target target, absl::string_view input);

// Real files of freshly written backup sets (keyed and unkeyed, full and
// incremental) for `target`, plus a few edge cases.
absl::StatusOr<std::vector<std::string>> SeedCorpus(Target target);

// Runs Check and aborts with a message on a broken invariant.
int RunOrAbort(Target target, const uint8_t* data, size_t size);

}  // namespace shadowset::fuzz

#endif  // SHADOWSET_TESTS_FUZZ_FUZZ_TARGETS_H_
