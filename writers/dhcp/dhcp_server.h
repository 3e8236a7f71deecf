// DhcpServer: a DHCP server's database on an engine volume, with the
// management API of dhcpsapi (SEMANTICS.md §2).
//
//   ASSIGN_OR_RETURN(auto server,
//                    DhcpServer::Create(engine, {}, /*creator=*/"alice"));
//   RETURN_IF_ERROR(server->CreateSubnet("alice", {.address = 0x0A010000,
//                                                  .mask = 0xFFFFFF00}));
//   ClientInfo lease{.ip = 0x0A010005, .hardware_address = mac};
//   absl::Status s = server->CreateClientInfo("alice", lease);
//   CodeOf(s);   // 0, or e.g. kErrorDhcpClientExists (20014)
//
// Every call names its caller (a principal: a plain string). A caller that
// is not in the server's "DHCP Administrators" (stored in the database;
// the creator is the first) gets kPermissionDenied with ERROR_ACCESS_DENIED
// (5) and changes nothing. Errors carry their Win32-style code as payload
// (CodeOf); invalid input is rejected before anything is written.
//
// Storage: one engine volume holding a RecordLog (writers/service/
// record_log.h; grammar in docs/dhcp-format.md). A mutation is one record;
// it is durable when its call returns OK (group commit across concurrent
// callers). Indexes by IP, hardware address and name are rebuilt at open.
// An I/O failure is sticky: every later mutation fails with
// ERROR_DHCP_JET_ERROR (20013); reopen to recover.
//
// Freeze (via DhcpWriter, or Quiesce) stops mutations: they block until
// Resume, they do not fail; reads go on.
//
// Thread safety: safe for concurrent use.

#ifndef SHADOWSET_WRITERS_DHCP_DHCP_SERVER_H_
#define SHADOWSET_WRITERS_DHCP_DHCP_SERVER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "engine/engine.h"
#include "engine/env.h"
#include "writers/dhcp/dhcp_codes.h"
#include "writers/dhcp/dhcp_types.h"
#include "writers/service/quiesce_gate.h"
#include "writers/service/quiescable.h"
#include "writers/service/record_log.h"

namespace shadowset::dhcp {

namespace internal {
class DhcpState;
class RecordBuilder;
}  // namespace internal

// The log magic of a DHCP database volume.
inline constexpr char kDhcpLogMagic[] = "SSDHCPDB";

struct DhcpServerOptions {
  // The engine volume holding the database. Default: "dhcp".
  std::string volume = "dhcp";
  // Size of the volume Create makes: a multiple of the engine's block size,
  // at least 64 KiB. Half of it holds the live log; 3 scopes x 20,000 leases
  // take about 13 MiB. Default: 64 MiB.
  uint64_t volume_size = uint64_t{64} << 20;
  // Recorded at Create: the server's address (OwnerHost of new leases) and
  // name. Default: 0 and "dhcp-server".
  IpAddress server_ip = 0;
  std::string server_name = "dhcp-server";
  // Files (backups) and the clock. Default: Env::Default().
  Env* env = nullptr;
};

// What DhcpServerBackupDatabase wrote.
struct DhcpBackupInfo {
  std::string path;       // the backup directory
  uint64_t sequence = 0;  // the database state it holds
  uint64_t leases = 0;
};

// A lease changed by a mutation: `lease` is its new record, or null if it
// was deleted. Called under the server's lock, in sequence order; the
// listener must be quick and must not call the server.
using LeaseListener =
    std::function<void(uint64_t seq, IpAddress ip, const ClientInfo* lease)>;

// A DHCP database read from an image without writing: a snapshot, a copy
// of the volume file, a backup.
struct DhcpDatabaseImage {
  uint64_t sequence = 0;
  std::vector<SubnetInfo> subnets;
  std::vector<ClientInfo> leases;  // ascending by address
  std::vector<Reservation> reservations;
  std::vector<std::string> admins;
  // The integrity check (DhcpServer::Check's invariants); empty when
  // consistent.
  std::vector<std::string> problems;
};

// Reads a database volume image of `size` bytes. Errors: as
// service::ReplayLog (kDataLoss for a torn or damaged image).
absl::StatusOr<DhcpDatabaseImage> ReadDhcpDatabase(const service::ReadFn& read,
                                                   uint64_t size);
// Reads a backup directory written by BackupDatabase. Errors: kNotFound,
// kDataLoss (damaged), kFailedPrecondition (newer format).
absl::StatusOr<DhcpDatabaseImage> ReadDhcpBackup(Env* env,
                                                 const std::string& dir);
// The integrity check of an image: everything wrong with it, including a
// failure to read it at all; empty when it opens and is consistent.
std::vector<std::string> CheckDhcpDatabase(const service::ReadFn& read,
                                           uint64_t size);

class DhcpServer final : public service::QuiescableService {
 public:
  // Creates the database volume (options.volume, options.volume_size) and
  // an empty database whose only administrator is `creator`.
  // Errors: kInvalidArgument (empty creator, bad size); kAlreadyExists if
  // the volume exists; engine and I/O errors.
  static absl::StatusOr<std::unique_ptr<DhcpServer>> Create(
      Engine* engine, const DhcpServerOptions& options,
      absl::string_view creator);
  // Opens the database on options.volume, rebuilding the indexes. If a
  // restore was requested (RestoreDatabase), it is applied now: the backup
  // replaces scopes, reservations, options and leases in one atomic switch
  // (administrators and server identity stay); the previous state remains
  // on the volume's other half as the fallback. If the backup cannot be
  // read, the server opens with its current state and restore_status()
  // says why.
  // Errors: kNotFound (no volume, or not formatted); kFailedPrecondition
  // (not a DHCP volume, newer format); kDataLoss (damaged); I/O errors.
  static absl::StatusOr<std::unique_ptr<DhcpServer>> Open(
      Engine* engine, const DhcpServerOptions& options);

  ~DhcpServer() override;

  // --- administrators ---
  // Errors: 5; 87 for an empty name; ERROR_ALREADY_EXISTS (183).
  absl::Status AddAdministrator(absl::string_view caller,
                                absl::string_view name);
  // Errors: 5; ERROR_NOT_FOUND (1168) for a non-member;
  // ERROR_NOT_SUPPORTED (50) when it is the last one.
  absl::Status RemoveAdministrator(absl::string_view caller,
                                   absl::string_view name);
  absl::StatusOr<std::vector<std::string>> ListAdministrators(
      absl::string_view caller) const;

  // --- scopes (DhcpCreateSubnet ...) ---
  // Errors: 5; 87 (mask not contiguous, host bits set, address 0);
  // ERROR_DHCP_SUBNET_EXITS (20004) if it exists or overlaps another.
  absl::Status CreateSubnet(absl::string_view caller, const SubnetInfo& info);
  // Changes name, comment, primary host and state. Errors: 5; 20005; 87 if
  // the mask differs.
  absl::Status SetSubnetInfo(absl::string_view caller, const SubnetInfo& info);
  // Errors: 5; ERROR_DHCP_SUBNET_NOT_PRESENT (20005).
  absl::StatusOr<SubnetInfo> GetSubnetInfo(absl::string_view caller,
                                           IpAddress subnet) const;
  // Deletes the scope with its ranges, reservations, options and (with
  // kFullForce) leases. Errors: 5; 20005; ERROR_DHCP_ELEMENT_CANT_REMOVE
  // (20007) with kNoForce while leases exist.
  absl::Status DeleteSubnet(absl::string_view caller, IpAddress subnet,
                            ForceFlag force);
  // Ascending by address.
  absl::StatusOr<std::vector<SubnetInfo>> EnumSubnets(
      absl::string_view caller) const;

  // --- scope elements (DhcpAddSubnetElementV4 ...) ---
  // kIpRanges / kExcludedIpRanges: 87 (start > end); ERROR_DHCP_INVALID_RANGE
  // (20023) if outside the subnet or overlapping one of its kind.
  // kReservedIps: 87 (no address or hardware address); 20005 if the address
  // is outside the subnet; ERROR_DHCP_RESERVEDIP_EXITS (20022) if the
  // address or the hardware address is already reserved in the scope;
  // ERROR_DHCP_ADDRESS_NOT_AVAILABLE (20011) if the address is leased to
  // another client. All: 5; 20005 for an unknown subnet.
  absl::Status AddSubnetElement(absl::string_view caller, IpAddress subnet,
                                const SubnetElement& element);
  // Removes an element matched exactly (ranges) or by address
  // (reservations). Errors: 5; 20005; 20023 for an unknown range or
  // exclusion; ERROR_DHCP_NOT_RESERVED_CLIENT (20018) for an unknown
  // reservation; 20007 with kNoForce when leases would be left outside every
  // range (ranges only).
  absl::Status RemoveSubnetElement(absl::string_view caller, IpAddress subnet,
                                   const SubnetElement& element,
                                   ForceFlag force);
  absl::StatusOr<std::vector<SubnetElement>> EnumSubnetElements(
      absl::string_view caller, IpAddress subnet, ElementType type) const;

  // --- options (DhcpSetOptionValue ...) ---
  // Errors: 5; 87 (option id 0 or above 254, empty value, bad scope type);
  // 20005 (no such subnet); 20018 (no such reservation).
  absl::Status SetOptionValue(absl::string_view caller, const OptionScope& scope,
                              uint32_t option_id, const OptionValue& value);
  // Errors: as Set, and ERROR_DHCP_OPTION_NOT_PRESENT (20010).
  absl::StatusOr<OptionValue> GetOptionValue(absl::string_view caller,
                                             const OptionScope& scope,
                                             uint32_t option_id) const;
  absl::Status RemoveOptionValue(absl::string_view caller,
                                 const OptionScope& scope, uint32_t option_id);
  // (option id, value) ascending. Errors: 5; 87; 20005; 20018.
  absl::StatusOr<std::vector<std::pair<uint32_t, OptionValue>>>
  EnumOptionValues(absl::string_view caller, const OptionScope& scope) const;

  // --- leases (DhcpCreateClientInfoVQ ...) ---
  // Creates a lease record and so marks its address in use. A zero subnet
  // mask takes the scope's; an empty owner takes the server's.
  // Errors, in this order: 5; 87 (no address or hardware address);
  // ERROR_DHCP_SUBNET_NOT_PRESENT (20005) if the address is outside every
  // scope; ERROR_DHCP_CLIENT_EXISTS (20014) if it is leased;
  // ERROR_DHCP_ADDRESS_NOT_AVAILABLE (20011) if it is excluded or reserved
  // for another client; ERROR_DHCP_RESERVEDIP_EXITS (20022) if the hardware
  // address holds another lease in the scope; ERROR_DHCP_JET_ERROR (20013)
  // on a database failure.
  absl::Status CreateClientInfo(absl::string_view caller,
                                const ClientInfo& info);
  // Replaces the lease at info.ip. Errors: 5; 87;
  // ERROR_DHCP_INVALID_DHCP_CLIENT (20016) if there is none; 20011; 20022
  // (a changed hardware address that holds another lease in the scope);
  // 20013.
  absl::Status SetClientInfo(absl::string_view caller, const ClientInfo& info);
  // By address, hardware address (lowest address wins) or name (lowest
  // address wins). Errors: 5; 87 (empty key); 20016 if none matches.
  absl::StatusOr<ClientInfo> GetClientInfo(absl::string_view caller,
                                           const SearchInfo& search) const;
  // Deletes every lease that matches, in one mutation. Errors: 5; 87;
  // 20016 if none matches; 20013.
  absl::Status DeleteClientInfo(absl::string_view caller,
                                const SearchInfo& search);
  // Leases of scope `subnet` (0: of every scope), ascending by address.
  // Errors: 5; 20005.
  absl::StatusOr<std::vector<ClientInfo>> EnumSubnetClients(
      absl::string_view caller, IpAddress subnet) const;
  // A DHCP DISCOVER/REQUEST in one call: leases `request.hardware_address`
  // an address of scope `subnet` until `request.expires` and returns the
  // record. A client that already holds a lease in the scope keeps its
  // address (a renewal); a reserved client gets its reservation; others get
  // the next free address of the scope's ranges that is neither excluded
  // nor reserved. Errors: 5; 87; 20005; ERROR_DHCP_RANGE_FULL (20012);
  // 20013.
  absl::StatusOr<ClientInfo> AllocateClient(absl::string_view caller,
                                            IpAddress subnet,
                                            const ClientInfo& request);

  // --- backup and restore ---
  // Writes the whole database (configuration, administrators, scopes,
  // options, reservations, every lease) into directory `path` (created if
  // missing; absolute): it takes an engine snapshot of the volume between
  // two mutations, then reads the copy from the snapshot while the server
  // keeps serving. Errors: 5; 87 (path empty or not absolute);
  // ERROR_DHCP_JET_ERROR (20013) when the snapshot or the write fails.
  absl::StatusOr<DhcpBackupInfo> BackupDatabase(absl::string_view caller,
                                                const std::string& path);
  // Checks that `path` holds a readable backup and records it: the restore
  // happens at the next Open (see Open). Errors: 5; 87 (path empty or not
  // absolute); 20013 if `path` holds no readable backup (nothing recorded).
  absl::Status RestoreDatabase(absl::string_view caller,
                               const std::string& path);
  // The outcome of the restore applied by the last Open: OK if none was
  // pending or it succeeded.
  absl::Status restore_status() const;
  // The restore recorded for the next Open ("" if none).
  std::string pending_restore() const;

  // --- service ---
  // Everything wrong with the served state and with the volume's log (read
  // again and compared with memory); empty when consistent.
  std::vector<std::string> Check() const;
  void SetLeaseListener(LeaseListener listener);
  // Blocks until at least `n` mutations are waiting for Resume (tests and
  // tools observing a freeze).
  void AwaitBlockedMutations(size_t n) const;
  // True between Quiesce and Resume.
  bool quiesced() const;
  std::string instance_id() const;
  IpAddress server_ip() const;
  size_t lease_count() const;
  // How full the volume's active half is (compaction runs when a mutation
  // does not fit).
  service::LogUsage log_usage() const;

  // QuiescableService:
  absl::Status Flush() override;
  absl::StatusOr<uint64_t> Quiesce() override;
  void Resume() override;
  uint64_t sequence() const override;
  std::vector<std::string> volumes() const override;
  absl::Status Reload() override;

 private:
  DhcpServer(Engine* engine, DhcpServerOptions options);

  // Opens the log and state into the members (mu_ held or not yet shared).
  absl::Status Load() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status ApplyPendingRestore() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Runs one mutation: waits while quiesced, checks the caller, lets
  // `build` validate and describe the change, writes it, applies it, and
  // makes it durable (outside the lock) before returning.
  absl::Status Mutate(
      absl::string_view caller,
      absl::FunctionRef<absl::Status(const internal::DhcpState&,
                                     internal::RecordBuilder&)>
          build);
  // Appends `payload` (compacting the log first if it is full) and applies
  // it. Returns the LSN to sync.
  absl::StatusOr<uint64_t> WriteLocked(const std::string& payload,
                                       const std::vector<IpAddress>& leases)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status CheckCaller(absl::string_view caller) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);

  // Immutable after construction.
  Engine* const engine_;
  const DhcpServerOptions options_;
  Env* const env_;

  mutable absl::Mutex mu_;
  // Closed while quiesced: mutations wait in it.
  service::QuiesceGate gate_{&mu_};
  std::unique_ptr<internal::DhcpState> state_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<service::RecordLog> log_ ABSL_GUARDED_BY(mu_);
  uint64_t seq_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status restore_status_ ABSL_GUARDED_BY(mu_);
  LeaseListener listener_ ABSL_GUARDED_BY(mu_);
  // Next-fit allocation cursor per scope (not persisted).
  std::map<IpAddress, IpAddress> next_free_ ABSL_GUARDED_BY(mu_);
};

}  // namespace shadowset::dhcp

#endif  // SHADOWSET_WRITERS_DHCP_DHCP_SERVER_H_
