// Tree: the in-memory directory information tree, indexed by normalized
// distinguished name. Every change goes through Apply(), which validates it
// against the current contents (with the error codes the service returns)
// and applies it; the same function replays the transaction log, so replay
// and the live path cannot disagree.
//
//   RETURN_IF_ERROR(tree.Apply(change, usn, /*dry_run=*/true));   // validate
//   ... log the change ...
//   RETURN_IF_ERROR(tree.Apply(change, usn, /*dry_run=*/false));  // apply
//
// Thread safety: thread-compatible (the service guards it with its mutex).

#ifndef SHADOWSET_WRITERS_DIRECTORY_INTERNAL_TREE_H_
#define SHADOWSET_WRITERS_DIRECTORY_INTERNAL_TREE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "writers/directory/directory_object.h"
#include "writers/directory/internal/change.h"

namespace shadowset::directory_internal {

// Largest attribute value accepted.
inline constexpr size_t kMaxValueSize = 64 * 1024;

class Tree {
 public:
  explicit Tree(absl::Duration tombstone_lifetime)
      : tombstone_lifetime_(tombstone_lifetime) {}

  // Validates `change` and, unless `dry_run`, applies it as update sequence
  // number `usn`. A dry run that succeeded guarantees the real one does.
  // Errors (payload in parentheses), nothing changed on any:
  //  kInvalidArgument (ERROR_INVALID_PARAMETER): bad DN, class, attribute
  //    name or values, an empty change list, a change to objectClass;
  //  kAlreadyExists (ERROR_ALREADY_EXISTS): the object, or a value added,
  //    exists;
  //  kNotFound (ERROR_NOT_FOUND): the object, its parent, or a value or
  //    attribute removed, does not exist (tombstones count as absent);
  //  kFailedPrecondition (ERROR_DS_CANT_ON_NON_LEAF): deleting an object
  //    that has live children; a purge of something that is not a
  //    tombstone.
  absl::Status Apply(const Change& change, uint64_t usn, bool dry_run);

  // The object (live or tombstone) with normalized key `key`, or nullptr.
  const DirectoryObject* FindKey(absl::string_view key) const;
  // By distinguished name. kInvalidArgument for a malformed DN, kNotFound
  // (ERROR_NOT_FOUND) when there is no such object or tombstone.
  absl::StatusOr<const DirectoryObject*> Get(absl::string_view dn) const;

  // Every object (tombstones included) in key order.
  void ForEach(absl::FunctionRef<void(const DirectoryObject&)> fn) const;
  size_t size() const { return objects_.size(); }
  size_t tombstones() const { return tombstones_; }

  absl::Duration tombstone_lifetime() const { return tombstone_lifetime_; }

  // DNs of tombstones deleted more than the tombstone lifetime before
  // `now`, at most `limit`, in key order.
  std::vector<std::string> ExpiredTombstones(absl::Time now,
                                             size_t limit) const;

  // Loads an object as stored in an image (no validation of the tree
  // rules: Check() does that). kDataLoss for a malformed DN or a duplicate.
  absl::Status Insert(DirectoryObject object);

  // Structural problems: keys that do not match their DN, USNs out of
  // order or above `max_usn`, live objects without a live parent, tombstones
  // with attributes, child counts that disagree. Empty when consistent.
  std::vector<std::string> Check(uint64_t max_usn) const;

 private:
  absl::Status ApplyAdd(const Change& change, uint64_t usn, bool dry_run);
  absl::Status ApplyModify(const Change& change, uint64_t usn, bool dry_run);
  absl::Status ApplyDelete(const Change& change, uint64_t usn, bool dry_run);
  absl::Status ApplyPurge(const Change& change, bool dry_run);
  // The live object at `dn`, or kNotFound / kInvalidArgument.
  absl::StatusOr<DirectoryObject*> FindLive(absl::string_view dn,
                                            std::string* key);

  absl::btree_map<std::string, DirectoryObject> objects_;
  // Normalized key -> number of live children.
  absl::flat_hash_map<std::string, uint32_t> live_children_;
  size_t tombstones_ = 0;
  absl::Duration tombstone_lifetime_;
};

}  // namespace shadowset::directory_internal

#endif  // SHADOWSET_WRITERS_DIRECTORY_INTERNAL_TREE_H_
