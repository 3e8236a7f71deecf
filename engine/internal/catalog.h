// Catalog: the engine's LMDB environment (DESIGN §2.4).
//
// Named databases (all keys fixed-width big-endian where numeric):
//   meta     string -> bytes      format version, block size, cap, counters
//   volumes  u32 id -> VolumeRecord
//   names    name -> u32 id
//   sets     16-byte set id -> SetRecord (persistent sets only)
//   index    (u32 vol, u64 block, u64 epoch) -> IndexValue   exception index
//   changes  (u32 vol, u64 epoch, u64 block) -> ""           secondary index
//   segs     u64 segment seq -> SegRecord (live entry count)
//   gc       (u32 vol, u64 lo, u64 hi) -> ""  epochs (lo, hi] to examine
//   events   u64 seq -> EventRecord
//   backups  backup id -> bytes (owned by the requestor layer)
//
// Every commit is synced (no MDB_NOSYNC, no MDB_MAPASYNC). The map grows on
// MDB_MAP_FULL: Update() retries its function after growing, so update
// functions must be re-runnable.
//
// Thread safety: safe for concurrent use. Write transactions are serialised;
// any number of read transactions run beside them.

#ifndef SHADOWSET_ENGINE_INTERNAL_CATALOG_H_
#define SHADOWSET_ENGINE_INTERNAL_CATALOG_H_

#include <lmdb.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "engine/env.h"

namespace shadowset::internal {

class Catalog;

enum class Db { kMeta, kVolumes, kNames, kSets, kIndex, kChanges, kSegs, kGc,
                kEvents, kBackups, kCount };

// A cursor over one database, valid while its transaction is.
class Cursor {
 public:
  ~Cursor();
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;

  // Positions at the first key >= `key` (MDB_SET_RANGE). False at the end.
  // Callers MUST check the returned key's prefix themselves.
  absl::StatusOr<bool> Seek(absl::string_view key);
  absl::StatusOr<bool> First();
  absl::StatusOr<bool> Last();
  absl::StatusOr<bool> Next();
  absl::StatusOr<bool> Prev();
  // The current entry (after a positioning call returned true).
  absl::string_view key() const { return key_; }
  absl::string_view value() const { return value_; }
  // Deletes the current entry (write transactions only).
  absl::Status Delete();

 private:
  friend class Txn;
  explicit Cursor(MDB_cursor* cursor) : cursor_(cursor) {}
  absl::StatusOr<bool> Move(MDB_cursor_op op, absl::string_view key = {});

  MDB_cursor* cursor_;
  absl::string_view key_;
  absl::string_view value_;
};

// A transaction. Read transactions may Reset() and Renew() to release their
// snapshot between batches of a long scan.
class Txn {
 public:
  // Aborts unless committed. A read transaction holds the catalog's
  // resize lock shared from BeginRead (or Renew) to Reset or destruction,
  // an ownership the thread-safety analysis cannot follow across calls.
  ~Txn() ABSL_NO_THREAD_SAFETY_ANALYSIS;
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;

  // The value of `key`, or nullopt. The view is valid until the transaction
  // ends or writes.
  absl::StatusOr<std::optional<absl::string_view>> Get(Db db,
                                                      absl::string_view key);
  // Stores `value` under `key`. With `no_overwrite`, an existing key is kept
  // and false returned.
  absl::StatusOr<bool> Put(Db db, absl::string_view key, absl::string_view value,
                           bool no_overwrite = false);
  // Deletes `key`; false if it did not exist.
  absl::StatusOr<bool> Delete(Db db, absl::string_view key);
  absl::StatusOr<std::unique_ptr<Cursor>> OpenCursor(Db db);
  // Number of entries in `db`.
  absl::StatusOr<uint64_t> Count(Db db);

  void Reset() ABSL_NO_THREAD_SAFETY_ANALYSIS;
  absl::Status Renew() ABSL_NO_THREAD_SAFETY_ANALYSIS;

 private:
  friend class Catalog;
  Txn(Catalog* catalog, MDB_txn* txn, bool write);

  Catalog* const catalog_;
  MDB_txn* txn_;
  const bool write_;
  bool active_ = true;
};

struct CatalogOptions {
  size_t map_size = size_t{1} << 30;
  unsigned max_readers = 1024;
};

class Catalog {
 public:
  // Opens (with `create`, creates) the environment in directory `dir`.
  static absl::StatusOr<std::unique_ptr<Catalog>> Open(
      Env* env, const std::string& dir, bool create,
      const CatalogOptions& options);
  ~Catalog();

  // A read transaction.
  absl::StatusOr<std::unique_ptr<Txn>> BeginRead()
      ABSL_NO_THREAD_SAFETY_ANALYSIS;

  // Runs `fn` in a write transaction and commits it, synced. If `fn` or the
  // commit runs out of map space, the map is grown and `fn` run again from
  // scratch. If `fn` fails, nothing is committed and its status returned.
  // A failed commit is returned as is; the caller decides whether it is
  // fatal (it is, for the engine).
  absl::Status Update(absl::FunctionRef<absl::Status(Txn&)> fn);

  const std::string& dir() const { return dir_; }
  MDB_dbi dbi(Db db) const { return dbi_[static_cast<int>(db)]; }

 private:
  friend class Txn;
  Catalog(Env* env, std::string dir, MDB_env* mdb, size_t map_size)
      : env_(env), dir_(std::move(dir)), mdb_(mdb), map_size_(map_size) {}
  absl::Status Grow() ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);

  Env* const env_;
  const std::string dir_;
  MDB_env* const mdb_;
  MDB_dbi dbi_[static_cast<int>(Db::kCount)] = {};

  // Every live transaction holds this shared; growing the map holds it
  // exclusively (LMDB requires no active transactions then).
  absl::Mutex resize_mu_;
  // Serialises write transactions (Update).
  // Lock order: write_mu_ before resize_mu_. Never call Update while
  // holding a read transaction.
  absl::Mutex write_mu_;
  size_t map_size_ ABSL_GUARDED_BY(write_mu_);
};

}  // namespace shadowset::internal

#endif  // SHADOWSET_ENGINE_INTERNAL_CATALOG_H_
