// BlockDevice: fixed-size blocks addressed by index, the storage under a
// volume (DESIGN §2.1).
//
//   ASSIGN_OR_RETURN(auto dev, FileBlockDevice::Open(env, path, opts));
//   RETURN_IF_ERROR(dev->Write(/*block=*/7, data));   // data: n whole blocks
//   RETURN_IF_ERROR(dev->Flush());                    // durable
//
// Implementations: FileBlockDevice (a regular file or a raw block device,
// optionally O_DIRECT), MemBlockDevice (in memory, for tests and tools) and
// FaultInjectingBlockDevice (wraps another and simulates failures and power
// loss at 512-byte granularity).
//
// Thread safety: every implementation is safe for concurrent use; writes to
// distinct blocks never interfere.

#ifndef SHADOWSET_ENGINE_BLOCK_DEVICE_H_
#define SHADOWSET_ENGINE_BLOCK_DEVICE_H_

#include <cstdint>
#include <memory>
#include <random>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "engine/env.h"
#include "engine/internal/unsynced_tracker.h"

namespace shadowset {

class BlockDevice {
 public:
  virtual ~BlockDevice() = default;

  virtual uint32_t block_size() const = 0;
  virtual uint64_t block_count() const = 0;

  // Reads out.size() / block_size() whole blocks starting at `block`.
  // kInvalidArgument if out.size() is not a multiple of the block size,
  // kOutOfRange past the end. Nothing is changed on error.
  virtual absl::Status Read(uint64_t block, absl::Span<uint8_t> out) = 0;
  // Writes whole blocks starting at `block` (same argument rules). After an
  // I/O error the blocks' contents are unspecified.
  virtual absl::Status Write(uint64_t block, absl::Span<const uint8_t> data) = 0;
  // Makes every completed write durable. An error is final.
  virtual absl::Status Flush() = 0;
  // The first block >= `block` that may hold data (holes are zeros), or
  // block_count() when only holes follow. Devices that cannot tell return
  // `block`.
  virtual absl::StatusOr<uint64_t> NextDataBlock(uint64_t block) {
    return block;
  }

 protected:
  // Shared argument check for Read/Write.
  absl::Status CheckRange(uint64_t block, size_t bytes) const;
};

struct FileBlockDeviceOptions {
  // Block size in bytes; a power of two >= 512. Required.
  uint32_t block_size = 0;
  // Number of blocks. With `create`, the file is sized (sparse) to it; for an
  // existing file or raw device it must not exceed the available size.
  uint64_t block_count = 0;
  // Create the file (it must not exist). Default: false.
  bool create = false;
  // Open with O_DIRECT; buffers must be 4 KiB aligned. Default: false.
  bool direct = false;
  // A raw block device: never resized; with `create`, zeroed instead.
  // Default: false.
  bool raw_device = false;
};

class FileBlockDevice final : public BlockDevice {
 public:
  static absl::StatusOr<std::unique_ptr<FileBlockDevice>> Open(
      Env* env, const std::string& path, const FileBlockDeviceOptions& options);

  uint32_t block_size() const override { return block_size_; }
  uint64_t block_count() const override { return block_count_; }
  absl::Status Read(uint64_t block, absl::Span<uint8_t> out) override;
  absl::Status Write(uint64_t block, absl::Span<const uint8_t> data) override;
  absl::Status Flush() override;
  absl::StatusOr<uint64_t> NextDataBlock(uint64_t block) override;

  File* file() const { return file_.get(); }

 private:
  FileBlockDevice(std::unique_ptr<File> file, uint32_t block_size,
                  uint64_t block_count)
      : file_(std::move(file)),
        block_size_(block_size),
        block_count_(block_count) {}

  const std::unique_ptr<File> file_;
  const uint32_t block_size_;
  const uint64_t block_count_;
};

class MemBlockDevice final : public BlockDevice {
 public:
  MemBlockDevice(uint32_t block_size, uint64_t block_count);

  uint32_t block_size() const override { return block_size_; }
  uint64_t block_count() const override { return block_count_; }
  absl::Status Read(uint64_t block, absl::Span<uint8_t> out) override;
  absl::Status Write(uint64_t block, absl::Span<const uint8_t> data) override;
  absl::Status Flush() override { return absl::OkStatus(); }

 private:
  const uint32_t block_size_;
  const uint64_t block_count_;
  absl::Mutex mu_;
  std::string bytes_ ABSL_GUARDED_BY(mu_);
};

// Wraps a device: can fail the n-th write or flush, and PowerLoss() reverts
// a random subset of the writes since the last Flush, torn at 512 bytes.
class FaultInjectingBlockDevice final : public BlockDevice {
 public:
  // `base` must outlive this object.
  explicit FaultInjectingBlockDevice(BlockDevice* base);

  // The n-th Write (resp. Flush) from now fails with kInternal and does
  // nothing. 0 disarms.
  void FailWrite(uint64_t n);
  void FailFlush(uint64_t n);
  // Rewrites the base device to what a power loss would leave.
  absl::Status PowerLoss(uint64_t seed);

  uint32_t block_size() const override { return base_->block_size(); }
  uint64_t block_count() const override { return base_->block_count(); }
  absl::Status Read(uint64_t block, absl::Span<uint8_t> out) override;
  absl::Status Write(uint64_t block, absl::Span<const uint8_t> data) override;
  absl::Status Flush() override;

 private:
  BlockDevice* const base_;
  absl::Mutex mu_;
  uint64_t fail_write_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t fail_flush_ ABSL_GUARDED_BY(mu_) = 0;
  internal::UnsyncedTracker tracker_ ABSL_GUARDED_BY(mu_);
};

}  // namespace shadowset

#endif  // SHADOWSET_ENGINE_BLOCK_DEVICE_H_
