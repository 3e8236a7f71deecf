#include "writers/rras/internal/rras_backup_dir.h"

#include <charconv>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "engine/internal/status_macros.h"
#include "writers/rras/internal/rras_records.h"
#include "xxhash.h"

namespace shadowset::rras::internal {
namespace {

constexpr char kTransportsFile[] = "router-managers.bin";
constexpr char kInterfacesFile[] = "interfaces.bin";
constexpr char kPhonebookFile[] = "rasphone.pbk";
constexpr char kTransportsMagic[] = "SSRRASRM";
constexpr char kInterfacesMagic[] = "SSRRASIF";
constexpr char kManifestHeader[] = "shadowset rras backup 1";

absl::Span<const uint8_t> Bytes(absl::string_view s) {
  return absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(s.data()),
                             s.size());
}

std::string Hash(absl::string_view s) {
  return absl::StrFormat("%016x", XXH3_64bits(s.data(), s.size()));
}

absl::Status Incompatible(absl::string_view why) {
  return absl::InvalidArgumentError(why);
}

bool ParseU64(absl::string_view text, uint64_t* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

// A part file: its magic, then one record.
absl::Status ReadPart(absl::string_view bytes, absl::string_view magic,
                      const char* name, RrasState* into) {
  if (bytes.substr(0, 8) != magic) {
    return Incompatible(absl::StrCat(name, " has the wrong magic"));
  }
  RrasState part;
  absl::Status s = part.ApplyRecord(bytes.substr(8));
  if (!s.ok()) return Incompatible(absl::StrCat(name, ": ", s.message()));
  bool transports_only = magic == absl::string_view(kTransportsMagic, 8);
  if (!part.instance_id().empty() || !part.admins().empty() ||
      !part.phonebook().empty() ||
      (transports_only ? !part.interfaces().empty()
                       : !part.transports().empty())) {
    return Incompatible(absl::StrCat(name, " holds records of another part"));
  }
  return into->ApplyRecord(bytes.substr(8));
}

}  // namespace

std::string FormatPhonebook(const std::map<std::string, PhonebookEntry>& book) {
  std::string out;
  for (const auto& [name, e] : book) {
    absl::StrAppend(&out, "[", e.name, "]\n");
    absl::StrAppend(&out, "Device=", e.device, "\n");
    absl::StrAppend(&out, "PhoneNumber=", e.number, "\n");
    for (const auto& [key, value] : e.options) {
      absl::StrAppend(&out, key, "=", value, "\n");
    }
    out += "\n";
  }
  return out;
}

absl::StatusOr<std::vector<PhonebookEntry>> ParsePhonebook(
    absl::string_view text) {
  std::vector<PhonebookEntry> entries;
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    if (line.empty()) continue;
    if (line.front() == '[') {
      if (line.size() < 3 || line.back() != ']') {
        return Incompatible(absl::StrFormat("rasphone.pbk line %d: bad section",
                                            line_no));
      }
      PhonebookEntry e;
      e.name = std::string(line.substr(1, line.size() - 2));
      entries.push_back(std::move(e));
      continue;
    }
    size_t eq = line.find('=');
    if (entries.empty() || eq == absl::string_view::npos || eq == 0) {
      return Incompatible(
          absl::StrFormat("rasphone.pbk line %d: expected key=value", line_no));
    }
    std::string key(line.substr(0, eq));
    std::string value(line.substr(eq + 1));
    PhonebookEntry& e = entries.back();
    if (key == "Device") {
      e.device = value;
    } else if (key == "PhoneNumber") {
      e.number = value;
    } else {
      e.options[key] = value;
    }
  }
  return entries;
}

absl::Status WriteRrasBackup(Env* env, const std::string& dir,
                             const RrasState& state, uint64_t seq) {
  RecordBuilder transports, interfaces;
  for (const auto& [id, t] : state.transports()) transports.PutTransport(t);
  for (const auto& [key, i] : state.interfaces()) interfaces.PutInterface(i);
  const std::vector<std::pair<std::string, std::string>> files = {
      {kTransportsFile, std::string(kTransportsMagic, 8) + transports.Finish()},
      {kInterfacesFile, std::string(kInterfacesMagic, 8) + interfaces.Finish()},
      {kPhonebookFile, FormatPhonebook(state.phonebook())},
  };
  std::string trimmed = dir;
  while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
  ASSIGN_OR_RETURN(FileType type, env->GetFileType(trimmed));
  if (type == FileType::kMissing) {
    RETURN_IF_ERROR(env->CreateDir(trimmed));
    RETURN_IF_ERROR(env->SyncDir(DirName(trimmed)));
  } else if (type != FileType::kDirectory) {
    return absl::FailedPreconditionError(
        absl::StrCat(dir, " exists and is not a directory"));
  }
  std::string manifest = absl::StrCat(kManifestHeader, "\nsequence ", seq, "\n");
  for (const auto& [name, bytes] : files) {
    RETURN_IF_ERROR(WriteFileAtomically(env, JoinPath(dir, name), Bytes(bytes)));
    absl::StrAppend(&manifest, "file ", name, " ", bytes.size(), " ",
                    Hash(bytes), "\n");
  }
  absl::StrAppend(&manifest, "end ", Hash(manifest), "\n");
  return WriteFileAtomically(env, JoinPath(dir, kManifestName), Bytes(manifest));
}

absl::StatusOr<uint64_t> ReadRrasBackup(Env* env, const std::string& dir,
                                        RrasState* state) {
  std::string manifest_path = JoinPath(dir, kManifestName);
  ASSIGN_OR_RETURN(FileType type, env->GetFileType(manifest_path));
  if (type != FileType::kFile) {
    return Incompatible(absl::StrCat(dir, " has no ", kManifestName));
  }
  ASSIGN_OR_RETURN(std::string manifest, ReadFileToString(env, manifest_path));
  std::vector<std::string> lines = absl::StrSplit(manifest, '\n');
  // header, sequence, 3 files, end, "" (after the last newline)
  if (lines.size() != 7 || lines[0] != kManifestHeader || !lines[6].empty()) {
    return Incompatible("the manifest is not a router configuration manifest");
  }
  std::string covered;
  for (int i = 0; i < 5; ++i) absl::StrAppend(&covered, lines[i], "\n");
  if (lines[5] != absl::StrCat("end ", Hash(covered))) {
    return Incompatible("the manifest's checksum does not match");
  }
  uint64_t seq;
  absl::string_view seq_line = lines[1];
  if (!absl::ConsumePrefix(&seq_line, "sequence ") || !ParseU64(seq_line, &seq)) {
    return Incompatible("the manifest has no sequence number");
  }
  const char* names[] = {kTransportsFile, kInterfacesFile, kPhonebookFile};
  std::string contents[3];
  for (int i = 0; i < 3; ++i) {
    std::vector<absl::string_view> f = absl::StrSplit(lines[2 + i], ' ');
    uint64_t size;
    if (f.size() != 4 || f[0] != "file" || f[1] != names[i] ||
        !ParseU64(f[2], &size)) {
      return Incompatible(absl::StrCat("the manifest does not list ", names[i]));
    }
    std::string path = JoinPath(dir, names[i]);
    ASSIGN_OR_RETURN(FileType t, env->GetFileType(path));
    if (t != FileType::kFile) {
      return Incompatible(absl::StrCat(names[i], " is missing"));
    }
    ASSIGN_OR_RETURN(contents[i], ReadFileToString(env, path));
    if (contents[i].size() != size || Hash(contents[i]) != f[3]) {
      return Incompatible(absl::StrCat(names[i], " does not match the manifest"));
    }
  }
  RETURN_IF_ERROR(ReadPart(contents[0], absl::string_view(kTransportsMagic, 8),
                           kTransportsFile, state));
  RETURN_IF_ERROR(ReadPart(contents[1], absl::string_view(kInterfacesMagic, 8),
                           kInterfacesFile, state));
  ASSIGN_OR_RETURN(std::vector<PhonebookEntry> book, ParsePhonebook(contents[2]));
  RecordBuilder b;
  for (const PhonebookEntry& e : book) b.PutPhonebookEntry(e);
  RETURN_IF_ERROR(state->ApplyRecord(b.Finish()));
  return seq;
}

}  // namespace shadowset::rras::internal
