#include "writers/directory/internal/change.h"

#include "absl/strings/str_cat.h"
#include "engine/internal/status_macros.h"

namespace shadowset::directory_internal {

using internal::Decoder;
using internal::PutBE32;
using internal::PutBE64;
using internal::PutString;

namespace {

constexpr uint8_t kDeletedFlag = 1;

void PutAttributes(const AttributeMap& attributes, std::string* out) {
  PutBE32(out, static_cast<uint32_t>(attributes.size()));
  for (const auto& [name, values] : attributes) {
    PutString(out, name);
    PutBE32(out, static_cast<uint32_t>(values.size()));
    for (const std::string& v : values) PutString(out, v);
  }
}

AttributeMap GetAttributes(Decoder* d) {
  AttributeMap attributes;
  uint32_t n = d->BE32();
  for (uint32_t i = 0; i < n && d->status().ok(); ++i) {
    std::string name = d->String();
    uint32_t count = d->BE32();
    std::vector<std::string> values;
    for (uint32_t k = 0; k < count && d->status().ok(); ++k) {
      values.push_back(d->String());
    }
    attributes[std::move(name)] = std::move(values);
  }
  return attributes;
}

}  // namespace

void PutTime(std::string* out, absl::Time t) {
  int64_t us = t == absl::InfinitePast() ? INT64_MIN : absl::ToUnixMicros(t);
  PutBE64(out, static_cast<uint64_t>(us));
}

absl::Time GetTime(Decoder* d) {
  int64_t us = static_cast<int64_t>(d->BE64());
  return us == INT64_MIN ? absl::InfinitePast() : absl::FromUnixMicros(us);
}

void EncodeObject(const DirectoryObject& object, std::string* out) {
  PutString(out, object.dn);
  PutString(out, object.object_class);
  PutBE64(out, object.usn_created);
  PutBE64(out, object.usn_changed);
  out->push_back(static_cast<char>(object.deleted ? kDeletedFlag : 0));
  PutTime(out, object.deletion_time);
  PutAttributes(object.attributes, out);
}

DirectoryObject DecodeObject(Decoder* d) {
  DirectoryObject object;
  object.dn = d->String();
  object.object_class = d->String();
  object.usn_created = d->BE64();
  object.usn_changed = d->BE64();
  object.deleted = (d->U8() & kDeletedFlag) != 0;
  object.deletion_time = GetTime(d);
  object.attributes = GetAttributes(d);
  return object;
}

std::string EncodeChange(const Change& change) {
  std::string out;
  switch (change.type) {
    case RecordType::kSeed:
      break;
    case RecordType::kAdd:
      PutString(&out, change.object.dn);
      PutString(&out, change.object.object_class);
      PutAttributes(change.object.attributes, &out);
      break;
    case RecordType::kModify:
      PutString(&out, change.dn);
      PutBE32(&out, static_cast<uint32_t>(change.changes.size()));
      for (const AttributeChange& c : change.changes) {
        out.push_back(static_cast<char>(c.kind));
        PutString(&out, c.name);
        PutBE32(&out, static_cast<uint32_t>(c.values.size()));
        for (const std::string& v : c.values) PutString(&out, v);
      }
      break;
    case RecordType::kDelete:
      PutString(&out, change.dn);
      PutTime(&out, change.time);
      break;
    case RecordType::kPurge:
      PutBE32(&out, static_cast<uint32_t>(change.purged.size()));
      for (const std::string& dn : change.purged) PutString(&out, dn);
      break;
    case RecordType::kSetTombstoneLifetime:
      PutBE64(&out, static_cast<uint64_t>(
                        absl::ToInt64Seconds(change.tombstone_lifetime)));
      break;
  }
  return out;
}

absl::StatusOr<Change> DecodeChange(RecordType type, absl::string_view payload) {
  Decoder d(payload, "directory change record");
  Change change;
  change.type = type;
  switch (type) {
    case RecordType::kSeed:
      return absl::DataLossError("a seed record is not a change");
    case RecordType::kAdd:
      change.object.dn = d.String();
      change.object.object_class = d.String();
      change.object.attributes = GetAttributes(&d);
      break;
    case RecordType::kModify: {
      change.dn = d.String();
      uint32_t n = d.BE32();
      for (uint32_t i = 0; i < n && d.status().ok(); ++i) {
        AttributeChange c;
        uint8_t kind = d.U8();
        if (kind < 1 || kind > 3) {
          return absl::DataLossError(
              absl::StrCat("unknown attribute change kind ", kind));
        }
        c.kind = static_cast<AttributeChange::Kind>(kind);
        c.name = d.String();
        uint32_t count = d.BE32();
        for (uint32_t k = 0; k < count && d.status().ok(); ++k) {
          c.values.push_back(d.String());
        }
        change.changes.push_back(std::move(c));
      }
      break;
    }
    case RecordType::kDelete:
      change.dn = d.String();
      change.time = GetTime(&d);
      break;
    case RecordType::kPurge: {
      uint32_t n = d.BE32();
      for (uint32_t i = 0; i < n && d.status().ok(); ++i) {
        change.purged.push_back(d.String());
      }
      break;
    }
    case RecordType::kSetTombstoneLifetime:
      change.tombstone_lifetime =
          absl::Seconds(static_cast<int64_t>(d.BE64()));
      break;
    default:
      return absl::DataLossError(absl::StrCat(
          "unknown directory record type ", static_cast<int>(type)));
  }
  RETURN_IF_ERROR(d.status());
  if (!d.done()) {
    return absl::DataLossError("trailing bytes after a directory change");
  }
  return change;
}

}  // namespace shadowset::directory_internal
