// RouterConfig: router managers (transports), interfaces and the phone book.

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/codes.h"
#include "engine/internal/status_macros.h"
#include "writers/rras/internal/rras_errors.h"
#include "writers/rras/internal/rras_records.h"
#include "writers/rras/internal/rras_state.h"
#include "writers/rras/router_config.h"

namespace shadowset::rras {

using internal::InvalidParameter;
using internal::NoSuchInterface;
using internal::RecordBuilder;
using internal::RrasState;
using internal::UnknownProtocol;

namespace {

bool KnownProtocol(uint32_t id) { return id == kPidIp || id == kPidIpv6; }

// Checks an interface against the router; returns it with its transports
// sorted.
absl::StatusOr<Interface> CheckedInterface(const RrasState& state,
                                           Interface iface) {
  if (iface.name.empty() || iface.name.size() > kMaxInterfaceNameLength) {
    return InvalidParameter(absl::StrFormat(
        "an interface name has 1 to %d bytes", kMaxInterfaceNameLength));
  }
  if (static_cast<uint32_t>(iface.type) >
      static_cast<uint32_t>(InterfaceType::kDialout)) {
    return InvalidParameter(absl::StrFormat(
        "unknown interface type %d", static_cast<uint32_t>(iface.type)));
  }
  std::sort(iface.transports.begin(), iface.transports.end(),
            [](const InterfaceTransport& a, const InterfaceTransport& b) {
              return a.transport_id < b.transport_id;
            });
  for (size_t i = 0; i < iface.transports.size(); ++i) {
    const InterfaceTransport& t = iface.transports[i];
    if (i > 0 && iface.transports[i - 1].transport_id == t.transport_id) {
      return InvalidParameter("a transport is bound twice");
    }
    if (t.name.size() > kMaxTransportNameLength) {
      return InvalidParameter("a transport name has at most 40 bytes");
    }
    if (state.transports().count(t.transport_id) == 0) {
      return UnknownProtocol(t.transport_id);
    }
  }
  return iface;
}

bool HasLineBreak(absl::string_view s) {
  return s.find_first_of("\r\n") != absl::string_view::npos;
}

absl::Status CheckPhonebookEntry(const PhonebookEntry& e) {
  if (e.name.empty() || HasLineBreak(e.name) ||
      e.name.find(']') != std::string::npos) {
    return InvalidParameter(absl::StrCat(
        "a phone-book entry name is not empty and has no ']' or line break: '",
        e.name, "'"));
  }
  if (HasLineBreak(e.device) || HasLineBreak(e.number)) {
    return InvalidParameter("a phone-book value has no line break");
  }
  for (const auto& [key, value] : e.options) {
    if (key.empty() || key.find('=') != std::string::npos || HasLineBreak(key) ||
        key.front() == '[' || HasLineBreak(value) || key == "Device" ||
        key == "PhoneNumber") {
      return InvalidParameter(
          absl::StrCat("'", key, "' is not a valid phone-book option"));
    }
  }
  return absl::OkStatus();
}

absl::Status NoSuchEntry(absl::string_view name) {
  return MakeError(absl::StatusCode::kNotFound, kErrorCannotFindPhonebookEntry,
                   absl::StrCat("no phone-book entry '", name, "'"));
}

}  // namespace

// --- router managers ---

absl::Status RouterConfig::CreateTransport(absl::string_view caller,
                                           const Transport& transport) {
  return Mutate(caller, [&](const RrasState&, RecordBuilder& b) {
    if (!KnownProtocol(transport.id)) return UnknownProtocol(transport.id);
    if (transport.name.size() > kMaxTransportNameLength) {
      return InvalidParameter("a transport name has at most 40 bytes");
    }
    b.PutTransport(transport);
    return absl::OkStatus();
  });
}

absl::StatusOr<Transport> RouterConfig::GetTransport(absl::string_view caller,
                                                     uint32_t id) const {
  absl::ReaderMutexLock l(&mu_);
  RETURN_IF_ERROR(CheckCaller(caller));
  auto it = state_->transports().find(id);
  if (it == state_->transports().end()) return UnknownProtocol(id);
  return it->second;
}

absl::Status RouterConfig::DeleteTransport(absl::string_view caller,
                                           uint32_t id) {
  return Mutate(caller, [&](const RrasState& state, RecordBuilder& b) {
    if (state.transports().count(id) == 0) return UnknownProtocol(id);
    for (const auto& [key, iface] : state.interfaces()) {
      Interface changed = iface;
      auto& ts = changed.transports;
      ts.erase(std::remove_if(ts.begin(), ts.end(),
                              [id](const InterfaceTransport& t) {
                                return t.transport_id == id;
                              }),
               ts.end());
      if (ts.size() != iface.transports.size()) b.PutInterface(changed);
    }
    b.DeleteTransport(id);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<Transport>> RouterConfig::EnumTransports(
    absl::string_view caller) const {
  absl::ReaderMutexLock l(&mu_);
  RETURN_IF_ERROR(CheckCaller(caller));
  std::vector<Transport> out;
  for (const auto& [id, t] : state_->transports()) out.push_back(t);
  return out;
}

// --- interfaces ---

absl::Status RouterConfig::CreateInterface(absl::string_view caller,
                                           const Interface& iface) {
  return Mutate(caller, [&](const RrasState& state, RecordBuilder& b) {
    ASSIGN_OR_RETURN(Interface checked, CheckedInterface(state, iface));
    if (state.FindInterface(iface.name) != nullptr) {
      return MakeError(absl::StatusCode::kAlreadyExists,
                       kErrorInterfaceAlreadyExists,
                       absl::StrCat("interface '", iface.name, "' exists"));
    }
    b.PutInterface(checked);
    return absl::OkStatus();
  });
}

absl::Status RouterConfig::SetInterface(absl::string_view caller,
                                        const Interface& iface) {
  return Mutate(caller, [&](const RrasState& state, RecordBuilder& b) {
    ASSIGN_OR_RETURN(Interface checked, CheckedInterface(state, iface));
    const Interface* existing = state.FindInterface(iface.name);
    if (existing == nullptr) return NoSuchInterface(iface.name);
    checked.name = existing->name;  // the name keeps its original case
    b.PutInterface(checked);
    return absl::OkStatus();
  });
}

absl::StatusOr<Interface> RouterConfig::GetInterface(
    absl::string_view caller, absl::string_view name) const {
  absl::ReaderMutexLock l(&mu_);
  RETURN_IF_ERROR(CheckCaller(caller));
  const Interface* iface = state_->FindInterface(name);
  if (iface == nullptr) return NoSuchInterface(name);
  return *iface;
}

absl::Status RouterConfig::DeleteInterface(absl::string_view caller,
                                           absl::string_view name) {
  return Mutate(caller, [&](const RrasState& state, RecordBuilder& b) {
    const Interface* iface = state.FindInterface(name);
    if (iface == nullptr) return NoSuchInterface(name);
    b.DeleteInterface(iface->name);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<Interface>> RouterConfig::EnumInterfaces(
    absl::string_view caller) const {
  absl::ReaderMutexLock l(&mu_);
  RETURN_IF_ERROR(CheckCaller(caller));
  std::vector<Interface> out;
  for (const auto& [key, i] : state_->interfaces()) out.push_back(i);
  return out;
}

absl::Status RouterConfig::AddInterfaceTransport(
    absl::string_view caller, absl::string_view interface_name,
    const InterfaceTransport& transport) {
  return Mutate(caller, [&](const RrasState& state, RecordBuilder& b) {
    const Interface* iface = state.FindInterface(interface_name);
    if (iface == nullptr) return NoSuchInterface(interface_name);
    Interface changed = *iface;
    auto& ts = changed.transports;
    ts.erase(std::remove_if(ts.begin(), ts.end(),
                            [&](const InterfaceTransport& t) {
                              return t.transport_id == transport.transport_id;
                            }),
             ts.end());
    ts.push_back(transport);
    ASSIGN_OR_RETURN(Interface checked, CheckedInterface(state, changed));
    b.PutInterface(checked);
    return absl::OkStatus();
  });
}

absl::Status RouterConfig::RemoveInterfaceTransport(
    absl::string_view caller, absl::string_view interface_name,
    uint32_t transport_id) {
  return Mutate(caller, [&](const RrasState& state, RecordBuilder& b) {
    const Interface* iface = state.FindInterface(interface_name);
    if (iface == nullptr) return NoSuchInterface(interface_name);
    Interface changed = *iface;
    auto& ts = changed.transports;
    auto it = std::find_if(ts.begin(), ts.end(), [&](const InterfaceTransport& t) {
      return t.transport_id == transport_id;
    });
    if (it == ts.end()) return UnknownProtocol(transport_id);
    ts.erase(it);
    b.PutInterface(changed);
    return absl::OkStatus();
  });
}

// --- phone book ---

absl::Status RouterConfig::AddPhonebookEntry(absl::string_view caller,
                                             const PhonebookEntry& entry) {
  return Mutate(caller, [&](const RrasState& state, RecordBuilder& b) {
    RETURN_IF_ERROR(CheckPhonebookEntry(entry));
    if (state.phonebook().count(entry.name) > 0) {
      return MakeError(absl::StatusCode::kAlreadyExists, kErrorAlreadyExists,
                       absl::StrCat("phone-book entry '", entry.name,
                                    "' exists"));
    }
    b.PutPhonebookEntry(entry);
    return absl::OkStatus();
  });
}

absl::Status RouterConfig::SetPhonebookEntry(absl::string_view caller,
                                             const PhonebookEntry& entry) {
  return Mutate(caller, [&](const RrasState& state, RecordBuilder& b) {
    RETURN_IF_ERROR(CheckPhonebookEntry(entry));
    if (state.phonebook().count(entry.name) == 0) return NoSuchEntry(entry.name);
    b.PutPhonebookEntry(entry);
    return absl::OkStatus();
  });
}

absl::StatusOr<PhonebookEntry> RouterConfig::GetPhonebookEntry(
    absl::string_view caller, absl::string_view name) const {
  absl::ReaderMutexLock l(&mu_);
  RETURN_IF_ERROR(CheckCaller(caller));
  auto it = state_->phonebook().find(std::string(name));
  if (it == state_->phonebook().end()) return NoSuchEntry(name);
  return it->second;
}

absl::Status RouterConfig::DeletePhonebookEntry(absl::string_view caller,
                                                absl::string_view name) {
  return Mutate(caller, [&](const RrasState& state, RecordBuilder& b) {
    if (state.phonebook().count(std::string(name)) == 0) return NoSuchEntry(name);
    b.DeletePhonebookEntry(name);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<PhonebookEntry>> RouterConfig::EnumPhonebook(
    absl::string_view caller) const {
  absl::ReaderMutexLock l(&mu_);
  RETURN_IF_ERROR(CheckCaller(caller));
  std::vector<PhonebookEntry> out;
  for (const auto& [name, e] : state_->phonebook()) out.push_back(e);
  return out;
}

}  // namespace shadowset::rras
