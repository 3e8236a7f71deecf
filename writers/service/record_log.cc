#include "writers/service/record_log.h"

#include <algorithm>
#include <optional>

#include "absl/strings/str_format.h"
#include "engine/internal/status_macros.h"
#include "writers/service/coding.h"

namespace shadowset::service {
namespace {

constexpr uint64_t kAlign = 4096;
constexpr uint64_t kReadChunk = 1 << 20;

uint64_t SuperblockOffset(uint64_t half_size, uint64_t counter) {
  return 2 * half_size + (counter % 2) * kSuperblockSlot;
}

absl::Span<const uint8_t> Bytes(absl::string_view s) {
  return absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(s.data()),
                             s.size());
}

// Sequential reads of one half through a 1 MiB window.
class HalfReader {
 public:
  HalfReader(const ReadFn& read, uint64_t base, uint64_t size)
      : read_(read), base_(base), size_(size) {}

  // Points *out at [offset, offset + n) of the half. kOutOfRange past its
  // end.
  absl::Status Get(uint64_t offset, uint64_t n, absl::string_view* out) {
    if (offset + n > size_ || offset + n < offset) {
      return absl::OutOfRangeError("past the end of the half");
    }
    if (offset < window_start_ || offset + n > window_start_ + window_.size()) {
      uint64_t len = std::min(size_ - offset, std::max(n, kReadChunk));
      window_.resize(len);
      RETURN_IF_ERROR(read_(base_ + offset,
                            absl::MakeSpan(reinterpret_cast<uint8_t*>(
                                               window_.data()),
                                           window_.size())));
      window_start_ = offset;
    }
    *out = absl::string_view(window_).substr(offset - window_start_, n);
    return absl::OkStatus();
  }

 private:
  const ReadFn& read_;
  const uint64_t base_;
  const uint64_t size_;
  std::string window_;
  uint64_t window_start_ = 0;
};

// Reads the record at `offset`; nullopt if it is not a valid record.
absl::StatusOr<std::optional<std::pair<RecordHeader, absl::string_view>>>
ReadRecord(HalfReader& reader, uint64_t offset, uint64_t half_size) {
  using Result = std::optional<std::pair<RecordHeader, absl::string_view>>;
  if (offset + kRecordHeaderSize > half_size) return Result();
  absl::string_view header_bytes;
  RETURN_IF_ERROR(reader.Get(offset, kRecordHeaderSize, &header_bytes));
  std::optional<RecordHeader> header = DecodeRecordHeader(header_bytes);
  if (!header) return Result();
  if (offset + kRecordHeaderSize + header->length > half_size) return Result();
  std::string header_copy(header_bytes);
  absl::string_view record;
  RETURN_IF_ERROR(
      reader.Get(offset, kRecordHeaderSize + header->length, &record));
  absl::string_view payload = record.substr(kRecordHeaderSize);
  if (!RecordChecksumOk(header_copy, payload)) return Result();
  return Result(std::make_pair(*header, payload));
}

bool AllZero(absl::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == 0; });
}

std::string MagicText(absl::string_view magic) {
  std::string out;
  for (char c : magic) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out;
}

}  // namespace

uint64_t HalfSizeFor(uint64_t volume_size) {
  if (volume_size < kMinLogVolumeSize) return 0;
  return (volume_size - 2 * kSuperblockSlot) / 2 / kAlign * kAlign;
}

absl::StatusOr<LogSummary> ReplayLog(const ReadFn& read, uint64_t size,
                                     absl::string_view magic,
                                     LogVisitor& visitor) {
  if (size < kMinLogVolumeSize) {
    return absl::NotFoundError(absl::StrFormat(
        "no %s log: the image has only %d bytes", MagicText(magic), size));
  }
  // 1. The superblock: the valid copy with the larger counter.
  std::optional<Superblock> sb;
  bool all_zero = true;
  for (uint64_t slot = 0; slot < 2; ++slot) {
    std::string bytes(kSuperblockSize, '\0');
    RETURN_IF_ERROR(read(size - (2 - slot) * kSuperblockSlot,
                         absl::MakeSpan(reinterpret_cast<uint8_t*>(bytes.data()),
                                        bytes.size())));
    all_zero = all_zero && AllZero(bytes);
    std::optional<Superblock> copy = DecodeSuperblock(bytes);
    if (copy && (!sb || copy->counter > sb->counter)) sb = copy;
  }
  if (!sb) {
    if (all_zero) {
      return absl::NotFoundError(absl::StrFormat(
          "no %s log on this volume (it was never formatted)",
          MagicText(magic)));
    }
    return absl::DataLossError("both superblock copies are damaged");
  }
  if (sb->magic != magic) {
    return absl::FailedPreconditionError(
        absl::StrFormat("the volume holds a %s log, not a %s log",
                        MagicText(sb->magic), MagicText(magic)));
  }
  if (sb->version > kLogFormatVersion) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "log format version %d is newer than this build's (%d)", sb->version,
        kLogFormatVersion));
  }
  if (sb->half_size == 0 || 2 * sb->half_size + 2 * kSuperblockSlot > size) {
    return absl::DataLossError(absl::StrFormat(
        "superblock half size %d does not fit a %d-byte volume", sb->half_size,
        size));
  }

  LogSummary summary;
  summary.base_seq = sb->base_seq;
  summary.commit_seq = sb->commit_seq;
  summary.half_size = sb->half_size;
  summary.active_half = sb->active_half;
  summary.half_gen = sb->half_gen;
  summary.mount_gen = sb->mount_gen;
  HalfReader reader(read, sb->active_half * sb->half_size, sb->half_size);

  // 2. The base: every record valid, closed by kBaseEnd.
  uint64_t pos = 0;
  while (true) {
    ASSIGN_OR_RETURN(auto record, ReadRecord(reader, pos, sb->half_size));
    if (!record || record->first.gen != sb->half_gen ||
        record->first.seq != sb->base_seq ||
        record->first.type == RecordType::kMutation) {
      return absl::DataLossError(absl::StrFormat(
          "the base of half %d is damaged at offset %d (record %d)",
          sb->active_half, pos, summary.base_records));
    }
    pos += kRecordHeaderSize + record->first.length;
    if (record->first.type == RecordType::kBaseEnd) {
      Decoder d(record->second);
      uint64_t count = 0;
      if (!d.U64(&count) || !d.done() || count != summary.base_records) {
        return absl::DataLossError(absl::StrFormat(
            "the base of half %d ends after %d records but claims %d",
            sb->active_half, summary.base_records, count));
      }
      break;
    }
    RETURN_IF_ERROR(visitor.OnBase(record->second));
    ++summary.base_records;
  }

  // 3. Mutations, while valid and in sequence.
  uint64_t seq = sb->base_seq;
  uint64_t prev_gen = sb->half_gen;
  while (true) {
    ASSIGN_OR_RETURN(auto record, ReadRecord(reader, pos, sb->half_size));
    if (!record) break;
    const RecordHeader& h = record->first;
    if (h.type != RecordType::kMutation || h.seq != seq + 1 ||
        h.gen < prev_gen || h.gen > sb->mount_gen) {
      break;
    }
    RETURN_IF_ERROR(visitor.OnMutation(h.seq, record->second));
    seq = h.seq;
    prev_gen = h.gen;
    pos += kRecordHeaderSize + h.length;
    ++summary.mutations;
  }
  summary.seq = seq;
  summary.end = pos;
  if (seq < sb->commit_seq) {
    return absl::DataLossError(absl::StrFormat(
        "the log of half %d ends at sequence %d (offset %d) but its superblock "
        "commits sequence %d (offset %d): the image is torn or truncated",
        sb->active_half, seq, pos, sb->commit_seq, sb->commit_end));
  }
  return summary;
}

RecordLog::RecordLog(Volume* volume, std::string magic,
                     const LogSummary& summary, const Superblock& sb)
    : volume_(volume),
      magic_(std::move(magic)),
      half_size_(summary.half_size),
      sb_(sb),
      active_half_(summary.active_half),
      half_gen_(summary.half_gen),
      gen_(sb.mount_gen),
      base_seq_(summary.base_seq),
      seq_(summary.seq),
      tail_(summary.end) {}

uint64_t RecordLog::BaseSize(const std::vector<std::string>& base) {
  uint64_t total = kRecordHeaderSize + 8;
  for (const std::string& p : base) total += kRecordHeaderSize + p.size();
  return total;
}

absl::Status RecordLog::WriteBase(Volume* volume, uint64_t offset,
                                  uint64_t half_size, uint64_t gen,
                                  uint64_t base_seq,
                                  const std::vector<std::string>& base,
                                  uint64_t* end) {
  uint64_t size = BaseSize(base);
  if (size > half_size) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "the state needs %d bytes but a half of the volume holds %d", size,
        half_size));
  }
  RecordHeader header;
  header.type = RecordType::kBase;
  header.gen = gen;
  header.seq = base_seq;
  std::string batch;
  uint64_t pos = 0;
  auto flush_batch = [&]() -> absl::Status {
    if (batch.empty()) return absl::OkStatus();
    RETURN_IF_ERROR(volume->Write(offset + pos, Bytes(batch)));
    pos += batch.size();
    batch.clear();
    return absl::OkStatus();
  };
  for (const std::string& payload : base) {
    if (payload.size() > kMaxRecordPayload) {
      return absl::InvalidArgumentError("base record too large");
    }
    batch += EncodeRecord(header, payload);
    if (batch.size() >= kReadChunk) RETURN_IF_ERROR(flush_batch());
  }
  header.type = RecordType::kBaseEnd;
  Encoder count;
  count.U64(base.size());
  batch += EncodeRecord(header, count.data());
  RETURN_IF_ERROR(flush_batch());
  *end = pos;
  return absl::OkStatus();
}

absl::Status RecordLog::Format(Volume* volume, absl::string_view magic,
                               const std::vector<std::string>& base) {
  if (magic.size() != kMagicSize) {
    return absl::InvalidArgumentError("a log magic is exactly 8 bytes");
  }
  uint64_t half_size = HalfSizeFor(volume->size());
  if (half_size == 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "volume %s has %d bytes; a service log needs at least %d",
        volume->name(), volume->size(), kMinLogVolumeSize));
  }
  uint64_t end = 0;
  RETURN_IF_ERROR(WriteBase(volume, 0, half_size, 1, 0, base, &end));
  RETURN_IF_ERROR(volume->Flush());
  Superblock sb;
  sb.magic = std::string(magic);
  sb.mount_gen = 1;
  sb.half_size = half_size;
  sb.active_half = 0;
  sb.half_gen = 1;
  sb.base_seq = 0;
  sb.commit_seq = 0;
  sb.commit_end = end;
  // Both slots, so no older superblock on a reused volume can win.
  for (uint64_t counter : {uint64_t{1}, uint64_t{2}}) {
    sb.counter = counter;
    RETURN_IF_ERROR(volume->Write(SuperblockOffset(half_size, counter),
                                  Bytes(EncodeSuperblock(sb))));
  }
  return volume->Flush();
}

absl::StatusOr<std::unique_ptr<RecordLog>> RecordLog::Open(
    Volume* volume, absl::string_view magic, LogVisitor& visitor) {
  ReadFn read = [volume](uint64_t offset, absl::Span<uint8_t> out) {
    return volume->Read(offset, out);
  };
  ASSIGN_OR_RETURN(LogSummary summary,
                   ReplayLog(read, volume->size(), magic, visitor));
  // Re-read the winning superblock to carry its counter forward.
  std::optional<Superblock> sb;
  for (uint64_t slot = 0; slot < 2; ++slot) {
    std::string bytes(kSuperblockSize, '\0');
    RETURN_IF_ERROR(volume->Read(
        volume->size() - (2 - slot) * kSuperblockSlot,
        absl::MakeSpan(reinterpret_cast<uint8_t*>(bytes.data()), bytes.size())));
    std::optional<Superblock> copy = DecodeSuperblock(bytes);
    if (copy && (!sb || copy->counter > sb->counter)) sb = copy;
  }
  if (!sb) return absl::DataLossError("superblock changed during open");
  // Records replayed past the commit point become durable and committed; a
  // new generation starts, so that bytes a crash left past the end (which
  // carry an older generation) can never follow a new record.
  RETURN_IF_ERROR(volume->Flush());
  Superblock next = *sb;
  next.mount_gen = sb->mount_gen + 1;
  next.commit_seq = summary.seq;
  next.commit_end = summary.end;
  auto log = std::unique_ptr<RecordLog>(
      new RecordLog(volume, std::string(magic), summary, *sb));
  {
    absl::MutexLock c(&log->commit_mu_);
    RETURN_IF_ERROR(log->WriteSuperblock(next));
  }
  absl::MutexLock l(&log->mu_);
  log->gen_ = next.mount_gen;
  return log;
}

absl::Status RecordLog::WriteSuperblock(Superblock sb) {
  sb.counter = sb_.counter + 1;
  RETURN_IF_ERROR(Fail(volume_->Write(SuperblockOffset(half_size_, sb.counter),
                                      Bytes(EncodeSuperblock(sb)))));
  RETURN_IF_ERROR(Fail(volume_->Flush()));
  sb_ = sb;
  return absl::OkStatus();
}

absl::Status RecordLog::Fail(absl::Status status) {
  if (status.ok()) return status;
  absl::MutexLock l(&mu_);
  if (sticky_.ok()) sticky_ = status;
  return sticky_;
}

bool RecordLog::Fits(size_t payload_size) const {
  absl::MutexLock l(&mu_);
  return tail_ + kRecordHeaderSize + payload_size <= half_size_;
}

absl::StatusOr<uint64_t> RecordLog::Append(absl::string_view payload) {
  if (payload.size() > kMaxRecordPayload) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "a record holds at most %d bytes, not %d", kMaxRecordPayload,
        payload.size()));
  }
  RecordHeader header;
  uint64_t offset;
  {
    absl::MutexLock l(&mu_);
    RETURN_IF_ERROR(sticky_);
    if (tail_ + kRecordHeaderSize + payload.size() > half_size_) {
      return absl::ResourceExhaustedError("the active half of the log is full");
    }
    header.gen = gen_;
    header.seq = seq_ + 1;
    offset = active_half_ * half_size_ + tail_;
  }
  std::string record = EncodeRecord(header, payload);
  RETURN_IF_ERROR(Fail(volume_->Write(offset, Bytes(record))));
  absl::MutexLock l(&mu_);
  tail_ += record.size();
  seq_ = header.seq;
  lsn_ += record.size();
  ++appended_;
  return lsn_;
}

absl::Status RecordLog::SyncTo(uint64_t lsn) {
  absl::MutexLock c(&commit_mu_);
  Superblock next = sb_;
  uint64_t target;
  {
    absl::MutexLock l(&mu_);
    RETURN_IF_ERROR(sticky_);
    if (durable_lsn_ >= lsn) return absl::OkStatus();
    target = lsn_;
    next.commit_seq = seq_;
    next.commit_end = tail_;
  }
  // Records first, then the superblock that commits them.
  RETURN_IF_ERROR(Fail(volume_->Flush()));
  RETURN_IF_ERROR(WriteSuperblock(next));
  absl::MutexLock l(&mu_);
  durable_lsn_ = std::max(durable_lsn_, target);
  ++rounds_;
  return absl::OkStatus();
}

absl::Status RecordLog::SyncAll() {
  uint64_t lsn;
  {
    absl::MutexLock l(&mu_);
    lsn = lsn_;
  }
  return SyncTo(lsn);
}

absl::Status RecordLog::Rebase(uint64_t base_seq,
                               const std::vector<std::string>& base) {
  absl::MutexLock c(&commit_mu_);
  uint32_t target_half;
  uint64_t new_gen;
  {
    absl::MutexLock l(&mu_);
    RETURN_IF_ERROR(sticky_);
    target_half = 1 - active_half_;
    new_gen = gen_ + 1;
  }
  if (BaseSize(base) > half_size_) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "the state needs %d bytes but a half of the volume holds %d",
        BaseSize(base), half_size_));
  }
  uint64_t end = 0;
  RETURN_IF_ERROR(Fail(WriteBase(volume_, target_half * half_size_, half_size_,
                                 new_gen, base_seq, base, &end)));
  RETURN_IF_ERROR(Fail(volume_->Flush()));
  Superblock next = sb_;
  next.mount_gen = new_gen;
  next.active_half = target_half;
  next.half_gen = new_gen;
  next.base_seq = base_seq;
  next.commit_seq = base_seq;
  next.commit_end = end;
  RETURN_IF_ERROR(WriteSuperblock(next));
  absl::MutexLock l(&mu_);
  active_half_ = target_half;
  half_gen_ = new_gen;
  gen_ = new_gen;
  base_seq_ = base_seq;
  seq_ = base_seq;
  tail_ = end;
  lsn_ += 1;  // everything before is durable, and so is the switch
  durable_lsn_ = lsn_;
  return absl::OkStatus();
}

absl::StatusOr<LogSummary> RecordLog::Replay(LogVisitor& visitor) {
  absl::MutexLock c(&commit_mu_);
  ReadFn read = [this](uint64_t offset, absl::Span<uint8_t> out) {
    return volume_->Read(offset, out);
  };
  return ReplayLog(read, volume_->size(), magic_, visitor);
}

uint64_t RecordLog::seq() const {
  absl::MutexLock l(&mu_);
  return seq_;
}

uint64_t RecordLog::used() const {
  absl::MutexLock l(&mu_);
  return tail_;
}

uint64_t RecordLog::commit_rounds() const {
  absl::MutexLock l(&mu_);
  return rounds_;
}

uint64_t RecordLog::records_appended() const {
  absl::MutexLock l(&mu_);
  return appended_;
}

absl::Status RecordLog::health() const {
  absl::MutexLock l(&mu_);
  return sticky_;
}

}  // namespace shadowset::service
