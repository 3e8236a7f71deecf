// libFuzzer entry point: the sums parser (see fuzz_targets.h).

#include <cstddef>
#include <cstdint>

#include "tests/fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return shadowset::fuzz::RunOrAbort(shadowset::fuzz::Target::kSumsFile, data,
                                     size);
}
