// The copy-on-write workload that bench/compare runs on both shadowset and
// qcow2: the sizes, the write offsets and the byte patterns. cow_bench
// prints it (--print_workload) so the qcow2 side replays exactly the same
// operations in the same order.
//
// Layout of a volume of `volume_bytes`:
//   [0, seq_bytes)             the sequential region: 1 MiB writes in order;
//   [seq_bytes, volume_bytes)  the random region: 4 KiB writes, one in each
//                              of `random_writes` distinct 64 KiB regions
//                              picked at random, at a random 4 KiB slot in
//                              the region (so each write is a first write
//                              for every chunk and cluster size up to
//                              64 KiB).
//
// Byte patterns: every write of one phase fills its bytes with one
// non-zero byte (qemu-io's `write -P`); phases use different bytes, so no
// write repeats the data it overwrites.

#ifndef SHADOWSET_BENCH_COMPARISON_WORKLOAD_H_
#define SHADOWSET_BENCH_COMPARISON_WORKLOAD_H_

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <random>
#include <vector>

namespace shadowset::bench {

inline constexpr uint64_t kSeqWrite = uint64_t{1} << 20;
inline constexpr uint64_t kRandomWrite = 4096;
inline constexpr uint64_t kRandomRegion = 64 * 1024;

struct Workload {
  uint64_t volume_bytes = 0;
  uint64_t seq_bytes = 0;
  std::vector<uint64_t> random_offsets;  // in write order
};

// Half the volume is sequential, half random. `volume_bytes` is a multiple
// of 2 MiB; `random_writes` is at most the number of 64 KiB regions in the
// random half (fewer is clamped).
inline Workload MakeWorkload(uint64_t volume_bytes, uint64_t random_writes,
                             uint64_t seed) {
  Workload w;
  w.volume_bytes = volume_bytes;
  w.seq_bytes = volume_bytes / 2;
  const uint64_t regions = (volume_bytes - w.seq_bytes) / kRandomRegion;
  std::vector<uint64_t> order(regions);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  order.resize(std::min(regions, random_writes));
  for (uint64_t region : order) {
    const uint64_t slot = rng() % (kRandomRegion / kRandomWrite);
    w.random_offsets.push_back(w.seq_bytes + region * kRandomRegion +
                               slot * kRandomWrite);
  }
  return w;
}

// One line per operation: "seq OFFSET LENGTH" or "rand OFFSET LENGTH",
// after a "volume BYTES" line.
inline void PrintWorkload(const Workload& w, std::FILE* out) {
  std::fprintf(out, "volume %llu\n",
               static_cast<unsigned long long>(w.volume_bytes));
  for (uint64_t off = 0; off < w.seq_bytes; off += kSeqWrite) {
    std::fprintf(out, "seq %llu %llu\n", static_cast<unsigned long long>(off),
                 static_cast<unsigned long long>(kSeqWrite));
  }
  for (uint64_t off : w.random_offsets) {
    std::fprintf(out, "rand %llu %llu\n", static_cast<unsigned long long>(off),
                 static_cast<unsigned long long>(kRandomWrite));
  }
}

}  // namespace shadowset::bench

#endif  // SHADOWSET_BENCH_COMPARISON_WORKLOAD_H_
