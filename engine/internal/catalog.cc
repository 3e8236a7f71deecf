#include "engine/internal/catalog.h"

#include <sys/stat.h>

#include "absl/strings/str_cat.h"
#include "engine/internal/errors.h"
#include "engine/internal/status_macros.h"

namespace shadowset::internal {
namespace {

constexpr const char* kDbNames[] = {"meta",    "volumes", "names", "sets",
                                    "index",   "changes", "segs",  "gc",
                                    "events",  "backups"};
static_assert(sizeof(kDbNames) / sizeof(kDbNames[0]) ==
              static_cast<int>(Db::kCount));

MDB_val Val(absl::string_view s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}
absl::string_view View(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

}  // namespace

// --- Cursor -----------------------------------------------------------------

Cursor::~Cursor() { mdb_cursor_close(cursor_); }

absl::StatusOr<bool> Cursor::Move(MDB_cursor_op op, absl::string_view key) {
  MDB_val k = Val(key), v{};
  int rc = mdb_cursor_get(cursor_, &k, &v, op);
  if (rc == MDB_NOTFOUND) return false;
  if (rc != MDB_SUCCESS) return MdbToStatus(rc, "mdb_cursor_get");
  key_ = View(k);
  value_ = View(v);
  return true;
}

absl::StatusOr<bool> Cursor::Seek(absl::string_view key) {
  return Move(MDB_SET_RANGE, key);
}
absl::StatusOr<bool> Cursor::First() { return Move(MDB_FIRST); }
absl::StatusOr<bool> Cursor::Last() { return Move(MDB_LAST); }
absl::StatusOr<bool> Cursor::Next() { return Move(MDB_NEXT); }
absl::StatusOr<bool> Cursor::Prev() { return Move(MDB_PREV); }

absl::Status Cursor::Delete() {
  return MdbToStatus(mdb_cursor_del(cursor_, 0), "mdb_cursor_del");
}

// --- Txn --------------------------------------------------------------------

Txn::Txn(Catalog* catalog, MDB_txn* txn, bool write)
    : catalog_(catalog), txn_(txn), write_(write) {}

Txn::~Txn() {
  if (txn_ != nullptr) mdb_txn_abort(txn_);
  if (active_ && !write_) catalog_->resize_mu_.ReaderUnlock();
}

absl::StatusOr<std::optional<absl::string_view>> Txn::Get(
    Db db, absl::string_view key) {
  MDB_val k = Val(key), v{};
  int rc = mdb_get(txn_, catalog_->dbi(db), &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<absl::string_view>();
  if (rc != MDB_SUCCESS) return MdbToStatus(rc, "mdb_get");
  return std::optional<absl::string_view>(View(v));
}

absl::StatusOr<bool> Txn::Put(Db db, absl::string_view key,
                              absl::string_view value, bool no_overwrite) {
  MDB_val k = Val(key), v = Val(value);
  int rc = mdb_put(txn_, catalog_->dbi(db), &k, &v,
                   no_overwrite ? MDB_NOOVERWRITE : 0);
  if (rc == MDB_KEYEXIST) return false;
  if (rc != MDB_SUCCESS) return MdbToStatus(rc, "mdb_put");
  return true;
}

absl::StatusOr<bool> Txn::Delete(Db db, absl::string_view key) {
  MDB_val k = Val(key);
  int rc = mdb_del(txn_, catalog_->dbi(db), &k, nullptr);
  if (rc == MDB_NOTFOUND) return false;
  if (rc != MDB_SUCCESS) return MdbToStatus(rc, "mdb_del");
  return true;
}

absl::StatusOr<std::unique_ptr<Cursor>> Txn::OpenCursor(Db db) {
  MDB_cursor* cursor = nullptr;
  int rc = mdb_cursor_open(txn_, catalog_->dbi(db), &cursor);
  if (rc != MDB_SUCCESS) return MdbToStatus(rc, "mdb_cursor_open");
  return std::unique_ptr<Cursor>(new Cursor(cursor));
}

absl::StatusOr<uint64_t> Txn::Count(Db db) {
  MDB_stat st;
  int rc = mdb_stat(txn_, catalog_->dbi(db), &st);
  if (rc != MDB_SUCCESS) return MdbToStatus(rc, "mdb_stat");
  return st.ms_entries;
}

void Txn::Reset() {
  if (write_ || !active_) return;
  mdb_txn_reset(txn_);
  catalog_->resize_mu_.ReaderUnlock();
  active_ = false;
}

absl::Status Txn::Renew() {
  if (write_ || active_) return absl::OkStatus();
  catalog_->resize_mu_.ReaderLock();
  int rc = mdb_txn_renew(txn_);
  if (rc != MDB_SUCCESS) {
    catalog_->resize_mu_.ReaderUnlock();
    return MdbToStatus(rc, "mdb_txn_renew");
  }
  active_ = true;
  return absl::OkStatus();
}

// --- Catalog ----------------------------------------------------------------

absl::StatusOr<std::unique_ptr<Catalog>> Catalog::Open(
    Env* env, const std::string& dir, bool create,
    const CatalogOptions& options) {
  MDB_env* mdb = nullptr;
  RETURN_IF_ERROR(MdbToStatus(mdb_env_create(&mdb), "mdb_env_create"));
  auto fail = [&](int rc, absl::string_view what) {
    mdb_env_close(mdb);
    return MdbToStatus(rc, absl::StrCat(what, " ", dir));
  };
  int rc = mdb_env_set_maxdbs(mdb, static_cast<MDB_dbi>(Db::kCount) + 2);
  if (rc != MDB_SUCCESS) return fail(rc, "mdb_env_set_maxdbs");
  rc = mdb_env_set_maxreaders(mdb, options.max_readers);
  if (rc != MDB_SUCCESS) return fail(rc, "mdb_env_set_maxreaders");
  rc = mdb_env_set_mapsize(mdb, options.map_size);
  if (rc != MDB_SUCCESS) return fail(rc, "mdb_env_set_mapsize");
  // MDB_NOTLS: read transactions are not tied to threads (readers hand them
  // between calls). Every commit is synced: no NOSYNC/NOMETASYNC/MAPASYNC.
  rc = mdb_env_open(mdb, dir.c_str(), MDB_NOTLS, 0644);
  if (rc != MDB_SUCCESS) return fail(rc, "mdb_env_open");
  int dead = 0;
  mdb_reader_check(mdb, &dead);

  // LMDB grows a map set smaller than the file to the file's size.
  MDB_envinfo info;
  mdb_env_info(mdb, &info);
  std::unique_ptr<Catalog> catalog(
      new Catalog(env, dir, mdb, info.me_mapsize));

  // Open (or create) the named databases in one transaction.
  MDB_txn* txn = nullptr;
  rc = mdb_txn_begin(mdb, nullptr, create ? 0 : MDB_RDONLY, &txn);
  if (rc != MDB_SUCCESS) return MdbToStatus(rc, "mdb_txn_begin");
  for (int i = 0; i < static_cast<int>(Db::kCount); ++i) {
    rc = mdb_dbi_open(txn, kDbNames[i], create ? MDB_CREATE : 0,
                      &catalog->dbi_[i]);
    if (rc != MDB_SUCCESS) {
      mdb_txn_abort(txn);
      if (rc == MDB_NOTFOUND) {
        return absl::DataLossError(absl::StrCat(
            "catalog ", dir, " lacks its '", kDbNames[i], "' database"));
      }
      return MdbToStatus(rc, "mdb_dbi_open");
    }
  }
  if (create) {
    absl::Status st = env->BeforeCatalogCommit(dir);
    if (!st.ok()) {
      mdb_txn_abort(txn);
      return st;
    }
    rc = mdb_txn_commit(txn);
    if (rc != MDB_SUCCESS) return MdbToStatus(rc, "mdb_txn_commit");
    env->AfterCatalogCommit(dir);
  } else {
    // Committing (not aborting) keeps the handles for the environment.
    rc = mdb_txn_commit(txn);
    if (rc != MDB_SUCCESS) return MdbToStatus(rc, "mdb_txn_commit(read)");
  }
  return catalog;
}

Catalog::~Catalog() { mdb_env_close(mdb_); }

absl::StatusOr<std::unique_ptr<Txn>> Catalog::BeginRead() {
  resize_mu_.ReaderLock();
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(mdb_, nullptr, MDB_RDONLY, &txn);
  if (rc != MDB_SUCCESS) {
    resize_mu_.ReaderUnlock();
    return MdbToStatus(rc, "mdb_txn_begin(read)");
  }
  return std::unique_ptr<Txn>(new Txn(this, txn, /*write=*/false));
}

absl::Status Catalog::Grow() {
  // Caller holds write_mu_; wait for every transaction to end.
  absl::MutexLock l(&resize_mu_);
  size_t next = map_size_ * 2;
  RETURN_IF_ERROR(MdbToStatus(mdb_env_set_mapsize(mdb_, next),
                              "mdb_env_set_mapsize"));
  map_size_ = next;
  return absl::OkStatus();
}

absl::Status Catalog::Update(absl::FunctionRef<absl::Status(Txn&)> fn) {
  absl::MutexLock w(&write_mu_);
  for (;;) {
    absl::Status st;
    bool map_full = false;
    {
      absl::ReaderMutexLock r(&resize_mu_);
      MDB_txn* raw = nullptr;
      int rc = mdb_txn_begin(mdb_, nullptr, 0, &raw);
      if (rc == MDB_MAP_RESIZED) {
        // Another process grew the map; adopt its size.
        mdb_env_set_mapsize(mdb_, 0);
        rc = mdb_txn_begin(mdb_, nullptr, 0, &raw);
      }
      if (rc != MDB_SUCCESS) return MdbToStatus(rc, "mdb_txn_begin(write)");
      Txn txn(this, raw, /*write=*/true);
      st = fn(txn);
      if (st.ok()) {
        st = env_->BeforeCatalogCommit(dir_);
        if (st.ok()) {
          MDB_txn* committing = std::exchange(txn.txn_, nullptr);
          rc = mdb_txn_commit(committing);
          if (rc == MDB_MAP_FULL) {
            map_full = true;
          } else if (rc != MDB_SUCCESS) {
            return MdbToStatus(rc, "mdb_txn_commit");
          } else {
            env_->AfterCatalogCommit(dir_);
            return absl::OkStatus();
          }
        }
      } else if (absl::IsResourceExhausted(st) &&
                 st.message().find(mdb_strerror(MDB_MAP_FULL)) !=
                     absl::string_view::npos) {
        map_full = true;
      }
    }
    if (!map_full) return st;
    RETURN_IF_ERROR(Grow());
  }
}

}  // namespace shadowset::internal
