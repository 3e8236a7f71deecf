#include "writers/rras/internal/rras_state.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "writers/rras/internal/rras_records.h"
#include "writers/service/coding.h"

namespace shadowset::rras::internal {

using service::Decoder;

std::string InterfaceKey(absl::string_view name) {
  return absl::AsciiStrToLower(name);
}

const Interface* RrasState::FindInterface(absl::string_view name) const {
  auto it = interfaces_.find(InterfaceKey(name));
  return it == interfaces_.end() ? nullptr : &it->second;
}

absl::Status RrasState::ApplyRecord(absl::string_view payload) {
  Decoder d(payload);
  auto malformed = [](const char* what) {
    return absl::DataLossError(
        absl::StrFormat("malformed router configuration record (%s)", what));
  };
  uint32_t count;
  if (!d.U32(&count)) return malformed("operation count");
  for (uint32_t n = 0; n < count; ++n) {
    uint8_t kind;
    if (!d.U8(&kind)) return malformed("operation kind");
    switch (static_cast<OpKind>(kind)) {
      case OpKind::kConfig:
        if (!d.Str(&instance_id_)) return malformed("config");
        break;
      case OpKind::kAddAdmin:
      case OpKind::kRemoveAdmin: {
        std::string name;
        if (!d.Str(&name)) return malformed("admin");
        if (static_cast<OpKind>(kind) == OpKind::kAddAdmin) {
          admins_.insert(name);
        } else {
          admins_.erase(name);
        }
        break;
      }
      case OpKind::kPutTransport: {
        Transport t;
        if (!DecodeTransport(d, &t)) return malformed("transport");
        transports_[t.id] = std::move(t);
        break;
      }
      case OpKind::kDeleteTransport: {
        uint32_t id;
        if (!d.U32(&id)) return malformed("transport");
        transports_.erase(id);
        break;
      }
      case OpKind::kPutInterface: {
        Interface i;
        if (!DecodeInterface(d, &i)) return malformed("interface");
        interfaces_[InterfaceKey(i.name)] = std::move(i);
        break;
      }
      case OpKind::kDeleteInterface: {
        std::string name;
        if (!d.Str(&name)) return malformed("interface");
        interfaces_.erase(InterfaceKey(name));
        break;
      }
      case OpKind::kPutPhonebookEntry: {
        PhonebookEntry e;
        if (!DecodePhonebookEntry(d, &e)) return malformed("phonebook entry");
        phonebook_[e.name] = std::move(e);
        break;
      }
      case OpKind::kDeletePhonebookEntry: {
        std::string name;
        if (!d.Str(&name)) return malformed("phonebook entry");
        phonebook_.erase(name);
        break;
      }
      default:
        return malformed("unknown operation kind");
    }
  }
  if (!d.done()) return malformed("trailing bytes");
  return absl::OkStatus();
}

std::vector<std::string> RrasState::Serialize() const {
  std::vector<std::string> parts;
  RecordBuilder b;
  auto maybe_cut = [&] {
    if (b.size() >= 64 * 1024) parts.push_back(b.Finish());
  };
  b.Config(instance_id_);
  for (const std::string& admin : admins_) b.AddAdmin(admin);
  for (const auto& [id, t] : transports_) {
    b.PutTransport(t);
    maybe_cut();
  }
  for (const auto& [key, i] : interfaces_) {
    b.PutInterface(i);
    maybe_cut();
  }
  for (const auto& [name, e] : phonebook_) {
    b.PutPhonebookEntry(e);
    maybe_cut();
  }
  if (!b.empty()) parts.push_back(b.Finish());
  return parts;
}

std::vector<std::string> RrasState::Check() const {
  std::vector<std::string> problems;
  if (admins_.empty()) problems.push_back("no administrator");
  for (const auto& [id, t] : transports_) {
    if (id != t.id || (id != kPidIp && id != kPidIpv6)) {
      problems.push_back(absl::StrFormat("router manager 0x%x is malformed", id));
    }
  }
  for (const auto& [key, i] : interfaces_) {
    if (key != InterfaceKey(i.name) || i.name.empty() ||
        i.name.size() > kMaxInterfaceNameLength ||
        static_cast<uint32_t>(i.type) > 7) {
      problems.push_back(
          absl::StrFormat("interface '%s' is malformed", i.name));
    }
    uint32_t prev = 0;
    for (const InterfaceTransport& t : i.transports) {
      if (transports_.count(t.transport_id) == 0) {
        problems.push_back(absl::StrFormat(
            "interface '%s' uses transport 0x%x, which the router lacks",
            i.name, t.transport_id));
      }
      if (t.transport_id <= prev) {
        problems.push_back(absl::StrFormat(
            "interface '%s' lists its transports out of order", i.name));
      }
      prev = t.transport_id;
    }
  }
  for (const auto& [name, e] : phonebook_) {
    if (name != e.name || name.empty()) {
      problems.push_back(
          absl::StrFormat("phone-book entry '%s' is malformed", name));
    }
  }
  return problems;
}

}  // namespace shadowset::rras::internal
