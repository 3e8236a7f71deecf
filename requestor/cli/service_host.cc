#include "requestor/cli/service_host.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "writers/dhcp/dhcp_server.h"
#include "writers/dhcp/dhcp_writer.h"
#include "writers/directory/directory_service.h"
#include "writers/directory/directory_writer.h"
#include "writers/rras/router_config.h"
#include "writers/rras/rras_writer.h"

namespace shadowset::cli {
namespace {

absl::StatusOr<std::unique_ptr<DirectoryService>> OpenDirectory(
    Engine* engine, const ServiceOpenOptions& options) {
  DirectoryOptions o;
  o.restore_mode = options.restore_mode;
  return DirectoryService::Open(engine, o);
}

std::vector<std::string> DirectoryVolumes() {
  const std::string prefix = DirectoryOptions().volume_prefix;
  return {prefix + "-db", prefix + "-log"};
}

// The DHCP and router services have no offline mode: reopened after a
// restore, their writer's PostRestore reloads them from the new volume.
absl::StatusOr<std::unique_ptr<dhcp::DhcpServer>> OpenDhcp(
    Engine* engine, const ServiceOpenOptions&) {
  return dhcp::DhcpServer::Open(engine, dhcp::DhcpServerOptions());
}

absl::StatusOr<std::unique_ptr<rras::RouterConfig>> OpenRras(
    Engine* engine, const ServiceOpenOptions&) {
  return rras::RouterConfig::Open(engine, rras::RouterConfigOptions());
}

bool Present(Engine* engine, const ServiceOpener& opener) {
  return std::any_of(
      opener.volumes.begin(), opener.volumes.end(),
      [engine](const std::string& v) { return engine->GetVolume(v).ok(); });
}

bool OnAny(const ServiceOpener& opener,
           const std::vector<std::string>& volumes) {
  return std::any_of(
      opener.volumes.begin(), opener.volumes.end(), [&](const std::string& v) {
        return std::find(volumes.begin(), volumes.end(), v) != volumes.end();
      });
}

}  // namespace

const std::vector<ServiceOpener>& ServiceOpeners() {
  // One entry per service.
  static const std::vector<ServiceOpener>* const kOpeners =
      new std::vector<ServiceOpener>{
          MakeServiceOpener<dhcp::DhcpServer, dhcp::DhcpWriter>(
              "dhcp", {dhcp::DhcpServerOptions().volume}, OpenDhcp),
          MakeServiceOpener<rras::RouterConfig, rras::RrasWriter>(
              "rras", {rras::RouterConfigOptions().volume}, OpenRras),
          MakeServiceOpener<DirectoryService, DirectoryWriter>(
              "directory", DirectoryVolumes(), OpenDirectory),
      };
  return *kOpeners;
}

absl::StatusOr<std::unique_ptr<ServiceHost>> ServiceHost::Open(
    Engine* engine, WriterRegistry* registry,
    const ServiceOpenOptions& options) {
  std::unique_ptr<ServiceHost> host(new ServiceHost(engine, registry));
  for (const ServiceOpener& opener : ServiceOpeners()) {
    if (!Present(engine, opener)) continue;
    RETURN_IF_ERROR(host->OpenOne(opener, options));
  }
  return host;
}

ServiceHost::~ServiceHost() {
  for (auto it = open_.rbegin(); it != open_.rend(); ++it) CloseOne(*it);
}

std::vector<std::string> ServiceHost::services() const {
  std::vector<std::string> names;
  for (const Opened& o : open_) names.push_back(o.opener->name);
  return names;
}

absl::Status ServiceHost::OpenOne(const ServiceOpener& opener,
                                  const ServiceOpenOptions& options) {
  absl::StatusOr<std::unique_ptr<HostedService>> service =
      opener.open(engine_, options);
  if (!service.ok()) {
    return absl::Status(service.status().code(),
                        absl::StrCat("opening the ", opener.name,
                                     " service: ", service.status().message()));
  }
  RETURN_IF_ERROR(registry_->Register((*service)->writer()));
  open_.push_back({&opener, std::move(*service)});
  return absl::OkStatus();
}

void ServiceHost::CloseOne(Opened& opened) {
  if (opened.service == nullptr) return;
  registry_->Unregister(opened.service->writer()).IgnoreError();
  opened.service.reset();
}

absl::Status ServiceHost::ReopenAfterRestore(
    const std::vector<std::string>& volumes) {
  ServiceOpenOptions restore;
  restore.restore_mode = true;
  for (const ServiceOpener& opener : ServiceOpeners()) {
    if (!OnAny(opener, volumes)) continue;
    auto it = std::find_if(open_.begin(), open_.end(), [&](const Opened& o) {
      return o.opener == &opener;
    });
    if (it != open_.end()) {
      CloseOne(*it);
      open_.erase(it);
    }
    if (Present(engine_, opener)) RETURN_IF_ERROR(OpenOne(opener, restore));
  }
  return absl::OkStatus();
}

}  // namespace shadowset::cli
