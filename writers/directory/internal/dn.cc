#include "writers/directory/internal/dn.h"

#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "engine/codes.h"

namespace shadowset::directory_internal {
namespace {

absl::Status BadDn(absl::string_view dn, absl::string_view why) {
  return MakeError(absl::StatusCode::kInvalidArgument, kErrorInvalidParameter,
                   absl::StrCat("bad distinguished name '", dn, "': ", why));
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = absl::ascii_tolower(static_cast<unsigned char>(c));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// One character of a value and whether it was escaped.
struct ValueChar {
  char c;
  bool escaped;
};

std::string Escape(const std::string& value) {
  std::string out;
  for (size_t i = 0; i < value.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(value[i]);
    bool edge_space = c == ' ' && (i == 0 || i + 1 == value.size());
    if (c < 0x20 || c == 0x7F) {
      absl::StrAppendFormat(&out, "\\%02x", c);
    } else if (absl::string_view(",+\"\\<>;=").find(static_cast<char>(c)) !=
                   absl::string_view::npos ||
               edge_space || (i == 0 && c == '#')) {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

}  // namespace

absl::Status ValidateName(absl::string_view what, absl::string_view name) {
  bool ok = !name.empty() && name.size() <= 256 &&
            absl::ascii_isalpha(static_cast<unsigned char>(name[0]));
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-') {
      ok = false;
    }
  }
  if (ok) return absl::OkStatus();
  return MakeError(
      absl::StatusCode::kInvalidArgument, kErrorInvalidParameter,
      absl::StrCat("bad ", what, " '", name,
                   "': use a letter, then letters, digits or '-' (at most "
                   "256 characters)"));
}

absl::StatusOr<ParsedDn> ParseDn(absl::string_view dn) {
  if (dn.empty()) return BadDn(dn, "it is empty");
  if (dn.size() > kMaxDnLength) {
    return BadDn(dn.substr(0, 64),
                 absl::StrFormat("longer than %u bytes", kMaxDnLength));
  }
  // (type, value) of each relative name, most specific first.
  std::vector<std::pair<std::string, std::string>> parts;
  size_t i = 0;
  while (true) {
    // Attribute type, up to an unescaped '='.
    size_t eq = dn.find('=', i);
    size_t comma = dn.find(',', i);
    if (eq == absl::string_view::npos ||
        (comma != absl::string_view::npos && comma < eq)) {
      return BadDn(dn, "a component has no '='");
    }
    std::string type = absl::AsciiStrToLower(
        absl::StripAsciiWhitespace(dn.substr(i, eq - i)));
    if (type.empty()) return BadDn(dn, "a component has no attribute type");
    if (!ValidateName("attribute type", type).ok()) {
      return BadDn(dn, absl::StrCat("bad attribute type '", type, "'"));
    }
    // Value, up to an unescaped ','.
    std::vector<ValueChar> value;
    size_t j = eq + 1;
    for (; j < dn.size() && dn[j] != ','; ++j) {
      char c = dn[j];
      if (c == '\\') {
        if (j + 1 >= dn.size()) return BadDn(dn, "it ends inside an escape");
        if (j + 2 < dn.size() && HexValue(dn[j + 1]) >= 0 &&
            HexValue(dn[j + 2]) >= 0) {
          value.push_back(
              {static_cast<char>(HexValue(dn[j + 1]) * 16 + HexValue(dn[j + 2])),
               true});
          j += 2;
        } else {
          value.push_back({dn[j + 1], true});
          j += 1;
        }
        continue;
      }
      if (absl::string_view("+;\"<>").find(c) != absl::string_view::npos) {
        return BadDn(dn, absl::StrCat("unescaped '", std::string(1, c),
                                      "' (multi-valued names are not "
                                      "supported)"));
      }
      value.push_back({c, false});
    }
    size_t begin = 0;
    size_t end = value.size();
    while (begin < end && value[begin].c == ' ' && !value[begin].escaped) {
      ++begin;
    }
    while (end > begin && value[end - 1].c == ' ' && !value[end - 1].escaped) {
      --end;
    }
    if (begin == end) {
      return BadDn(dn, absl::StrCat("'", type, "' has an empty value"));
    }
    std::string raw;
    for (size_t k = begin; k < end; ++k) raw.push_back(value[k].c);
    parts.emplace_back(std::move(type), absl::AsciiStrToLower(raw));
    if (j >= dn.size()) break;
    i = j + 1;  // past the ','
    if (i >= dn.size()) return BadDn(dn, "it ends with ','");
  }

  ParsedDn out;
  out.is_root = true;
  std::vector<std::string> normalized;
  normalized.reserve(parts.size());
  for (const auto& [type, value] : parts) {
    if (type != "dc") out.is_root = false;
    normalized.push_back(absl::StrCat(type, "=", Escape(value)));
  }
  out.key = absl::StrJoin(normalized, ",");
  if (!out.is_root) {
    out.parent_key = absl::StrJoin(normalized.begin() + 1, normalized.end(), ",");
    if (out.parent_key.empty()) {
      return BadDn(dn, "only a name made of DC= components may have no parent");
    }
  }
  return out;
}

}  // namespace shadowset::directory_internal
