// Principals: who calls the directory's backup and restore functions.
//
// A principal is named "user", or "DOMAIN\user" when a domain is given (as
// DsSetAuthIdentity(user, domain, password) forms it); names compare
// case-insensitively and are stored in lower case. The in-process service
// trusts its caller's claim: there is no account database, so a password
// is accepted as given and never stored. Privileges (backup, restore) are
// granted per principal; the principal that creates the directory holds
// both, and only a principal holding both may change anyone's.
//
//   std::string who = PrincipalName("Backup-Op", "CORP");  // "corp\backup-op"
//
// Thread safety: free functions.

#ifndef SHADOWSET_WRITERS_DIRECTORY_IDENTITY_H_
#define SHADOWSET_WRITERS_DIRECTORY_IDENTITY_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace shadowset {

struct Privileges {
  bool backup = false;
  bool restore = false;
  friend bool operator==(const Privileges& a, const Privileges& b) = default;
};

// "domain\user" (or "user") in lower case. kInvalidArgument
// (ERROR_INVALID_PARAMETER) for an empty user, a name over 256 bytes, or
// control characters or '\' inside either part.
absl::StatusOr<std::string> PrincipalName(absl::string_view user,
                                          absl::string_view domain = {});

// Normalizes a principal given as one string ("user" or "DOMAIN\user").
absl::StatusOr<std::string> ParsePrincipal(absl::string_view name);

// The user running this process (from the password database; "uid-N" if it
// has no entry). Normalized.
std::string CurrentUserPrincipal();

// This host's name (gethostname), the default server name.
std::string LocalHostName();

// Server names: leading backslashes are optional ("\\dc1" is "dc1"); the
// rest is 1-255 letters, digits, '-' and '.', not starting with '-' or
// '.'; an underscore is never allowed. Returns the bare name (case kept;
// servers compare case-insensitively). kInvalidArgument (no payload: the
// caller attaches its own code) for anything else.
absl::StatusOr<std::string> ParseServerName(absl::string_view name);

}  // namespace shadowset

#endif  // SHADOWSET_WRITERS_DIRECTORY_IDENTITY_H_
