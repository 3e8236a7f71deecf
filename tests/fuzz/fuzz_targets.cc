#include "tests/fuzz/fuzz_targets.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "engine/backup/internal/digest.h"
#include "engine/backup/internal/token_codec.h"
#include "engine/backup/internal/volume_format.h"
#include "engine/backup/manifest.h"
#include "engine/backup/token.h"
#include "engine/internal/coding.h"

namespace shadowset::fuzz {
namespace {

std::string Describe(const absl::Status& s) { return s.ToString(); }

// A refusal must carry one of the codes the parser documents.
std::string CheckRefusal(const absl::Status& s,
                         std::initializer_list<absl::StatusCode> allowed) {
  for (absl::StatusCode code : allowed) {
    if (s.code() == code) return "";
  }
  return absl::StrCat("refused with an undocumented code: ", Describe(s));
}

}  // namespace

absl::string_view TargetName(Target target) {
  switch (target) {
    case Target::kManifest:
      return "manifest";
    case Target::kVolumeFile:
      return "volume_file";
    case Target::kSumsFile:
      return "sums";
    case Target::kToken:
      return "token";
  }
  return "unknown";
}

std::string CheckManifest(absl::string_view input) {
  absl::StatusOr<BackupManifest> m = ParseManifest(input);
  if (!m.ok()) {
    return CheckRefusal(m.status(), {absl::StatusCode::kDataLoss,
                                     absl::StatusCode::kFailedPrecondition,
                                     absl::StatusCode::kResourceExhausted});
  }
  absl::StatusOr<std::string> bytes = EncodeManifest(*m);
  if (!bytes.ok())
    return "an accepted manifest does not encode: " + Describe(bytes.status());
  absl::StatusOr<BackupManifest> again = ParseManifest(*bytes);
  if (!again.ok()) {
    return "a re-encoded manifest is refused: " + Describe(again.status());
  }
  absl::StatusOr<std::string> bytes_again = EncodeManifest(*again);
  if (!bytes_again.ok() || *bytes_again != *bytes) {
    return "a manifest does not survive encode/parse";
  }
  return "";
}

std::string CheckVolumeFile(absl::string_view input) {
  absl::StatusOr<internal::ParsedDataFile> f =
      internal::ParseDataFile(input, "fuzz");
  if (!f.ok()) {
    return CheckRefusal(f.status(), {absl::StatusCode::kDataLoss,
                                     absl::StatusCode::kFailedPrecondition});
  }
  if (f->header.minor != internal::kVolumeFormatMinor) return "";  // may differ
  std::string bytes = internal::EncodeDataHeader(f->header);
  bytes.append(f->payload.data(), f->payload.size());
  bytes += internal::EncodeRuns(f->runs);
  bytes += internal::EncodeDataFooter(f->footer);
  if (bytes != input)
    return "an accepted volume file does not re-encode to itself";
  if (f->payload.size() != f->footer.payload_blocks * f->header.block_size) {
    return "payload size does not match the footer";
  }
  return "";
}

std::string CheckSumsFile(absl::string_view input) {
  absl::StatusOr<internal::ParsedSumsFile> f =
      internal::ParseSumsFile(input, "fuzz");
  if (!f.ok()) {
    return CheckRefusal(f.status(), {absl::StatusCode::kDataLoss,
                                     absl::StatusCode::kFailedPrecondition});
  }
  if (f->header.minor != internal::kVolumeFormatMinor) return "";
  internal::SumsHeader header = f->header;
  std::string bytes = internal::EncodeSumsHeader(&header);
  for (const internal::BlockSum& sum : f->entries) {
    internal::EncodeBlockSum(sum, header.sha256, &bytes);
  }
  bytes += internal::EncodeSumsFooter(f->footer);
  if (bytes != input)
    return "an accepted sums file does not re-encode to itself";
  return "";
}

std::string CheckToken(absl::string_view input) {
  absl::StatusOr<ExpiryToken> t = DecodeToken(input);
  if (!t.ok()) {
    if (t.status().code() != absl::StatusCode::kInvalidArgument ||
        TokenErrorOf(t.status()) != TokenError::kUnreadable) {
      return "refused without InvalidArgument + kUnreadable: " +
             Describe(t.status());
    }
    return "";
  }
  if (internal::EncodeTokenVerbatim(*t) != input) {
    return "an accepted token does not re-encode to itself";
  }
  for (absl::string_view key :
       {absl::string_view(), absl::string_view("fuzz key, 16+ bytes")}) {
    absl::Status s = shadowset::CheckToken(*t, input, key, t->created);
    if (!s.ok() && !TokenErrorOf(s).has_value()) {
      return "CheckToken refused without a TokenError: " + Describe(s);
    }
  }
  return "";
}

namespace {

using internal::LoadBE32;
using internal::LoadBE64;
using internal::StoreBE64;
using internal::Xxh3;

// Rewrites the checksums a random edit breaks, where the layout allows, so
// inputs get past them to the structural checks behind.
bool FixChecksums(Target target, std::string* s) {
  std::string before = *s;
  const size_t n = s->size();
  auto store_xxh3 = [&](size_t at, size_t from, size_t to) {
    StoreBE64(&(*s)[at], Xxh3(absl::string_view(*s).substr(from, to - from)));
  };
  switch (target) {
    case Target::kManifest:
      return false;
    case Target::kToken:
      if (n >= 20) store_xxh3(n - 8, 0, n - 8);
      break;
    case Target::kVolumeFile: {
      using internal::kDataFooterSize;
      using internal::kDataHeaderSize;
      using internal::kRunSize;
      if (n >= kDataHeaderSize)
        store_xxh3(kDataHeaderSize - 8, 0, kDataHeaderSize - 8);
      if (n < kDataHeaderSize + kDataFooterSize) break;
      size_t footer = n - kDataFooterSize;
      uint64_t runs = LoadBE64(&(*s)[footer + 8]);
      if (runs <= (footer - kDataHeaderSize) / kRunSize) {
        store_xxh3(footer + 16, footer - runs * kRunSize, footer);
      }
      store_xxh3(footer + 32, footer, footer + 32);
      break;
    }
    case Target::kSumsFile: {
      using internal::kSumsFooterSize;
      if (n < 12) break;
      size_t header = LoadBE32(&(*s)[8]);
      if (header < 29 || header > n || header > internal::kSumsMaxHeaderSize)
        break;
      store_xxh3(header - 8, 0, header - 8);
      if (n < header + kSumsFooterSize) break;
      size_t footer = n - kSumsFooterSize;
      store_xxh3(footer + 8, header, footer);
      store_xxh3(footer + 64, footer, footer + 64);
      break;
    }
  }
  return *s != before;
}

std::string CheckRaw(Target target, absl::string_view input) {
  switch (target) {
    case Target::kManifest:
      return CheckManifest(input);
    case Target::kVolumeFile:
      return CheckVolumeFile(input);
    case Target::kSumsFile:
      return CheckSumsFile(input);
    case Target::kToken:
      return CheckToken(input);
  }
  return "unknown target";
}

}  // namespace

std::string Check(Target target, absl::string_view input) {
  std::string problem = CheckRaw(target, input);
  if (!problem.empty()) return problem;
  std::string fixed(input);
  if (!FixChecksums(target, &fixed)) return "";
  problem = CheckRaw(target, fixed);
  return problem.empty() ? "" : "with its checksums fixed up: " + problem;
}

int RunOrAbort(Target target, const uint8_t* data, size_t size) {
  std::string problem = Check(
      target, absl::string_view(reinterpret_cast<const char*>(data), size));
  if (!problem.empty()) {
    std::fprintf(stderr, "%s fuzz target: %s\n",
                 std::string(TargetName(target)).c_str(), problem.c_str());
    std::abort();
  }
  return 0;
}

}  // namespace shadowset::fuzz
