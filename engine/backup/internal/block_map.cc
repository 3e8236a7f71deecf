#include "engine/backup/internal/block_map.h"

#include "absl/strings/str_format.h"

namespace shadowset::internal {

void BlockMapBuilder::Append(uint64_t first, uint64_t count, RunKind kind) {
  if (kind == RunKind::kData) {
    data_blocks_ += count;
  } else {
    zero_blocks_ += count;
  }
  if (!runs_.empty() && runs_.back().end() == first &&
      runs_.back().kind == kind) {
    runs_.back().block_count += count;
  } else {
    runs_.push_back({first, count, kind});
  }
  next_ = first + count;
}

void BlockMapBuilder::Add(uint64_t first, uint64_t count, RunKind kind) {
  if (count == 0) return;
  if (kind_ == BlockMapKind::kImage && first > next_) {
    Append(next_, first - next_, RunKind::kZero);
  }
  Append(first, count, kind);
}

std::vector<MapRun> BlockMapBuilder::Finish() {
  if (kind_ == BlockMapKind::kImage && next_ < block_count_) {
    Append(next_, block_count_ - next_, RunKind::kZero);
  }
  return std::move(runs_);
}

absl::Status ValidateBlockMap(const std::vector<MapRun>& runs,
                              BlockMapKind kind, uint64_t block_count,
                              uint64_t payload_blocks, absl::string_view file) {
  auto bad = [&](size_t i, absl::string_view why) {
    return absl::DataLossError(
        absl::StrFormat("%s: block map run %u (blocks %u+%u): %s", file, i,
                        runs[i].first_block, runs[i].block_count, why));
  };
  uint64_t next = 0;
  uint64_t data = 0;
  for (size_t i = 0; i < runs.size(); ++i) {
    const MapRun& r = runs[i];
    if (r.kind != RunKind::kData && r.kind != RunKind::kZero) {
      return bad(i, absl::StrFormat("unknown run kind %u",
                                    static_cast<unsigned>(r.kind)));
    }
    if (r.block_count == 0) return bad(i, "empty run");
    if (r.first_block < next)
      return bad(i, "overlaps or precedes the run before");
    if (kind == BlockMapKind::kImage && r.first_block != next) {
      return bad(i, "leaves a gap in the image");
    }
    if (r.first_block > block_count ||
        r.block_count > block_count - r.first_block) {
      return bad(i, absl::StrFormat("passes the end of the %u-block volume",
                                    block_count));
    }
    if (i > 0 && runs[i - 1].end() == r.first_block &&
        runs[i - 1].kind == r.kind) {
      return bad(i,
                 "continues the run before with the same kind (not canonical)");
    }
    if (r.kind == RunKind::kData) data += r.block_count;
    next = r.end();
  }
  if (kind == BlockMapKind::kImage && next != block_count) {
    return absl::DataLossError(
        absl::StrFormat("%s: block map covers %u of the image's %u blocks",
                        file, next, block_count));
  }
  if (data != payload_blocks) {
    return absl::DataLossError(absl::StrFormat(
        "%s: block map lists %u data blocks but the payload holds %u", file,
        data, payload_blocks));
  }
  return absl::OkStatus();
}

}  // namespace shadowset::internal
