// Distinguished names: parsing, validation and the normalized key the tree
// is indexed by (see writers/directory/directory_object.h for the rules).
//
//   ASSIGN_OR_RETURN(ParsedDn dn, ParseDn("CN=h1, OU=Hosts,DC=ex,DC=test"));
//   dn.key         == "cn=h1,ou=hosts,dc=ex,dc=test"
//   dn.parent_key  == "ou=hosts,dc=ex,dc=test"
//   dn.is_root     == false
//
// Values may escape any character with '\' (RFC 4514 style, also "\2C" hex
// pairs); an unescaped '+', ';', '"', '<' or '>' is refused (multi-valued
// relative names are not supported).
//
// Thread safety: free functions, no shared state.

#ifndef SHADOWSET_WRITERS_DIRECTORY_INTERNAL_DN_H_
#define SHADOWSET_WRITERS_DIRECTORY_INTERNAL_DN_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace shadowset::directory_internal {

inline constexpr size_t kMaxDnLength = 1024;

struct ParsedDn {
  std::string key;         // normalized: lower case, canonical escapes
  std::string parent_key;  // normalized parent; empty for a root
  bool is_root = false;    // every component is DC=
};

// kInvalidArgument (payload ERROR_INVALID_PARAMETER) naming the problem.
absl::StatusOr<ParsedDn> ParseDn(absl::string_view dn);

// Object class and attribute names: a letter, then letters, digits or '-';
// at most 256 characters. kInvalidArgument (ERROR_INVALID_PARAMETER),
// naming `what`.
absl::Status ValidateName(absl::string_view what, absl::string_view name);

}  // namespace shadowset::directory_internal

#endif  // SHADOWSET_WRITERS_DIRECTORY_INTERNAL_DN_H_
