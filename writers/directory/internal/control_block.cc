#include "writers/directory/internal/control_block.h"

#include <xxhash.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/internal/coding.h"
#include "engine/internal/status_macros.h"

namespace shadowset::directory_internal {

using internal::Decoder;
using internal::LoadBE16;
using internal::LoadBE32;
using internal::LoadBE64;
using internal::PutBE16;
using internal::PutBE32;
using internal::PutBE64;
using internal::PutString;

namespace {
// magic u32, major u16, minor u16, body length u32.
constexpr size_t kPrefixSize = 12;
}  // namespace

absl::StatusOr<std::string> EncodeControlBlock(const ControlBlock& block) {
  std::string body;
  PutBE64(&body, block.seq);
  absl::StrAppend(&body, block.instance_id.bytes());
  PutString(&body, block.server_name);
  PutBE32(&body, static_cast<uint32_t>(block.principals.size()));
  for (const PrincipalEntry& p : block.principals) {
    PutString(&body, p.name);
    PutBE32(&body, p.privileges);
  }
  PutBE32(&body, static_cast<uint32_t>(block.restore_state));
  PutBE32(&body, block.image_slot);
  PutBE64(&body, block.image_length);
  PutBE64(&body, block.image_xxh3);
  PutBE64(&body, block.checkpoint_usn);
  PutBE64(&body, block.checkpoint_gen);
  PutBE64(&body, block.first_retained_gen);
  PutBE64(&body, block.log_generation_size);
  PutBE32(&body, block.log_generations);
  PutBE64(&body, static_cast<uint64_t>(
                     absl::ToInt64Seconds(block.tombstone_lifetime)));

  std::string out;
  PutBE32(&out, kControlMagic);
  PutBE16(&out, kControlFormatMajor);
  PutBE16(&out, kControlFormatMinor);
  PutBE32(&out, static_cast<uint32_t>(body.size()));
  out.append(body);
  PutBE64(&out, XXH3_64bits(out.data(), out.size()));
  if (out.size() > kControlCopySize) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "the directory's control block would take %u bytes (at most %u): "
        "too many principals",
        out.size(), kControlCopySize));
  }
  return out;
}

absl::StatusOr<ControlBlock> DecodeControlBlock(absl::string_view copy) {
  if (copy.size() < kPrefixSize + 8 || LoadBE32(copy.data()) != kControlMagic) {
    return absl::DataLossError("no directory control block (bad magic)");
  }
  uint16_t major = LoadBE16(copy.data() + 4);
  uint32_t body_size = LoadBE32(copy.data() + 8);
  if (body_size > copy.size() - kPrefixSize - 8) {
    return absl::DataLossError("directory control block length is out of range");
  }
  absl::string_view covered = copy.substr(0, kPrefixSize + body_size);
  if (XXH3_64bits(covered.data(), covered.size()) !=
      LoadBE64(copy.data() + covered.size())) {
    return absl::DataLossError("directory control block fails its xxh3-64 checksum");
  }
  if (major > kControlFormatMajor) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "directory control block format %u is newer than this build (%u)",
        major, kControlFormatMajor));
  }
  Decoder d(copy.substr(kPrefixSize, body_size), "directory control block");
  ControlBlock block;
  block.seq = d.BE64();
  block.instance_id = SetId::FromBytes(d.Bytes(16));
  block.server_name = d.String();
  uint32_t n = d.BE32();
  for (uint32_t i = 0; i < n && d.status().ok(); ++i) {
    PrincipalEntry p;
    p.name = d.String();
    p.privileges = d.BE32();
    block.principals.push_back(std::move(p));
  }
  uint32_t state = d.BE32();
  if (state > static_cast<uint32_t>(RestoreState::kFailed)) {
    return absl::DataLossError(
        absl::StrFormat("unknown directory restore state %u", state));
  }
  block.restore_state = static_cast<RestoreState>(state);
  block.image_slot = d.BE32();
  block.image_length = d.BE64();
  block.image_xxh3 = d.BE64();
  block.checkpoint_usn = d.BE64();
  block.checkpoint_gen = d.BE64();
  block.first_retained_gen = d.BE64();
  block.log_generation_size = d.BE64();
  block.log_generations = d.BE32();
  block.tombstone_lifetime = absl::Seconds(static_cast<int64_t>(d.BE64()));
  RETURN_IF_ERROR(d.status());
  if (block.image_slot > 1 || block.log_generations == 0 ||
      block.log_generation_size == 0 || block.first_retained_gen == 0 ||
      block.first_retained_gen > block.checkpoint_gen) {
    return absl::DataLossError("directory control block fields are inconsistent");
  }
  return block;
}

absl::StatusOr<ControlBlock> ReadControlBlock(ReadAtFn read) {
  std::string bytes(2 * kControlCopySize, '\0');
  RETURN_IF_ERROR(read(0, absl::MakeSpan(reinterpret_cast<uint8_t*>(bytes.data()),
                                         bytes.size())));
  if (bytes.find_first_not_of('\0') == std::string::npos) {
    return absl::NotFoundError(
        "the directory was never initialised (its creation did not finish)");
  }
  absl::StatusOr<ControlBlock> best = absl::DataLossError("unset");
  absl::Status first_error;
  for (int copy = 0; copy < 2; ++copy) {
    absl::StatusOr<ControlBlock> block = DecodeControlBlock(
        absl::string_view(bytes).substr(copy * kControlCopySize, kControlCopySize));
    if (!block.ok()) {
      if (absl::IsFailedPrecondition(block.status())) return block.status();
      if (first_error.ok()) first_error = block.status();
      continue;
    }
    if (!best.ok() || block->seq > best->seq) best = std::move(block);
  }
  if (!best.ok()) {
    return absl::DataLossError(absl::StrCat(
        "both copies of the directory control block are damaged: ",
        first_error.message()));
  }
  return best;
}

}  // namespace shadowset::directory_internal
