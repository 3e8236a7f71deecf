// Runs every fuzz target's checks on its seed corpus and on a few thousand
// seeded mutations of it, so the ordinary test suite exercises the parsers
// the way the libFuzzer targets do. SHADOWSET_FUZZ_SMOKE_ITERATIONS raises
// the number of mutations per target (default 3000).

#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fuzz/fuzz_targets.h"
#include "tests/testing/status_matchers.h"

namespace shadowset::fuzz {
namespace {

int Iterations() {
  const char* env = std::getenv("SHADOWSET_FUZZ_SMOKE_ITERATIONS");
  int n = env != nullptr ? std::atoi(env) : 0;
  return n > 0 ? n : 3000;
}

// One random edit of the kinds libFuzzer makes.
std::string Mutate(std::string s, const std::vector<std::string>& corpus,
                   std::mt19937_64& rng) {
  auto pick = [&](size_t n) {
    return n == 0 ? size_t{0} : static_cast<size_t>(rng() % n);
  };
  int edits = 1 + static_cast<int>(rng() % 3);
  for (int e = 0; e < edits; ++e) {
    switch (rng() % 8) {
      case 0:  // flip a bit
        if (!s.empty())
          s[pick(s.size())] ^= static_cast<char>(1 << (rng() % 8));
        break;
      case 1: {  // an interesting byte
        static const char kBytes[] = {0,      1,   '\x7f', '\x80',
                                      '\xff', '"', '{',    '0'};
        if (!s.empty()) s[pick(s.size())] = kBytes[rng() % sizeof(kBytes)];
        break;
      }
      case 2:  // truncate
        s.resize(pick(s.size() + 1));
        break;
      case 3: {  // insert random bytes
        std::string ins(1 + pick(16), '\0');
        for (char& c : ins) c = static_cast<char>(rng());
        s.insert(pick(s.size() + 1), ins);
        break;
      }
      case 4: {  // erase a range
        size_t at = pick(s.size() + 1);
        s.erase(at, pick(64));
        break;
      }
      case 5: {  // duplicate a range
        size_t at = pick(s.size() + 1);
        std::string part = s.substr(at, pick(64));
        s.insert(pick(s.size() + 1), part);
        break;
      }
      case 6: {  // splice with another seed
        const std::string& other = corpus[pick(corpus.size())];
        size_t cut = pick(s.size() + 1);
        s = s.substr(0, cut) + other.substr(std::min(cut, other.size()));
        break;
      }
      case 7: {  // a big-endian integer at a random place set to an extreme
        if (s.size() >= 8) {
          size_t at = pick(s.size() - 7);
          for (int i = 0; i < 8; ++i) s[at + i] = (rng() & 1) ? '\xff' : '\0';
        }
        break;
      }
    }
  }
  return s;
}

class FuzzSmokeTest : public ::testing::TestWithParam<Target> {};

INSTANTIATE_TEST_SUITE_P(Targets, FuzzSmokeTest,
                         ::testing::ValuesIn(kAllTargets),
                         [](const auto& info) {
                           return std::string(TargetName(info.param));
                         });

TEST_P(FuzzSmokeTest, SeedsAndMutationsKeepEveryInvariant) {
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> corpus, SeedCorpus(GetParam()));
  ASSERT_GE(corpus.size(), 4u);
  for (size_t i = 0; i < corpus.size(); ++i) {
    EXPECT_EQ(Check(GetParam(), corpus[i]), "") << "seed " << i;
  }
  const uint64_t seed = 1000 + static_cast<uint64_t>(GetParam());
  std::mt19937_64 rng(seed);
  const int n = Iterations();
  int failures = 0;
  for (int i = 0; i < n && failures < 5; ++i) {
    std::string input = Mutate(corpus[rng() % corpus.size()], corpus, rng);
    std::string problem = Check(GetParam(), input);
    if (!problem.empty()) {
      ++failures;
      ADD_FAILURE() << "seed " << seed << ", mutation " << i << ": " << problem;
    }
  }
}

}  // namespace
}  // namespace shadowset::fuzz
