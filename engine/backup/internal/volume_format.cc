#include "engine/backup/internal/volume_format.h"

#include <cstring>

#include "absl/strings/escaping.h"
#include "absl/strings/str_format.h"
#include "engine/backup/internal/digest.h"
#include "engine/internal/coding.h"
#include "engine/internal/status_macros.h"

namespace shadowset::internal {
namespace {

constexpr absl::string_view kAlgorithmsXxh3 = "xxh3-64";
constexpr absl::string_view kAlgorithmsBoth = "xxh3-64,sha256";

absl::Status Damaged(absl::string_view file, absl::string_view what) {
  return absl::DataLossError(absl::StrFormat("%s: %s", file, what));
}

absl::Status Newer(absl::string_view file, uint16_t major, uint16_t minor) {
  return absl::FailedPreconditionError(absl::StrFormat(
      "%s: format %u.%u is newer than this build, which reads major version %u",
      file, major, minor, kVolumeFormatMajor));
}

// The checksum stored in the last 8 bytes of `region` covers the rest.
bool ChecksumOk(absl::string_view region) {
  absl::string_view covered = region.substr(0, region.size() - 8);
  return Xxh3(covered) == LoadBE64(region.data() + covered.size());
}

std::string MagicName(uint32_t magic) {
  std::string s(4, '?');
  for (int i = 0; i < 4; ++i) {
    char c = static_cast<char>(magic >> (24 - 8 * i));
    if (c >= 0x20 && c < 0x7F) s[static_cast<size_t>(i)] = c;
  }
  return s;
}

bool IsPowerOfTwo(uint32_t v) { return v != 0 && (v & (v - 1)) == 0; }

}  // namespace

std::string EncodeDataHeader(const DataHeader& h) {
  std::string out(kDataHeaderSize, '\0');
  StoreBE32(&out[0], h.magic);
  StoreBE16(&out[4], h.major);
  StoreBE16(&out[6], h.minor);
  StoreBE32(&out[8], h.block_size);
  StoreBE32(&out[12], 0);  // flags
  StoreBE64(&out[16], h.block_count);
  StoreBE64(&out[kDataHeaderSize - 8],
            Xxh3(absl::string_view(out).substr(0, kDataHeaderSize - 8)));
  return out;
}

absl::StatusOr<DataHeader> ParseDataHeader(absl::string_view bytes,
                                           absl::string_view file) {
  if (bytes.size() < kDataHeaderSize) {
    return Damaged(file, absl::StrFormat("truncated header (%u of %u bytes)",
                                         bytes.size(), kDataHeaderSize));
  }
  bytes = bytes.substr(0, kDataHeaderSize);
  DataHeader h;
  h.magic = LoadBE32(&bytes[0]);
  h.major = LoadBE16(&bytes[4]);
  h.minor = LoadBE16(&bytes[6]);
  if (h.magic != kImageMagic && h.magic != kDeltaMagic) {
    return Damaged(
        file,
        absl::StrFormat("not a volume image or delta (magic 0x%08X \"%s\")",
                        h.magic, MagicName(h.magic)));
  }
  if (!ChecksumOk(bytes)) return Damaged(file, "header checksum mismatch");
  if (h.major > kVolumeFormatMajor) return Newer(file, h.major, h.minor);
  if (h.major == 0) return Damaged(file, "unknown format major version 0");
  h.block_size = LoadBE32(&bytes[8]);
  uint32_t flags = LoadBE32(&bytes[12]);
  h.block_count = LoadBE64(&bytes[16]);
  if (flags != 0) {
    return Damaged(file, absl::StrFormat("unknown header flags 0x%08X", flags));
  }
  if (!IsPowerOfTwo(h.block_size) || h.block_size < kMinBlockSize ||
      h.block_size > kMaxBlockSize) {
    return Damaged(file, absl::StrFormat("bad block size %u", h.block_size));
  }
  if (h.block_count == 0 ||
      h.block_count > (uint64_t{1} << 62) / h.block_size) {
    return Damaged(file, absl::StrFormat("bad block count %u", h.block_count));
  }
  if (h.minor <= kVolumeFormatMinor) {
    for (size_t i = 24; i < kDataHeaderSize - 8; ++i) {
      if (bytes[i] != 0) {
        return Damaged(file,
                       absl::StrFormat("non-zero reserved header byte %u", i));
      }
    }
  }
  return h;
}

std::string EncodeDataFooter(const DataFooter& f) {
  std::string out(kDataFooterSize, '\0');
  StoreBE64(&out[0], f.payload_blocks);
  StoreBE64(&out[8], f.run_count);
  StoreBE64(&out[16], f.runs_xxh3);
  StoreBE32(&out[24], f.magic);
  StoreBE16(&out[28], f.major);
  StoreBE16(&out[30], f.minor);
  StoreBE64(&out[32], Xxh3(absl::string_view(out).substr(0, 32)));
  return out;
}

absl::StatusOr<DataFooter> ParseDataFooter(absl::string_view bytes,
                                           const DataHeader& header,
                                           absl::string_view file) {
  if (bytes.size() != kDataFooterSize) {
    return Damaged(file, absl::StrFormat("truncated footer (%u of %u bytes)",
                                         bytes.size(), kDataFooterSize));
  }
  if (!ChecksumOk(bytes)) return Damaged(file, "footer checksum mismatch");
  DataFooter f;
  f.payload_blocks = LoadBE64(&bytes[0]);
  f.run_count = LoadBE64(&bytes[8]);
  f.runs_xxh3 = LoadBE64(&bytes[16]);
  f.magic = LoadBE32(&bytes[24]);
  f.major = LoadBE16(&bytes[28]);
  f.minor = LoadBE16(&bytes[30]);
  if (f.magic != header.magic || f.major != header.major ||
      f.minor != header.minor) {
    return Damaged(file, "footer names another format than the header");
  }
  if (f.payload_blocks > header.block_count ||
      f.run_count > header.block_count) {
    return Damaged(
        file,
        absl::StrFormat("footer counts (%u data blocks, %u runs) exceed "
                        "the %u-block volume",
                        f.payload_blocks, f.run_count, header.block_count));
  }
  return f;
}

absl::StatusOr<uint64_t> RunsOffset(const DataHeader& header,
                                    const DataFooter& footer,
                                    uint64_t file_size,
                                    absl::string_view file) {
  // Counts are bounded by block_count <= 2^62 / block_size (ParseDataHeader),
  // so none of this overflows.
  uint64_t runs_offset =
      kDataHeaderSize + footer.payload_blocks * header.block_size;
  uint64_t expected =
      runs_offset + footer.run_count * kRunSize + kDataFooterSize;
  if (file_size != expected) {
    return Damaged(
        file, absl::StrFormat("size %u does not match its layout (%u data "
                              "blocks of %u bytes and %u map runs make %u)",
                              file_size, footer.payload_blocks,
                              header.block_size, footer.run_count, expected));
  }
  return runs_offset;
}

std::string EncodeRuns(const std::vector<MapRun>& runs) {
  std::string out(runs.size() * kRunSize, '\0');
  char* p = out.data();
  for (const MapRun& r : runs) {
    StoreBE64(p, r.first_block);
    StoreBE64(p + 8, r.block_count);
    p[16] = static_cast<char>(r.kind);
    p += kRunSize;
  }
  return out;
}

absl::StatusOr<std::vector<MapRun>> ParseRuns(absl::string_view bytes,
                                              const DataHeader& header,
                                              const DataFooter& footer,
                                              absl::string_view file) {
  if (bytes.size() != footer.run_count * kRunSize) {
    return Damaged(file, "truncated block map");
  }
  if (Xxh3(bytes) != footer.runs_xxh3) {
    return Damaged(file, "block map checksum mismatch");
  }
  std::vector<MapRun> runs(footer.run_count);
  const char* p = bytes.data();
  for (MapRun& r : runs) {
    r.first_block = LoadBE64(p);
    r.block_count = LoadBE64(p + 8);
    r.kind = static_cast<RunKind>(static_cast<uint8_t>(p[16]));
    p += kRunSize;
  }
  RETURN_IF_ERROR(ValidateBlockMap(runs, header.map_kind(), header.block_count,
                                   footer.payload_blocks, file));
  return runs;
}

std::string EncodeSumsHeader(SumsHeader* h) {
  absl::string_view algorithms = h->sha256 ? kAlgorithmsBoth : kAlgorithmsXxh3;
  h->header_length = static_cast<uint32_t>(21 + algorithms.size() + 8);
  std::string out(h->header_length, '\0');
  StoreBE32(&out[0], kSumsMagic);
  StoreBE16(&out[4], h->major);
  StoreBE16(&out[6], h->minor);
  StoreBE32(&out[8], h->header_length);
  StoreBE32(&out[12], h->block_size);
  StoreBE32(&out[16], h->data_magic);
  out[20] = static_cast<char>(algorithms.size());
  std::memcpy(&out[21], algorithms.data(), algorithms.size());
  StoreBE64(&out[h->header_length - 8],
            Xxh3(absl::string_view(out).substr(0, h->header_length - 8)));
  return out;
}

absl::StatusOr<SumsHeader> ParseSumsHeader(absl::string_view bytes,
                                           absl::string_view file) {
  if (bytes.size() < 12) return Damaged(file, "truncated header");
  SumsHeader h;
  uint32_t magic = LoadBE32(&bytes[0]);
  h.major = LoadBE16(&bytes[4]);
  h.minor = LoadBE16(&bytes[6]);
  h.header_length = LoadBE32(&bytes[8]);
  if (magic != kSumsMagic) {
    return Damaged(
        file, absl::StrFormat("not a sums file (magic 0x%08X \"%s\")", magic,
                              MagicName(magic)));
  }
  if (h.header_length < 29 || h.header_length > kSumsMaxHeaderSize) {
    return Damaged(file,
                   absl::StrFormat("bad header length %u", h.header_length));
  }
  if (bytes.size() < h.header_length) {
    return Damaged(file, absl::StrFormat("truncated header (%u of %u bytes)",
                                         bytes.size(), h.header_length));
  }
  absl::string_view region = bytes.substr(0, h.header_length);
  if (!ChecksumOk(region)) return Damaged(file, "header checksum mismatch");
  if (h.major > kVolumeFormatMajor) return Newer(file, h.major, h.minor);
  if (h.major == 0) return Damaged(file, "unknown format major version 0");
  h.block_size = LoadBE32(&region[12]);
  h.data_magic = LoadBE32(&region[16]);
  size_t algorithms_length = static_cast<uint8_t>(region[20]);
  if (21 + algorithms_length + 8 > region.size()) {
    return Damaged(file, "algorithm names pass the end of the header");
  }
  absl::string_view algorithms = region.substr(21, algorithms_length);
  if (algorithms == kAlgorithmsXxh3) {
    h.sha256 = false;
  } else if (algorithms == kAlgorithmsBoth) {
    h.sha256 = true;
  } else {
    return Damaged(file, absl::StrFormat("unknown checksum algorithms \"%s\"",
                                         absl::CHexEscape(algorithms)));
  }
  if (h.minor <= kVolumeFormatMinor &&
      region.size() != 21 + algorithms_length + 8) {
    return Damaged(file, "header longer than its fields");
  }
  if (h.data_magic != kImageMagic && h.data_magic != kDeltaMagic) {
    return Damaged(
        file,
        absl::StrFormat("describes an unknown file kind 0x%08X", h.data_magic));
  }
  if (!IsPowerOfTwo(h.block_size) || h.block_size < kMinBlockSize ||
      h.block_size > kMaxBlockSize) {
    return Damaged(file, absl::StrFormat("bad block size %u", h.block_size));
  }
  return h;
}

std::string EncodeSumsFooter(const SumsFooter& f) {
  std::string out(kSumsFooterSize, '\0');
  StoreBE64(&out[0], f.entry_count);
  StoreBE64(&out[8], f.entries_xxh3);
  StoreBE64(&out[16], f.data_meta_xxh3);
  std::memcpy(&out[24], f.data_meta_sha256.data(), 32);
  StoreBE32(&out[56], kSumsMagic);
  StoreBE16(&out[60], f.major);
  StoreBE16(&out[62], f.minor);
  StoreBE64(&out[64], Xxh3(absl::string_view(out).substr(0, 64)));
  return out;
}

absl::StatusOr<SumsFooter> ParseSumsFooter(absl::string_view bytes,
                                           const SumsHeader& header,
                                           uint64_t file_size,
                                           absl::string_view file) {
  if (bytes.size() != kSumsFooterSize ||
      file_size < header.header_length + kSumsFooterSize) {
    return Damaged(file, "truncated footer");
  }
  if (!ChecksumOk(bytes)) return Damaged(file, "footer checksum mismatch");
  SumsFooter f;
  f.entry_count = LoadBE64(&bytes[0]);
  f.entries_xxh3 = LoadBE64(&bytes[8]);
  f.data_meta_xxh3 = LoadBE64(&bytes[16]);
  std::memcpy(f.data_meta_sha256.data(), &bytes[24], 32);
  uint32_t magic = LoadBE32(&bytes[56]);
  f.major = LoadBE16(&bytes[60]);
  f.minor = LoadBE16(&bytes[62]);
  if (magic != kSumsMagic || f.major != header.major ||
      f.minor != header.minor) {
    return Damaged(file, "footer names another format than the header");
  }
  if (!header.sha256 && f.data_meta_sha256 != Sha256Digest{}) {
    return Damaged(file,
                   "footer carries a SHA-256 the header does not announce");
  }
  uint64_t entries_bytes = file_size - header.header_length - kSumsFooterSize;
  if (entries_bytes % header.entry_size() != 0 ||
      entries_bytes / header.entry_size() != f.entry_count) {
    return Damaged(
        file, absl::StrFormat("size %u does not hold the %u entries its footer "
                              "announces",
                              file_size, f.entry_count));
  }
  return f;
}

void EncodeBlockSum(const BlockSum& sum, bool sha256, std::string* out) {
  char buf[40];
  StoreBE64(buf, sum.xxh3);
  size_t n = 8;
  if (sha256) {
    std::memcpy(buf + 8, sum.sha256.data(), 32);
    n = 40;
  }
  out->append(buf, n);
}

BlockSum DecodeBlockSum(const char* p, bool sha256) {
  BlockSum s;
  s.xxh3 = LoadBE64(p);
  if (sha256) std::memcpy(s.sha256.data(), p + 8, 32);
  return s;
}

absl::StatusOr<ParsedDataFile> ParseDataFile(absl::string_view bytes,
                                             absl::string_view file) {
  ParsedDataFile out;
  ASSIGN_OR_RETURN(out.header, ParseDataHeader(bytes, file));
  if (bytes.size() < kDataHeaderSize + kDataFooterSize) {
    return Damaged(file, "truncated: no room for a footer");
  }
  ASSIGN_OR_RETURN(out.footer,
                   ParseDataFooter(bytes.substr(bytes.size() - kDataFooterSize),
                                   out.header, file));
  ASSIGN_OR_RETURN(uint64_t runs_offset,
                   RunsOffset(out.header, out.footer, bytes.size(), file));
  ASSIGN_OR_RETURN(
      out.runs,
      ParseRuns(bytes.substr(runs_offset, out.footer.run_count * kRunSize),
                out.header, out.footer, file));
  out.payload = bytes.substr(kDataHeaderSize, runs_offset - kDataHeaderSize);
  return out;
}

absl::StatusOr<ParsedSumsFile> ParseSumsFile(absl::string_view bytes,
                                             absl::string_view file) {
  ParsedSumsFile out;
  ASSIGN_OR_RETURN(out.header, ParseSumsHeader(bytes, file));
  if (bytes.size() < out.header.header_length + kSumsFooterSize) {
    return Damaged(file, "truncated: no room for a footer");
  }
  ASSIGN_OR_RETURN(out.footer,
                   ParseSumsFooter(bytes.substr(bytes.size() - kSumsFooterSize),
                                   out.header, bytes.size(), file));
  absl::string_view entries =
      bytes.substr(out.header.header_length,
                   bytes.size() - out.header.header_length - kSumsFooterSize);
  if (Xxh3(entries) != out.footer.entries_xxh3) {
    return Damaged(file, "checksum entries fail their xxh3-64");
  }
  size_t entry_size = out.header.entry_size();
  out.entries.reserve(out.footer.entry_count);
  for (size_t off = 0; off < entries.size(); off += entry_size) {
    out.entries.push_back(
        DecodeBlockSum(entries.data() + off, out.header.sha256));
  }
  return out;
}

}  // namespace shadowset::internal
