// RouterConfig: a router's configuration (router managers, interfaces, the
// phone book) on an engine volume, with the configuration API of mprapi
// (SEMANTICS.md §3).
//
//   ASSIGN_OR_RETURN(auto router, RouterConfig::Create(engine, {}, "alice"));
//   RETURN_IF_ERROR(router->CreateTransport("alice", {.id = kPidIp,
//                                                     .name = "IP"}));
//   absl::Status s = router->CreateInterface("alice", {.name = "eth0"});
//   CodeOf(s);   // 0, or e.g. kErrorInterfaceAlreadyExists (904)
//
// Every call names its caller; a caller that is not one of the router's
// administrators (stored in the configuration; the creator is the first)
// gets ERROR_ACCESS_DENIED (5) and changes nothing. Errors carry their
// Win32-style code (CodeOf); invalid input is rejected before anything is
// written.
//
// Storage: one engine volume holding a RecordLog (docs/rras-format.md); a
// configuration save is one record, durable when its call returns. A
// storage failure is ERROR_CAN_NOT_COMPLETE (1003) and sticky: every later
// save fails the same way; reopen to recover.
//
// Thread safety: safe for concurrent use.

#ifndef SHADOWSET_WRITERS_RRAS_ROUTER_CONFIG_H_
#define SHADOWSET_WRITERS_RRAS_ROUTER_CONFIG_H_

#include <cstdint>
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
#include "writers/rras/rras_codes.h"
#include "writers/rras/rras_types.h"
#include "writers/service/quiesce_gate.h"
#include "writers/service/quiescable.h"
#include "writers/service/record_log.h"

namespace shadowset::rras {

namespace internal {
class RrasState;
class RecordBuilder;
}  // namespace internal

// The log magic of a router configuration volume.
inline constexpr char kRrasLogMagic[] = "SSRRASDB";

struct RouterConfigOptions {
  // The engine volume holding the configuration. Default: "rras".
  std::string volume = "rras";
  // Size of the volume Create makes (a multiple of the engine's block size,
  // at least 64 KiB). Default: 4 MiB.
  uint64_t volume_size = uint64_t{4} << 20;
  // Files (backups). Default: Env::Default().
  Env* env = nullptr;
};

// A router configuration read from an image without writing.
struct RouterConfigImage {
  uint64_t sequence = 0;
  std::vector<Transport> transports;
  std::vector<Interface> interfaces;
  std::vector<PhonebookEntry> phonebook;
  std::vector<std::string> admins;
  std::vector<std::string> problems;  // the integrity check
};
absl::StatusOr<RouterConfigImage> ReadRouterConfig(const service::ReadFn& read,
                                                   uint64_t size);

class RouterConfig final : public service::QuiescableService {
 public:
  // Creates the volume and an empty configuration whose only administrator
  // is `creator`. Errors: kInvalidArgument (87: empty creator, bad size);
  // kAlreadyExists (the volume exists); engine and I/O errors.
  static absl::StatusOr<std::unique_ptr<RouterConfig>> Create(
      Engine* engine, const RouterConfigOptions& options,
      absl::string_view creator);
  // Opens the configuration on options.volume. Errors: kNotFound;
  // kFailedPrecondition (not a router volume, newer format); kDataLoss.
  static absl::StatusOr<std::unique_ptr<RouterConfig>> Open(
      Engine* engine, const RouterConfigOptions& options);
  ~RouterConfig() override;

  // --- administrators ---
  // Errors: 5; 87 (empty); ERROR_ALREADY_EXISTS (183).
  absl::Status AddAdministrator(absl::string_view caller, absl::string_view name);
  // Errors: 5; ERROR_NOT_FOUND (1168); ERROR_NOT_SUPPORTED (50) for the last.
  absl::Status RemoveAdministrator(absl::string_view caller,
                                   absl::string_view name);
  absl::StatusOr<std::vector<std::string>> ListAdministrators(
      absl::string_view caller) const;
  // Whether `principal` may use the router (no error for outsiders).
  bool IsAdministrator(absl::string_view principal) const;

  // --- router managers (MprConfigTransportCreate ...) ---
  // Creates the router manager, or sets its information when it exists.
  // Errors: 5; ERROR_UNKNOWN_PROTOCOL_ID (902) for an id other than IP
  // (0x21) or IPv6 (0x57); 87 for a name over 40 bytes.
  absl::Status CreateTransport(absl::string_view caller,
                               const Transport& transport);
  // Errors: 5; 902 if the router has no such manager.
  absl::StatusOr<Transport> GetTransport(absl::string_view caller,
                                         uint32_t id) const;
  // Also unbinds the transport from every interface. Errors: 5; 902.
  absl::Status DeleteTransport(absl::string_view caller, uint32_t id);
  // Ascending by id.
  absl::StatusOr<std::vector<Transport>> EnumTransports(
      absl::string_view caller) const;

  // --- interfaces (MprConfigInterfaceCreate ...) ---
  // Errors: 5; 87 (empty name, over 256 bytes, unknown type, a transport
  // listed twice); ERROR_INTERFACE_ALREADY_EXISTS (904; names ignore case);
  // 902 if it binds a transport the router lacks.
  absl::Status CreateInterface(absl::string_view caller, const Interface& iface);
  // Replaces type, enabled and transports of the interface of that name.
  // Errors: 5; 87; ERROR_NO_SUCH_INTERFACE (905); 902.
  absl::Status SetInterface(absl::string_view caller, const Interface& iface);
  // Errors: 5; 905.
  absl::StatusOr<Interface> GetInterface(absl::string_view caller,
                                         absl::string_view name) const;
  absl::Status DeleteInterface(absl::string_view caller, absl::string_view name);
  // Ascending by name, ignoring case.
  absl::StatusOr<std::vector<Interface>> EnumInterfaces(
      absl::string_view caller) const;
  // Binds (or rebinds) a transport to an interface
  // (MprConfigInterfaceTransportAdd). Errors: 5; 905; 902.
  absl::Status AddInterfaceTransport(absl::string_view caller,
                                     absl::string_view interface_name,
                                     const InterfaceTransport& transport);
  // Errors: 5; 905; 902 if it is not bound.
  absl::Status RemoveInterfaceTransport(absl::string_view caller,
                                        absl::string_view interface_name,
                                        uint32_t transport_id);

  // --- phone book ---
  // Adds an entry. Errors: 5; 87 (empty name, ']' or a line break in a
  // name or value, '=' in an option key, the keys Device/PhoneNumber);
  // ERROR_ALREADY_EXISTS (183).
  absl::Status AddPhonebookEntry(absl::string_view caller,
                                 const PhonebookEntry& entry);
  // Replaces an entry. Errors: 5; 87; ERROR_CANNOT_FIND_PHONEBOOK_ENTRY (623).
  absl::Status SetPhonebookEntry(absl::string_view caller,
                                 const PhonebookEntry& entry);
  // Errors: 5; 623.
  absl::StatusOr<PhonebookEntry> GetPhonebookEntry(absl::string_view caller,
                                                   absl::string_view name) const;
  absl::Status DeletePhonebookEntry(absl::string_view caller,
                                    absl::string_view name);
  absl::StatusOr<std::vector<PhonebookEntry>> EnumPhonebook(
      absl::string_view caller) const;

  // --- backup and restore (MprConfigServerBackup/Restore) ---
  // Writes the router managers, interfaces and phone book, as of one
  // instant, into directory `path` (absolute, ending with '/'; created if
  // missing). Errors: 5; ERROR_INVALID_PARAMETER (87) for a bad path;
  // ERROR_CAN_NOT_COMPLETE (1003) when writing fails.
  absl::Status Backup(absl::string_view caller, const std::string& path);
  // Replaces router managers, interfaces and phone book with those of the
  // backup in `path`, in one atomic mutation (administrators stay).
  // Errors: 5; 87 (bad path); ERROR_ROUTER_CONFIG_INCOMPATIBLE (945) if
  // `path` is not a compatible backup (nothing changes); I/O errors.
  absl::Status Restore(absl::string_view caller, const std::string& path);

  // --- service ---
  std::vector<std::string> Check() const;
  std::string instance_id() const;
  service::LogUsage log_usage() const;
  bool quiesced() const;
  // Blocks until at least `n` mutations wait for Resume.
  void AwaitBlockedMutations(size_t n) const;

  // QuiescableService:
  absl::Status Flush() override;
  absl::StatusOr<uint64_t> Quiesce() override;
  void Resume() override;
  uint64_t sequence() const override;
  std::vector<std::string> volumes() const override;
  absl::Status Reload() override;

 private:
  RouterConfig(Engine* engine, RouterConfigOptions options);

  absl::Status Load() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Mutate(
      absl::string_view caller,
      absl::FunctionRef<absl::Status(const internal::RrasState&,
                                     internal::RecordBuilder&)>
          build);
  absl::StatusOr<uint64_t> WriteLocked(const std::string& payload)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status CheckCaller(absl::string_view caller) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);

  Engine* const engine_;
  const RouterConfigOptions options_;
  Env* const env_;

  mutable absl::Mutex mu_;
  // Closed while quiesced: mutations wait in it.
  service::QuiesceGate gate_{&mu_};
  std::unique_ptr<internal::RrasState> state_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<service::RecordLog> log_ ABSL_GUARDED_BY(mu_);
  uint64_t seq_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace shadowset::rras

#endif  // SHADOWSET_WRITERS_RRAS_ROUTER_CONFIG_H_
