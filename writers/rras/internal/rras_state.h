// RrasState: the router configuration in memory: administrators, router
// managers (transports), interfaces (keyed by name, ignoring case) and the
// phone book. It changes only by applying records (rras_records.h).
//
// Thread safety: thread-compatible (RouterConfig guards it).

#ifndef SHADOWSET_WRITERS_RRAS_INTERNAL_RRAS_STATE_H_
#define SHADOWSET_WRITERS_RRAS_INTERNAL_RRAS_STATE_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "writers/rras/rras_types.h"

namespace shadowset::rras::internal {

// The key of an interface name: ASCII lower case.
std::string InterfaceKey(absl::string_view name);

class RrasState {
 public:
  // Applies one record. kDataLoss if it is malformed.
  absl::Status ApplyRecord(absl::string_view payload);
  // The whole state as base records.
  std::vector<std::string> Serialize() const;
  // Every broken invariant; empty when consistent: names valid and keyed
  // right, interface transports refer to existing router managers, at
  // least one administrator.
  std::vector<std::string> Check() const;

  const std::string& instance_id() const { return instance_id_; }
  const std::set<std::string>& admins() const { return admins_; }
  bool IsAdmin(absl::string_view principal) const {
    return admins_.count(std::string(principal)) > 0;
  }
  const std::map<uint32_t, Transport>& transports() const { return transports_; }
  const std::map<std::string, Interface>& interfaces() const {
    return interfaces_;
  }
  const Interface* FindInterface(absl::string_view name) const;
  const std::map<std::string, PhonebookEntry>& phonebook() const {
    return phonebook_;
  }

  friend bool operator==(const RrasState& a, const RrasState& b) {
    return a.Serialize() == b.Serialize();
  }

 private:
  std::string instance_id_;
  std::set<std::string> admins_;
  std::map<uint32_t, Transport> transports_;
  std::map<std::string, Interface> interfaces_;  // by InterfaceKey
  std::map<std::string, PhonebookEntry> phonebook_;
};

}  // namespace shadowset::rras::internal

#endif  // SHADOWSET_WRITERS_RRAS_INTERNAL_RRAS_STATE_H_
