// shadowset_fuzz_seeds DIR: writes the seed corpus of every fuzz target to
// DIR/<target>/seed-<n> (scripts/fuzz-smoke runs the fuzzers on it).

#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/env.h"
#include "tests/fuzz/fuzz_targets.h"

int main(int argc, char** argv) {
  using namespace shadowset;
  if (argc != 2) {
    std::fprintf(stderr, "usage: shadowset_fuzz_seeds DIR\n");
    return 2;
  }
  Env* env = Env::Default();
  const std::string dir = argv[1];
  absl::Status st = env->CreateDir(dir);
  if (!st.ok() && !absl::IsAlreadyExists(st)) {
    std::fprintf(stderr, "shadowset_fuzz_seeds: %s\n", st.ToString().c_str());
    return 1;
  }
  for (fuzz::Target target : fuzz::kAllTargets) {
    absl::StatusOr<std::vector<std::string>> seeds = fuzz::SeedCorpus(target);
    std::string sub = JoinPath(dir, std::string(fuzz::TargetName(target)));
    if (seeds.ok()) {
      st = env->CreateDir(sub);
      if (absl::IsAlreadyExists(st)) st = absl::OkStatus();
    } else {
      st = seeds.status();
    }
    for (size_t i = 0; st.ok() && i < seeds->size(); ++i) {
      const std::string& s = (*seeds)[i];
      st = WriteFileAtomically(
          env, JoinPath(sub, absl::StrCat("seed-", i)),
          absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(s.data()),
                              s.size()));
    }
    if (!st.ok()) {
      std::fprintf(stderr, "shadowset_fuzz_seeds: %s\n", st.ToString().c_str());
      return 1;
    }
  }
  return 0;
}
