// DirectoryService: creation, opening, recovery (BringOnline), going
// offline, and the local state kept in the control block (principals).

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/codes.h"
#include "engine/internal/status_macros.h"
#include "writers/directory/directory_codes.h"
#include "writers/directory/directory_service.h"
#include "writers/directory/internal/control_block.h"
#include "writers/directory/internal/image.h"
#include "writers/directory/internal/log_writer.h"
#include "writers/directory/internal/recovery.h"
#include "writers/directory/internal/tree.h"

namespace shadowset {

using directory_internal::ControlBlock;
using directory_internal::LogGeometry;
using directory_internal::RestoreState;
using directory_internal::Tree;

namespace {

constexpr uint64_t kMinDatabaseVolume = uint64_t{1} << 20;
constexpr uint64_t kMinGenerationSize = uint64_t{64} << 10;
constexpr uint32_t kMinGenerations = 4;

absl::Status InvalidInit(absl::string_view message) {
  return MakeError(absl::StatusCode::kInvalidArgument, kErrorInvalidParameter,
                   message);
}

std::string DbVolumeName(const DirectoryOptions& o) {
  return o.volume_prefix + "-db";
}
std::string LogVolumeName(const DirectoryOptions& o) {
  return o.volume_prefix + "-log";
}

uint64_t SlotSize(uint64_t db_size) {
  return ((db_size - directory_internal::kImageAreaOffset) / 2) & ~uint64_t{4095};
}

// The volume `name` of exactly `size` bytes: created, or an existing one
// from a creation that did not finish.
absl::StatusOr<Volume*> CreateOrReuse(Engine* engine, const std::string& name,
                                      uint64_t size) {
  absl::StatusOr<Volume*> existing = engine->GetVolume(name);
  if (existing.ok()) {
    if ((*existing)->size() != size) {
      return MakeError(
          absl::StatusCode::kAlreadyExists, kErrorAlreadyExists,
          absl::StrFormat("volume '%s' exists with %u bytes, not %u", name,
                          (*existing)->size(), size));
    }
    return *existing;
  }
  if (!absl::IsNotFound(existing.status())) return existing.status();
  RETURN_IF_ERROR(engine->CreateVolume(name, size).status());
  return engine->GetVolume(name);
}

absl::Span<const uint8_t> Bytes(absl::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

absl::Status DirectoryService::Create(Engine* engine, const DirectoryInit& init,
                                      const DirectoryOptions& options) {
  const uint64_t bs = engine->block_size();
  if (init.database_volume_size < kMinDatabaseVolume ||
      init.database_volume_size % bs != 0) {
    return InvalidInit(absl::StrFormat(
        "the database volume size %u must be a multiple of the block size %u "
        "and at least %u bytes",
        init.database_volume_size, bs, kMinDatabaseVolume));
  }
  if (init.log_generation_size < kMinGenerationSize ||
      init.log_generation_size % bs != 0 ||
      init.log_generation_size % 4096 != 0) {
    return InvalidInit(absl::StrFormat(
        "the log generation size %u must be a multiple of the block size %u "
        "and at least %u bytes",
        init.log_generation_size, bs, kMinGenerationSize));
  }
  if (init.log_generations < kMinGenerations) {
    return InvalidInit(absl::StrFormat("at least %u log generations are needed",
                                       kMinGenerations));
  }
  if (init.tombstone_lifetime < kMinTombstoneLifetime ||
      init.tombstone_lifetime > absl::Hours(24 * 36525)) {
    return InvalidInit("the tombstone lifetime must be 2 days to 100 years");
  }
  absl::StatusOr<std::string> server = ParseServerName(
      init.server_name.empty() ? LocalHostName() : init.server_name);
  if (!server.ok()) {
    return WithCode(
        absl::InvalidArgumentError(absl::StrCat(
            server.status().message(),
            init.server_name.empty() ? " (the host name; pass a server name)"
                                     : "")),
        kErrorInvalidParameter);
  }
  std::string creator = CurrentUserPrincipal();
  if (!init.creator.empty()) {
    ASSIGN_OR_RETURN(creator, ParsePrincipal(init.creator));
  }

  ASSIGN_OR_RETURN(Volume * db, CreateOrReuse(engine, DbVolumeName(options),
                                              init.database_volume_size));
  absl::StatusOr<ControlBlock> existing = directory_internal::ReadControlBlock(
      [db](uint64_t offset, absl::Span<uint8_t> out) {
        return db->Read(offset, out);
      });
  if (existing.ok() || !absl::IsNotFound(existing.status())) {
    return MakeError(absl::StatusCode::kAlreadyExists, kErrorAlreadyExists,
                     absl::StrCat("a directory already exists on volume '",
                                  DbVolumeName(options), "'"));
  }
  LogGeometry geometry{init.log_generation_size, init.log_generations};
  ASSIGN_OR_RETURN(Volume * log,
                   CreateOrReuse(engine, LogVolumeName(options),
                                 geometry.generation_size * geometry.generations));

  // Write order: log generation 1 and the empty image (both durable), then
  // the control block that names them.
  RETURN_IF_ERROR(directory_internal::LogWriter::WriteGeneration(
      log, geometry, /*generation=*/1, /*prev_salt=*/0, /*first_usn=*/1));
  RETURN_IF_ERROR(log->Flush());
  Tree empty(init.tombstone_lifetime);
  std::string image = directory_internal::EncodeImage(empty, 0, 1);
  RETURN_IF_ERROR(db->Write(directory_internal::kImageAreaOffset, Bytes(image)));
  RETURN_IF_ERROR(db->Flush());

  ControlBlock block;
  block.seq = 1;
  block.instance_id = SetId::Random();
  block.server_name = *server;
  block.principals.push_back(
      {creator, directory_internal::kBackupPrivilegeBit |
                    directory_internal::kRestorePrivilegeBit});
  block.image_slot = 0;
  block.image_length = image.size();
  block.image_xxh3 = directory_internal::ImageChecksum(image);
  block.checkpoint_usn = 0;
  block.checkpoint_gen = 1;
  block.first_retained_gen = 1;
  block.log_generation_size = geometry.generation_size;
  block.log_generations = geometry.generations;
  block.tombstone_lifetime = init.tombstone_lifetime;
  ASSIGN_OR_RETURN(std::string bytes,
                   directory_internal::EncodeControlBlock(block));
  RETURN_IF_ERROR(
      db->Write((block.seq % 2) * directory_internal::kControlCopySize,
                Bytes(bytes)));
  return db->Flush();
}

absl::StatusOr<std::unique_ptr<DirectoryService>> DirectoryService::Open(
    Engine* engine, const DirectoryOptions& options) {
  auto missing = [&](const absl::Status& st) -> absl::Status {
    if (!absl::IsNotFound(st)) return st;
    return absl::NotFoundError(absl::StrCat(
        "no directory in this data directory (volume ", st.message(),
        "): create one with 'shadowset directory init'"));
  };
  absl::StatusOr<Volume*> db = engine->GetVolume(DbVolumeName(options));
  if (!db.ok()) return missing(db.status());
  absl::StatusOr<Volume*> log = engine->GetVolume(LogVolumeName(options));
  if (!log.ok()) return missing(log.status());
  absl::StatusOr<ControlBlock> control = directory_internal::ReadControlBlock(
      [db = *db](uint64_t offset, absl::Span<uint8_t> out) {
        return db->Read(offset, out);
      });
  if (!control.ok()) {
    if (absl::IsNotFound(control.status())) return missing(control.status());
    return control.status();
  }
  if ((*log)->size() < control->log_generation_size * control->log_generations ||
      SlotSize((*db)->size()) == 0) {
    return absl::DataLossError(
        "the directory's volumes are smaller than its control block says");
  }
  std::unique_ptr<DirectoryService> service(
      new DirectoryService(engine, *db, *log, options, *control));
  if (options.restore_mode) {
    absl::MutexLock l(&service->mu_);
    service->offline_reason_ =
        absl::FailedPreconditionError("it was opened in restore mode");
  } else if (control->restore_state != RestoreState::kNone) {
    absl::MutexLock l(&service->mu_);
    service->offline_reason_ = absl::FailedPreconditionError(
        control->restore_state == RestoreState::kRegistered
            ? "a restore was registered and never completed; it cannot "
              "start until a valid database is restored"
            : "the last restore failed; it cannot start until a valid "
              "database is restored");
  } else {
    RETURN_IF_ERROR(service->BringOnline());
  }
  return service;
}

DirectoryService::DirectoryService(Engine* engine, Volume* db, Volume* log,
                                   const DirectoryOptions& options,
                                   const ControlBlock& control)
    : engine_(engine),
      db_(db),
      log_(log),
      options_(options),
      clock_(options.clock ? options.clock : [] { return absl::Now(); }),
      slot_size_(SlotSize(db->size())),
      generation_size_(control.log_generation_size),
      generations_(control.log_generations),
      control_(std::make_unique<ControlBlock>(control)) {
  Env* env = options.env != nullptr ? options.env : Env::Default();
  if (options.background == BackgroundMode::kThreads) {
    background_ = env->StartThread("ss-directory", [this] { BackgroundLoop(); });
  }
}

DirectoryService::~DirectoryService() {
  {
    absl::MutexLock l(&mu_);
    stopping_ = true;
  }
  if (background_.joinable()) background_.join();
}

std::string DirectoryService::server_name() {
  absl::ReaderMutexLock l(&mu_);
  return control_->server_name;
}

SetId DirectoryService::instance_id() {
  absl::ReaderMutexLock l(&mu_);
  return control_->instance_id;
}

std::vector<std::string> DirectoryService::VolumeNames() const {
  return {DbVolumeName(options_), LogVolumeName(options_)};
}

bool DirectoryService::IsOnline() {
  absl::ReaderMutexLock l(&mu_);
  return online_;
}

absl::Status DirectoryService::OfflineReason() {
  absl::ReaderMutexLock l(&mu_);
  if (online_) return absl::OkStatus();
  return offline_reason_;
}

absl::Status DirectoryService::BringOnline() {
  absl::MutexLock cw(&control_write_mu_);
  return BringOnlineLocked();
}

absl::Status DirectoryService::BringOnlineLocked() {
  {
    absl::MutexLock l(&mu_);
    if (online_) return absl::OkStatus();
    if (!failed_.ok()) return CheckOnlineLocked();
  }
  // The volumes may have been restored underneath: read the control block
  // afresh rather than trust the one in memory.
  ASSIGN_OR_RETURN(ControlBlock block,
                   directory_internal::ReadControlBlock(
                       [this](uint64_t offset, absl::Span<uint8_t> out) {
                         return db_->Read(offset, out);
                       }));
  if (block.log_generation_size != generation_size_ ||
      block.log_generations != generations_) {
    return absl::DataLossError(
        "the directory's control block describes another log geometry");
  }
  {
    absl::MutexLock l(&mu_);
    *control_ = block;
  }
  if (block.restore_state == RestoreState::kRegistered) {
    return absl::FailedPreconditionError(
        "a restore was registered (DsRestoreRegister) and never completed: "
        "the directory cannot start until a valid database is restored");
  }
  if (block.restore_state == RestoreState::kFailed) {
    return absl::FailedPreconditionError(
        "the last restore reported failure (DsRestoreRegisterComplete): the "
        "directory cannot start until a valid database is restored");
  }

  // Recovery: the checkpoint's image, then every change logged after it.
  auto read_db = [this](uint64_t offset, absl::Span<uint8_t> out) {
    return db_->Read(offset, out);
  };
  auto read_log = [this](uint64_t offset, absl::Span<uint8_t> out) {
    return log_->Read(offset, out);
  };
  ASSIGN_OR_RETURN(directory_internal::LoadedImage loaded,
                   directory_internal::ReadImage(
                       read_db, ImageSlotOffset(block.image_slot),
                       block.image_length, block.image_xxh3));
  if (loaded.header.usn != block.checkpoint_usn ||
      loaded.header.checkpoint_gen != block.checkpoint_gen) {
    return absl::DataLossError(absl::StrFormat(
        "the directory image holds USN %u (generation %u), its control "
        "block says USN %u (generation %u)",
        loaded.header.usn, loaded.header.checkpoint_gen, block.checkpoint_usn,
        block.checkpoint_gen));
  }
  Tree& tree = *loaded.tree;
  uint64_t replayed_bytes = 0;
  LogGeometry geometry{generation_size_, generations_};
  ASSIGN_OR_RETURN(directory_internal::LogEnd end,
                   directory_internal::ReplayInto(
                       tree, read_log, geometry, block.checkpoint_gen,
                       block.checkpoint_usn, directory_internal::kNoLastGen,
                       &replayed_bytes));

  // New records use a fresh seed, so bytes a crash left past the end never
  // verify. A ring too full for even that record leaves the directory
  // online but unable to change until a backup truncates the log.
  auto writer =
      std::make_unique<directory_internal::LogWriter>(log_, geometry, end);
  absl::Status st = writer->StartEpoch(block.first_retained_gen);
  if (!st.ok() && !absl::IsResourceExhausted(st)) return st;
  RETURN_IF_ERROR(log_->Flush());

  if (tree.tombstone_lifetime() != block.tombstone_lifetime) {
    block.tombstone_lifetime = tree.tombstone_lifetime();
    RETURN_IF_ERROR(WriteControl(std::move(block)));
  }
  absl::MutexLock l(&mu_);
  tree_ = std::move(loaded.tree);
  log_writer_ = std::move(writer);
  next_usn_ = end.next_usn;
  durable_usn_ = end.next_usn - 1;
  log_bytes_since_checkpoint_ = replayed_bytes;
  online_ = true;
  offline_reason_ = absl::OkStatus();
  return absl::OkStatus();
}

absl::Status DirectoryService::TakeOffline() {
  absl::MutexLock cw(&control_write_mu_);  // no checkpoint is running
  uint64_t usn = 0;
  {
    absl::MutexLock l(&mu_);
    if (!online_) return absl::OkStatus();
    if (quiesce_count_ > 0) {
      return absl::FailedPreconditionError(
          "a backup holds the directory quiesced; it cannot go offline now");
    }
    online_ = false;
    offline_reason_ = absl::FailedPreconditionError("it was taken offline");
    usn = next_usn_ - 1;
  }
  // Changes already logged become durable; later ones fail (offline).
  absl::Status st = WaitDurable(usn);
  absl::MutexLock l(&mu_);
  tree_.reset();
  log_writer_.reset();
  return st;
}

Privileges DirectoryService::GetPrivileges(absl::string_view principal) {
  absl::StatusOr<std::string> name = ParsePrincipal(principal);
  Privileges out;
  if (!name.ok()) return out;
  absl::ReaderMutexLock l(&mu_);
  for (const directory_internal::PrincipalEntry& p : control_->principals) {
    if (p.name == *name) {
      out.backup = (p.privileges & directory_internal::kBackupPrivilegeBit) != 0;
      out.restore =
          (p.privileges & directory_internal::kRestorePrivilegeBit) != 0;
    }
  }
  return out;
}

absl::Status DirectoryService::SetPrivileges(absl::string_view caller,
                                             absl::string_view principal,
                                             const Privileges& privileges) {
  ASSIGN_OR_RETURN(std::string who, ParsePrincipal(caller));
  ASSIGN_OR_RETURN(std::string name, ParsePrincipal(principal));
  absl::MutexLock cw(&control_write_mu_);
  Privileges mine = GetPrivileges(who);
  if (!mine.backup || !mine.restore) {
    return MakeError(absl::StatusCode::kPermissionDenied, kErrorAccessDenied,
                     absl::StrCat("'", who,
                                  "' may not change privileges: that needs "
                                  "both the backup and restore privileges"));
  }
  ControlBlock block = CurrentControl();
  auto& list = block.principals;
  list.erase(std::remove_if(list.begin(), list.end(),
                            [&](const auto& p) { return p.name == name; }),
             list.end());
  uint32_t bits =
      (privileges.backup ? directory_internal::kBackupPrivilegeBit : 0) |
      (privileges.restore ? directory_internal::kRestorePrivilegeBit : 0);
  if (bits != 0) list.push_back({name, bits});
  std::sort(list.begin(), list.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  const uint32_t both = directory_internal::kBackupPrivilegeBit |
                        directory_internal::kRestorePrivilegeBit;
  if (std::none_of(list.begin(), list.end(),
                   [&](const auto& p) { return (p.privileges & both) == both; })) {
    return MakeError(absl::StatusCode::kFailedPrecondition,
                     kErrorInvalidParameter,
                     "that would leave no principal holding both privileges");
  }
  return WriteControl(std::move(block));
}

}  // namespace shadowset
