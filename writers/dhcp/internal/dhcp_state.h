// DhcpState: the DHCP server's database in memory: configuration,
// administrators, scopes, reservations, options and leases, with the
// indexes by IP, hardware address and name (rebuilt as records are
// applied, never stored).
//
// It changes only by applying records (dhcp_records.h), so the live server
// and a replay at open build the same state from the same bytes. It checks
// nothing on the way in (the server validates before it writes); Check()
// reports every broken invariant.
//
// Thread safety: thread-compatible (the server guards it).

#ifndef SHADOWSET_WRITERS_DHCP_INTERNAL_DHCP_STATE_H_
#define SHADOWSET_WRITERS_DHCP_INTERNAL_DHCP_STATE_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "writers/dhcp/dhcp_types.h"
#include "writers/dhcp/internal/dhcp_records.h"

namespace shadowset::dhcp::internal {

class DhcpState {
 public:
  // Applies one record. kDataLoss if it is malformed; the state is then
  // unspecified (the caller discards it).
  absl::Status ApplyRecord(absl::string_view payload);

  // The whole state as base records of at most ~64 KiB each.
  std::vector<std::string> Serialize() const;

  // Every broken invariant, in words; empty when consistent:
  //  * every lease, reservation, range and exclusion lies inside its scope;
  //  * scopes do not overlap; ranges (and exclusions) of a scope do not;
  //  * no hardware address holds two leases (or two reservations) in a scope;
  //  * a reserved address is leased only to its reserved client;
  //  * options refer to existing scopes and reservations;
  //  * the indexes match the records exactly;
  //  * at least one administrator.
  std::vector<std::string> Check() const;

  // --- reads ---
  const ServerConfig& config() const { return config_; }
  const std::set<std::string>& admins() const { return admins_; }
  bool IsAdmin(absl::string_view principal) const;
  const std::map<IpAddress, Scope>& scopes() const { return scopes_; }
  const Scope* FindScope(IpAddress subnet) const;
  // The scope whose subnet contains `ip`, if any.
  const Scope* ScopeFor(IpAddress ip) const;
  const std::map<IpAddress, Reservation>& reservations() const {
    return reservations_;
  }
  const Reservation* FindReservation(IpAddress ip) const;
  // The address reserved for `hw` in scope `subnet`, if any.
  std::optional<IpAddress> ReservedFor(IpAddress subnet,
                                       absl::string_view hw) const;
  const std::map<OptionKey, OptionValue>& options() const { return options_; }
  const std::map<IpAddress, ClientInfo>& leases() const { return leases_; }
  const ClientInfo* FindLease(IpAddress ip) const;
  // Leases with this hardware address / name, ascending by address.
  std::vector<IpAddress> LeasesWithHardwareAddress(absl::string_view hw) const;
  std::vector<IpAddress> LeasesWithName(absl::string_view name) const;
  // Leases inside scope `subnet`.
  size_t LeaseCount(IpAddress subnet) const;
  const std::string& pending_restore() const { return pending_restore_; }

  friend bool operator==(const DhcpState& a, const DhcpState& b) {
    return a.Serialize() == b.Serialize();
  }

 private:
  void PutLease(const ClientInfo& info);
  void DeleteLease(IpAddress ip);
  void DeleteReservation(IpAddress ip);

  ServerConfig config_;
  std::set<std::string> admins_;
  std::map<IpAddress, Scope> scopes_;
  std::map<IpAddress, Reservation> reservations_;
  std::map<OptionKey, OptionValue> options_;
  std::map<IpAddress, ClientInfo> leases_;
  std::string pending_restore_;

  // Indexes.
  std::map<std::string, std::set<IpAddress>> by_hw_;
  std::map<std::string, std::set<IpAddress>> by_name_;
  std::map<std::pair<IpAddress, std::string>, IpAddress> reserved_by_hw_;
};

}  // namespace shadowset::dhcp::internal

#endif  // SHADOWSET_WRITERS_DHCP_INTERNAL_DHCP_STATE_H_
