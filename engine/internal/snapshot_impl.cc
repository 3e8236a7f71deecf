#include "engine/internal/snapshot_impl.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_format.h"
#include "engine/codes.h"
#include "engine/internal/aligned_buffer.h"
#include "engine/internal/status_macros.h"

namespace shadowset::internal {
namespace {

// Blocks looked up and read per pass; bounds memory for huge reads.
constexpr uint64_t kMaxBlocksPerPass = 4096;

}  // namespace

absl::Status SnapshotImpl::Deleted() const {
  return MakeError(absl::StatusCode::kAborted, kVssObjectNotFound,
                   absl::StrFormat("snapshot set %s was deleted",
                                   set_.ToString()));
}

absl::Status SnapshotImpl::Read(uint64_t offset, absl::Span<uint8_t> out) {
  if (offset > size() || out.size() > size() - offset) {
    return absl::OutOfRangeError(absl::StrFormat(
        "read of %u bytes at offset %u passes the end of snapshot of '%s' "
        "(%u bytes)",
        out.size(), offset, volume_name(), size()));
  }
  if (out.empty()) return absl::OkStatus();
  const uint64_t bs = block_size();
  const uint64_t first = offset / bs;
  const uint64_t last = (offset + out.size() - 1) / bs;
  if (offset % bs == 0 && out.size() % bs == 0) {
    for (uint64_t b = first; b <= last; b += kMaxBlocksPerPass) {
      uint64_t n = std::min(kMaxBlocksPerPass, last - b + 1);
      RETURN_IF_ERROR(
          ReadBlocks(b, out.subspan((b - first) * bs, n * bs)));
    }
    return absl::OkStatus();
  }
  for (uint64_t b = first; b <= last; b += kMaxBlocksPerPass) {
    uint64_t n = std::min(kMaxBlocksPerPass, last - b + 1);
    AlignedBuffer buf(n * bs);
    RETURN_IF_ERROR(ReadBlocks(b, buf.span()));
    uint64_t lo = std::max(offset, b * bs);
    uint64_t hi = std::min(offset + out.size(), (b + n) * bs);
    std::memcpy(out.data() + (lo - offset), buf.data() + (lo - b * bs), hi - lo);
  }
  return absl::OkStatus();
}

absl::Status SnapshotImpl::ReadBlocks(uint64_t first, absl::Span<uint8_t> out) {
  const uint64_t bs = block_size();
  const uint64_t n = out.size() / bs;
  const uint64_t last = first + n - 1;
  if (deleted_->load(std::memory_order_seq_cst)) return Deleted();
  if (engine_->SetIsCorrupt(set_)) {
    return absl::DataLossError(absl::StrFormat(
        "snapshot set %s needs a diff-area record that failed verification",
        set_.ToString()));
  }
  // Segments are not reused while we hold this (DiffArea::Reclaim).
  absl::ReaderMutexLock barrier(engine_->diff_area()->reader_barrier());

  Located bad{};
  absl::Status st = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(std::vector<Located> found,
                     engine_->LookupRange(volume_->id(), first, last, epoch_));
    std::vector<bool> from_record(n, false);
    for (const Located& l : found) from_record[l.block - first] = true;
    RETURN_IF_ERROR(ReadRecords(first, found, out, &bad));
    // Live runs.
    for (uint64_t i = 0; i < n;) {
      if (from_record[i]) {
        ++i;
        continue;
      }
      uint64_t j = i + 1;
      while (j < n && !from_record[j]) ++j;
      RETURN_IF_ERROR(volume_->DeviceRead(
          first + i, out.subspan(i * bs, (j - i) * bs)));
      i = j;
    }
    // Look again: a block preserved since the first lookup may have had its
    // live block overwritten after we read it; its record is now visible.
    for (;;) {
      ASSIGN_OR_RETURN(std::vector<Located> again,
                       engine_->LookupRange(volume_->id(), first, last, epoch_));
      std::vector<Located> late;
      for (const Located& l : again) {
        if (!from_record[l.block - first]) {
          late.push_back(l);
          from_record[l.block - first] = true;
        }
      }
      if (late.empty()) break;
      RETURN_IF_ERROR(ReadRecords(first, late, out, &bad));
    }
    return absl::OkStatus();
  }();
  // Whatever happened, a deleted set never yields data.
  if (deleted_->load(std::memory_order_seq_cst)) return Deleted();
  if (absl::IsDataLoss(st)) {
    engine_->ReportCorruption(volume_->id(), bad.block, bad.epoch, st);
  }
  return st;
}

absl::Status SnapshotImpl::ReadRecords(uint64_t first,
                                       const std::vector<Located>& found,
                                       absl::Span<uint8_t> out, Located* bad) {
  const uint64_t bs = block_size();
  DiffArea* diff = engine_->diff_area();
  std::optional<RecordHeader> header;
  uint64_t header_seq = 0, header_offset = 0;
  for (size_t i = 0; i < found.size();) {
    const Located& l = found[i];
    if (!header || header_seq != l.value.seq ||
        header_offset != l.value.header_offset) {
      absl::StatusOr<RecordHeader> h =
          diff->ReadHeader(l.value.seq, l.value.header_offset);
      if (!h.ok()) {
        *bad = l;
        return h.status();
      }
      header = std::move(*h);
      header_seq = l.value.seq;
      header_offset = l.value.header_offset;
    }
    // Verify what the index says against the record's own header.
    auto verify = [&](const Located& x) -> absl::Status {
      if (header->volume != volume_->id() || header->epoch != x.epoch ||
          x.value.entry >= header->entries.size() ||
          header->entries[x.value.entry].block != x.block ||
          header->entries[x.value.entry].length != x.value.length ||
          header->entries[x.value.entry].data_hash != x.value.data_hash) {
        *bad = x;
        return absl::DataLossError(absl::StrFormat(
            "diff-area record for block %u epoch %u of '%s' disagrees with "
            "the index",
            x.block, x.epoch, volume_name()));
      }
      return absl::OkStatus();
    };
    RETURN_IF_ERROR(verify(l));
    if (l.value.length == 0) {
      std::memset(out.data() + (l.block - first) * bs, 0, bs);
      ++i;
      continue;
    }
    // Merge a run: consecutive blocks whose data is contiguous in the same
    // record.
    size_t j = i + 1;
    while (j < found.size() && found[j].block == found[j - 1].block + 1 &&
           found[j].value.seq == l.value.seq &&
           found[j].value.header_offset == l.value.header_offset &&
           found[j].value.length == bs &&
           found[j].value.data_offset == found[j - 1].value.data_offset + bs) {
      RETURN_IF_ERROR(verify(found[j]));
      ++j;
    }
    absl::Span<uint8_t> dst = out.subspan((l.block - first) * bs, (j - i) * bs);
    RETURN_IF_ERROR(diff->ReadData(l.value.seq, l.value.data_offset, dst));
    for (size_t k = i; k < j; ++k) {
      absl::Span<const uint8_t> data = dst.subspan((k - i) * bs, bs);
      if (HashData(data) != found[k].value.data_hash) {
        *bad = found[k];
        return absl::DataLossError(absl::StrFormat(
            "diff-area record for block %u epoch %u of '%s' fails its xxh3 "
            "checksum",
            found[k].block, found[k].epoch, volume_name()));
      }
    }
    i = j;
  }
  return absl::OkStatus();
}

}  // namespace shadowset::internal
