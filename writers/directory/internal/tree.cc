#include "writers/directory/internal/tree.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/codes.h"
#include "engine/internal/status_macros.h"
#include "writers/directory/directory_codes.h"
#include "writers/directory/internal/dn.h"

namespace shadowset::directory_internal {
namespace {

absl::Status Invalid(absl::string_view message) {
  return MakeError(absl::StatusCode::kInvalidArgument, kErrorInvalidParameter,
                   message);
}

absl::Status NotFound(absl::string_view message) {
  return MakeError(absl::StatusCode::kNotFound, kErrorNotFound, message);
}

bool IsObjectClassName(absl::string_view name) {
  return absl::EqualsIgnoreCase(name, "objectClass");
}

absl::Status ValidateAttributeName(absl::string_view name) {
  RETURN_IF_ERROR(ValidateName("attribute name", name));
  if (IsObjectClassName(name)) {
    return Invalid(
        "objectClass is not an attribute: it is set once, when the object "
        "is added");
  }
  return absl::OkStatus();
}

// Values of one attribute: non-empty unless `allow_empty`, each at most
// kMaxValueSize bytes, no duplicates.
absl::Status ValidateValues(absl::string_view name,
                            const std::vector<std::string>& values,
                            bool allow_empty) {
  if (values.empty() && !allow_empty) {
    return Invalid(absl::StrCat("attribute '", name, "' has no value"));
  }
  absl::flat_hash_set<absl::string_view> seen;
  for (const std::string& v : values) {
    if (v.size() > kMaxValueSize) {
      return Invalid(absl::StrFormat(
          "a value of attribute '%s' is %u bytes (at most %u)", name, v.size(),
          kMaxValueSize));
    }
    if (!seen.insert(v).second) {
      return Invalid(absl::StrCat("attribute '", name, "' has the value '", v,
                                  "' twice"));
    }
  }
  return absl::OkStatus();
}

// The attributes of an object being added (or stored).
absl::Status ValidateAttributes(const AttributeMap& attributes) {
  for (const auto& [name, values] : attributes) {
    RETURN_IF_ERROR(ValidateAttributeName(name));
    RETURN_IF_ERROR(ValidateValues(name, values, /*allow_empty=*/false));
  }
  return absl::OkStatus();
}

}  // namespace

const DirectoryObject* Tree::FindKey(absl::string_view key) const {
  auto it = objects_.find(key);
  return it == objects_.end() ? nullptr : &it->second;
}

absl::StatusOr<const DirectoryObject*> Tree::Get(absl::string_view dn) const {
  ASSIGN_OR_RETURN(ParsedDn parsed, ParseDn(dn));
  const DirectoryObject* object = FindKey(parsed.key);
  if (object == nullptr) {
    return NotFound(absl::StrCat("no object '", dn, "'"));
  }
  return object;
}

absl::StatusOr<DirectoryObject*> Tree::FindLive(absl::string_view dn,
                                                std::string* key) {
  ASSIGN_OR_RETURN(ParsedDn parsed, ParseDn(dn));
  auto it = objects_.find(parsed.key);
  if (it == objects_.end() || it->second.deleted) {
    return NotFound(absl::StrCat(
        "no object '", dn, "'",
        it == objects_.end() ? "" : " (it is a tombstone)"));
  }
  *key = parsed.key;
  return &it->second;
}

void Tree::ForEach(absl::FunctionRef<void(const DirectoryObject&)> fn) const {
  for (const auto& [key, object] : objects_) fn(object);
}

std::vector<std::string> Tree::ExpiredTombstones(absl::Time now,
                                                 size_t limit) const {
  std::vector<std::string> out;
  if (tombstones_ == 0) return out;
  for (const auto& [key, object] : objects_) {
    if (out.size() >= limit) break;
    if (object.deleted && object.deletion_time + tombstone_lifetime_ < now) {
      out.push_back(object.dn);
    }
  }
  return out;
}

absl::Status Tree::Apply(const Change& change, uint64_t usn, bool dry_run) {
  switch (change.type) {
    case RecordType::kAdd:
      return ApplyAdd(change, usn, dry_run);
    case RecordType::kModify:
      return ApplyModify(change, usn, dry_run);
    case RecordType::kDelete:
      return ApplyDelete(change, usn, dry_run);
    case RecordType::kPurge:
      return ApplyPurge(change, dry_run);
    case RecordType::kSetTombstoneLifetime:
      if (change.tombstone_lifetime <= absl::ZeroDuration()) {
        return Invalid("the tombstone lifetime must be positive");
      }
      if (!dry_run) tombstone_lifetime_ = change.tombstone_lifetime;
      return absl::OkStatus();
    case RecordType::kSeed:
      break;
  }
  return Invalid("not a change");
}

absl::Status Tree::ApplyAdd(const Change& change, uint64_t usn, bool dry_run) {
  const DirectoryObject& in = change.object;
  ASSIGN_OR_RETURN(ParsedDn parsed, ParseDn(in.dn));
  RETURN_IF_ERROR(ValidateName("object class", in.object_class));
  RETURN_IF_ERROR(ValidateAttributes(in.attributes));
  auto it = objects_.find(parsed.key);
  if (it != objects_.end() && !it->second.deleted) {
    return MakeError(absl::StatusCode::kAlreadyExists, kErrorAlreadyExists,
                     absl::StrCat("object '", in.dn, "' already exists"));
  }
  if (!parsed.is_root) {
    const DirectoryObject* parent = FindKey(parsed.parent_key);
    if (parent == nullptr || parent->deleted) {
      return NotFound(absl::StrCat("the parent of '", in.dn, "' ('",
                                   parsed.parent_key, "') does not exist"));
    }
  }
  if (dry_run) return absl::OkStatus();
  if (it != objects_.end()) {  // a tombstone is replaced
    objects_.erase(it);
    --tombstones_;
  }
  DirectoryObject object;
  object.dn = in.dn;
  object.object_class = in.object_class;
  object.attributes = in.attributes;
  object.usn_created = usn;
  object.usn_changed = usn;
  objects_.emplace(parsed.key, std::move(object));
  if (!parsed.is_root) ++live_children_[parsed.parent_key];
  return absl::OkStatus();
}

absl::Status Tree::ApplyModify(const Change& change, uint64_t usn,
                               bool dry_run) {
  std::string key;
  ASSIGN_OR_RETURN(DirectoryObject * object, FindLive(change.dn, &key));
  if (change.changes.empty()) return Invalid("no attribute changes given");
  AttributeMap attributes = object->attributes;
  for (const AttributeChange& c : change.changes) {
    RETURN_IF_ERROR(ValidateAttributeName(c.name));
    switch (c.kind) {
      case AttributeChange::Kind::kReplace:
        RETURN_IF_ERROR(ValidateValues(c.name, c.values, /*allow_empty=*/true));
        if (c.values.empty()) {
          attributes.erase(c.name);
        } else {
          attributes[c.name] = c.values;
        }
        break;
      case AttributeChange::Kind::kAdd: {
        RETURN_IF_ERROR(ValidateValues(c.name, c.values, /*allow_empty=*/false));
        std::vector<std::string>& values = attributes[c.name];
        for (const std::string& v : c.values) {
          if (std::find(values.begin(), values.end(), v) != values.end()) {
            return MakeError(absl::StatusCode::kAlreadyExists,
                             kErrorAlreadyExists,
                             absl::StrCat("attribute '", c.name,
                                          "' already has the value '", v, "'"));
          }
          values.push_back(v);
        }
        break;
      }
      case AttributeChange::Kind::kRemove: {
        auto at = attributes.find(c.name);
        if (at == attributes.end()) {
          return NotFound(absl::StrCat("object '", change.dn,
                                       "' has no attribute '", c.name, "'"));
        }
        RETURN_IF_ERROR(ValidateValues(c.name, c.values, /*allow_empty=*/true));
        if (c.values.empty()) {
          attributes.erase(at);
          break;
        }
        for (const std::string& v : c.values) {
          auto pos = std::find(at->second.begin(), at->second.end(), v);
          if (pos == at->second.end()) {
            return NotFound(absl::StrCat("attribute '", c.name,
                                         "' has no value '", v, "'"));
          }
          at->second.erase(pos);
        }
        if (at->second.empty()) attributes.erase(at);
        break;
      }
    }
  }
  if (dry_run) return absl::OkStatus();
  object->attributes = std::move(attributes);
  object->usn_changed = usn;
  return absl::OkStatus();
}

absl::Status Tree::ApplyDelete(const Change& change, uint64_t usn,
                               bool dry_run) {
  std::string key;
  ASSIGN_OR_RETURN(DirectoryObject * object, FindLive(change.dn, &key));
  auto children = live_children_.find(key);
  if (children != live_children_.end() && children->second > 0) {
    return MakeError(absl::StatusCode::kFailedPrecondition,
                     kErrorDsCantOnNonLeaf,
                     absl::StrFormat("object '%s' has %u live child objects; "
                                     "delete them first",
                                     change.dn, children->second));
  }
  if (dry_run) return absl::OkStatus();
  ASSIGN_OR_RETURN(ParsedDn parsed, ParseDn(object->dn));
  object->deleted = true;
  object->deletion_time = change.time;
  object->attributes.clear();
  object->usn_changed = usn;
  ++tombstones_;
  if (!parsed.is_root) {
    auto parent = live_children_.find(parsed.parent_key);
    if (parent != live_children_.end() && --parent->second == 0) {
      live_children_.erase(parent);
    }
  }
  return absl::OkStatus();
}

absl::Status Tree::ApplyPurge(const Change& change, bool dry_run) {
  for (const std::string& dn : change.purged) {
    ASSIGN_OR_RETURN(ParsedDn parsed, ParseDn(dn));
    auto it = objects_.find(parsed.key);
    if (it == objects_.end() || !it->second.deleted) {
      return MakeError(absl::StatusCode::kFailedPrecondition, kErrorNotFound,
                       absl::StrCat("cannot purge '", dn,
                                    "': it is not a tombstone"));
    }
  }
  if (dry_run) return absl::OkStatus();
  for (const std::string& dn : change.purged) {
    ASSIGN_OR_RETURN(ParsedDn parsed, ParseDn(dn));
    if (objects_.erase(parsed.key) > 0) --tombstones_;
  }
  return absl::OkStatus();
}

absl::Status Tree::Insert(DirectoryObject object) {
  absl::StatusOr<ParsedDn> parsed = ParseDn(object.dn);
  if (!parsed.ok()) {
    return absl::DataLossError(
        absl::StrCat("stored object: ", parsed.status().message()));
  }
  bool live = !object.deleted;
  auto [it, inserted] = objects_.emplace(parsed->key, std::move(object));
  if (!inserted) {
    return absl::DataLossError(
        absl::StrCat("stored object '", it->second.dn, "' appears twice"));
  }
  if (live && !parsed->is_root) ++live_children_[parsed->parent_key];
  if (!live) ++tombstones_;
  return absl::OkStatus();
}

std::vector<std::string> Tree::Check(uint64_t max_usn) const {
  std::vector<std::string> problems;
  absl::flat_hash_map<std::string, uint32_t> children;
  size_t tombstones = 0;
  for (const auto& [key, object] : objects_) {
    absl::StatusOr<ParsedDn> parsed = ParseDn(object.dn);
    if (!parsed.ok() || parsed->key != key) {
      problems.push_back(absl::StrCat("object '", object.dn,
                                      "' is stored under the wrong key '", key,
                                      "'"));
      continue;
    }
    if (object.usn_created == 0 || object.usn_created > object.usn_changed ||
        object.usn_changed > max_usn) {
      problems.push_back(absl::StrFormat(
          "object '%s' has USNs created %u, changed %u (highest is %u)",
          object.dn, object.usn_created, object.usn_changed, max_usn));
    }
    if (object.deleted) {
      ++tombstones;
      if (!object.attributes.empty() ||
          object.deletion_time == absl::InfinitePast()) {
        problems.push_back(absl::StrCat(
            "tombstone '", object.dn,
            "' keeps attributes or has no deletion time"));
      }
      continue;
    }
    if (!ValidateAttributes(object.attributes).ok()) {
      problems.push_back(
          absl::StrCat("object '", object.dn, "' has invalid attributes"));
    }
    if (!parsed->is_root) {
      ++children[parsed->parent_key];
      const DirectoryObject* parent = FindKey(parsed->parent_key);
      if (parent == nullptr || parent->deleted) {
        problems.push_back(absl::StrCat("live object '", object.dn,
                                        "' has no live parent"));
      }
    }
  }
  if (children != live_children_) {
    problems.push_back("the live-children counts disagree with the objects");
  }
  if (tombstones != tombstones_) {
    problems.push_back(absl::StrFormat("%u tombstones counted, %u recorded",
                                       tombstones, tombstones_));
  }
  return problems;
}

}  // namespace shadowset::directory_internal
