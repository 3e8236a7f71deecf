// libFuzzer entry point: the volume_file parser (see fuzz_targets.h).

#include <cstddef>
#include <cstdint>

#include "tests/fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return shadowset::fuzz::RunOrAbort(shadowset::fuzz::Target::kVolumeFile, data,
                                     size);
}
