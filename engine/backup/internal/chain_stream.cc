#include "engine/backup/internal/chain_stream.h"

#include <algorithm>

namespace shadowset::internal {

MergedVolumeStream::MergedVolumeStream(
    std::vector<std::unique_ptr<VolumeFileReader>> sources, size_t buffer_size)
    : sources_(std::move(sources)),
      cursors_(sources_.size(), 0),
      max_blocks_(std::max<uint64_t>(
          1, buffer_size / sources_.front()->volume().block_size)) {}

const std::string& MergedVolumeStream::volume() const {
  return sources_.front()->volume().name;
}
uint32_t MergedVolumeStream::block_size() const {
  return sources_.front()->volume().block_size;
}
uint64_t MergedVolumeStream::block_count() const {
  return sources_.front()->volume().block_count;
}

absl::StatusOr<std::optional<BlockRun>> MergedVolumeStream::Next() {
  if (!failure_.ok()) return failure_;
  const uint64_t end_of_volume = block_count();
  while (next_ < end_of_volume) {
    // The newest source with a run holding next_ wins.
    size_t winner = sources_.size();
    uint64_t next_start = end_of_volume;  // nearest run start after next_
    for (size_t s = 0; s < sources_.size(); ++s) {
      const std::vector<MapRun>& runs = sources_[s]->runs();
      size_t& c = cursors_[s];
      while (c < runs.size() && runs[c].end() <= next_) ++c;
      if (c == runs.size()) continue;
      if (runs[c].first_block <= next_) {
        winner = s;
      } else {
        next_start = std::min(next_start, runs[c].first_block);
      }
    }
    if (winner == sources_.size()) {
      next_ = next_start;  // no source records these blocks: unchanged
      continue;
    }
    const MapRun& run = sources_[winner]->runs()[cursors_[winner]];
    uint64_t end = run.end();
    // A newer source may take over before the run ends.
    for (size_t s = winner + 1; s < sources_.size(); ++s) {
      const std::vector<MapRun>& runs = sources_[s]->runs();
      if (cursors_[s] < runs.size()) {
        end = std::min(end, runs[cursors_[s]].first_block);
      }
    }
    BlockRun out;
    out.first_block = next_;
    if (run.kind == RunKind::kZero) {
      out.block_count = end - next_;
      out.zero = true;
    } else {
      out.block_count = std::min(end - next_, max_blocks_);
      const uint32_t bs = block_size();
      if (buffer_.size() < out.block_count * bs) {
        buffer_.resize(std::min(max_blocks_, end_of_volume) * bs);
      }
      absl::Span<uint8_t> span =
          absl::MakeSpan(buffer_).subspan(0, out.block_count * bs);
      uint64_t rank = sources_[winner]->rank_of_run(cursors_[winner]) +
                      (next_ - run.first_block);
      absl::Status st = sources_[winner]->ReadData(rank, out.block_count, span);
      if (!st.ok()) {
        failure_ = st;
        return st;
      }
      out.data = span;
    }
    next_ += out.block_count;
    return std::optional<BlockRun>(out);
  }
  return std::optional<BlockRun>();
}

}  // namespace shadowset::internal
