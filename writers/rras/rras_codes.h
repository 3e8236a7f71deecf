// The router configuration API's result codes (mprapi / RAS; public
// Windows constants: never renumber) and their names.

#ifndef SHADOWSET_WRITERS_RRAS_RRAS_CODES_H_
#define SHADOWSET_WRITERS_RRAS_RRAS_CODES_H_

#include <cstdint>

#include "absl/strings/string_view.h"

namespace shadowset::rras {

inline constexpr uint32_t kErrorCannotFindPhonebookEntry = 623;
inline constexpr uint32_t kErrorUnknownProtocolId = 902;
inline constexpr uint32_t kErrorInterfaceAlreadyExists = 904;
inline constexpr uint32_t kErrorNoSuchInterface = 905;
inline constexpr uint32_t kErrorRouterConfigIncompatible = 945;
// A storage failure (I/O error, full volume).
inline constexpr uint32_t kErrorCanNotComplete = 1003;

// "ERROR_NO_SUCH_INTERFACE" etc. for the codes above and every generic
// Win32 code of engine/codes.h; empty for an unknown code.
absl::string_view RrasCodeName(uint32_t code);

}  // namespace shadowset::rras

#endif  // SHADOWSET_WRITERS_RRAS_RRAS_CODES_H_
