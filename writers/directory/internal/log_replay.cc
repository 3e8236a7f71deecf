#include "writers/directory/internal/log_replay.h"

#include <optional>
#include <string>

#include "absl/strings/str_format.h"
#include "engine/internal/coding.h"
#include "engine/internal/status_macros.h"

namespace shadowset::directory_internal {
namespace {

// The header of `generation` if its slot holds that generation.
absl::StatusOr<std::optional<GenerationHeader>> ReadHeader(
    LogReadFn read, const LogGeometry& geometry, uint64_t generation) {
  std::string bytes(kGenerationHeaderSize, '\0');
  RETURN_IF_ERROR(read(geometry.SlotOffset(generation),
                       absl::MakeSpan(reinterpret_cast<uint8_t*>(bytes.data()),
                                      bytes.size())));
  std::optional<GenerationHeader> header = DecodeGenerationHeader(bytes);
  if (!header || header->generation != generation) return std::nullopt;
  return header;
}

}  // namespace

absl::StatusOr<LogEnd> ReplayLog(LogReadFn read, const LogGeometry& geometry,
                                 uint64_t start_gen, uint64_t after_usn,
                                 uint64_t last_gen, RecordFn fn) {
  ASSIGN_OR_RETURN(std::optional<GenerationHeader> header,
                   ReadHeader(read, geometry, start_gen));
  if (!header) {
    return absl::DataLossError(absl::StrFormat(
        "directory log generation %u is missing or damaged", start_gen));
  }
  if (header->first_usn > after_usn + 1) {
    return absl::DataLossError(absl::StrFormat(
        "directory log generation %u starts at USN %u: the changes after USN "
        "%u are missing",
        start_gen, header->first_usn, after_usn));
  }
  LogEnd at;
  at.generation = start_gen;
  at.offset = kGenerationHeaderSize;
  at.seed = header->salt;
  at.salt = header->salt;
  at.next_usn = header->first_usn;
  std::string body(geometry.generation_size - kGenerationHeaderSize, '\0');
  auto load_body = [&]() -> absl::Status {
    return read(geometry.SlotOffset(at.generation) + kGenerationHeaderSize,
                absl::MakeSpan(reinterpret_cast<uint8_t*>(body.data()),
                               body.size()));
  };
  RETURN_IF_ERROR(load_body());
  while (true) {
    absl::string_view rest =
        absl::string_view(body).substr(at.offset - kGenerationHeaderSize);
    std::optional<RecordView> record = DecodeRecord(rest, at.seed);
    if (record && record->type == RecordType::kSeed) {
      if (record->payload.size() != 8) break;  // damaged: the log ends here
      at.seed = internal::LoadBE64(record->payload.data());
      at.offset += record->size;
      continue;
    }
    if (record && record->usn == at.next_usn) {
      if (record->usn > after_usn) {
        RETURN_IF_ERROR(fn(record->usn, record->type, record->payload));
      }
      ++at.next_usn;
      at.offset += record->size;
      continue;
    }
    // No record here: the log ends, unless the next generation continues it.
    uint64_t next = at.generation + 1;
    if (next > last_gen || next >= start_gen + geometry.generations) break;
    ASSIGN_OR_RETURN(std::optional<GenerationHeader> next_header,
                     ReadHeader(read, geometry, next));
    if (!next_header || next_header->prev_salt != at.salt ||
        next_header->first_usn != at.next_usn) {
      break;
    }
    at.generation = next;
    at.offset = kGenerationHeaderSize;
    at.seed = next_header->salt;
    at.salt = next_header->salt;
    RETURN_IF_ERROR(load_body());
  }
  return at;
}

}  // namespace shadowset::directory_internal
