#include "writers/rras/rras_codes.h"

#include "engine/codes.h"

namespace shadowset::rras {

absl::string_view RrasCodeName(uint32_t code) {
  switch (code) {
    case kErrorCannotFindPhonebookEntry:
      return "ERROR_CANNOT_FIND_PHONEBOOK_ENTRY";
    case kErrorUnknownProtocolId:
      return "ERROR_UNKNOWN_PROTOCOL_ID";
    case kErrorInterfaceAlreadyExists:
      return "ERROR_INTERFACE_ALREADY_EXISTS";
    case kErrorNoSuchInterface:
      return "ERROR_NO_SUCH_INTERFACE";
    case kErrorRouterConfigIncompatible:
      return "ERROR_ROUTER_CONFIG_INCOMPATIBLE";
    case kErrorCanNotComplete:
      return "ERROR_CAN_NOT_COMPLETE";
    default:
      return CodeName(code);
  }
}

}  // namespace shadowset::rras
