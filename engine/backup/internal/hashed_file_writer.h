// HashedFileWriter: writes one new file of a backup set sequentially,
// through the Env, in large writes (the buffer size; >= 1 MiB by default),
// hashing every byte on the way (xxh3-64, and SHA-256 when keyed) so the
// manifest can list the file's checksums without reading it back. With
// `background`, a WriteBehind thread digests and writes one buffer while the
// caller fills the next; without, large appends are written straight from
// the caller's memory.
//
//   ASSIGN_OR_RETURN(auto w, HashedFileWriter::Create(env, path, 4 << 20,
//                                                     keyed, &progress,
//                                                     /*background=*/true));
//   RETURN_IF_ERROR(w->Append(bytes));
//   ASSIGN_OR_RETURN(FileDigest digest, w->Finish());   // written + fdatasync
//
// Thread safety: thread-compatible.

#ifndef SHADOWSET_ENGINE_BACKUP_INTERNAL_HASHED_FILE_WRITER_H_
#define SHADOWSET_ENGINE_BACKUP_INTERNAL_HASHED_FILE_WRITER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "engine/backup/internal/digest.h"
#include "engine/backup/internal/write_behind.h"
#include "engine/env.h"
#include "engine/internal/aligned_buffer.h"

namespace shadowset::internal {

// Bytes written so far by every file of one backup set, reported to the
// caller's callback after each write.
class ProgressCounter {
 public:
  explicit ProgressCounter(std::function<void(uint64_t)> callback)
      : callback_(std::move(callback)) {}
  void Add(uint64_t bytes) {
    total_ += bytes;
    if (callback_) callback_(total_);
  }
  uint64_t total() const { return total_; }

 private:
  std::function<void(uint64_t)> callback_;
  uint64_t total_ = 0;
};

class HashedFileWriter {
 public:
  // Creates `path` (it must not exist: kAlreadyExists otherwise).
  static absl::StatusOr<std::unique_ptr<HashedFileWriter>> Create(
      Env* env, const std::string& path, size_t buffer_size, bool sha256,
      ProgressCounter* progress, bool background = false);

  // Appends `data`: buffered, written once the buffer is full (large
  // appends go straight to the file). I/O errors are returned as the Env
  // reports them; the file is then unusable.
  absl::Status Append(absl::Span<const uint8_t> data);
  absl::Status Append(absl::string_view data) {
    return Append(absl::MakeConstSpan(
        reinterpret_cast<const uint8_t*>(data.data()), data.size()));
  }

  // Writes the rest, fdatasyncs and closes the file; returns its size and
  // checksums. Call once.
  absl::StatusOr<FileDigest> Finish();

  uint64_t size() const { return written_ + fill_; }
  const std::string& path() const { return path_; }

 private:
  HashedFileWriter(std::unique_ptr<File> file, std::string path,
                   size_t buffer_size, bool sha256, ProgressCounter* progress);
  absl::Status WriteOut(absl::Span<const uint8_t> data);
  absl::Status AppendBackground(absl::Span<const uint8_t> data);

  std::unique_ptr<File> file_;
  const std::string path_;
  FileDigester digester_;
  ProgressCounter* const progress_;
  AlignedBuffer buffer_;  // without a background writer
  // Uses file_ and digester_: declared after them, so destroyed (joined)
  // first.
  std::unique_ptr<WriteBehind> write_behind_;
  AlignedBuffer* current_ = nullptr;  // being filled (background)
  size_t fill_ = 0;
  uint64_t written_ = 0;
};

}  // namespace shadowset::internal

#endif  // SHADOWSET_ENGINE_BACKUP_INTERNAL_HASHED_FILE_WRITER_H_
