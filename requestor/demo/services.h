// DemoServices: the demo's three reference services on one engine - a DHCP
// server, a router configuration and a directory - with their writers and
// the registry that offers them for backup.
//
//   ASSIGN_OR_RETURN(auto services, DemoServices::Create(engine, spec));
//   RETURN_IF_ERROR(Populate(*services, spec, {}));      // populate.h
//   ... RunBackup(engine, &services->writers(), options) ...
//   ASSIGN_OR_RETURN(ServiceSequences frozen, services->SequencesAtFreeze());
//
//   // In a data directory restored from that backup:
//   ASSIGN_OR_RETURN(auto restored, DemoServices::Open(restored_engine, spec));
//   restored->Sequences();  // == frozen
//
// Thread safety: the services and the registry are safe for concurrent use;
// Create, Open and destruction are not (stop the load generators first).

#ifndef SHADOWSET_REQUESTOR_DEMO_SERVICES_H_
#define SHADOWSET_REQUESTOR_DEMO_SERVICES_H_

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "engine/engine.h"
#include "requestor/demo/scale.h"
#include "writers/dhcp/dhcp_server.h"
#include "writers/dhcp/dhcp_writer.h"
#include "writers/directory/directory_service.h"
#include "writers/directory/directory_writer.h"
#include "writers/registry.h"
#include "writers/rras/router_config.h"
#include "writers/rras/rras_writer.h"

namespace shadowset::demo {

// The principal that creates and administers the services.
inline constexpr char kDemoAdmin[] = "demo-admin";
// The directory's server name.
inline constexpr char kDemoDirectoryServer[] = "dc1";

// Where each service is: the sequence number of its last applied mutation
// (the directory's: its highest update sequence number).
struct ServiceSequences {
  uint64_t dhcp = 0;
  uint64_t rras = 0;
  uint64_t directory = 0;
  friend bool operator==(const ServiceSequences&,
                         const ServiceSequences&) = default;
};

class DemoServices {
 public:
  // Creates the three services, empty, on new volumes of `engine` sized by
  // `spec`, and registers their writers.
  // Errors: kAlreadyExists if a service's volume exists; engine errors.
  static absl::StatusOr<std::unique_ptr<DemoServices>> Create(
      Engine* engine, const DemoScaleSpec& spec);
  // Opens the three services found on `engine` (e.g. restored from a
  // backup) and registers their writers.
  // Errors: each service's Open errors (kNotFound: a volume is missing;
  // kDataLoss: damaged).
  static absl::StatusOr<std::unique_ptr<DemoServices>> Open(Engine* engine);

  // Unregisters the writers, then closes the services.
  ~DemoServices();
  DemoServices(const DemoServices&) = delete;
  DemoServices& operator=(const DemoServices&) = delete;

  dhcp::DhcpServer& dhcp() { return *dhcp_; }
  rras::RouterConfig& rras() { return *rras_; }
  DirectoryService& directory() { return *directory_; }
  WriterRegistry& writers() { return *registry_; }

  ServiceSequences Sequences();
  // What each writer recorded at its last successful Freeze: the state the
  // backup's snapshot set holds. kFailedPrecondition before every writer
  // froze once.
  absl::StatusOr<ServiceSequences> SequencesAtFreeze();

 private:
  DemoServices() = default;
  absl::Status RegisterWriters();

  std::unique_ptr<dhcp::DhcpServer> dhcp_;
  std::unique_ptr<rras::RouterConfig> rras_;
  std::unique_ptr<DirectoryService> directory_;
  std::unique_ptr<dhcp::DhcpWriter> dhcp_writer_;
  std::unique_ptr<rras::RrasWriter> rras_writer_;
  std::unique_ptr<DirectoryWriter> directory_writer_;
  std::unique_ptr<WriterRegistry> registry_;
};

}  // namespace shadowset::demo

#endif  // SHADOWSET_REQUESTOR_DEMO_SERVICES_H_
