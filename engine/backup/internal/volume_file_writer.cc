#include "engine/backup/internal/volume_file_writer.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/backup/internal/volume_format.h"
#include "engine/internal/record_format.h"
#include "engine/internal/status_macros.h"

namespace shadowset::internal {

VolumeFileWriter::VolumeFileWriter(std::string name, VolumeFileKind kind,
                                   uint32_t block_size, uint64_t block_count,
                                   const Options& options)
    : name_(std::move(name)),
      kind_(kind),
      block_size_(block_size),
      block_count_(block_count),
      options_(options),
      map_(kind == VolumeFileKind::kImage ? BlockMapKind::kImage
                                          : BlockMapKind::kDelta,
           block_count) {
  if (options_.sha256) block_sha_.emplace();
}

absl::StatusOr<std::unique_ptr<VolumeFileWriter>> VolumeFileWriter::Create(
    Env* env, const std::string& root, const std::string& name,
    VolumeFileKind kind, uint32_t block_size, uint64_t block_count,
    const Options& options) {
  std::unique_ptr<VolumeFileWriter> w(
      new VolumeFileWriter(name, kind, block_size, block_count, options));
  w->data_path_ = absl::StrCat(
      "volumes/", name, kind == VolumeFileKind::kImage ? ".img" : ".delta");
  w->sums_path_ = absl::StrCat("volumes/", name, ".sums");
  ASSIGN_OR_RETURN(w->data_, HashedFileWriter::Create(
                                 env, JoinPath(root, w->data_path_),
                                 options.buffer_size, options.sha256,
                                 options.progress, options.background_writes));
  // The sums file is ~1/500 of the data: a smaller buffer suffices.
  size_t sums_buffer = std::max<size_t>(options.buffer_size / 8, 4096);
  ASSIGN_OR_RETURN(
      w->sums_,
      HashedFileWriter::Create(env, JoinPath(root, w->sums_path_), sums_buffer,
                               options.sha256, options.progress));
  DataHeader header;
  header.magic = kind == VolumeFileKind::kImage ? kImageMagic : kDeltaMagic;
  header.block_size = block_size;
  header.block_count = block_count;
  w->data_header_ = EncodeDataHeader(header);
  RETURN_IF_ERROR(w->data_->Append(w->data_header_));
  SumsHeader sums_header;
  sums_header.block_size = block_size;
  sums_header.data_magic = header.magic;
  sums_header.sha256 = options.sha256;
  RETURN_IF_ERROR(w->sums_->Append(EncodeSumsHeader(&sums_header)));
  return w;
}

absl::Status VolumeFileWriter::CheckRange(uint64_t first_block,
                                          uint64_t count) const {
  if (first_block < map_.next_block()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "volume '%s': block %u added after block %u; blocks must be added "
        "once each, in ascending order",
        name_, first_block, map_.next_block() - 1));
  }
  if (first_block > block_count_ || count > block_count_ - first_block) {
    return absl::OutOfRangeError(absl::StrFormat(
        "volume '%s': blocks %u+%u pass the end of its %u blocks", name_,
        first_block, count, block_count_));
  }
  return absl::OkStatus();
}

absl::Status VolumeFileWriter::AddDataRun(uint64_t first_block,
                                          absl::Span<const uint8_t> blocks) {
  if (blocks.empty()) return absl::OkStatus();
  RETURN_IF_ERROR(data_->Append(blocks));
  map_.Add(first_block, blocks.size() / block_size_, RunKind::kData);
  return absl::OkStatus();
}

absl::Status VolumeFileWriter::AddBlocks(uint64_t first_block,
                                         absl::Span<const uint8_t> data) {
  if (data.size() % block_size_ != 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "volume '%s': %u bytes are not a whole number of %u-byte blocks", name_,
        data.size(), block_size_));
  }
  const uint64_t count = data.size() / block_size_;
  RETURN_IF_ERROR(CheckRange(first_block, count));
  pending_sums_.clear();
  pending_sums_.reserve(count * (options_.sha256 ? 40 : 8));
  // Consecutive data blocks go to the file in one append; zero blocks split
  // the run.
  size_t run_start = 0;  // index of the first block of the pending run
  for (size_t i = 0; i < count; ++i) {
    absl::Span<const uint8_t> block =
        data.subspan(i * block_size_, block_size_);
    if (options_.detect_zero_blocks && IsAllZero(block)) {
      RETURN_IF_ERROR(AddDataRun(first_block + run_start,
                                 data.subspan(run_start * block_size_,
                                              (i - run_start) * block_size_)));
      map_.Add(first_block + i, 1, RunKind::kZero);
      run_start = i + 1;
      continue;
    }
    BlockSum sum;
    sum.xxh3 = Xxh3(block);
    if (block_sha_) {
      block_sha_->Update(block);
      sum.sha256 = block_sha_->Finish();
    }
    EncodeBlockSum(sum, options_.sha256, &pending_sums_);
  }
  RETURN_IF_ERROR(AddDataRun(first_block + run_start,
                             data.subspan(run_start * block_size_,
                                          (count - run_start) * block_size_)));
  entries_digest_.Update(pending_sums_);
  return sums_->Append(pending_sums_);
}

absl::Status VolumeFileWriter::AddZeroBlocks(uint64_t first_block,
                                             uint64_t count) {
  RETURN_IF_ERROR(CheckRange(first_block, count));
  map_.Add(first_block, count, RunKind::kZero);
  return absl::OkStatus();
}

absl::StatusOr<VolumeFileWriter::Result> VolumeFileWriter::Finish() {
  Result r;
  r.volume.name = name_;
  r.volume.block_size = block_size_;
  r.volume.block_count = block_count_;
  r.volume.kind = kind_;
  r.volume.data_file = data_path_;
  r.volume.sums_file = sums_path_;
  std::vector<MapRun> runs = map_.Finish();
  r.volume.data_blocks = map_.data_blocks();
  r.volume.zero_blocks = map_.zero_blocks();

  std::string runs_bytes = EncodeRuns(runs);
  DataFooter footer;
  footer.magic = kind_ == VolumeFileKind::kImage ? kImageMagic : kDeltaMagic;
  footer.payload_blocks = map_.data_blocks();
  footer.run_count = runs.size();
  footer.runs_xxh3 = Xxh3(runs_bytes);
  std::string footer_bytes = EncodeDataFooter(footer);
  RETURN_IF_ERROR(data_->Append(runs_bytes));
  RETURN_IF_ERROR(data_->Append(footer_bytes));
  ASSIGN_OR_RETURN(FileDigest data_digest, data_->Finish());

  // The sums file vouches for every byte of the data file that is not a
  // data block (each of those has its own entry).
  FileDigester meta(options_.sha256);
  meta.Update(data_header_);
  meta.Update(runs_bytes);
  meta.Update(footer_bytes);
  FileDigest meta_digest = meta.Finish();
  SumsFooter sums_footer;
  sums_footer.entry_count = map_.data_blocks();
  sums_footer.entries_xxh3 = entries_digest_.Finish().xxh3;
  sums_footer.data_meta_xxh3 = meta_digest.xxh3;
  if (meta_digest.sha256) sums_footer.data_meta_sha256 = *meta_digest.sha256;
  RETURN_IF_ERROR(sums_->Append(EncodeSumsFooter(sums_footer)));
  ASSIGN_OR_RETURN(FileDigest sums_digest, sums_->Finish());

  r.data_file = {data_path_, data_digest.size, data_digest.xxh3,
                 data_digest.sha256};
  r.sums_file = {sums_path_, sums_digest.size, sums_digest.xxh3,
                 sums_digest.sha256};
  return r;
}

}  // namespace shadowset::internal
