#include "engine/block_device.h"

#include <cstring>
#include <vector>

#include "absl/strings/str_format.h"
#include "engine/internal/aligned_buffer.h"
#include "engine/internal/status_macros.h"

namespace shadowset {

absl::Status BlockDevice::CheckRange(uint64_t block, size_t bytes) const {
  if (bytes % block_size() != 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%u bytes is not a whole number of %u-byte blocks", bytes,
        block_size()));
  }
  uint64_t n = bytes / block_size();
  if (block > block_count() || n > block_count() - block) {
    return absl::OutOfRangeError(absl::StrFormat(
        "blocks [%u, %u) past the end of a %u-block device", block, block + n,
        block_count()));
  }
  return absl::OkStatus();
}

// --- FileBlockDevice --------------------------------------------------------

absl::StatusOr<std::unique_ptr<FileBlockDevice>> FileBlockDevice::Open(
    Env* env, const std::string& path, const FileBlockDeviceOptions& options) {
  if (options.block_size < 512 ||
      (options.block_size & (options.block_size - 1)) != 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "block size %u is not a power of two >= 512", options.block_size));
  }
  OpenOptions open;
  open.create = options.create && !options.raw_device;
  open.exclusive = open.create;
  open.direct = options.direct;
  ASSIGN_OR_RETURN(std::unique_ptr<File> file, env->OpenFile(path, open));
  const uint64_t bytes = options.block_count * options.block_size;
  if (options.create && !options.raw_device) {
    RETURN_IF_ERROR(file->Truncate(bytes));
    RETURN_IF_ERROR(file->SyncAll());
  } else {
    ASSIGN_OR_RETURN(uint64_t size, file->Size());
    if (size < bytes) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "%s holds %u bytes, fewer than the %u the volume needs", path, size,
          bytes));
    }
    if (options.create && options.raw_device) {
      // Raw devices are zeroed at creation (DESIGN §2.2: holes are decided
      // by content on devices that cannot report them).
      internal::AlignedBuffer zeros(1 << 20);
      for (uint64_t off = 0; off < bytes; off += zeros.size()) {
        uint64_t n = std::min<uint64_t>(zeros.size(), bytes - off);
        RETURN_IF_ERROR(file->WriteAt(off, zeros.span().first(n)));
      }
      RETURN_IF_ERROR(file->Sync());
    }
  }
  return std::unique_ptr<FileBlockDevice>(new FileBlockDevice(
      std::move(file), options.block_size, options.block_count));
}

absl::Status FileBlockDevice::Read(uint64_t block, absl::Span<uint8_t> out) {
  RETURN_IF_ERROR(CheckRange(block, out.size()));
  return file_->ReadAt(block * block_size_, out);
}

absl::Status FileBlockDevice::Write(uint64_t block,
                                    absl::Span<const uint8_t> data) {
  RETURN_IF_ERROR(CheckRange(block, data.size()));
  return file_->WriteAt(block * block_size_, data);
}

absl::Status FileBlockDevice::Flush() { return file_->Sync(); }

absl::StatusOr<uint64_t> FileBlockDevice::NextDataBlock(uint64_t block) {
  if (block >= block_count_) return block_count_;
  ASSIGN_OR_RETURN(std::optional<uint64_t> next,
                   file_->NextData(block * block_size_));
  if (!next) return block_count_;
  return std::min(block_count_, *next / block_size_);
}

// --- MemBlockDevice ---------------------------------------------------------

MemBlockDevice::MemBlockDevice(uint32_t block_size, uint64_t block_count)
    : block_size_(block_size),
      block_count_(block_count),
      bytes_(block_size * block_count, '\0') {}

absl::Status MemBlockDevice::Read(uint64_t block, absl::Span<uint8_t> out) {
  RETURN_IF_ERROR(CheckRange(block, out.size()));
  absl::MutexLock l(&mu_);
  std::memcpy(out.data(), bytes_.data() + block * block_size_, out.size());
  return absl::OkStatus();
}

absl::Status MemBlockDevice::Write(uint64_t block,
                                   absl::Span<const uint8_t> data) {
  RETURN_IF_ERROR(CheckRange(block, data.size()));
  absl::MutexLock l(&mu_);
  std::memcpy(bytes_.data() + block * block_size_, data.data(), data.size());
  return absl::OkStatus();
}

// --- FaultInjectingBlockDevice ---------------------------------------------

FaultInjectingBlockDevice::FaultInjectingBlockDevice(BlockDevice* base)
    : base_(base), tracker_(base->block_count() * base->block_size()) {}

void FaultInjectingBlockDevice::FailWrite(uint64_t n) {
  absl::MutexLock l(&mu_);
  fail_write_ = n;
}

void FaultInjectingBlockDevice::FailFlush(uint64_t n) {
  absl::MutexLock l(&mu_);
  fail_flush_ = n;
}

absl::Status FaultInjectingBlockDevice::Read(uint64_t block,
                                             absl::Span<uint8_t> out) {
  return base_->Read(block, out);
}

absl::Status FaultInjectingBlockDevice::Write(uint64_t block,
                                              absl::Span<const uint8_t> data) {
  RETURN_IF_ERROR(CheckRange(block, data.size()));
  absl::MutexLock l(&mu_);
  if (fail_write_ != 0 && --fail_write_ == 0) {
    return absl::InternalError("injected write error");
  }
  const uint64_t bs = base_->block_size();
  auto reader = [this, bs](uint64_t s) -> std::optional<std::string> {
    uint64_t offset = s * internal::kSectorSize;
    std::string block(bs, '\0');
    if (!base_->Read(offset / bs, absl::MakeSpan(
                                      reinterpret_cast<uint8_t*>(block.data()),
                                      block.size()))
             .ok()) {
      return std::nullopt;
    }
    return block.substr(offset % bs, internal::kSectorSize);
  };
  tracker_.BeforeWrite(block * bs, data.size(), reader);
  absl::Status st = base_->Write(block, data);
  tracker_.AfterWrite(block * bs, data.size(), reader);
  return st;
}

absl::Status FaultInjectingBlockDevice::Flush() {
  absl::MutexLock l(&mu_);
  if (fail_flush_ != 0 && --fail_flush_ == 0) {
    return absl::InternalError("injected flush error");
  }
  RETURN_IF_ERROR(base_->Flush());
  tracker_.Synced(base_->block_count() * base_->block_size());
  return absl::OkStatus();
}

absl::Status FaultInjectingBlockDevice::PowerLoss(uint64_t seed) {
  absl::MutexLock l(&mu_);
  std::mt19937_64 rng(seed);
  internal::UnsyncedTracker::Outcome outcome = tracker_.PowerLoss(rng);
  const uint64_t bs = base_->block_size();
  std::vector<uint8_t> block(bs);
  for (const auto& [sector, version] : outcome.sectors) {
    uint64_t offset = sector * internal::kSectorSize;
    RETURN_IF_ERROR(base_->Read(offset / bs, absl::MakeSpan(block)));
    std::string bytes = version.value_or(std::string(internal::kSectorSize, '\0'));
    std::memcpy(block.data() + offset % bs, bytes.data(), bytes.size());
    RETURN_IF_ERROR(base_->Write(offset / bs, block));
  }
  RETURN_IF_ERROR(base_->Flush());
  tracker_.Synced(base_->block_count() * bs);
  return absl::OkStatus();
}

}  // namespace shadowset
