// The scrub (`shadowset check`, DESIGN §5): every index entry's record is
// read and verified; index, secondary index and segment counts must agree.

#include <map>

#include "absl/strings/str_format.h"
#include "engine/internal/aligned_buffer.h"
#include "engine/internal/coding.h"
#include "engine/internal/engine_impl.h"
#include "engine/internal/status_macros.h"

namespace shadowset::internal {

absl::StatusOr<CheckReport> EngineImpl::Check() {
  RETURN_IF_ERROR(SyncRound({}));
  RETURN_IF_ERROR(FlushOverlay());
  CheckReport report;
  struct Bad {
    uint32_t volume;
    uint64_t block, epoch;
    absl::Status why;
  };
  std::vector<Bad> bad;
  std::map<uint64_t, uint64_t> counts;
  uint64_t index_entries = 0, change_entries = 0;
  {
    // The catalog and the in-memory counts are compared: no collection or
    // overlay commit may move them meanwhile.
    absl::MutexLock gc(&gc_mu_);
    absl::MutexLock flush(&flush_mu_);
    // Hold the reader barrier: segments are not reused under us.
    absl::ReaderMutexLock barrier(diff_->reader_barrier());
    ASSIGN_OR_RETURN(std::unique_ptr<Txn> txn, catalog_->BeginRead());
    ASSIGN_OR_RETURN(std::unique_ptr<Cursor> c, txn->OpenCursor(Db::kIndex));
    AlignedBuffer data(block_size_);
    ASSIGN_OR_RETURN(bool found, c->First());
    while (found) {
      ++index_entries;
      uint32_t volume;
      uint64_t block, epoch;
      DecodeIndexKey(c->key(), &volume, &block, &epoch);
      absl::Status why = [&]() -> absl::Status {
        ASSIGN_OR_RETURN(IndexValue v, DecodeIndexValue(c->value()));
        ++counts[v.seq];
        ASSIGN_OR_RETURN(RecordHeader h, diff_->ReadHeader(v.seq, v.header_offset));
        if (h.volume != volume || h.epoch != epoch ||
            v.entry >= h.entries.size() || h.entries[v.entry].block != block ||
            h.entries[v.entry].length != v.length ||
            h.entries[v.entry].data_hash != v.data_hash) {
          return absl::DataLossError("record header disagrees with the index");
        }
        if (v.length != 0) {
          RETURN_IF_ERROR(diff_->ReadData(v.seq, v.data_offset, data.span()));
          if (HashData(data.span()) != v.data_hash) {
            return absl::DataLossError("data fails its xxh3 checksum");
          }
          report.bytes_checked += v.length;
        }
        return absl::OkStatus();
      }();
      if (why.ok()) {
        ++report.records_checked;
      } else {
        report.problems.push_back(absl::StrFormat(
            "volume %u block %u epoch %u: %s", volume, block, epoch,
            why.message()));
        bad.push_back({volume, block, epoch, why});
      }
      ASSIGN_OR_RETURN(found, c->Next());
    }
    // The secondary index mirrors the index exactly.
    ASSIGN_OR_RETURN(std::unique_ptr<Cursor> ch, txn->OpenCursor(Db::kChanges));
    ASSIGN_OR_RETURN(found, ch->First());
    while (found) {
      ++change_entries;
      uint32_t volume;
      uint64_t epoch, block;
      DecodeChangesKey(ch->key(), &volume, &epoch, &block);
      ASSIGN_OR_RETURN(std::optional<absl::string_view> v,
                       txn->Get(Db::kIndex, IndexKey(volume, block, epoch)));
      if (!v) {
        report.problems.push_back(absl::StrFormat(
            "changed-block entry volume %u epoch %u block %u has no index "
            "entry",
            volume, epoch, block));
      }
      ASSIGN_OR_RETURN(found, ch->Next());
    }
    if (change_entries != index_entries) {
      report.problems.push_back(absl::StrFormat(
          "index has %u entries but the changed-block index %u",
          index_entries, change_entries));
    }
    // Per-segment live counts: catalog, memory and the index agree.
    ASSIGN_OR_RETURN(std::unique_ptr<Cursor> s, txn->OpenCursor(Db::kSegs));
    std::map<uint64_t, uint64_t> rows;
    ASSIGN_OR_RETURN(found, s->First());
    while (found) {
      ASSIGN_OR_RETURN(SegRecord seg, DecodeSegRecord(s->value()));
      rows[LoadBE64(s->key().data())] = seg.live;
      ASSIGN_OR_RETURN(found, s->Next());
    }
    for (const auto& [seq, n] : counts) {
      if (rows[seq] != n) {
        report.problems.push_back(absl::StrFormat(
            "segment %u: catalog counts %u entries, the index holds %u", seq,
            rows[seq], n));
      }
      if (diff_->Live(seq) != n) {
        report.problems.push_back(absl::StrFormat(
            "segment %u: memory counts %u entries, the index holds %u", seq,
            diff_->Live(seq), n));
      }
    }
    for (const auto& [seq, n] : rows) {
      if (!counts.contains(seq) && n != 0) {
        report.problems.push_back(absl::StrFormat(
            "segment %u: catalog counts %u entries, the index holds none", seq,
            n));
      }
    }
  }
  report.segments = diff_->SegmentStates().size();
  for (const Bad& b : bad) ReportCorruption(b.volume, b.block, b.epoch, b.why);
  return report;
}

}  // namespace shadowset::internal
