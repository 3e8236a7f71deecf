// ServiceHost: the services the `shadowset` command hosts for a data
// directory, so their writers take part in backups and restores.
//
// Every command opens the engine in-process (one process owns a data
// directory); the backup commands then open, with a ServiceHost, each
// service whose volumes are present in it and register its writer:
//
//   WriterRegistry registry;
//   ASSIGN_OR_RETURN(auto host, ServiceHost::Open(engine.get(), &registry));
//   ... RunBackup(engine.get(), &registry, options) ...
//
// The services the command knows are a table of ServiceOpeners
// (ServiceOpeners() in service_host.cc), one entry per service (DHCP, the
// router configuration, the directory):
//
//   MakeServiceOpener<DirectoryService, DirectoryWriter>(
//       "directory", {"directory-db", "directory-log"}, OpenDirectory),
//
// A service is present when one of its volumes exists; it is opened with
// Service::Open(engine, ...) and its writer made as ServiceWriter(service*).
//
// Thread safety: thread-compatible. The engine and the registry must
// outlive the host; destroying it unregisters the writers (waiting for
// their calls) and closes the services.

#ifndef SHADOWSET_REQUESTOR_CLI_SERVICE_HOST_H_
#define SHADOWSET_REQUESTOR_CLI_SERVICE_HOST_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/engine.h"
#include "engine/internal/status_macros.h"
#include "writers/registry.h"
#include "writers/writer.h"

namespace shadowset::cli {

struct ServiceOpenOptions {
  // Open offline, as a restore-mode boot does, for PostRestore to bring
  // it online. Default: false.
  bool restore_mode = false;
};

// An open service and its writer.
class HostedService {
 public:
  virtual ~HostedService() = default;
  virtual Writer* writer() = 0;
};

// One kind of service the command can host.
struct ServiceOpener {
  std::string name;                  // "directory"
  std::vector<std::string> volumes;  // where it keeps its data
  std::function<absl::StatusOr<std::unique_ptr<HostedService>>(
      Engine*, const ServiceOpenOptions&)>
      open;
};

// Every service the command knows, in the order they are opened.
const std::vector<ServiceOpener>& ServiceOpeners();

// The common shape: `open` returns the service (Service::Open with the
// service's options), and its writer is ServiceWriter(Service*).
template <typename Service, typename ServiceWriter>
ServiceOpener MakeServiceOpener(
    std::string name, std::vector<std::string> volumes,
    std::function<absl::StatusOr<std::unique_ptr<Service>>(
        Engine*, const ServiceOpenOptions&)>
        open) {
  class Hosted final : public HostedService {
   public:
    explicit Hosted(std::unique_ptr<Service> service)
        : service_(std::move(service)), writer_(service_.get()) {}
    Writer* writer() override { return &writer_; }

   private:
    std::unique_ptr<Service> service_;  // outlives its writer
    ServiceWriter writer_;
  };
  ServiceOpener opener;
  opener.name = std::move(name);
  opener.volumes = std::move(volumes);
  opener.open = [open = std::move(open)](Engine* engine,
                                         const ServiceOpenOptions& options)
      -> absl::StatusOr<std::unique_ptr<HostedService>> {
    ASSIGN_OR_RETURN(std::unique_ptr<Service> service, open(engine, options));
    return std::unique_ptr<HostedService>(new Hosted(std::move(service)));
  };
  return opener;
}

class ServiceHost {
 public:
  // Opens every service present in `engine` (ServiceOpeners order) and
  // registers its writer in `registry`.
  // Errors: a service's open error, prefixed with its name (the services
  // opened before it are closed again).
  static absl::StatusOr<std::unique_ptr<ServiceHost>> Open(
      Engine* engine, WriterRegistry* registry,
      const ServiceOpenOptions& options = {});

  ~ServiceHost();
  ServiceHost(const ServiceHost&) = delete;
  ServiceHost& operator=(const ServiceHost&) = delete;

  // The names of the open services.
  std::vector<std::string> services() const;

  // After a restore switched in `volumes` (RestoreOptions::after_switch_in):
  // every service with data on them is closed (its writer unregistered)
  // and opened again in restore mode on the new volumes, its new writer
  // registered for PostRestore to bring it online; a service present only
  // now (restored into a new data directory) is opened the same way.
  // Errors: a service's open error, prefixed with its name.
  absl::Status ReopenAfterRestore(const std::vector<std::string>& volumes);

 private:
  struct Opened {
    const ServiceOpener* opener;
    std::unique_ptr<HostedService> service;
  };

  ServiceHost(Engine* engine, WriterRegistry* registry)
      : engine_(engine), registry_(registry) {}
  absl::Status OpenOne(const ServiceOpener& opener,
                       const ServiceOpenOptions& options);
  void CloseOne(Opened& opened);

  Engine* const engine_;
  WriterRegistry* const registry_;
  std::vector<Opened> open_;
};

}  // namespace shadowset::cli

#endif  // SHADOWSET_REQUESTOR_CLI_SERVICE_HOST_H_
