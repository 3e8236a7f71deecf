// Helpers for the backup-set tests: volume contents to back up, a writer
// that streams them in a mixed pattern (data runs, explicit zero runs, gaps,
// data blocks that happen to be zero), and readers that collect a stream.

#ifndef SHADOWSET_TESTS_BACKUP_BACKUP_TESTING_H_
#define SHADOWSET_TESTS_BACKUP_BACKUP_TESTING_H_

#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/backup/backup_set_reader.h"
#include "engine/backup/backup_set_writer.h"
#include "engine/internal/status_macros.h"
#include "gmock/gmock.h"

namespace shadowset::testing {

// A StatusOr that is OK and whose value matches `inner`.
MATCHER_P(IsOkAndHolds, inner, "is OK and holds a matching value") {
  if (!arg.ok()) {
    *result_listener << "status: " << arg.status();
    return false;
  }
  return ::testing::ExplainMatchResult(inner, *arg, result_listener);
}

inline constexpr absl::string_view kTestKey = "0123456789abcdef-test-key";
inline const absl::Time kCreated =
    absl::FromUnixSeconds(1714564800);  // 2024-05-01

// A volume's contents: block_count * block_size bytes.
struct VolumeData {
  std::string name;
  uint32_t block_size = 4096;
  std::string bytes;
  uint64_t block_count() const { return bytes.size() / block_size; }
  absl::string_view block(uint64_t b) const {
    return absl::string_view(bytes).substr(b * block_size, block_size);
  }
};

// Seeded contents: roughly a third of the blocks zero, the rest random.
inline VolumeData MakeVolume(const std::string& name, uint64_t blocks,
                             uint32_t block_size, uint64_t seed) {
  VolumeData v{name, block_size, std::string(blocks * block_size, '\0')};
  std::mt19937_64 rng(seed);
  for (uint64_t b = 0; b < blocks; ++b) {
    if (rng() % 3 == 0) continue;
    for (uint32_t i = 0; i < block_size; i += 8) {
      uint64_t w = rng();
      std::memcpy(&v.bytes[b * block_size + i], &w, 8);
    }
  }
  return v;
}

inline absl::Span<const uint8_t> Bytes(absl::string_view s) {
  return absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(s.data()),
                             s.size());
}

// Streams `v` as an image: runs of up to 5 blocks per AddBlocks, zero
// blocks sometimes as AddZeroBlocks, sometimes skipped (a gap), sometimes
// passed as data (detected).
inline absl::Status StreamImage(BackupSetWriter* w, const VolumeData& v) {
  RETURN_IF_ERROR(w->BeginImage(v.name, v.block_size, v.block_count()));
  uint64_t b = 0;
  int turn = 0;
  while (b < v.block_count()) {
    bool zero = v.block(b).find_first_not_of('\0') == absl::string_view::npos;
    if (zero && turn % 3 == 0) {
      RETURN_IF_ERROR(w->AddZeroBlocks(b, 1));
      ++b;
    } else if (zero && turn % 3 == 1) {
      ++b;  // a gap: zero in an image
    } else {
      uint64_t n = std::min<uint64_t>(1 + turn % 5, v.block_count() - b);
      RETURN_IF_ERROR(
          w->AddBlocks(b, Bytes(absl::string_view(v.bytes).substr(
                              b * v.block_size, n * v.block_size))));
      b += n;
    }
    ++turn;
  }
  return w->EndVolume();
}

// Changed blocks of a delta: block -> new contents (all zeros: now zero).
using BlockChanges = std::map<uint64_t, std::string>;

// Applies `changes` to `v`.
inline void Apply(VolumeData* v, const BlockChanges& changes) {
  for (const auto& [b, data] : changes) {
    v->bytes.replace(b * v->block_size, v->block_size, data);
  }
}

// Seeded changes to about a quarter of the blocks, some of them to zero.
inline BlockChanges MakeChanges(const VolumeData& v, uint64_t seed) {
  std::mt19937_64 rng(seed);
  BlockChanges changes;
  for (uint64_t b = 0; b < v.block_count(); ++b) {
    if (rng() % 4 != 0) continue;
    std::string data(v.block_size, '\0');
    if (rng() % 3 != 0) {
      for (uint32_t i = 0; i < v.block_size; i += 8) {
        uint64_t x = rng();
        std::memcpy(&data[i], &x, 8);
      }
    }
    changes[b] = std::move(data);
  }
  return changes;
}

inline absl::Status StreamDelta(BackupSetWriter* w, const VolumeData& v,
                                const BlockChanges& changes) {
  RETURN_IF_ERROR(w->BeginDelta(v.name, v.block_size, v.block_count()));
  int turn = 0;
  for (const auto& [b, data] : changes) {
    bool zero = data.find_first_not_of('\0') == std::string::npos;
    if (zero && ++turn % 2 == 0) {
      RETURN_IF_ERROR(w->AddZeroBlocks(b, 1));
    } else {
      RETURN_IF_ERROR(w->AddBlocks(b, Bytes(data)));
    }
  }
  return w->EndVolume();
}

// Drains a stream into full contents (blocks never handed out stay zero)
// and the set of blocks handed out. Checks order and sizes as it goes.
struct Drained {
  std::string bytes;
  std::map<uint64_t, std::string> blocks;  // every block handed out
};
inline absl::StatusOr<Drained> Drain(VolumeStream* stream) {
  Drained out;
  const uint32_t bs = stream->block_size();
  out.bytes.assign(stream->block_count() * bs, '\0');
  uint64_t next = 0;
  while (true) {
    ASSIGN_OR_RETURN(std::optional<BlockRun> run, stream->Next());
    if (!run) break;
    if (run->first_block < next || run->block_count == 0 ||
        run->first_block + run->block_count > stream->block_count() ||
        run->data.size() != (run->zero ? 0 : run->block_count * bs)) {
      return absl::InternalError("malformed run");
    }
    for (uint64_t i = 0; i < run->block_count; ++i) {
      std::string block =
          run->zero
              ? std::string(bs, '\0')
              : std::string(
                    reinterpret_cast<const char*>(run->data.data()) + i * bs,
                    bs);
      out.bytes.replace((run->first_block + i) * bs, bs, block);
      out.blocks[run->first_block + i] = std::move(block);
    }
    next = run->first_block + run->block_count;
  }
  return out;
}

inline BackupSetOptions FullOptions(const std::string& id, bool keyed) {
  BackupSetOptions o;
  o.backup_id = id;
  o.set_id = SetId::Random();
  o.created = kCreated;
  ManifestWriter dhcp;
  dhcp.id = "dhcp";
  dhcp.restore_lifetime = absl::Hours(24 * 60);
  dhcp.metadata = {
      {"name", "DHCP Jet Writer"},
      {"components", {{{"name", "dhcp.mdb"}, {"volumes", {"db"}}}}}};
  ManifestWriter dir;
  dir.id = "ntds";
  dir.restore_lifetime = absl::Hours(24 * 180);
  dir.metadata = {{"name", "NTDS"}};
  o.writers = {dhcp, dir};
  if (keyed) o.key = std::string(kTestKey);
  o.write_buffer_size = 16 * 1024;
  return o;
}

}  // namespace shadowset::testing

#endif  // SHADOWSET_TESTS_BACKUP_BACKUP_TESTING_H_
