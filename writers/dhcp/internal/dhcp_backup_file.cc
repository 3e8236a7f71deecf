#include "writers/dhcp/internal/dhcp_backup_file.h"

#include "absl/strings/str_format.h"
#include "engine/internal/status_macros.h"
#include "writers/service/coding.h"
#include "xxhash.h"

namespace shadowset::dhcp::internal {
namespace {

using service::Decoder;
using service::Encoder;

constexpr char kMagic[] = "SSDHCPBK";
constexpr uint32_t kVersion = 1;
constexpr uint32_t kChecksumXxh3 = 1;
constexpr size_t kHeaderSize = 64;

}  // namespace

absl::Status WriteBackupFile(Env* env, const std::string& dir,
                             const DhcpState& state, uint64_t seq,
                             absl::Time created) {
  std::vector<std::string> parts = state.Serialize();
  Encoder body;
  for (const std::string& part : parts) body.Str(part);
  Encoder header;
  for (int i = 0; i < 8; ++i) header.U8(static_cast<uint8_t>(kMagic[i]));
  header.U32(kVersion);
  header.U32(kChecksumXxh3);
  header.U64(seq);
  header.I64(absl::ToUnixMicros(created));
  header.U64(parts.size());
  header.U64(body.size());
  header.U64(XXH3_64bits(body.data().data(), body.size()));
  header.U64(XXH3_64bits(header.data().data(), header.size()));
  std::string file = header.Release() + body.Release();

  ASSIGN_OR_RETURN(FileType type, env->GetFileType(dir));
  if (type == FileType::kMissing) {
    RETURN_IF_ERROR(env->CreateDir(dir));
    RETURN_IF_ERROR(env->SyncDir(DirName(dir)));
  } else if (type != FileType::kDirectory) {
    return absl::FailedPreconditionError(
        absl::StrFormat("%s exists and is not a directory", dir));
  }
  return WriteFileAtomically(
      env, JoinPath(dir, kBackupFileName),
      absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(file.data()),
                          file.size()));
}

absl::StatusOr<BackupFileInfo> ReadBackupFile(Env* env, const std::string& dir,
                                              DhcpState* state) {
  std::string path = JoinPath(dir, kBackupFileName);
  ASSIGN_OR_RETURN(FileType type, env->GetFileType(path));
  if (type != FileType::kFile) {
    return absl::NotFoundError(
        absl::StrFormat("%s holds no DHCP backup (no %s)", dir, kBackupFileName));
  }
  ASSIGN_OR_RETURN(std::string file, ReadFileToString(env, path));
  auto damaged = [&](const char* why) {
    return absl::DataLossError(
        absl::StrFormat("the DHCP backup %s is damaged: %s", path, why));
  };
  if (file.size() < kHeaderSize) return damaged("shorter than its header");
  if (absl::string_view(file).substr(0, 8) != absl::string_view(kMagic, 8)) {
    return damaged("bad magic");
  }
  Decoder h(absl::string_view(file).substr(8, kHeaderSize - 8));
  uint32_t version, algorithm;
  uint64_t seq, count, body_size, body_sum, header_sum;
  int64_t created_us;
  if (!h.U32(&version) || !h.U32(&algorithm) || !h.U64(&seq) ||
      !h.I64(&created_us) || !h.U64(&count) || !h.U64(&body_size) ||
      !h.U64(&body_sum) || !h.U64(&header_sum)) {
    return damaged("short header");
  }
  if (header_sum != XXH3_64bits(file.data(), kHeaderSize - 8)) {
    return damaged("header checksum mismatch");
  }
  if (version > kVersion) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "the DHCP backup %s has format version %d, newer than this build's %d",
        path, version, kVersion));
  }
  if (algorithm != kChecksumXxh3) return damaged("unknown checksum algorithm");
  absl::string_view body = absl::string_view(file).substr(kHeaderSize);
  if (body.size() != body_size) return damaged("truncated");
  if (XXH3_64bits(body.data(), body.size()) != body_sum) {
    return damaged("body checksum mismatch");
  }
  Decoder d(body);
  for (uint64_t i = 0; i < count; ++i) {
    std::string part;
    if (!d.Str(&part)) return damaged("short record");
    RETURN_IF_ERROR(state->ApplyRecord(part));
  }
  if (!d.done()) return damaged("trailing bytes");
  BackupFileInfo info;
  info.seq = seq;
  info.created = absl::FromUnixMicros(created_us);
  return info;
}

}  // namespace shadowset::dhcp::internal
