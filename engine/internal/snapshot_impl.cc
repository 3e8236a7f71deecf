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

  Failure failure;
  absl::Status st = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(std::vector<Located> found,
                     engine_->LookupRange(volume_->id(), first, last, epoch_));
    std::vector<bool> from_record(n, false);
    for (const Located& l : found) from_record[l.block - first] = true;
    // Diff-area spans and live runs go out together, at queue depth.
    std::vector<IoPool::Task> tasks = RecordTasks(first, found, out, &failure);
    for (uint64_t i = 0; i < n;) {
      if (from_record[i]) {
        ++i;
        continue;
      }
      uint64_t j = i + 1;
      while (j < n && !from_record[j]) ++j;
      tasks.push_back([this, first, i, j, bs, out]() {
        return volume_->DeviceRead(first + i,
                                   out.subspan(i * bs, (j - i) * bs));
      });
      i = j;
    }
    RETURN_IF_ERROR(engine_->io_pool()->RunAll(std::move(tasks)));
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
      RETURN_IF_ERROR(
          engine_->io_pool()->RunAll(RecordTasks(first, late, out, &failure)));
    }
    return absl::OkStatus();
  }();
  // Whatever happened, a deleted set never yields data.
  if (deleted_->load(std::memory_order_seq_cst)) return Deleted();
  if (absl::IsDataLoss(st)) {
    absl::MutexLock l(&failure.mu);
    if (failure.found) {
      engine_->ReportCorruption(volume_->id(), failure.bad.block,
                                failure.bad.epoch, st);
    }
  }
  return st;
}

// Groups the records to read by position: records that lie close together
// in a segment are read with one I/O (header slots and data alike), then
// each header is verified against the index and each block's data against
// its checksum before it is copied out.
std::vector<IoPool::Task> SnapshotImpl::RecordTasks(
    uint64_t first, std::vector<Located> found, absl::Span<uint8_t> out,
    Failure* failure) {
  constexpr uint64_t kMaxGap = 64 << 10;
  constexpr uint64_t kMaxSpan = 8 << 20;
  const uint64_t bs = block_size();
  std::sort(found.begin(), found.end(), [](const Located& a, const Located& b) {
    return std::tie(a.value.seq, a.value.header_offset, a.value.entry) <
           std::tie(b.value.seq, b.value.header_offset, b.value.entry);
  });
  auto end_of = [](const Located& l) -> uint64_t {
    return l.value.length == 0 ? uint64_t{l.value.header_offset} + kSlotSize
                               : uint64_t{l.value.data_offset} + l.value.length;
  };
  std::vector<IoPool::Task> tasks;
  for (size_t i = 0; i < found.size();) {
    const uint64_t seq = found[i].value.seq;
    const uint64_t start = found[i].value.header_offset;
    uint64_t end = end_of(found[i]);
    size_t j = i + 1;
    while (j < found.size() && found[j].value.seq == seq &&
           found[j].value.header_offset <= end + kMaxGap &&
           std::max(end, end_of(found[j])) - start <= kMaxSpan) {
      end = std::max(end, end_of(found[j]));
      ++j;
    }
    std::vector<Located> span(found.begin() + i, found.begin() + j);
    tasks.push_back([this, first, seq, start, end, span = std::move(span), out,
                     bs, failure]() -> absl::Status {
      DiffArea* diff = engine_->diff_area();
      AlignedBuffer buf(end - start);
      RETURN_IF_ERROR(diff->ReadData(seq, start, buf.span()));
      ASSIGN_OR_RETURN(uint64_t salt, diff->Salt(seq));
      std::optional<RecordHeader> header;
      uint64_t header_offset = 0;
      for (const Located& l : span) {
        auto fail = [&](absl::string_view why) {
          failure->Record(l);
          return absl::DataLossError(absl::StrFormat(
              "diff-area record for block %u epoch %u of '%s' %s", l.block,
              l.epoch, volume_name(), why));
        };
        if (!header || header_offset != l.value.header_offset) {
          header_offset = l.value.header_offset;
          header = DecodeRecordHeader(
              buf.span().subspan(header_offset - start, kSlotSize), salt, seq);
          if (!header) return fail("has a header that does not verify");
        }
        if (header->volume != volume_->id() || header->epoch != l.epoch ||
            l.value.entry >= header->entries.size() ||
            header->entries[l.value.entry].block != l.block ||
            header->entries[l.value.entry].length != l.value.length ||
            header->entries[l.value.entry].data_hash != l.value.data_hash) {
          return fail("disagrees with the index");
        }
        uint8_t* dst = out.data() + (l.block - first) * bs;
        if (l.value.length == 0) {
          std::memset(dst, 0, bs);
          continue;
        }
        absl::Span<const uint8_t> data =
            buf.span().subspan(l.value.data_offset - start, bs);
        if (HashData(data) != l.value.data_hash) {
          return fail("fails its xxh3 checksum");
        }
        std::memcpy(dst, data.data(), bs);
      }
      return absl::OkStatus();
    });
    i = j;
  }
  return tasks;
}

}  // namespace shadowset::internal
