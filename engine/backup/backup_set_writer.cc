// BackupSetWriter: streaming a backup set and its crash-safe publication.

#include "engine/backup/backup_set_writer.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "engine/backup/internal/hashed_file_writer.h"
#include "engine/backup/internal/names.h"
#include "engine/backup/internal/volume_file_writer.h"
#include "engine/backup/internal/volume_format.h"
#include "engine/internal/status_macros.h"

namespace shadowset {
namespace {

using internal::kPartialSuffix;

constexpr size_t kMinKeySize = 16;
constexpr size_t kMaxWriters = 1024;

absl::Time ToNanos(absl::Time t) {
  return absl::FromUnixNanos(absl::ToUnixNanos(t));
}

std::string TimeText(absl::Time t) {
  if (t == absl::InfiniteFuture()) return "never";
  return absl::FormatTime(absl::RFC3339_full, t, absl::UTCTimeZone());
}

absl::Status CheckBlockGeometry(const std::string& volume, uint32_t block_size,
                                uint64_t block_count) {
  if (block_size < internal::kMinBlockSize ||
      block_size > internal::kMaxBlockSize ||
      (block_size & (block_size - 1)) != 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "volume '%s': block size %u is not a power of two from 512 to 1 MiB",
        volume, block_size));
  }
  if (block_count == 0 || block_count > (uint64_t{1} << 62) / block_size) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "volume '%s': block count %u out of range", volume, block_count));
  }
  return absl::OkStatus();
}

// Computes the set's expiry (see BackupSetOptions::expires_in).
absl::StatusOr<absl::Time> ComputeExpiry(const BackupSetOptions& o,
                                         absl::Time created) {
  absl::Time expires = absl::InfiniteFuture();
  std::string limiter;
  for (const ManifestWriter& w : o.writers) {
    if (w.restore_lifetime == absl::InfiniteDuration()) continue;
    absl::Time t = ToNanos(created + w.restore_lifetime);
    if (t < expires) {
      expires = t;
      limiter = w.id;
    }
  }
  if (o.expires_in) {
    if (*o.expires_in <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError(
          absl::StrCat("expires-in ", absl::FormatDuration(*o.expires_in),
                       " is not positive"));
    }
    absl::Time shortened = ToNanos(created + *o.expires_in);
    if (shortened > expires) {
      return absl::InvalidArgumentError(
          absl::StrCat("expires-in ", absl::FormatDuration(*o.expires_in),
                       " would make the backup expire at ", TimeText(shortened),
                       ", later than writer '", limiter, "' allows (",
                       TimeText(expires), "); it can only shorten the expiry"));
    }
    expires = shortened;
  }
  return expires;
}

absl::Status ValidateOptions(const BackupSetOptions& o) {
  RETURN_IF_ERROR(internal::CheckBackupId(o.backup_id));
  if (o.set_id.is_nil()) {
    return absl::InvalidArgumentError("the snapshot set id is missing (nil)");
  }
  if (o.created == absl::InfinitePast() ||
      o.created == absl::InfiniteFuture()) {
    return absl::InvalidArgumentError(
        "the creation time (the snapshot set's commit instant) is missing");
  }
  if (!o.key.empty() && o.key.size() < kMinKeySize) {
    return absl::InvalidArgumentError(
        absl::StrFormat("the key holds %u bytes; a key needs at least %u",
                        o.key.size(), kMinKeySize));
  }
  if (o.write_buffer_size < 4096) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "write buffer size %u is below 4096", o.write_buffer_size));
  }
  if (o.writers.size() > kMaxWriters) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%u writers; a set holds at most %u", o.writers.size(), kMaxWriters));
  }
  absl::flat_hash_set<std::string> ids;
  for (const ManifestWriter& w : o.writers) {
    RETURN_IF_ERROR(internal::CheckWriterId(w.id));
    if (!ids.insert(w.id).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("writer '", w.id, "' is listed twice"));
    }
    if (w.restore_lifetime <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "writer '", w.id, "': restore lifetime ",
          absl::FormatDuration(w.restore_lifetime), " is not positive"));
    }
  }
  bool wants_base = o.type == BackupSetType::kIncremental ||
                    o.type == BackupSetType::kDifferential;
  if (wants_base && o.base_backup_id.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a ", BackupSetTypeName(o.type), " backup needs a base backup id"));
  }
  if (!wants_base && !o.base_backup_id.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("a ", BackupSetTypeName(o.type),
                     " backup has no base (got '", o.base_backup_id, "')"));
  }
  if (wants_base) {
    RETURN_IF_ERROR(internal::CheckBackupId(o.base_backup_id));
    if (o.base_backup_id == o.backup_id) {
      return absl::InvalidArgumentError("a backup cannot be its own base");
    }
  }
  if (o.promoted_from && (o.type != BackupSetType::kFull ||
                          (*o.promoted_from != BackupSetType::kIncremental &&
                           *o.promoted_from != BackupSetType::kDifferential))) {
    return absl::InvalidArgumentError(
        "only an incremental or differential backup is promoted, and only to "
        "full");
  }
  // Metadata must encode (objects, UTF-8 strings): check before writing.
  BackupManifest probe;
  probe.writers = o.writers;
  return EncodeManifest(probe).status();
}

}  // namespace

BackupSetWriter::BackupSetWriter(Env* env, std::string parent_dir,
                                 BackupSetOptions options)
    : env_(env),
      parent_dir_(std::move(parent_dir)),
      options_(std::move(options)),
      partial_dir_(JoinPath(parent_dir_,
                            absl::StrCat(options_.backup_id, kPartialSuffix))),
      final_dir_(JoinPath(parent_dir_, options_.backup_id)),
      progress_(
          std::make_unique<internal::ProgressCounter>(options_.progress)) {}

absl::StatusOr<std::unique_ptr<BackupSetWriter>> BackupSetWriter::Create(
    Env* env, const std::string& parent_dir, BackupSetOptions options) {
  if (env == nullptr) env = Env::Default();
  RETURN_IF_ERROR(ValidateOptions(options));
  absl::Time created = ToNanos(options.created);
  ASSIGN_OR_RETURN(absl::Time expires, ComputeExpiry(options, created));

  ASSIGN_OR_RETURN(FileType parent_type, env->GetFileType(parent_dir));
  if (parent_type != FileType::kDirectory) {
    return absl::NotFoundError(
        absl::StrCat("backup directory ", parent_dir, " does not exist"));
  }
  std::unique_ptr<BackupSetWriter> w(
      new BackupSetWriter(env, parent_dir, std::move(options)));
  w->created_ = created;
  w->expires_ = expires;
  const BackupSetOptions& o = w->options_;
  // Until the .partial directory is ours, there is nothing to remove.
  w->state_ = State::kAborted;
  for (const std::string& path : {w->final_dir_, w->partial_dir_}) {
    ASSIGN_OR_RETURN(FileType type, env->GetFileType(path));
    if (type != FileType::kMissing) {
      return absl::AlreadyExistsError(absl::StrCat(
          path, " already exists",
          path == w->partial_dir_
              ? " (a backup of that id is being written, or crashed: "
                "RemoveStalePartials removes stale ones)"
              : ""));
    }
  }

  if (!o.base_backup_id.empty()) {
    std::string base_dir = JoinPath(parent_dir, o.base_backup_id);
    absl::StatusOr<std::string> bytes =
        ReadFileToString(env, JoinPath(base_dir, "manifest.json"));
    if (!bytes.ok()) {
      if (absl::IsNotFound(bytes.status())) {
        return absl::FailedPreconditionError(
            absl::StrCat("base backup '", o.base_backup_id,
                         "' is not published in ", parent_dir));
      }
      return bytes.status();
    }
    absl::StatusOr<BackupManifest> base = ParseManifest(*bytes);
    if (!base.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "base backup '", o.base_backup_id,
          "' has an unusable manifest: ", base.status().message()));
    }
    if (base->backup_id != o.base_backup_id) {
      return absl::FailedPreconditionError(
          absl::StrCat("directory of base backup '", o.base_backup_id,
                       "' holds backup '", base->backup_id, "'"));
    }
    bool base_ok = o.type == BackupSetType::kDifferential
                       ? base->type == BackupSetType::kFull
                       : (base->type == BackupSetType::kFull ||
                          base->type == BackupSetType::kIncremental);
    if (!base_ok) {
      return absl::FailedPreconditionError(absl::StrCat(
          "a ", BackupSetTypeName(o.type), " backup cannot continue the ",
          BackupSetTypeName(base->type), " backup '", o.base_backup_id,
          "' (a differential continues a full backup, an incremental a full "
          "or incremental one)"));
    }
    if (base->created >= created) {
      return absl::FailedPreconditionError(
          absl::StrCat("base backup '", o.base_backup_id, "' was created at ",
                       TimeText(base->created), ", not before this backup (",
                       TimeText(created), ")"));
    }
    w->base_manifest_sha256_ = Sha256(*bytes);
    w->base_ = std::move(*base);
  }

  RETURN_IF_ERROR(env->CreateDir(w->partial_dir_));
  // From here on the destructor removes what was created.
  w->state_ = State::kIdle;
  absl::Status st = w->MakeDirs("volumes");
  if (!st.ok()) {
    w->Fail(st).IgnoreError();
    return st;
  }
  return w;
}

BackupSetWriter::~BackupSetWriter() {
  if (state_ != State::kPublished && state_ != State::kAborted) {
    Abort().IgnoreError();
  }
}

uint64_t BackupSetWriter::bytes_written() const { return progress_->total(); }

absl::Status BackupSetWriter::Fail(absl::Status status) {
  if (failure_.ok()) failure_ = status;
  return status;
}

absl::Status BackupSetWriter::CheckState(State want,
                                         absl::string_view call) const {
  if (!failure_.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat(call, ": the backup set writer failed earlier (",
                     failure_.message(), "); only Abort remains"));
  }
  if (state_ == want) return absl::OkStatus();
  absl::string_view why;
  switch (state_) {
    case State::kIdle:
      why = "no stream is open";
      break;
    case State::kVolume:
      why = "a volume is open (call EndVolume first)";
      break;
    case State::kWriterFile:
      why = "a writer file is open (call EndWriterFile first)";
      break;
    case State::kPublished:
      why = "the set is already published";
      break;
    case State::kAborted:
      why = "the set was aborted";
      break;
  }
  return absl::FailedPreconditionError(absl::StrCat(call, ": ", why));
}

absl::Status BackupSetWriter::MakeDirs(const std::string& relative_dir) {
  std::string path;
  for (absl::string_view part : absl::StrSplit(relative_dir, '/')) {
    path = path.empty() ? std::string(part) : absl::StrCat(path, "/", part);
    if (std::find(dirs_.begin(), dirs_.end(), path) != dirs_.end()) continue;
    RETURN_IF_ERROR(env_->CreateDir(JoinPath(partial_dir_, path)));
    dirs_.push_back(path);
  }
  return absl::OkStatus();
}

absl::Status BackupSetWriter::BeginVolume(const std::string& volume,
                                          VolumeFileKind kind,
                                          uint32_t block_size,
                                          uint64_t block_count) {
  absl::string_view call =
      kind == VolumeFileKind::kImage ? "BeginImage" : "BeginDelta";
  RETURN_IF_ERROR(CheckState(State::kIdle, call));
  RETURN_IF_ERROR(internal::CheckVolumeName(volume));
  RETURN_IF_ERROR(CheckBlockGeometry(volume, block_size, block_count));
  for (const ManifestVolume& v : volumes_) {
    if (v.name == volume) {
      return absl::AlreadyExistsError(
          absl::StrCat("volume '", volume, "' is already in the set"));
    }
  }
  if (kind == VolumeFileKind::kDelta) {
    if (!base_) {
      return absl::FailedPreconditionError(absl::StrCat(
          "volume '", volume, "': a ", BackupSetTypeName(options_.type),
          " backup holds full images only"));
    }
    const ManifestVolume* base = base_->FindVolume(volume);
    if (base == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat("volume '", volume, "' is not in base backup '",
                       options_.base_backup_id, "': back it up as an image"));
    }
    if (base->block_size != block_size || base->block_count != block_count) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "volume '%s' has %u blocks of %u bytes, but base backup '%s' holds "
          "%u blocks of %u bytes: back it up as an image",
          volume, block_count, block_size, options_.base_backup_id,
          base->block_count, base->block_size));
    }
  }
  internal::VolumeFileWriter::Options o;
  o.buffer_size = options_.write_buffer_size;
  o.sha256 = !options_.key.empty();
  o.detect_zero_blocks = options_.detect_zero_blocks;
  o.background_writes = options_.background_writes;
  o.progress = progress_.get();
  absl::StatusOr<std::unique_ptr<internal::VolumeFileWriter>> w =
      internal::VolumeFileWriter::Create(env_, partial_dir_, volume, kind,
                                         block_size, block_count, o);
  if (!w.ok()) return Fail(w.status());
  volume_ = std::move(*w);
  state_ = State::kVolume;
  return absl::OkStatus();
}

absl::Status BackupSetWriter::BeginImage(const std::string& volume,
                                         uint32_t block_size,
                                         uint64_t block_count) {
  return BeginVolume(volume, VolumeFileKind::kImage, block_size, block_count);
}

absl::Status BackupSetWriter::BeginDelta(const std::string& volume,
                                         uint32_t block_size,
                                         uint64_t block_count) {
  return BeginVolume(volume, VolumeFileKind::kDelta, block_size, block_count);
}

absl::Status BackupSetWriter::AddBlocks(uint64_t first_block,
                                        absl::Span<const uint8_t> data) {
  RETURN_IF_ERROR(CheckState(State::kVolume, "AddBlocks"));
  absl::Status st = volume_->AddBlocks(first_block, data);
  // Argument errors are reported before anything is written.
  if (!st.ok() && !absl::IsInvalidArgument(st) && !absl::IsOutOfRange(st)) {
    return Fail(st);
  }
  return st;
}

absl::Status BackupSetWriter::AddZeroBlocks(uint64_t first_block,
                                            uint64_t count) {
  RETURN_IF_ERROR(CheckState(State::kVolume, "AddZeroBlocks"));
  return volume_->AddZeroBlocks(first_block, count);
}

absl::Status BackupSetWriter::EndVolume() {
  RETURN_IF_ERROR(CheckState(State::kVolume, "EndVolume"));
  absl::StatusOr<internal::VolumeFileWriter::Result> r = volume_->Finish();
  volume_.reset();
  if (!r.ok()) return Fail(r.status());
  volumes_.push_back(std::move(r->volume));
  files_.push_back(std::move(r->data_file));
  files_.push_back(std::move(r->sums_file));
  state_ = State::kIdle;
  return absl::OkStatus();
}

absl::Status BackupSetWriter::BeginWriterFile(const std::string& writer_id,
                                              const std::string& path) {
  RETURN_IF_ERROR(CheckState(State::kIdle, "BeginWriterFile"));
  bool known = false;
  for (const ManifestWriter& w : options_.writers) known |= w.id == writer_id;
  if (!known) {
    return absl::InvalidArgumentError(absl::StrCat(
        "writer '", writer_id, "' is not one of the set's writers"));
  }
  RETURN_IF_ERROR(internal::CheckWriterFilePath(path));
  std::string relative = absl::StrCat("writers/", writer_id, "/", path);
  // Neither the file nor any of its directories may clash with what exists.
  for (const ManifestFile& f : files_) {
    if (f.path == relative || absl::StartsWith(f.path, relative + "/") ||
        absl::StartsWith(relative, f.path + "/")) {
      return absl::AlreadyExistsError(
          absl::StrCat("writer file ", relative, " clashes with ", f.path));
    }
  }
  absl::Status st = MakeDirs(DirName(relative));
  if (!st.ok()) return Fail(st);
  absl::StatusOr<std::unique_ptr<internal::HashedFileWriter>> w =
      internal::HashedFileWriter::Create(
          env_, JoinPath(partial_dir_, relative),
          std::min<size_t>(options_.write_buffer_size, 1 << 20),
          !options_.key.empty(), progress_.get());
  if (!w.ok()) return Fail(w.status());
  writer_file_ = std::move(*w);
  writer_file_path_ = relative;
  state_ = State::kWriterFile;
  return absl::OkStatus();
}

absl::Status BackupSetWriter::AppendWriterFile(absl::string_view data) {
  RETURN_IF_ERROR(CheckState(State::kWriterFile, "AppendWriterFile"));
  absl::Status st = writer_file_->Append(data);
  if (!st.ok()) return Fail(st);
  return absl::OkStatus();
}

absl::Status BackupSetWriter::EndWriterFile() {
  RETURN_IF_ERROR(CheckState(State::kWriterFile, "EndWriterFile"));
  absl::StatusOr<internal::FileDigest> d = writer_file_->Finish();
  writer_file_.reset();
  if (!d.ok()) return Fail(d.status());
  files_.push_back({writer_file_path_, d->size, d->xxh3, d->sha256});
  state_ = State::kIdle;
  return absl::OkStatus();
}

absl::Status BackupSetWriter::AddWriterFile(const std::string& writer_id,
                                            const std::string& path,
                                            absl::string_view contents) {
  RETURN_IF_ERROR(BeginWriterFile(writer_id, path));
  RETURN_IF_ERROR(AppendWriterFile(contents));
  return EndWriterFile();
}

absl::Status BackupSetWriter::WriteSmallFile(const std::string& relative_path,
                                             absl::string_view bytes) {
  ASSIGN_OR_RETURN(std::unique_ptr<File> file,
                   env_->OpenFile(JoinPath(partial_dir_, relative_path),
                                  {.create = true, .exclusive = true}));
  RETURN_IF_ERROR(file->WriteAt(
      0, absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(bytes.data()),
                             bytes.size())));
  progress_->Add(bytes.size());
  return file->SyncAll();
}

absl::StatusOr<PublishedBackup> BackupSetWriter::Publish() {
  RETURN_IF_ERROR(CheckState(State::kIdle, "Publish"));
  absl::StatusOr<PublishedBackup> published = DoPublish();
  if (!published.ok()) {
    if (absl::IsAlreadyExists(published.status())) return published.status();
    return Fail(published.status());
  }
  state_ = State::kPublished;
  return published;
}

absl::StatusOr<PublishedBackup> BackupSetWriter::DoPublish() {
  const BackupSetOptions& o = options_;
  PublishedBackup out;
  out.dir = final_dir_;
  BackupManifest& m = out.manifest;
  m.engine_version = SHADOWSET_VERSION_STRING;
  m.backup_id = o.backup_id;
  m.set_id = o.set_id;
  m.type = o.type;
  m.promoted_from = o.promoted_from;
  m.base_backup_id = o.base_backup_id;
  if (base_) m.base_manifest_sha256 = base_manifest_sha256_;
  m.created = created_;
  m.expires = expires_;
  m.keyed = !o.key.empty();
  m.writers = o.writers;
  m.volumes = volumes_;
  m.files = files_;
  ASSIGN_OR_RETURN(out.manifest_bytes, EncodeManifest(m));
  out.manifest_sha256 = Sha256(out.manifest_bytes);

  ExpiryToken token;
  token.set_id = o.set_id;
  token.backup_id = o.backup_id;
  token.created = created_;
  token.expires = expires_;
  token.manifest_sha256 = out.manifest_sha256;
  for (const ManifestWriter& w : o.writers) token.writer_ids.push_back(w.id);
  out.token_bytes = EncodeToken(token, o.key);
  ASSIGN_OR_RETURN(out.token, DecodeToken(out.token_bytes));

  // 1. Payload files were written and fdatasync'ed as their streams ended.
  // 2. The manifest, then 3. the token, each fsync'ed.
  RETURN_IF_ERROR(WriteSmallFile("manifest.json", out.manifest_bytes));
  RETURN_IF_ERROR(WriteSmallFile("token", out.token_bytes));
  // 4. Every directory inside the .partial directory, deepest first, then
  // the .partial directory itself.
  std::vector<std::string> dirs = dirs_;
  std::stable_sort(dirs.begin(), dirs.end(),
                   [](const std::string& a, const std::string& b) {
                     return std::count(a.begin(), a.end(), '/') >
                            std::count(b.begin(), b.end(), '/');
                   });
  for (const std::string& dir : dirs) {
    RETURN_IF_ERROR(env_->SyncDir(JoinPath(partial_dir_, dir)));
  }
  RETURN_IF_ERROR(env_->SyncDir(partial_dir_));
  // 5. The rename publishes the set (rename(2) would replace an empty
  // directory of that name, so look first).
  ASSIGN_OR_RETURN(FileType existing, env_->GetFileType(final_dir_));
  if (existing != FileType::kMissing) {
    return absl::AlreadyExistsError(
        absl::StrCat(final_dir_, " appeared while the backup was written"));
  }
  RETURN_IF_ERROR(env_->Rename(partial_dir_, final_dir_));
  renamed_ = true;
  // 6. The parent, so the rename survives a crash.
  RETURN_IF_ERROR(env_->SyncDir(parent_dir_));
  out.bytes_written = progress_->total();
  return out;
}

absl::Status BackupSetWriter::Abort() {
  if (state_ == State::kPublished) {
    return absl::FailedPreconditionError("Abort: the set is already published");
  }
  if (state_ == State::kAborted) return absl::OkStatus();
  state_ = State::kAborted;
  volume_.reset();
  writer_file_.reset();
  RETURN_IF_ERROR(RemoveTree(env_, renamed_ ? final_dir_ : partial_dir_));
  return env_->SyncDir(parent_dir_);
}

absl::StatusOr<std::vector<std::string>> RemoveStalePartials(
    Env* env, const std::string& parent_dir) {
  if (env == nullptr) env = Env::Default();
  std::vector<std::string> removed;
  ASSIGN_OR_RETURN(FileType type, env->GetFileType(parent_dir));
  if (type == FileType::kMissing) return removed;
  ASSIGN_OR_RETURN(std::vector<std::string> names, env->ListDir(parent_dir));
  for (const std::string& name : names) {
    if (!absl::EndsWith(name, kPartialSuffix)) continue;
    RETURN_IF_ERROR(RemoveTree(env, JoinPath(parent_dir, name)));
    removed.push_back(name);
  }
  if (!removed.empty()) RETURN_IF_ERROR(env->SyncDir(parent_dir));
  return removed;
}

}  // namespace shadowset
