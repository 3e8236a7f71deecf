#include "engine/internal/catalog_records.h"

#include "absl/strings/str_format.h"
#include "engine/internal/coding.h"

namespace shadowset::internal {
namespace {

constexpr uint8_t kValueVersion = 1;

absl::Status CheckVersion(Decoder& d, absl::string_view what) {
  uint8_t version = d.U8();
  if (d.status().ok() && version > kValueVersion) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "catalog %s record version %u is newer than this build", what,
        version));
  }
  return d.status();
}

}  // namespace

std::string EncodeU64(uint64_t v) {
  std::string out;
  PutBE64(&out, v);
  return out;
}

absl::StatusOr<uint64_t> DecodeU64(absl::string_view v, absl::string_view what) {
  if (v.size() != 8) {
    return absl::DataLossError(absl::StrFormat("bad catalog value for %s", what));
  }
  return LoadBE64(v.data());
}

std::string IndexKey(uint32_t volume, uint64_t block, uint64_t epoch) {
  std::string k;
  k.reserve(kIndexKeySize);
  PutBE32(&k, volume);
  PutBE64(&k, block);
  PutBE64(&k, epoch);
  return k;
}

void DecodeIndexKey(absl::string_view key, uint32_t* volume, uint64_t* block,
                    uint64_t* epoch) {
  *volume = LoadBE32(key.data());
  *block = LoadBE64(key.data() + 4);
  *epoch = LoadBE64(key.data() + 12);
}

std::string ChangesKey(uint32_t volume, uint64_t epoch, uint64_t block) {
  return IndexKey(volume, epoch, block);
}

void DecodeChangesKey(absl::string_view key, uint32_t* volume, uint64_t* epoch,
                      uint64_t* block) {
  DecodeIndexKey(key, volume, epoch, block);
}

std::string EncodeIndexValue(const IndexValue& v) {
  std::string out;
  out.reserve(33);
  out.push_back(char(kValueVersion));
  PutBE64(&out, v.seq);
  PutBE32(&out, v.header_offset);
  PutBE32(&out, v.entry);
  PutBE32(&out, v.data_offset);
  PutBE32(&out, v.length);
  PutBE64(&out, v.data_hash);
  return out;
}

absl::StatusOr<IndexValue> DecodeIndexValue(absl::string_view v) {
  Decoder d(v, "index value");
  if (absl::Status st = CheckVersion(d, "index"); !st.ok()) return st;
  IndexValue out;
  out.seq = d.BE64();
  out.header_offset = d.BE32();
  out.entry = d.BE32();
  out.data_offset = d.BE32();
  out.length = d.BE32();
  out.data_hash = d.BE64();
  if (!d.status().ok()) return d.status();
  return out;
}

std::string VolumeKey(uint32_t id) {
  std::string k;
  PutBE32(&k, id);
  return k;
}

std::string EncodeVolumeRecord(const VolumeRecord& r) {
  std::string out;
  out.push_back(char(kValueVersion));
  PutBE32(&out, r.id);
  PutString(&out, r.name);
  PutBE64(&out, r.block_count);
  PutBE64(&out, r.epoch);
  PutBE64(&out, r.checkpoint.seq);
  PutBE64(&out, r.checkpoint.offset);
  PutString(&out, r.device_path);
  PutBE64(&out, r.created_us);
  out.push_back(r.staging ? 1 : 0);
  return out;
}

absl::StatusOr<VolumeRecord> DecodeVolumeRecord(absl::string_view v) {
  Decoder d(v, "volume record");
  if (absl::Status st = CheckVersion(d, "volume"); !st.ok()) return st;
  VolumeRecord r;
  r.id = d.BE32();
  r.name = d.String();
  r.block_count = d.BE64();
  r.epoch = d.BE64();
  r.checkpoint.seq = d.BE64();
  r.checkpoint.offset = d.BE64();
  r.device_path = d.String();
  r.created_us = d.BE64();
  r.staging = d.U8() != 0;
  if (!d.status().ok()) return d.status();
  return r;
}

std::string EncodeSetRecord(const SetRecord& r) {
  std::string out;
  out.push_back(char(kValueVersion));
  PutBE64(&out, r.commit_seq);
  PutBE64(&out, r.created_us);
  out.push_back(r.corrupt ? 1 : 0);
  PutBE32(&out, static_cast<uint32_t>(r.snapshots.size()));
  for (const auto& [volume, epoch] : r.snapshots) {
    PutBE32(&out, volume);
    PutBE64(&out, epoch);
  }
  return out;
}

absl::StatusOr<SetRecord> DecodeSetRecord(absl::string_view key,
                                          absl::string_view v) {
  if (key.size() != 16) return absl::DataLossError("bad snapshot set key");
  Decoder d(v, "snapshot set record");
  if (absl::Status st = CheckVersion(d, "snapshot set"); !st.ok()) return st;
  SetRecord r;
  r.id = SetId::FromBytes(key);
  r.commit_seq = d.BE64();
  r.created_us = d.BE64();
  r.corrupt = d.U8() != 0;
  uint32_t n = d.BE32();
  for (uint32_t i = 0; i < n && d.status().ok(); ++i) {
    uint32_t volume = d.BE32();
    uint64_t epoch = d.BE64();
    r.snapshots.emplace_back(volume, epoch);
  }
  if (!d.status().ok()) return d.status();
  return r;
}

std::string SegKey(uint64_t seq) { return EncodeU64(seq); }

std::string EncodeSegRecord(const SegRecord& r) {
  std::string out;
  out.push_back(char(kValueVersion));
  PutBE32(&out, r.volume);
  PutBE64(&out, r.live);
  return out;
}

absl::StatusOr<SegRecord> DecodeSegRecord(absl::string_view v) {
  Decoder d(v, "segment record");
  if (absl::Status st = CheckVersion(d, "segment"); !st.ok()) return st;
  SegRecord r;
  r.volume = d.BE32();
  r.live = d.BE64();
  if (!d.status().ok()) return d.status();
  return r;
}

std::string GcKey(uint32_t volume, uint64_t lo, uint64_t hi) {
  return IndexKey(volume, lo, hi);
}

void DecodeGcKey(absl::string_view key, uint32_t* volume, uint64_t* lo,
                 uint64_t* hi) {
  DecodeIndexKey(key, volume, lo, hi);
}

std::string EncodeBackupRecord(const BackupRecord& r) {
  std::string out;
  out.push_back(char(kValueVersion));
  PutString(&out, r.id);
  out.append(r.set.bytes().data(), r.set.bytes().size());
  PutBE32(&out, r.type);
  PutString(&out, r.base_id);
  PutString(&out, r.path);
  PutBE64(&out, static_cast<uint64_t>(absl::ToUnixMicros(r.created)));
  PutBE64(&out, r.expires == absl::InfiniteFuture()
                    ? UINT64_MAX
                    : static_cast<uint64_t>(absl::ToUnixMicros(r.expires)));
  PutBE32(&out, static_cast<uint32_t>(r.volumes.size()));
  for (const std::string& v : r.volumes) PutString(&out, v);
  PutString(&out, r.details);
  return out;
}

absl::StatusOr<BackupRecord> DecodeBackupRecord(absl::string_view v) {
  Decoder d(v, "backup record");
  if (absl::Status st = CheckVersion(d, "backup"); !st.ok()) return st;
  BackupRecord r;
  r.id = d.String();
  r.set = SetId::FromBytes(d.Bytes(16));
  r.type = d.BE32();
  r.base_id = d.String();
  r.path = d.String();
  r.created = absl::FromUnixMicros(static_cast<int64_t>(d.BE64()));
  uint64_t expires = d.BE64();
  r.expires = expires == UINT64_MAX
                  ? absl::InfiniteFuture()
                  : absl::FromUnixMicros(static_cast<int64_t>(expires));
  uint32_t n = d.BE32();
  for (uint32_t i = 0; i < n && d.status().ok(); ++i) r.volumes.push_back(d.String());
  r.details = d.String();
  if (!d.status().ok()) return d.status();
  return r;
}

std::string EncodeEvent(const Event& e) {
  std::string out;
  out.push_back(char(kValueVersion));
  PutBE64(&out, static_cast<uint64_t>(absl::ToUnixMicros(e.time)));
  PutBE16(&out, static_cast<uint16_t>(e.kind));
  out.append(e.set.bytes().data(), e.set.bytes().size());
  PutString(&out, e.volume);
  PutString(&out, e.message);
  return out;
}

absl::StatusOr<Event> DecodeEvent(absl::string_view key, absl::string_view v) {
  if (key.size() != 8) return absl::DataLossError("bad event key");
  Decoder d(v, "event record");
  if (absl::Status st = CheckVersion(d, "event"); !st.ok()) return st;
  Event e;
  e.seq = LoadBE64(key.data());
  e.time = absl::FromUnixMicros(static_cast<int64_t>(d.BE64()));
  e.kind = static_cast<EventKind>(d.BE16());
  e.set = SetId::FromBytes(d.Bytes(16));
  e.volume = d.String();
  e.message = d.String();
  if (!d.status().ok()) return d.status();
  return e;
}

}  // namespace shadowset::internal
