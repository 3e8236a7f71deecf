#include "engine/internal/diff_area.h"

#include <algorithm>
#include <cstring>

#include "absl/random/random.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "engine/internal/aligned_buffer.h"
#include "engine/internal/status_macros.h"

namespace shadowset::internal {
namespace {

constexpr uint64_t kMaxSegmentSize = uint64_t{64} << 20;
constexpr uint64_t kScanChunk = uint64_t{1} << 20;

uint64_t RoundDown(uint64_t v, uint64_t m) { return v / m * m; }

uint64_t RandomSalt() {
  static absl::Mutex* mu = new absl::Mutex;
  static absl::BitGen* gen = new absl::BitGen;
  absl::MutexLock l(mu);
  return absl::Uniform<uint64_t>(*gen);
}

}  // namespace

uint64_t ChooseSegmentSize(uint64_t cap, uint32_t block_size) {
  // A segment holds its header slot plus at least one single-block record.
  const uint64_t min_size = 2 * uint64_t{kSlotSize} + block_size;
  uint64_t size = std::min(RoundDown(cap / 10, kSlotSize), kMaxSegmentSize);
  return std::max(size, min_size);
}

DiffArea::~DiffArea() = default;

std::string DiffArea::SegmentPath(uint32_t file_no) const {
  return JoinPath(dir_, absl::StrFormat("seg-%06u", file_no));
}

absl::StatusOr<std::unique_ptr<DiffArea>> DiffArea::Open(
    Env* env, const std::string& dir, const DiffAreaOptions& options) {
  std::unique_ptr<DiffArea> area(new DiffArea(env, dir, options));
  ASSIGN_OR_RETURN(std::vector<std::string> names, env->ListDir(dir));
  AlignedBuffer slot(kSlotSize);
  absl::MutexLock l(&area->mu_);
  for (const std::string& name : names) {
    absl::string_view digits = name;
    uint32_t file_no = 0;
    if (!absl::ConsumePrefix(&digits, "seg-") ||
        !absl::SimpleAtoi(digits, &file_no) || file_no == 0) {
      continue;  // not ours (e.g. a stray temporary)
    }
    auto seg = std::make_unique<Segment>();
    seg->file_no = file_no;
    ASSIGN_OR_RETURN(seg->file,
                     env->OpenFile(area->SegmentPath(file_no),
                                   {.direct = options.direct}));
    ASSIGN_OR_RETURN(uint64_t allocated, seg->file->AllocatedBytes());
    ASSIGN_OR_RETURN(uint64_t size, seg->file->Size());
    seg->punched = options.segment_size -
                   std::min(options.segment_size, allocated);
    std::optional<SegmentHeader> header;
    if (size >= kSlotSize) {
      RETURN_IF_ERROR(area->ReadAligned(seg->file.get(), 0, slot.span()));
      ASSIGN_OR_RETURN(header, DecodeSegmentHeader(slot.span()));
    }
    if (header && size == options.segment_size &&
        header->segment_size == options.segment_size &&
        header->block_size == options.block_size) {
      seg->state = State::kSealed;
      seg->volume = header->volume;
      seg->seq = header->seq;
      seg->salt = header->salt;
      area->by_seq_[seg->seq] = seg.get();
      area->next_seq_ = std::max(area->next_seq_, seg->seq + 1);
    } else {
      // Never completed its preparation: never used.
      seg->state = State::kFree;
      seg->punched = std::max<uint64_t>(seg->punched, 1);  // remove, not reuse
    }
    area->next_file_no_ = std::max(area->next_file_no_, file_no + 1);
    area->files_[file_no] = std::move(seg);
  }
  return area;
}

std::vector<DiffArea::SegmentInfo> DiffArea::RecoveredSegments() {
  absl::MutexLock l(&mu_);
  std::vector<SegmentInfo> out;
  for (const auto& [seq, seg] : by_seq_) out.push_back({seg->volume, seq});
  std::sort(out.begin(), out.end(),
            [](const SegmentInfo& a, const SegmentInfo& b) {
              return a.seq < b.seq;
            });
  return out;
}

absl::Status DiffArea::ReadAligned(File* file, uint64_t offset,
                                   absl::Span<uint8_t> out) {
  bool aligned = reinterpret_cast<uintptr_t>(out.data()) % kIoAlignment == 0 &&
                 offset % kIoAlignment == 0 && out.size() % kIoAlignment == 0;
  if (!options_.direct || aligned) return file->ReadAt(offset, out);
  uint64_t start = RoundDown(offset, kIoAlignment);
  uint64_t end = (offset + out.size() + kIoAlignment - 1) / kIoAlignment *
                 kIoAlignment;
  AlignedBuffer bounce(end - start);
  RETURN_IF_ERROR(file->ReadAt(start, bounce.span()));
  std::memcpy(out.data(), bounce.data() + (offset - start), out.size());
  return absl::OkStatus();
}

absl::Status DiffArea::ScanRecords(
    uint64_t seq, uint64_t from_offset,
    const std::function<absl::Status(const ScannedRecord&)>& fn) {
  File* file;
  uint64_t salt;
  uint32_t volume;
  {
    absl::MutexLock l(&mu_);
    Segment* seg = BySeq(seq);
    if (seg == nullptr) return absl::NotFoundError("no such segment");
    file = seg->file.get();
    salt = seg->salt;
    volume = seg->volume;
  }
  const uint64_t size = options_.segment_size;
  AlignedBuffer chunk(kScanChunk);
  uint64_t chunk_start = 0, chunk_len = 0;
  uint64_t offset = std::max<uint64_t>(from_offset, kSlotSize);
  offset = (offset + kSlotSize - 1) / kSlotSize * kSlotSize;
  while (offset + kSlotSize <= size) {
    if (offset < chunk_start || offset + kSlotSize > chunk_start + chunk_len) {
      chunk_start = offset;
      chunk_len = std::min(kScanChunk, size - offset);
      RETURN_IF_ERROR(ReadAligned(file, chunk_start,
                                  chunk.span().first(chunk_len)));
    }
    absl::Span<const uint8_t> slot(chunk.data() + (offset - chunk_start),
                                   kSlotSize);
    std::optional<RecordHeader> header = DecodeRecordHeader(slot, salt, seq);
    bool valid = false;
    ScannedRecord record;
    if (header && header->volume == volume &&
        header->block_size == options_.block_size) {
      uint64_t data_bytes = 0;
      bool lengths_ok = true;
      for (const RecordEntry& e : header->entries) {
        if (e.length != 0 && e.length != options_.block_size) lengths_ok = false;
        data_bytes += e.length;
      }
      uint64_t end = offset + kSlotSize + data_bytes;
      if (lengths_ok && data_bytes == uint64_t{header->data_slots} * kSlotSize &&
          end <= size) {
        AlignedBuffer data(data_bytes);
        if (data_bytes > 0) {
          RETURN_IF_ERROR(ReadAligned(file, offset + kSlotSize, data.span()));
        }
        valid = true;
        uint64_t pos = 0;
        for (const RecordEntry& e : header->entries) {
          if (e.length == 0) {
            record.data_offsets.push_back(0);
            continue;
          }
          if (HashData(data.span().subspan(pos, e.length)) != e.data_hash) {
            valid = false;
            break;
          }
          record.data_offsets.push_back(
              static_cast<uint32_t>(offset + kSlotSize + pos));
          pos += e.length;
        }
        if (valid) {
          record.header_offset = offset;
          record.header = std::move(*header);
          RETURN_IF_ERROR(fn(record));
          offset = end;
          continue;
        }
      }
    }
    offset += kSlotSize;
  }
  return absl::OkStatus();
}

absl::Status DiffArea::FinishRecovery(
    const std::map<uint64_t, uint64_t>& live,
    const std::map<uint32_t, DiffPos>& resume) {
  std::vector<uint32_t> remove;
  {
    absl::MutexLock l(&mu_);
    for (const auto& [volume, pos] : resume) {
      Segment* seg = BySeq(pos.seq);
      if (seg == nullptr || seg->volume != volume || seg->punched != 0 ||
          pos.offset < kSlotSize || pos.offset % kSlotSize != 0 ||
          pos.offset > options_.segment_size) {
        continue;
      }
      seg->state = State::kActive;
      seg->write_offset = pos.offset;
      auto it = live.find(seg->seq);
      seg->live = it == live.end() ? 0 : it->second;
      Chain& chain = ChainFor(volume);
      chain.active = seg;
      chain.reserved_end = chain.synced = pos;
    }
    for (auto& [file_no, seg] : files_) {
      if (seg->state == State::kActive) continue;
      auto it = seg->state == State::kSealed ? live.find(seg->seq) : live.end();
      if (it != live.end() && it->second > 0) {
        seg->live = it->second;
        continue;  // sealed, in use
      }
      if (seg->state == State::kSealed) by_seq_.erase(seg->seq);
      seg->state = State::kFree;
      if (seg->punched > 0) remove.push_back(file_no);
    }
  }
  for (uint32_t file_no : remove) {
    RETURN_IF_ERROR(env_->RemoveFile(SegmentPath(file_no)));
    absl::MutexLock l(&mu_);
    files_.erase(file_no);
  }
  if (!remove.empty()) RETURN_IF_ERROR(env_->SyncDir(dir_));
  return absl::OkStatus();
}

DiffArea::Segment* DiffArea::BySeq(uint64_t seq) {
  auto it = by_seq_.find(seq);
  return it == by_seq_.end() ? nullptr : it->second;
}

DiffArea::Chain& DiffArea::ChainFor(uint32_t volume) {
  return chains_[volume];
}

uint64_t DiffArea::AllocatedLocked() const {
  uint64_t total = creating_;
  for (const auto& [file_no, seg] : files_) {
    total += options_.segment_size - std::min(options_.segment_size, seg->punched);
  }
  return total;
}

absl::StatusOr<DiffArea::Segment*> DiffArea::Prepare(uint32_t volume) {
  Segment* seg = nullptr;
  uint32_t new_file_no = 0;
  uint64_t seq;
  {
    absl::MutexLock l(&mu_);
    for (auto& [file_no, s] : files_) {
      if (s->state == State::kFree && s->punched == 0) {
        seg = s.get();
        break;
      }
    }
    if (seg == nullptr) {
      if (AllocatedLocked() + options_.segment_size > options_.cap) {
        return absl::ResourceExhaustedError(absl::StrFormat(
            "diff area full: %u of %u bytes allocated", AllocatedLocked(),
            options_.cap));
      }
      new_file_no = next_file_no_++;
      creating_ += options_.segment_size;
    } else {
      seg->state = State::kPreparing;
    }
    seq = next_seq_++;
  }

  SegmentHeader header;
  header.volume = volume;
  header.seq = seq;
  header.salt = RandomSalt();
  header.segment_size = options_.segment_size;
  header.block_size = options_.block_size;
  header.created_us = static_cast<uint64_t>(absl::ToUnixMicros(env_->Now()));
  AlignedBuffer slot(kSlotSize);
  EncodeSegmentHeader(header, slot.span());

  std::unique_ptr<File> created;
  absl::Status st;
  if (seg == nullptr) {
    auto prepare_new = [&]() -> absl::Status {
      ASSIGN_OR_RETURN(created, env_->OpenFile(SegmentPath(new_file_no),
                                               {.create = true,
                                                .exclusive = true,
                                                .direct = options_.direct}));
      // Written zeros, not fallocate: an unwritten extent's first write is a
      // metadata change, which a data-only fdatasync would have to journal.
      AlignedBuffer zeros(std::min<uint64_t>(kScanChunk, options_.segment_size));
      for (uint64_t off = kSlotSize; off < options_.segment_size;
           off += zeros.size()) {
        uint64_t n = std::min<uint64_t>(zeros.size(), options_.segment_size - off);
        RETURN_IF_ERROR(created->WriteAt(off, zeros.span().first(n)));
      }
      RETURN_IF_ERROR(created->WriteAt(0, slot.span()));
      RETURN_IF_ERROR(created->SyncAll());
      return env_->SyncDir(dir_);
    };
    st = prepare_new();
    if (!st.ok()) {
      created.reset();
      env_->RemoveFile(SegmentPath(new_file_no)).IgnoreError();
      absl::MutexLock l(&mu_);
      creating_ -= options_.segment_size;
      return st;
    }
  } else {
    // Recycled: fully allocated already; a new header (new seq and salt)
    // invalidates every record of its previous use.
    st = seg->file->WriteAt(0, slot.span());
    if (st.ok()) st = seg->file->Sync();
    if (!st.ok()) {
      absl::MutexLock l(&mu_);
      seg->state = State::kFree;
      return st;
    }
  }

  absl::MutexLock l(&mu_);
  if (seg == nullptr) {
    auto owned = std::make_unique<Segment>();
    owned->file_no = new_file_no;
    owned->file = std::move(created);
    seg = owned.get();
    files_[new_file_no] = std::move(owned);
    creating_ -= options_.segment_size;
  }
  seg->state = State::kSpare;
  seg->volume = volume;
  seg->seq = seq;
  seg->salt = header.salt;
  seg->write_offset = kSlotSize;
  seg->live = 0;
  seg->punched = 0;
  by_seq_[seq] = seg;
  return seg;
}

absl::StatusOr<DiffArea::Reservation> DiffArea::Reserve(uint32_t volume,
                                                        uint64_t bytes) {
  if (bytes % kSlotSize != 0 || bytes > max_record_bytes()) {
    return absl::InternalError(absl::StrFormat("bad reservation of %u bytes", bytes));
  }
  absl::MutexLock l(&mu_);
  for (;;) {
    Chain& chain = ChainFor(volume);
    Segment* active = chain.active;
    if (active != nullptr &&
        active->write_offset + bytes <= options_.segment_size) {
      Reservation r{volume, active->seq, active->write_offset, bytes,
                    active->salt};
      active->write_offset += bytes;
      chain.inflight.insert(DiffPos{r.seq, r.offset});
      chain.reserved_end = DiffPos{active->seq, active->write_offset};
      return r;
    }
    if (active != nullptr) {
      active->state = State::kSealed;
      chain.active = nullptr;
    }
    if (chain.spare != nullptr) {
      chain.active = std::exchange(chain.spare, nullptr);
      chain.active->state = State::kActive;
      chain.want_spare = true;  // the next one, in the background
      continue;
    }
    if (chain.preparing) {
      prepared_cv_.Wait(&mu_);
      continue;
    }
    chain.preparing = true;
    mu_.Unlock();
    absl::StatusOr<Segment*> seg = Prepare(volume);
    mu_.Lock();
    Chain& again = ChainFor(volume);
    again.preparing = false;
    prepared_cv_.SignalAll();
    if (!seg.ok()) return seg.status();
    again.spare = *seg;
  }
}

absl::Status DiffArea::WriteRecord(const Reservation& r,
                                   absl::Span<const uint8_t> data) {
  File* file;
  {
    absl::MutexLock l(&mu_);
    Segment* seg = BySeq(r.seq);
    if (seg == nullptr) return absl::InternalError("reserved segment vanished");
    file = seg->file.get();
  }
  return file->WriteAt(r.offset, data);
}

void DiffArea::RequestSpare(uint32_t volume) {
  absl::MutexLock l(&mu_);
  ChainFor(volume).want_spare = true;
}

absl::Status DiffArea::PrepareSpares() {
  for (;;) {
    uint32_t volume = 0;
    bool found = false;
    {
      absl::MutexLock l(&mu_);
      for (auto& [v, chain] : chains_) {
        if (chain.want_spare && chain.spare == nullptr && !chain.preparing) {
          volume = v;
          found = true;
          chain.preparing = true;
          chain.want_spare = false;
          break;
        }
      }
    }
    if (!found) return absl::OkStatus();
    absl::StatusOr<Segment*> seg = Prepare(volume);
    absl::MutexLock l(&mu_);
    Chain& chain = ChainFor(volume);
    chain.preparing = false;
    prepared_cv_.SignalAll();
    if (!seg.ok()) {
      if (absl::IsResourceExhausted(seg.status())) continue;
      return seg.status();
    }
    if (chain.spare == nullptr) {
      chain.spare = *seg;
    } else {
      (*seg)->state = State::kFree;  // cannot happen: we held `preparing`
      by_seq_.erase((*seg)->seq);
    }
  }
}

void DiffArea::Complete(const Reservation& r) {
  absl::MutexLock l(&mu_);
  Chain& chain = ChainFor(r.volume);
  chain.inflight.erase(DiffPos{r.seq, r.offset});
  if (Segment* seg = BySeq(r.seq)) chain.unsynced.insert(seg);
}

absl::StatusOr<DiffPos> DiffArea::Sync(uint32_t volume) {
  DiffPos limit;
  std::set<Segment*> segs;
  {
    absl::MutexLock l(&mu_);
    Chain& chain = ChainFor(volume);
    limit = chain.inflight.empty() ? chain.reserved_end : *chain.inflight.begin();
    segs = std::move(chain.unsynced);
    chain.unsynced.clear();
  }
  for (Segment* seg : segs) {
    // An fdatasync error is final: the caller makes the engine fail.
    RETURN_IF_ERROR(seg->file->Sync());
  }
  absl::MutexLock l(&mu_);
  Chain& chain = ChainFor(volume);
  chain.synced = std::max(chain.synced, limit);
  return chain.synced;
}

DiffPos DiffArea::SyncedPos(uint32_t volume) {
  absl::MutexLock l(&mu_);
  return ChainFor(volume).synced;
}

std::vector<uint32_t> DiffArea::VolumesNeedingSync() {
  absl::MutexLock l(&mu_);
  std::vector<uint32_t> out;
  for (const auto& [volume, chain] : chains_) {
    DiffPos limit =
        chain.inflight.empty() ? chain.reserved_end : *chain.inflight.begin();
    if (!chain.unsynced.empty() || limit > chain.synced) out.push_back(volume);
  }
  return out;
}

void DiffArea::SetCheckpoint(uint32_t volume, DiffPos checkpoint) {
  absl::MutexLock l(&mu_);
  Chain& chain = ChainFor(volume);
  chain.checkpoint = std::max(chain.checkpoint, checkpoint);
}

void DiffArea::AddLive(uint64_t seq, int64_t delta) {
  absl::MutexLock l(&mu_);
  if (Segment* seg = BySeq(seq)) {
    seg->live = static_cast<uint64_t>(static_cast<int64_t>(seg->live) + delta);
  }
}

uint64_t DiffArea::Live(uint64_t seq) {
  absl::MutexLock l(&mu_);
  Segment* seg = BySeq(seq);
  return seg == nullptr ? 0 : seg->live;
}

absl::StatusOr<RecordHeader> DiffArea::ReadHeader(uint64_t seq,
                                                  uint64_t offset) {
  File* file;
  uint64_t salt;
  {
    absl::MutexLock l(&mu_);
    Segment* seg = BySeq(seq);
    if (seg == nullptr) {
      return absl::DataLossError(absl::StrFormat(
          "diff-area segment %u is missing", seq));
    }
    file = seg->file.get();
    salt = seg->salt;
  }
  AlignedBuffer slot(kSlotSize);
  RETURN_IF_ERROR(ReadAligned(file, offset, slot.span()));
  std::optional<RecordHeader> header = DecodeRecordHeader(slot.span(), salt, seq);
  if (!header) {
    return absl::DataLossError(absl::StrFormat(
        "diff-area record header at segment %u offset %u does not verify", seq,
        offset));
  }
  return std::move(*header);
}

absl::Status DiffArea::ReadData(uint64_t seq, uint64_t offset,
                                absl::Span<uint8_t> out) {
  File* file;
  {
    absl::MutexLock l(&mu_);
    Segment* seg = BySeq(seq);
    if (seg == nullptr) {
      return absl::DataLossError(absl::StrFormat(
          "diff-area segment %u is missing", seq));
    }
    file = seg->file.get();
  }
  return ReadAligned(file, offset, out);
}

absl::StatusOr<uint64_t> DiffArea::Salt(uint64_t seq) {
  absl::MutexLock l(&mu_);
  Segment* seg = BySeq(seq);
  if (seg == nullptr) {
    return absl::DataLossError(absl::StrFormat(
        "diff-area segment %u is missing", seq));
  }
  return seg->salt;
}

std::vector<uint64_t> DiffArea::ReclaimableSegments() {
  absl::MutexLock l(&mu_);
  std::vector<uint64_t> out;
  for (const auto& [seq, seg] : by_seq_) {
    if (seg->state != State::kSealed || seg->live != 0) continue;
    if (ChainFor(seg->volume).checkpoint.seq > seq) out.push_back(seq);
  }
  std::sort(out.begin(), out.end());
  return out;
}

absl::Status DiffArea::Reclaim(const std::vector<uint64_t>& seqs) {
  if (seqs.empty()) return absl::OkStatus();
  // Wait out every snapshot read that may have looked up a record in these
  // segments before their index entries were deleted.
  { absl::WriterMutexLock barrier(&reader_barrier_); }
  std::vector<uint32_t> remove;
  {
    absl::MutexLock l(&mu_);
    for (uint64_t seq : seqs) {
      Segment* seg = BySeq(seq);
      if (seg == nullptr || seg->state != State::kSealed) continue;
      by_seq_.erase(seq);
      seg->state = State::kFree;
      if (seg->punched > 0) remove.push_back(seg->file_no);
    }
  }
  for (uint32_t file_no : remove) {
    RETURN_IF_ERROR(env_->RemoveFile(SegmentPath(file_no)));
    absl::MutexLock l(&mu_);
    files_.erase(file_no);
  }
  if (!remove.empty()) RETURN_IF_ERROR(env_->SyncDir(dir_));
  return absl::OkStatus();
}

absl::Status DiffArea::PunchDead(uint64_t seq, uint64_t offset,
                                 uint64_t length) {
  File* file;
  {
    absl::MutexLock l(&mu_);
    Segment* seg = BySeq(seq);
    if (seg == nullptr) return absl::OkStatus();
    file = seg->file.get();
  }
  // The space counts as returned only once the deallocation is durable: a
  // crash must not bring back bytes the cap already handed out again.
  RETURN_IF_ERROR(file->PunchHole(offset, length));
  RETURN_IF_ERROR(file->SyncAll());
  absl::MutexLock l(&mu_);
  if (Segment* seg = BySeq(seq)) seg->punched += length;
  return absl::OkStatus();
}

bool DiffArea::HasRoom() {
  absl::MutexLock l(&mu_);
  for (const auto& [file_no, seg] : files_) {
    if (seg->state == State::kFree && seg->punched == 0) return true;
  }
  return AllocatedLocked() + options_.segment_size <= options_.cap;
}

DiffAreaUsage DiffArea::Usage() {
  absl::MutexLock l(&mu_);
  DiffAreaUsage u;
  u.cap = options_.cap;
  u.allocated = AllocatedLocked();
  u.segment_size = options_.segment_size;
  for (const auto& [file_no, seg] : files_) {
    if (seg->state == State::kFree) {
      ++u.segments_free;
    } else {
      ++u.segments_in_use;
    }
  }
  return u;
}

std::vector<DiffArea::SegmentState> DiffArea::SegmentStates() {
  absl::MutexLock l(&mu_);
  std::vector<SegmentState> out;
  for (const auto& [seq, seg] : by_seq_) {
    out.push_back({seq, seg->volume, seg->live, seg->state != State::kFree});
  }
  std::sort(out.begin(), out.end(),
            [](const SegmentState& a, const SegmentState& b) {
              return a.seq < b.seq;
            });
  return out;
}

}  // namespace shadowset::internal
