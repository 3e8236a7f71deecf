// BackupSetWriter: writes one backup set (DESIGN §2.7, docs/backup-format.md)
// as a stream, and publishes it crash-safely.
//
//   BackupSetOptions o;
//   o.backup_id = "2024-05-01-full";  o.set_id = set.id;
//   o.created = set.created;  o.writers = {...};  o.key = key;
//   ASSIGN_OR_RETURN(auto w, BackupSetWriter::Create(env, "/backups", o));
//   RETURN_IF_ERROR(w->BeginImage("db", 4096, blocks));
//   RETURN_IF_ERROR(w->AddBlocks(0, first_mebibyte));       // data blocks
//   RETURN_IF_ERROR(w->AddZeroBlocks(256, 1024));           // holes
//   RETURN_IF_ERROR(w->EndVolume());
//   RETURN_IF_ERROR(w->AddWriterFile("dhcp", "dhcp.mdb.meta", bytes));
//   ASSIGN_OR_RETURN(PublishedBackup published, w->Publish());
//
// Everything is written under <parent>/<backup_id>.partial/. Publish() then
// follows this order exactly (each step starts only after the previous one
// is durable):
//   1. every payload file (volume images, deltas, sums, writer files) has
//      been written and fdatasync'ed when its stream ended;
//   2. manifest.json (listing every file's size and checksums) + fsync;
//   3. token (the expiry token, carrying the manifest's SHA-256) + fsync;
//   4. fsync of every directory inside the .partial directory, bottom-up,
//      and of the .partial directory itself;
//   5. rename <backup_id>.partial -> <backup_id>;
//   6. fsync of <parent>.
// So <parent>/<backup_id> exists (after a crash, too) only once every byte
// under it is durable: a crashed backup never looks complete. A crash leaves
// at most a stale .partial directory, which RemoveStalePartials() deletes.
// Recording the backup in the catalog and BackupComplete come after
// Publish(), in the requestor.
//
// Throughput: payload is written in large sequential writes (the buffer
// size, 4 MiB by default; larger appends straight from the caller's
// memory), never one syscall per block; blocks are hashed with xxh3-64 as
// they arrive, and with SHA-256 only when a key is set.
//
// Thread safety: thread-compatible (one thread drives a writer; the
// progress callback runs on that thread). With background_writes, each
// volume's data file is written by an internal thread, joined before
// EndVolume returns.

#ifndef SHADOWSET_ENGINE_BACKUP_BACKUP_SET_WRITER_H_
#define SHADOWSET_ENGINE_BACKUP_BACKUP_SET_WRITER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "engine/backup/manifest.h"
#include "engine/backup/token.h"
#include "engine/env.h"
#include "engine/types.h"

namespace shadowset {

namespace internal {
class HashedFileWriter;
class ProgressCounter;
class VolumeFileWriter;
}  // namespace internal

// One backup set's identity, contents and policy.
struct BackupSetOptions {
  // Names the set and its directory <parent>/<backup_id>: 1-128 letters,
  // digits, '.', '_' or '-', not starting with '.' or '-', not ending in
  // ".partial". Required.
  std::string backup_id;
  // The snapshot set backed up. Required (not nil).
  SetId set_id;
  // Default: kFull.
  BackupSetType type = BackupSetType::kFull;
  // For a full backup taken in place of a requested incremental or
  // differential one (its base was gone). Default: none.
  std::optional<BackupSetType> promoted_from;
  // For kIncremental and kDifferential (required; empty otherwise): the id
  // of the published set this one continues, found at
  // <parent>/<base_backup_id>. A differential's base must be a full backup;
  // an incremental's a full or incremental one. Default: empty.
  std::string base_backup_id;
  // The snapshot set's commit instant (kept to the nanosecond). Required.
  absl::Time created = absl::InfinitePast();
  // The writers whose data the set holds; their restore lifetimes decide
  // the expiry: min over writers of (created + restore_lifetime). Default:
  // none (never expires unless expires_in says so).
  std::vector<ManifestWriter> writers;
  // Makes the set expire at created + expires_in, which may only shorten
  // the expiry the writers allow (a longer one is refused with
  // kInvalidArgument). Default: none.
  std::optional<absl::Duration> expires_in;
  // With a key (>= 16 bytes): SHA-256 per block and per file, and a token
  // signed with HMAC-SHA-256. Empty: xxh3-64 only and an unsigned token.
  // Default: empty.
  std::string key;
  // Size of each write to a payload file; >= 4096. Default: 4 MiB.
  size_t write_buffer_size = 4 << 20;
  // Record all-zero data blocks as zero blocks (not stored). Default: true.
  bool detect_zero_blocks = true;
  // Write volume data on a background thread (started through the Env)
  // that also computes the file's checksums, overlapping them with the
  // caller's per-block hashing; each data block is then copied once into a
  // write buffer. Without it, large appends are written synchronously
  // straight from the caller's memory. The synchronous path measured
  // faster on a busy two-core machine; with idle cores and SHA-256 (a key)
  // the background writer can gain. Default: false.
  bool background_writes = false;
  // Called after each write with the set's total bytes written so far.
  // Default: none.
  std::function<void(uint64_t bytes_written)> progress;
};

// What Publish() made durable, for the catalog and the caller.
struct PublishedBackup {
  std::string dir;  // <parent>/<backup_id>
  BackupManifest manifest;
  std::string manifest_bytes;  // exactly as in manifest.json
  Sha256Digest manifest_sha256{};
  std::string token_bytes;  // exactly as in token
  ExpiryToken token;
  uint64_t bytes_written = 0;  // every file of the set
};

class BackupSetWriter {
 public:
  // Validates `options` and starts <parent_dir>/<backup_id>.partial/.
  // Nothing is created when validation fails.
  // Errors: kInvalidArgument (bad id, nil set id, missing creation time,
  // bad writer, short key, an expires_in that would lengthen the expiry, a
  // base given or missing against the type); kAlreadyExists if the set or
  // its .partial directory exists; kFailedPrecondition if the base set is
  // not published under `parent_dir`, or is of a type that cannot be a base
  // for this one; kNotFound if `parent_dir` does not exist; I/O errors.
  static absl::StatusOr<std::unique_ptr<BackupSetWriter>> Create(
      Env* env, const std::string& parent_dir, BackupSetOptions options);

  // Aborts (removes the .partial directory) unless published.
  ~BackupSetWriter();
  BackupSetWriter(const BackupSetWriter&) = delete;
  BackupSetWriter& operator=(const BackupSetWriter&) = delete;

  // Starts a volume's full image (every block) or delta (blocks changed
  // since the base set; only in incremental and differential sets, and only
  // for a volume the base set also holds, with the same geometry). One
  // stream (volume or writer file) is open at a time.
  // Errors: kInvalidArgument (bad name, block size not a power of two from
  // 512 to 1 MiB, no blocks); kAlreadyExists (volume already in the set);
  // kFailedPrecondition (another stream is open; a delta in a full or copy
  // set or for a volume the base lacks or holds with another geometry);
  // I/O errors.
  absl::Status BeginImage(const std::string& volume, uint32_t block_size,
                          uint64_t block_count);
  absl::Status BeginDelta(const std::string& volume, uint32_t block_size,
                          uint64_t block_count);

  // Adds whole blocks starting at `first_block`. Blocks must come in
  // ascending order, each at most once. Blocks never added are zero in an
  // image and unchanged in a delta.
  // Errors (nothing written): kInvalidArgument (not whole blocks, or out of
  // order); kOutOfRange (past the volume's end); kFailedPrecondition (no
  // volume open). I/O errors make the writer fail: only Abort remains.
  absl::Status AddBlocks(uint64_t first_block, absl::Span<const uint8_t> data);
  // Records `count` blocks as zero (holes of an image; "now zero" in a
  // delta). Same contract as AddBlocks.
  absl::Status AddZeroBlocks(uint64_t first_block, uint64_t count);
  // Completes the open volume: writes its block map and checksums and
  // fdatasyncs its files.
  absl::Status EndVolume();

  // Starts writers/<writer_id>/<path>: `writer_id` must be one of the
  // options' writers, `path` 1-16 '/'-separated names.
  // Errors: kInvalidArgument (unknown writer, bad path); kAlreadyExists
  // (the path, or a file or directory in its place, exists);
  // kFailedPrecondition (another stream is open); I/O errors.
  absl::Status BeginWriterFile(const std::string& writer_id,
                               const std::string& path);
  absl::Status AppendWriterFile(absl::string_view data);
  // Completes the open writer file (written and fdatasync'ed).
  absl::Status EndWriterFile();
  // BeginWriterFile + AppendWriterFile + EndWriterFile.
  absl::Status AddWriterFile(const std::string& writer_id,
                             const std::string& path,
                             absl::string_view contents);

  // Writes the manifest and the token and publishes the set (see the order
  // above). On success the set is durable at <parent>/<backup_id>.
  // Errors: kFailedPrecondition (a stream is open, or the writer failed or
  // was aborted); kAlreadyExists (a set of that id appeared meanwhile); I/O
  // errors (the writer failed; Abort removes what was written).
  absl::StatusOr<PublishedBackup> Publish();

  // Removes everything written (the .partial directory; the set itself if
  // Publish failed after its rename). Idempotent; not after a successful
  // Publish (kFailedPrecondition).
  absl::Status Abort();

  const std::string& partial_dir() const { return partial_dir_; }
  const std::string& final_dir() const { return final_dir_; }
  // min over writers of (created + restore lifetime), shortened by
  // expires_in; InfiniteFuture when nothing limits it.
  absl::Time expires() const { return expires_; }
  uint64_t bytes_written() const;

 private:
  enum class State { kIdle, kVolume, kWriterFile, kPublished, kAborted };

  BackupSetWriter(Env* env, std::string parent_dir, BackupSetOptions options);
  absl::Status CheckIdle() const;
  absl::Status CheckState(State want, absl::string_view call) const;
  // Records an I/O failure (sticky) and returns it.
  absl::Status Fail(absl::Status status);
  absl::Status BeginVolume(const std::string& volume, VolumeFileKind kind,
                           uint32_t block_size, uint64_t block_count);
  absl::Status MakeDirs(const std::string& relative_dir);
  absl::Status WriteSmallFile(const std::string& relative_path,
                              absl::string_view bytes);
  absl::StatusOr<PublishedBackup> DoPublish();

  Env* const env_;
  const std::string parent_dir_;
  const BackupSetOptions options_;
  const std::string partial_dir_;
  const std::string final_dir_;
  absl::Time created_;  // to the nanosecond
  absl::Time expires_;
  std::optional<BackupManifest> base_;
  Sha256Digest base_manifest_sha256_{};
  std::unique_ptr<internal::ProgressCounter> progress_;

  State state_ = State::kIdle;
  absl::Status failure_;  // first I/O error; sticky
  bool renamed_ = false;  // the .partial directory became the set
  std::unique_ptr<internal::VolumeFileWriter> volume_;
  std::unique_ptr<internal::HashedFileWriter> writer_file_;
  std::string writer_file_path_;  // relative
  std::vector<ManifestVolume> volumes_;
  std::vector<ManifestFile> files_;
  std::vector<std::string> dirs_;  // created inside the .partial directory
};

// Removes every "*.partial" entry (stale, crashed or killed backups) under
// `parent_dir` and fsyncs it; returns the names removed. Call only while no
// backup is being written to `parent_dir`. A missing `parent_dir` is not an
// error. Errors: I/O errors.
absl::StatusOr<std::vector<std::string>> RemoveStalePartials(
    Env* env, const std::string& parent_dir);

}  // namespace shadowset

#endif  // SHADOWSET_ENGINE_BACKUP_BACKUP_SET_WRITER_H_
