#include "engine/internal/volume_impl.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_format.h"
#include "engine/internal/engine_impl.h"
#include "engine/internal/status_macros.h"

namespace shadowset::internal {
namespace {

bool Aligned(const void* p, size_t n) {
  return reinterpret_cast<uintptr_t>(p) % kIoAlignment == 0 &&
         n % kIoAlignment == 0;
}

}  // namespace

VolumeImpl::VolumeImpl(EngineImpl* engine, const VolumeRecord& record,
                       std::unique_ptr<BlockDevice> device, std::string path,
                       bool direct_io, uint64_t max_key_epoch)
    : engine_(engine),
      id_(record.id),
      name_(record.name),
      block_size_(device->block_size()),
      block_count_(record.block_count),
      created_us_(record.created_us),
      path_(std::move(path)),
      direct_io_(direct_io),
      max_key_epoch_at_open_(max_key_epoch),
      device_(std::move(device)),
      w_(record.block_count),
      deferred_(device_->block_size()) {
  current_.store(record.epoch, std::memory_order_release);
}

// --- epochs -----------------------------------------------------------------

void VolumeImpl::SetCurrentEpoch(uint64_t epoch) {
  current_.store(epoch, std::memory_order_release);
}

EpochView VolumeImpl::epoch_view() const {
  absl::ReaderMutexLock l(&epochs_mu_);
  EpochView view;
  view.any_live = !live_.empty();
  if (view.any_live) view.s_max = live_.rbegin()->first;
  for (auto it = live_.rbegin(); it != live_.rend(); ++it) {
    if (it->second) {
      view.any_persistent = true;
      view.s_max_persistent = it->first;
      break;
    }
  }
  return view;
}

void VolumeImpl::AddSnapshot(uint64_t epoch, bool persistent) {
  absl::MutexLock l(&epochs_mu_);
  live_[epoch] = persistent;
  current_.store(std::max(current_.load(), epoch + 1),
                 std::memory_order_release);
}

void VolumeImpl::RemoveSnapshot(uint64_t epoch) {
  absl::MutexLock l(&epochs_mu_);
  live_.erase(epoch);
}

std::vector<uint64_t> VolumeImpl::LiveEpochs() const {
  absl::ReaderMutexLock l(&epochs_mu_);
  std::vector<uint64_t> out;
  for (const auto& [epoch, persistent] : live_) out.push_back(epoch);
  return out;
}

size_t VolumeImpl::live_snapshots() const {
  absl::ReaderMutexLock l(&epochs_mu_);
  return live_.size();
}

absl::Status VolumeImpl::CheckLive() const {
  if (!retired_.load(std::memory_order_acquire)) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrFormat(
      "volume '%s' was replaced by a restore; look it up again", name_));
}

// --- device I/O -------------------------------------------------------------

absl::Status VolumeImpl::DeviceRead(uint64_t block, absl::Span<uint8_t> out) {
  if (!direct_io_ || Aligned(out.data(), out.size())) {
    return device_->Read(block, out);
  }
  AlignedBuffer bounce(out.size());
  RETURN_IF_ERROR(device_->Read(block, bounce.span()));
  std::memcpy(out.data(), bounce.data(), out.size());
  return absl::OkStatus();
}

absl::Status VolumeImpl::DeviceWrite(uint64_t block,
                                     absl::Span<const uint8_t> data) {
  if (!direct_io_ || Aligned(data.data(), data.size())) {
    return device_->Write(block, data);
  }
  AlignedBuffer bounce(data.size());
  std::memcpy(bounce.data(), data.data(), data.size());
  return device_->Write(block, bounce.span());
}

// --- write path -------------------------------------------------------------

absl::Status VolumeImpl::Write(uint64_t offset, absl::Span<const uint8_t> data,
                               const WriteOptions& options) {
  RETURN_IF_ERROR(engine_->CheckHealthy());
  RETURN_IF_ERROR(CheckLive());
  if (offset > size() || data.size() > size() - offset) {
    return absl::OutOfRangeError(absl::StrFormat(
        "write of %u bytes at offset %u passes the end of volume '%s' (%u "
        "bytes)",
        data.size(), offset, name_, size()));
  }
  if (!data.empty()) {
    const uint64_t first = offset / block_size_;
    const uint64_t last = (offset + data.size() - 1) / block_size_;
    gate_.Enter();
    range_lock_.Lock(first, last);
    absl::Status st = WriteLocked(offset, data, first, last);
    range_lock_.Unlock(first, last);
    gate_.Exit();
    if (!st.ok()) return engine_->Fail(st);
  }
  if (options.sync) return Flush();
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> VolumeImpl::WriteEpoch(uint64_t block,
                                                const EpochView& view) {
  uint64_t w = w_.Get(block);
  // Keys written since open are reflected in w_ (or the block is pending);
  // an index lookup can only help when an older key may exceed S_max.
  if (w == 0 && max_key_epoch_at_open_ > view.s_max) {
    ASSIGN_OR_RETURN(w, engine_->LargestKeyEpoch(id_, block));
    if (w != 0) w_.Set(block, w);
  }
  return w;
}

void VolumeImpl::Compose(uint64_t block, uint64_t offset,
                         absl::Span<const uint8_t> data,
                         absl::Span<uint8_t> contents) const {
  const uint64_t start = block * block_size_;
  const uint64_t lo = std::max(start, offset);
  const uint64_t hi = std::min(start + block_size_, offset + data.size());
  std::memcpy(contents.data() + (lo - start), data.data() + (lo - offset),
              hi - lo);
}

absl::Status VolumeImpl::WriteDirect(uint64_t first, uint64_t last,
                                     uint64_t offset,
                                     absl::Span<const uint8_t> data) {
  const uint64_t start = first * block_size_;
  const uint64_t bytes = (last - first + 1) * block_size_;
  if (start >= offset && start + bytes <= offset + data.size()) {
    return DeviceWrite(first, data.subspan(start - offset, bytes));
  }
  AlignedBuffer buf(bytes);
  if (offset > start) {
    RETURN_IF_ERROR(DeviceRead(first, buf.span().first(block_size_)));
  }
  if (offset + data.size() < start + bytes && (last != first || offset <= start)) {
    RETURN_IF_ERROR(DeviceRead(
        last, buf.span().subspan(bytes - block_size_, block_size_)));
  }
  for (uint64_t b = first; b <= last; ++b) {
    Compose(b, offset, data,
            buf.span().subspan((b - first) * block_size_, block_size_));
  }
  return DeviceWrite(first, buf.span());
}

absl::Status VolumeImpl::WriteLocked(uint64_t offset,
                                     absl::Span<const uint8_t> data,
                                     uint64_t first, uint64_t last) {
  const uint64_t n = last - first + 1;
  const uint64_t epoch = current_epoch();  // stable: we are inside the gate
  EpochView view = epoch_view();

  // 1. Classify every block.
  std::vector<bool> pending(n);
  deferred_.Pending(first, &pending);
  std::vector<Kind> kind(n, Kind::kDirect);
  std::vector<uint64_t> preserve;
  bool needs_sync = false;
  for (uint64_t i = 0; i < n; ++i) {
    if (pending[i]) {
      kind[i] = Kind::kBuffered;  // preserved earlier in this epoch
      continue;
    }
    if (!view.any_live) continue;
    ASSIGN_OR_RETURN(uint64_t w, WriteEpoch(first + i, view));
    if (w <= view.s_max) {
      kind[i] = Kind::kPreserve;
      preserve.push_back(first + i);
      if (view.any_persistent && w <= view.s_max_persistent) needs_sync = true;
    }
  }

#ifdef SHADOWSET_MUTANT_LIVE_WRITE_BEFORE_PREIMAGE_SYNC
  // Test-only mutant (never shipped): the live write does not wait for its
  // pre-image to become durable. The crash suite must fail against it.
  needs_sync = false;
#endif

  // 2. Preserve the old contents (DESIGN I1 and the write ordering), one
  // record at a time, read straight into the record's buffer. A partially
  // covered first or last block keeps a copy of its old contents for step 3.
  const uint64_t head_block = first, tail_block = last;
  const bool head_partial = offset % block_size_ != 0 ||
                            (first == last && data.size() < block_size_);
  const bool tail_partial = (offset + data.size()) % block_size_ != 0;
  AlignedBuffer head_old, tail_old;
  DiffPos record_end;
  if (!preserve.empty()) {
    const size_t per_record = engine_->MaxBlocksPerRecord();
    size_t done = 0;
    while (done < preserve.size()) {
      const size_t k = std::min(per_record, preserve.size() - done);
      std::vector<uint64_t> chunk(preserve.begin() + done,
                                  preserve.begin() + done + k);
      AlignedBuffer record(kSlotSize + k * block_size_);
      for (size_t i = 0; i < k;) {
        size_t j = i + 1;
        while (j < k && chunk[j] == chunk[j - 1] + 1) ++j;
        RETURN_IF_ERROR(DeviceRead(
            chunk[i], record.span().subspan(kSlotSize + i * block_size_,
                                            (j - i) * block_size_)));
        i = j;
      }
      for (size_t i = 0; i < k; ++i) {
        const uint8_t* old = record.data() + kSlotSize + i * block_size_;
        if (chunk[i] == head_block && head_partial && head_old.size() == 0) {
          head_old = AlignedBuffer(block_size_);
          std::memcpy(head_old.data(), old, block_size_);
        }
        if (chunk[i] == tail_block && tail_partial && tail_old.size() == 0) {
          tail_old = AlignedBuffer(block_size_);
          std::memcpy(tail_old.data(), old, block_size_);
        }
      }
      absl::StatusOr<DiffPos> end =
          engine_->AppendRecord(this, epoch, chunk, record);
      if (end.ok()) {
        record_end = *end;
        done += k;
        continue;
      }
      if (!absl::IsResourceExhausted(end.status())) return end.status();
      // The diff area is full: the oldest set goes; then re-decide which
      // blocks still need a preserve (DESIGN §2.3).
      RETURN_IF_ERROR(engine_->MakeRoom());
      view = epoch_view();
      size_t kept = done;
      for (size_t i = done; i < preserve.size(); ++i) {
        uint64_t b = preserve[i];
        bool still = false;
        if (view.any_live) {
          ASSIGN_OR_RETURN(uint64_t w, WriteEpoch(b, view));
          still = w <= view.s_max;
        }
        if (still) {
          preserve[kept++] = b;
        } else {
          kind[b - first] = Kind::kDirect;
        }
      }
      preserve.resize(kept);
    }
  }

  // 3. Apply the new data. Preserved blocks whose record must become
  // durable first are held in DeferredWrites as one extent; a preserve only
  // auto-release sets need lets the live write follow at once.
  if (needs_sync && !preserve.empty()) {
    auto extent = std::make_shared<AlignedBuffer>(preserve.size() * block_size_);
    for (size_t i = 0; i < preserve.size(); ++i) {
      const uint64_t b = preserve[i];
      absl::Span<uint8_t> contents =
          extent->span().subspan(i * block_size_, block_size_);
      if (b == head_block && head_partial) {
        std::memcpy(contents.data(), head_old.data(), block_size_);
      } else if (b == tail_block && tail_partial) {
        std::memcpy(contents.data(), tail_old.data(), block_size_);
      }
      Compose(b, offset, data, contents);
    }
    RETURN_IF_ERROR(engine_->AcquireDeferred(preserve.size() * block_size_));
    deferred_.Insert(preserve, epoch, record_end, std::move(extent));
  }
  for (uint64_t i = 0; i < n;) {
    const uint64_t b = first + i;
    if (kind[i] == Kind::kPreserve && needs_sync) {
      ++i;
      continue;
    }
    if (kind[i] == Kind::kBuffered) {
      const uint64_t start = b * block_size_;
      const uint64_t lo = std::max(start, offset);
      const uint64_t hi = std::min(start + block_size_, offset + data.size());
      if (deferred_.Update(b, static_cast<uint32_t>(lo - start),
                           data.subspan(lo - offset, hi - lo))) {
        ++i;
        continue;
      }
      // Retired meanwhile: its record is durable and w[b] == epoch.
      kind[i] = Kind::kDirect;
    }
    uint64_t j = i + 1;
    while (j < n && (kind[j] == Kind::kDirect ||
                     (kind[j] == Kind::kPreserve && !needs_sync))) {
      ++j;
    }
    RETURN_IF_ERROR(WriteDirect(b, first + j - 1, offset, data));
    if (view.any_live) {
      for (uint64_t k = i; k < j; ++k) w_.Set(first + k, epoch);
    }
    i = j;
  }
  return absl::OkStatus();
}

// --- read path --------------------------------------------------------------

absl::Status VolumeImpl::Read(uint64_t offset, absl::Span<uint8_t> out) {
  RETURN_IF_ERROR(CheckLive());
  if (offset > size() || out.size() > size() - offset) {
    return absl::OutOfRangeError(absl::StrFormat(
        "read of %u bytes at offset %u passes the end of volume '%s' (%u "
        "bytes)",
        out.size(), offset, name_, size()));
  }
  if (out.empty()) return absl::OkStatus();
  const uint64_t first = offset / block_size_;
  const uint64_t last = (offset + out.size() - 1) / block_size_;
  const uint64_t n = last - first + 1;
  const bool in_place = offset % block_size_ == 0 &&
                        out.size() % block_size_ == 0;
  AlignedBuffer buf;
  absl::Span<uint8_t> blocks = out;
  if (!in_place) {
    buf = AlignedBuffer(n * block_size_);
    blocks = buf.span();
  }
  // Pending blocks first: an entry retires only after its live write, so a
  // block found not pending here is current on the device.
  std::vector<bool> have(n, false);
  if (!deferred_.empty()) {
    for (uint64_t i = 0; i < n; ++i) {
      have[i] = deferred_.Read(
          first + i, blocks.subspan(i * block_size_, block_size_));
    }
  }
  for (uint64_t i = 0; i < n;) {
    if (have[i]) {
      ++i;
      continue;
    }
    uint64_t j = i + 1;
    while (j < n && !have[j]) ++j;
    RETURN_IF_ERROR(DeviceRead(
        first + i, blocks.subspan(i * block_size_, (j - i) * block_size_)));
    i = j;
  }
  if (!in_place) {
    std::memcpy(out.data(), buf.data() + (offset - first * block_size_),
                out.size());
  }
  return absl::OkStatus();
}

absl::Status VolumeImpl::Flush() {
  RETURN_IF_ERROR(CheckLive());
  return engine_->SyncRound({this});
}

}  // namespace shadowset::internal
