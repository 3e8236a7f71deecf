// Value types of the directory service: an object of the directory
// information tree and the attribute changes that modify one.
//
// A distinguished name (DN) is a comma-separated list of relative names,
// most specific first: "CN=host1,OU=Hosts,DC=example,DC=test". Names are
// compared case-insensitively (ASCII), ignoring spaces around ',' and '=';
// a DN made only of DC= components is a naming-context root and needs no
// parent, every other object needs a live parent.
//
// Attribute names are case-insensitive; an attribute holds one or more
// distinct values (bytes, usually text).

#ifndef SHADOWSET_WRITERS_DIRECTORY_DIRECTORY_OBJECT_H_
#define SHADOWSET_WRITERS_DIRECTORY_DIRECTORY_OBJECT_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace shadowset {

// Orders attribute names case-insensitively (ASCII).
struct AttributeNameLess {
  bool operator()(const std::string& a, const std::string& b) const;
};

// Attribute name -> its values, in the order they were added.
using AttributeMap =
    std::map<std::string, std::vector<std::string>, AttributeNameLess>;

struct DirectoryObject {
  std::string dn;            // as given when the object was added
  std::string object_class;  // e.g. "computer", "organizationalUnit"
  AttributeMap attributes;   // empty for a tombstone
  uint64_t usn_created = 0;  // update sequence number of its creation
  uint64_t usn_changed = 0;  // ... of its latest change (or deletion)
  // A deleted object is a tombstone until the tombstone lifetime has passed
  // since its deletion; then garbage collection purges it.
  bool deleted = false;
  absl::Time deletion_time = absl::InfinitePast();  // when deleted

  friend bool operator==(const DirectoryObject& a,
                         const DirectoryObject& b) = default;
};

// One change of a ModifyObject call. Persisted in the transaction log:
// never renumber.
struct AttributeChange {
  enum class Kind : uint8_t {
    // Sets the attribute to exactly `values` (none: removes it).
    kReplace = 1,
    // Adds `values` (each must not be present yet).
    kAdd = 2,
    // Removes `values` (each must be present), or the whole attribute when
    // `values` is empty.
    kRemove = 3,
  };
  Kind kind = Kind::kReplace;
  std::string name;
  std::vector<std::string> values;

  friend bool operator==(const AttributeChange& a,
                         const AttributeChange& b) = default;
};

}  // namespace shadowset

#endif  // SHADOWSET_WRITERS_DIRECTORY_DIRECTORY_OBJECT_H_
