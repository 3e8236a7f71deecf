#include "engine/backup/internal/hashed_file_writer.h"

#include <cstring>

#include "engine/internal/status_macros.h"

namespace shadowset::internal {

absl::StatusOr<std::unique_ptr<HashedFileWriter>> HashedFileWriter::Create(
    Env* env, const std::string& path, size_t buffer_size, bool sha256,
    ProgressCounter* progress, bool background) {
  ASSIGN_OR_RETURN(std::unique_ptr<File> file,
                   env->OpenFile(path, {.create = true, .exclusive = true}));
  std::unique_ptr<HashedFileWriter> w(new HashedFileWriter(
      std::move(file), path, background ? 0 : buffer_size, sha256, progress));
  if (background) {
    w->write_behind_ = std::make_unique<WriteBehind>(
        env, w->file_.get(), buffer_size, /*depth=*/2, &w->digester_);
  }
  return w;
}

HashedFileWriter::HashedFileWriter(std::unique_ptr<File> file, std::string path,
                                   size_t buffer_size, bool sha256,
                                   ProgressCounter* progress)
    : file_(std::move(file)),
      path_(std::move(path)),
      digester_(sha256),
      progress_(progress),
      buffer_(buffer_size) {}

absl::Status HashedFileWriter::WriteOut(absl::Span<const uint8_t> data) {
  if (data.empty()) return absl::OkStatus();
  RETURN_IF_ERROR(file_->WriteAt(written_, data));
  written_ += data.size();
  if (progress_ != nullptr) progress_->Add(data.size());
  return absl::OkStatus();
}

absl::Status HashedFileWriter::AppendBackground(
    absl::Span<const uint8_t> data) {
  while (!data.empty()) {
    if (current_ == nullptr) {
      ASSIGN_OR_RETURN(current_, write_behind_->Acquire());
      fill_ = 0;
    }
    const size_t capacity = current_->size();
    size_t n = std::min(capacity - fill_, data.size());
    std::memcpy(current_->data() + fill_, data.data(), n);
    fill_ += n;
    data.remove_prefix(n);
    if (fill_ == capacity) {
      write_behind_->Submit(current_, fill_, written_);
      written_ += fill_;
      if (progress_ != nullptr) progress_->Add(fill_);
      current_ = nullptr;
      fill_ = 0;
    }
  }
  return absl::OkStatus();
}

absl::Status HashedFileWriter::Append(absl::Span<const uint8_t> data) {
  if (data.empty()) return absl::OkStatus();
  // The background writer digests what it writes.
  if (write_behind_ != nullptr) return AppendBackground(data);
  digester_.Update(data);
  const size_t capacity = buffer_.size();
  if (fill_ > 0) {
    if (fill_ + data.size() < capacity) {
      std::memcpy(buffer_.data() + fill_, data.data(), data.size());
      fill_ += data.size();
      return absl::OkStatus();
    }
    if (data.size() >= capacity) {
      // Large data is not worth a copy: write what is buffered first.
      RETURN_IF_ERROR(WriteOut(buffer_.span().subspan(0, fill_)));
    } else {
      size_t n = capacity - fill_;
      std::memcpy(buffer_.data() + fill_, data.data(), n);
      data.remove_prefix(n);
      RETURN_IF_ERROR(WriteOut(buffer_.span()));
    }
    fill_ = 0;
  }
  // The buffer is empty: whole buffers' worth goes to the file without a
  // copy, the rest into the buffer.
  size_t direct = data.size() / capacity * capacity;
  RETURN_IF_ERROR(WriteOut(data.subspan(0, direct)));
  data.remove_prefix(direct);
  if (!data.empty()) std::memcpy(buffer_.data(), data.data(), data.size());
  fill_ = data.size();
  return absl::OkStatus();
}

absl::StatusOr<FileDigest> HashedFileWriter::Finish() {
  if (write_behind_ != nullptr) {
    if (current_ != nullptr && fill_ > 0) {
      write_behind_->Submit(current_, fill_, written_);
      written_ += fill_;
      if (progress_ != nullptr) progress_->Add(fill_);
    }
    current_ = nullptr;
    fill_ = 0;
    RETURN_IF_ERROR(write_behind_->Drain());
    write_behind_.reset();
  } else {
    RETURN_IF_ERROR(WriteOut(buffer_.span().subspan(0, fill_)));
    fill_ = 0;
  }
  RETURN_IF_ERROR(file_->Sync());
  file_.reset();
  return digester_.Finish();
}

}  // namespace shadowset::internal
