// A heap buffer aligned to 4 KiB, as O_DIRECT requires. Move-only.

#ifndef SHADOWSET_ENGINE_INTERNAL_ALIGNED_BUFFER_H_
#define SHADOWSET_ENGINE_INTERNAL_ALIGNED_BUFFER_H_

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "absl/types/span.h"

namespace shadowset::internal {

inline constexpr size_t kIoAlignment = 4096;

class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  // Zero-filled; `size` is rounded up to the alignment for allocation.
  explicit AlignedBuffer(size_t size) : size_(size) {
    size_t alloc = (size + kIoAlignment - 1) / kIoAlignment * kIoAlignment;
    if (alloc == 0) alloc = kIoAlignment;
    data_ = static_cast<uint8_t*>(std::aligned_alloc(kIoAlignment, alloc));
    if (data_ == nullptr) std::abort();
    std::memset(data_, 0, alloc);
  }
  AlignedBuffer(AlignedBuffer&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)),
        size_(std::exchange(other.size_, 0)) {}
  AlignedBuffer& operator=(AlignedBuffer&& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    return *this;
  }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  ~AlignedBuffer() { std::free(data_); }

  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  absl::Span<uint8_t> span() { return {data_, size_}; }
  absl::Span<const uint8_t> span() const { return {data_, size_}; }

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace shadowset::internal

#endif  // SHADOWSET_ENGINE_INTERNAL_ALIGNED_BUFFER_H_
