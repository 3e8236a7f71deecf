// BackupSetReader: opens a published backup set (DESIGN §2.7, §2.8) for
// restore, checking the expiry token and the manifest before anything else,
// then streams a volume's blocks, each verified before it is handed out.
//
//   BackupReadOptions o;  o.key = key;             // "" when none configured
//   ASSIGN_OR_RETURN(auto set, BackupSetReader::Open(env, dir, o, env->Now()));
//   ASSIGN_OR_RETURN(auto stream, set->OpenVolume("db"));
//   while (true) {
//     ASSIGN_OR_RETURN(std::optional<BlockRun> run, stream->Next());
//     if (!run) break;
//     ... run->zero ? write zeros : write run->data at run->first_block ...
//   }
//
// For an incremental or differential set, OpenVolumeAt() resolves the chain
// of bases in the directory holding the sets and yields the volume's full
// contents at that backup's instant (the base image with every delta
// applied in order).
//
// Trust: the token vouches for the manifest (its SHA-256; with a key, the
// token's HMAC vouches for the token), the manifest for every file's
// checksums, each sums file for its data file's structure and blocks. A
// stream checks a volume's sums file whole when it is opened and every block
// as it is read, so a damaged or altered byte fails the stream before any
// block it affects is handed out (kDataLoss naming the file and the block).
//
// Thread safety: a BackupSetReader is immutable after Open and safe for
// concurrent use; each VolumeStream is thread-compatible and independent of
// the reader that opened it.

#ifndef SHADOWSET_ENGINE_BACKUP_BACKUP_SET_READER_H_
#define SHADOWSET_ENGINE_BACKUP_BACKUP_SET_READER_H_

#include <cstdint>
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

namespace shadowset {

struct BackupReadOptions {
  // The key configured for restores. With one, unsigned tokens are refused
  // (kUnsigned) and MACs are checked (kTampered). Default: empty.
  std::string key;
  // Bytes per read, and the most data one BlockRun carries. Default: 4 MiB.
  size_t read_buffer_size = 4 << 20;
};

// Consecutive blocks of one kind, in ascending block order.
struct BlockRun {
  uint64_t first_block = 0;
  uint64_t block_count = 0;
  bool zero = false;  // all zeros (a hole, or "now zero" in a delta)
  // block_count * block_size verified bytes when !zero; empty when zero.
  // Valid until the next call on the stream.
  absl::Span<const uint8_t> data;
};

class VolumeStream {
 public:
  virtual ~VolumeStream() = default;

  virtual const std::string& volume() const = 0;
  virtual uint32_t block_size() const = 0;
  virtual uint64_t block_count() const = 0;

  // The next run, or nullopt after the last. Errors: kDataLoss naming the
  // file and the block that failed its checksum (the stream is then done:
  // nothing after the failure is trustworthy); I/O errors.
  virtual absl::StatusOr<std::optional<BlockRun>> Next() = 0;
};

class BackupSetReader {
 public:
  // Opens the set in `dir`: the token and the manifest are checked first
  // (CheckToken with options.key at time `now`), then the manifest is
  // parsed and compared with the token field by field.
  // Errors, each carrying its TokenError payload where one applies:
  //   kNotFound + kMissing          no token file;
  //   kInvalidArgument + kUnreadable the token is not a well-formed token
  //                                 of a known version (the I/O status with
  //                                 kUnreadable if it cannot be read);
  //   kPermissionDenied + kUnsigned unsigned token while a key is set;
  //   kPermissionDenied + kTampered MAC mismatch, the manifest changed since
  //                                 its token was issued, or token and
  //                                 manifest disagree on a field;
  //   kFailedPrecondition + kForeign the token belongs to another backup;
  //   kFailedPrecondition + kNotYetValid / kExpired  see CheckToken;
  //   kDataLoss                     manifest missing or malformed;
  //   kFailedPrecondition           manifest of a newer major version, or
  //                                 a set directory renamed from its id.
  static absl::StatusOr<std::unique_ptr<BackupSetReader>> Open(
      Env* env, const std::string& dir, const BackupReadOptions& options,
      absl::Time now);

  const std::string& dir() const { return dir_; }
  const BackupManifest& manifest() const { return manifest_; }
  const std::string& manifest_bytes() const { return manifest_bytes_; }
  const ExpiryToken& token() const { return token_; }

  // Streams this set's own record of `volume`: every block of an image, or
  // the blocks a delta records (changed data and "now zero").
  // Errors: kNotFound (no such volume in the set); kDataLoss (a file of the
  // volume is missing, damaged or altered); I/O errors.
  absl::StatusOr<std::unique_ptr<VolumeStream>> OpenVolume(
      const std::string& volume) const;

  // The paths (relative to writers/<writer_id>/) of a writer's files.
  std::vector<std::string> WriterFiles(const std::string& writer_id) const;
  // Reads writers/<writer_id>/<path>, checked against the manifest.
  // Errors: kNotFound (not in the manifest); kDataLoss (missing, damaged or
  // altered); I/O errors.
  absl::StatusOr<std::string> ReadWriterFile(const std::string& writer_id,
                                             const std::string& path) const;

 private:
  friend absl::StatusOr<std::unique_ptr<VolumeStream>> OpenVolumeAt(
      Env*, const std::string&, const std::string&, const std::string&,
      const BackupReadOptions&, absl::Time);
  // `now` nullopt: the token's times are not judged (a base of a chain).
  static absl::StatusOr<std::unique_ptr<BackupSetReader>> OpenInternal(
      Env* env, const std::string& dir, const BackupReadOptions& options,
      std::optional<absl::Time> now);
  BackupSetReader(Env* env, std::string dir, BackupReadOptions options)
      : env_(env), dir_(std::move(dir)), options_(std::move(options)) {}

  Env* const env_;
  const std::string dir_;
  const BackupReadOptions options_;
  ExpiryToken token_;
  std::string manifest_bytes_;
  BackupManifest manifest_;
};

// The full contents of `volume` as of backup `backup_id`, a set in
// `parent_dir`: its image, or its chain's image with every delta up to it
// applied in order. Every set of the chain is opened as
// BackupSetReader::Open does; only the requested set's expiry is judged
// (a base's own expiry does not limit the later backups built on it).
// Errors: those of Open and OpenVolume; kNotFound if the set does not hold
// the volume or a base set is missing from `parent_dir`;
// kFailedPrecondition if a base does not match (another manifest than the
// delta was taken against, not older, or other volume geometry).
absl::StatusOr<std::unique_ptr<VolumeStream>> OpenVolumeAt(
    Env* env, const std::string& parent_dir, const std::string& backup_id,
    const std::string& volume, const BackupReadOptions& options,
    absl::Time now);

}  // namespace shadowset

#endif  // SHADOWSET_ENGINE_BACKUP_BACKUP_SET_READER_H_
