#include "writers/directory/internal/log_writer.h"

#include <string>

#include "absl/random/random.h"
#include "absl/strings/str_format.h"
#include "engine/codes.h"
#include "engine/internal/status_macros.h"

namespace shadowset::directory_internal {
namespace {

absl::Span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

uint64_t RandomSalt() {
  absl::BitGen gen;  // seeded from the OS entropy pool
  return absl::Uniform<uint64_t>(gen);
}

absl::Status LogWriter::WriteGeneration(Volume* volume,
                                        const LogGeometry& geometry,
                                        uint64_t generation, uint64_t prev_salt,
                                        uint64_t first_usn) {
  GenerationHeader header{generation, RandomSalt(), prev_salt, first_usn};
  return volume->Write(geometry.SlotOffset(generation),
                       Bytes(EncodeGenerationHeader(header)));
}

absl::Status LogWriter::CheckSpace(uint64_t payload_size,
                                   uint64_t first_retained_gen) const {
  if (payload_size > geometry_.max_payload()) {
    return MakeError(absl::StatusCode::kInvalidArgument, kErrorInvalidParameter,
                     absl::StrFormat("the change takes %u bytes; a log "
                                     "generation holds at most %u",
                                     payload_size, geometry_.max_payload()));
  }
  if (Fits(kRecordHeaderSize + payload_size)) return absl::OkStatus();
  uint64_t next = end_.generation + 1;
  if (next >= first_retained_gen + geometry_.generations) {
    return MakeError(
        absl::StatusCode::kResourceExhausted, kErrorDiskFull,
        absl::StrFormat("the directory log is full: all %u generations are "
                        "retained since generation %u; a full backup "
                        "truncates them",
                        geometry_.generations, first_retained_gen));
  }
  return absl::OkStatus();
}

absl::Status LogWriter::Roll(uint64_t first_usn, uint64_t first_retained_gen) {
  uint64_t next = end_.generation + 1;
  if (next >= first_retained_gen + geometry_.generations) {
    return MakeError(absl::StatusCode::kResourceExhausted, kErrorDiskFull,
                     "the directory log is full");
  }
  GenerationHeader header{next, RandomSalt(), end_.salt, first_usn};
  std::string bytes = EncodeGenerationHeader(header);
  RETURN_IF_ERROR(volume_->Write(geometry_.SlotOffset(next), Bytes(bytes)));
  bytes_appended_ += bytes.size();
  end_.generation = next;
  end_.offset = kGenerationHeaderSize;
  end_.seed = header.salt;
  end_.salt = header.salt;
  return absl::OkStatus();
}

absl::Status LogWriter::StartEpoch(uint64_t first_retained_gen) {
  uint64_t seed = RandomSalt();
  std::string payload;
  internal::PutBE64(&payload, seed);
  std::string record = EncodeRecord(RecordType::kSeed, 0, payload, end_.seed);
  if (!Fits(record.size())) {
    // A new generation brings a fresh salt, which serves as well.
    return Roll(end_.next_usn, first_retained_gen);
  }
  RETURN_IF_ERROR(volume_->Write(
      geometry_.SlotOffset(end_.generation) + end_.offset, Bytes(record)));
  bytes_appended_ += record.size();
  end_.offset += record.size();
  end_.seed = seed;
  return absl::OkStatus();
}

absl::Status LogWriter::Append(RecordType type, uint64_t usn,
                               absl::string_view payload,
                               uint64_t first_retained_gen) {
  RETURN_IF_ERROR(CheckSpace(payload.size(), first_retained_gen));
  if (usn != end_.next_usn) {
    return absl::InternalError(absl::StrFormat(
        "directory log expects USN %u next, not %u", end_.next_usn, usn));
  }
  if (!Fits(kRecordHeaderSize + payload.size())) {
    RETURN_IF_ERROR(Roll(usn, first_retained_gen));
  }
  std::string record = EncodeRecord(type, usn, payload, end_.seed);
  RETURN_IF_ERROR(volume_->Write(
      geometry_.SlotOffset(end_.generation) + end_.offset, Bytes(record)));
  bytes_appended_ += record.size();
  end_.offset += record.size();
  ++end_.next_usn;
  return absl::OkStatus();
}

}  // namespace shadowset::directory_internal
