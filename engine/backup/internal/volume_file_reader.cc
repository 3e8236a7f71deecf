#include "engine/backup/internal/volume_file_reader.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/internal/status_macros.h"

namespace shadowset::internal {
namespace {

absl::Status Damaged(absl::string_view file, absl::string_view what) {
  return absl::DataLossError(absl::StrCat(file, ": ", what));
}

absl::StatusOr<std::string> ReadRange(File* file, uint64_t offset, size_t n) {
  std::string out(n, '\0');
  RETURN_IF_ERROR(file->ReadAt(
      offset, absl::MakeSpan(reinterpret_cast<uint8_t*>(out.data()), n)));
  return out;
}

absl::Span<uint8_t> AsSpan(std::string& s) {
  return absl::MakeSpan(reinterpret_cast<uint8_t*>(s.data()), s.size());
}

}  // namespace

absl::StatusOr<std::unique_ptr<File>> OpenListedFile(
    Env* env, const std::string& root, const ManifestFile& listed) {
  std::string path = JoinPath(root, listed.path);
  ASSIGN_OR_RETURN(FileType type, env->GetFileType(path));
  if (type != FileType::kFile) {
    return Damaged(listed.path, type == FileType::kMissing
                                    ? "missing (the manifest lists it)"
                                    : "not a regular file");
  }
  ASSIGN_OR_RETURN(std::unique_ptr<File> file,
                   env->OpenFile(path, {.read_only = true}));
  ASSIGN_OR_RETURN(uint64_t size, file->Size());
  if (size != listed.size) {
    return Damaged(listed.path,
                   absl::StrFormat("%u bytes, but the manifest lists %u", size,
                                   listed.size));
  }
  return file;
}

absl::Status CompareDigest(const ManifestFile& listed, const FileDigest& d) {
  if (d.size != listed.size) {
    return Damaged(listed.path,
                   absl::StrFormat("%u bytes, but the manifest lists %u",
                                   d.size, listed.size));
  }
  if (d.xxh3 != listed.xxh3) {
    return Damaged(listed.path,
                   absl::StrCat(kXxh3Name, " checksum mismatch (the file has ",
                                HexXxh3(d.xxh3), ", the manifest lists ",
                                HexXxh3(listed.xxh3), ")"));
  }
  if (listed.sha256 && d.sha256 && *listed.sha256 != *d.sha256) {
    return Damaged(
        listed.path,
        absl::StrCat(kSha256Name, " checksum mismatch (the file has ",
                     HexSha256(*d.sha256), ", the manifest lists ",
                     HexSha256(*listed.sha256), ")"));
  }
  return absl::OkStatus();
}

absl::Status VerifyListedFile(Env* env, const std::string& root,
                              const ManifestFile& listed, size_t buffer_size,
                              uint64_t* bytes) {
  ASSIGN_OR_RETURN(std::unique_ptr<File> file,
                   OpenListedFile(env, root, listed));
  FileDigester digester(listed.sha256.has_value());
  std::string chunk(std::min<uint64_t>(buffer_size, listed.size), '\0');
  for (uint64_t off = 0; off < listed.size; off += chunk.size()) {
    size_t n = std::min<uint64_t>(chunk.size(), listed.size - off);
    absl::Span<uint8_t> span = AsSpan(chunk).subspan(0, n);
    RETURN_IF_ERROR(file->ReadAt(off, span));
    digester.Update(span);
  }
  if (bytes != nullptr) *bytes += listed.size;
  return CompareDigest(listed, digester.Finish());
}

absl::StatusOr<std::unique_ptr<VolumeFileReader>> VolumeFileReader::Open(
    Env* env, const std::string& root, const BackupManifest& manifest,
    const ManifestVolume& volume, size_t buffer_size) {
  const ManifestFile* data = manifest.FindFile(volume.data_file);
  const ManifestFile* sums = manifest.FindFile(volume.sums_file);
  if (data == nullptr || sums == nullptr) {
    // ParseManifest guarantees both are listed.
    return absl::InternalError(
        absl::StrCat("volume '", volume.name, "': its files are not listed"));
  }
  std::unique_ptr<VolumeFileReader> r(
      new VolumeFileReader(volume, manifest.keyed, buffer_size));
  if (manifest.keyed) r->sha_.emplace();
  RETURN_IF_ERROR(r->OpenDataFile(env, root, *data));
  RETURN_IF_ERROR(r->OpenSumsFile(env, root, *sums));
  return r;
}

absl::Status VolumeFileReader::OpenDataFile(Env* env, const std::string& root,
                                            const ManifestFile& listed) {
  const std::string& name = listed.path;
  data_listed_ = listed;
  ASSIGN_OR_RETURN(data_, OpenListedFile(env, root, listed));
  const uint64_t size = listed.size;
  ASSIGN_OR_RETURN(
      header_bytes_,
      ReadRange(data_.get(), 0, std::min<uint64_t>(size, kDataHeaderSize)));
  ASSIGN_OR_RETURN(header_, ParseDataHeader(header_bytes_, name));
  uint32_t want_magic =
      volume_.kind == VolumeFileKind::kImage ? kImageMagic : kDeltaMagic;
  if (header_.magic != want_magic) {
    return Damaged(name,
                   "its header names another kind of file than the manifest");
  }
  if (header_.block_size != volume_.block_size ||
      header_.block_count != volume_.block_count) {
    return Damaged(
        name, absl::StrFormat("header says %u blocks of %u bytes, the manifest "
                              "%u blocks of %u bytes",
                              header_.block_count, header_.block_size,
                              volume_.block_count, volume_.block_size));
  }
  if (size < kDataHeaderSize + kDataFooterSize) {
    return Damaged(name, "truncated: no room for a footer");
  }
  ASSIGN_OR_RETURN(footer_bytes_, ReadRange(data_.get(), size - kDataFooterSize,
                                            kDataFooterSize));
  ASSIGN_OR_RETURN(footer_, ParseDataFooter(footer_bytes_, header_, name));
  ASSIGN_OR_RETURN(uint64_t runs_offset,
                   RunsOffset(header_, footer_, size, name));
  ASSIGN_OR_RETURN(runs_bytes_, ReadRange(data_.get(), runs_offset,
                                          footer_.run_count * kRunSize));
  ASSIGN_OR_RETURN(runs_, ParseRuns(runs_bytes_, header_, footer_, name));
  uint64_t rank = 0;
  uint64_t zero = 0;
  run_ranks_.reserve(runs_.size());
  for (const MapRun& run : runs_) {
    run_ranks_.push_back(rank);
    if (run.kind == RunKind::kData) {
      rank += run.block_count;
    } else {
      zero += run.block_count;
    }
  }
  if (rank != volume_.data_blocks || zero != volume_.zero_blocks) {
    return Damaged(
        name,
        absl::StrFormat("holds %u data and %u zero blocks, the manifest "
                        "lists %u and %u",
                        rank, zero, volume_.data_blocks, volume_.zero_blocks));
  }
  return absl::OkStatus();
}

absl::Status VolumeFileReader::OpenSumsFile(Env* env, const std::string& root,
                                            const ManifestFile& listed) {
  const std::string& name = listed.path;
  ASSIGN_OR_RETURN(sums_, OpenListedFile(env, root, listed));
  const uint64_t size = listed.size;
  ASSIGN_OR_RETURN(
      std::string head,
      ReadRange(sums_.get(), 0, std::min<uint64_t>(size, kSumsMaxHeaderSize)));
  ASSIGN_OR_RETURN(sums_header_, ParseSumsHeader(head, name));
  if (size < sums_header_.header_length + kSumsFooterSize) {
    return Damaged(name, "truncated: no room for a footer");
  }
  ASSIGN_OR_RETURN(
      std::string tail,
      ReadRange(sums_.get(), size - kSumsFooterSize, kSumsFooterSize));
  ASSIGN_OR_RETURN(SumsFooter footer,
                   ParseSumsFooter(tail, sums_header_, size, name));

  // One pass over the whole file: its checksums in the manifest (which makes
  // every entry trustworthy, also against tampering when keyed) and the
  // entries' own xxh3-64.
  FileDigester whole(listed.sha256.has_value());
  FileDigester entries(false);
  const uint64_t entries_begin = sums_header_.header_length;
  const uint64_t entries_end = size - kSumsFooterSize;
  std::string chunk(std::min<uint64_t>(buffer_size_, size), '\0');
  for (uint64_t off = 0; off < size; off += chunk.size()) {
    size_t n = std::min<uint64_t>(chunk.size(), size - off);
    absl::Span<uint8_t> span = AsSpan(chunk).subspan(0, n);
    RETURN_IF_ERROR(sums_->ReadAt(off, span));
    whole.Update(span);
    uint64_t lo = std::max(off, entries_begin);
    uint64_t hi = std::min(off + n, entries_end);
    if (lo < hi) entries.Update(span.subspan(lo - off, hi - lo));
  }
  if (entries.Finish().xxh3 != footer.entries_xxh3) {
    return Damaged(name, "checksum entries fail their xxh3-64");
  }
  RETURN_IF_ERROR(CompareDigest(listed, whole.Finish()));

  if (sums_header_.block_size != header_.block_size ||
      sums_header_.data_magic != header_.magic) {
    return Damaged(
        name, absl::StrCat("describes another file than ", volume_.data_file));
  }
  if (sums_header_.sha256 != keyed_) {
    return Damaged(name, keyed_ ? "lacks the SHA-256 a keyed set needs"
                                : "carries SHA-256 in an unkeyed set");
  }
  if (footer.entry_count != footer_.payload_blocks) {
    return Damaged(name,
                   absl::StrFormat("holds %u entries for %u data blocks in %s",
                                   footer.entry_count, footer_.payload_blocks,
                                   volume_.data_file));
  }
  FileDigester meta(keyed_);
  meta.Update(header_bytes_);
  meta.Update(runs_bytes_);
  meta.Update(footer_bytes_);
  FileDigest meta_digest = meta.Finish();
  if (meta_digest.xxh3 != footer.data_meta_xxh3 ||
      (keyed_ && *meta_digest.sha256 != footer.data_meta_sha256)) {
    return Damaged(volume_.data_file,
                   absl::StrCat("header, block map or footer differ from what ",
                                name, " vouches for"));
  }
  return absl::OkStatus();
}

uint64_t VolumeFileReader::BlockOfRank(uint64_t rank) const {
  for (size_t i = 0; i < runs_.size(); ++i) {
    if (runs_[i].kind == RunKind::kData && rank >= run_ranks_[i] &&
        rank - run_ranks_[i] < runs_[i].block_count) {
      return runs_[i].first_block + (rank - run_ranks_[i]);
    }
  }
  return 0;
}

absl::Status VolumeFileReader::CheckBlocks(uint64_t rank,
                                           absl::Span<const uint8_t> data) {
  const uint32_t bs = header_.block_size;
  const uint64_t count = data.size() / bs;
  const size_t entry_size = sums_header_.entry_size();
  sums_buffer_.resize(count * entry_size);
  RETURN_IF_ERROR(sums_->ReadAt(sums_header_.header_length + rank * entry_size,
                                AsSpan(sums_buffer_)));
  for (uint64_t i = 0; i < count; ++i) {
    absl::Span<const uint8_t> block = data.subspan(i * bs, bs);
    BlockSum want =
        DecodeBlockSum(sums_buffer_.data() + i * entry_size, keyed_);
    absl::string_view algorithm;
    if (Xxh3(block) != want.xxh3) {
      algorithm = kXxh3Name;
    } else if (sha_) {
      sha_->Update(block);
      if (sha_->Finish() != want.sha256) algorithm = kSha256Name;
    }
    if (!algorithm.empty()) {
      return absl::DataLossError(absl::StrFormat(
          "%s: block %u (data block %u of the file) fails its %s checksum; "
          "the block or its entry in %s is damaged",
          volume_.data_file, BlockOfRank(rank + i), rank + i, algorithm,
          volume_.sums_file));
    }
  }
  return absl::OkStatus();
}

absl::Status VolumeFileReader::ReadData(uint64_t rank, uint64_t count,
                                        absl::Span<uint8_t> out) {
  const uint32_t bs = header_.block_size;
  if (rank > footer_.payload_blocks || count > footer_.payload_blocks - rank ||
      out.size() != count * bs) {
    return absl::InternalError(
        absl::StrFormat("%s: read of data blocks %u+%u out of range",
                        volume_.data_file, rank, count));
  }
  RETURN_IF_ERROR(data_->ReadAt(kDataHeaderSize + rank * bs, out));
  return CheckBlocks(rank, out);
}

absl::Status VolumeFileReader::VerifyAll(uint64_t* blocks, uint64_t* bytes) {
  const uint32_t bs = header_.block_size;
  FileDigester whole(data_listed_.sha256.has_value());
  whole.Update(header_bytes_);
  const uint64_t per_chunk = std::max<uint64_t>(1, buffer_size_ / bs);
  std::vector<uint8_t> chunk(std::min(per_chunk, footer_.payload_blocks) * bs);
  for (uint64_t rank = 0; rank < footer_.payload_blocks; rank += per_chunk) {
    uint64_t n = std::min(per_chunk, footer_.payload_blocks - rank);
    absl::Span<uint8_t> span = absl::MakeSpan(chunk).subspan(0, n * bs);
    RETURN_IF_ERROR(data_->ReadAt(kDataHeaderSize + rank * bs, span));
    whole.Update(span);
    RETURN_IF_ERROR(CheckBlocks(rank, span));
    *blocks += n;
  }
  whole.Update(runs_bytes_);
  whole.Update(footer_bytes_);
  *bytes += data_listed_.size;
  return CompareDigest(data_listed_, whole.Finish());
}

}  // namespace shadowset::internal
