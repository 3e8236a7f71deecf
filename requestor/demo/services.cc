#include "requestor/demo/services.h"

#include <optional>
#include <utility>

#include "engine/internal/status_macros.h"

namespace shadowset::demo {

absl::StatusOr<std::unique_ptr<DemoServices>> DemoServices::Create(
    Engine* engine, const DemoScaleSpec& spec) {
  std::unique_ptr<DemoServices> s(new DemoServices());
  dhcp::DhcpServerOptions dhcp;
  dhcp.volume_size = spec.dhcp_volume_size;
  dhcp.server_name = "dhcp1";
  ASSIGN_OR_RETURN(s->dhcp_,
                   dhcp::DhcpServer::Create(engine, dhcp, kDemoAdmin));
  rras::RouterConfigOptions rras;
  rras.volume_size = spec.rras_volume_size;
  ASSIGN_OR_RETURN(s->rras_,
                   rras::RouterConfig::Create(engine, rras, kDemoAdmin));
  DirectoryInit init;
  init.server_name = kDemoDirectoryServer;
  init.creator = kDemoAdmin;
  init.database_volume_size = spec.directory_db_size;
  init.log_generation_size = spec.directory_log_generation_size;
  init.log_generations = spec.directory_log_generations;
  RETURN_IF_ERROR(DirectoryService::Create(engine, init));
  ASSIGN_OR_RETURN(s->directory_, DirectoryService::Open(engine));
  RETURN_IF_ERROR(s->RegisterWriters());
  return s;
}

absl::StatusOr<std::unique_ptr<DemoServices>> DemoServices::Open(
    Engine* engine) {
  std::unique_ptr<DemoServices> s(new DemoServices());
  ASSIGN_OR_RETURN(s->dhcp_, dhcp::DhcpServer::Open(engine, {}));
  ASSIGN_OR_RETURN(s->rras_, rras::RouterConfig::Open(engine, {}));
  ASSIGN_OR_RETURN(s->directory_, DirectoryService::Open(engine));
  RETURN_IF_ERROR(s->RegisterWriters());
  return s;
}

absl::Status DemoServices::RegisterWriters() {
  dhcp_writer_ = std::make_unique<dhcp::DhcpWriter>(dhcp_.get());
  rras_writer_ = std::make_unique<rras::RrasWriter>(rras_.get());
  directory_writer_ = std::make_unique<DirectoryWriter>(directory_.get());
  registry_ = std::make_unique<WriterRegistry>();
  RETURN_IF_ERROR(registry_->Register(dhcp_writer_.get()));
  RETURN_IF_ERROR(registry_->Register(rras_writer_.get()));
  return registry_->Register(directory_writer_.get());
}

DemoServices::~DemoServices() {
  registry_.reset();  // waits for any call still running in a writer
  directory_writer_.reset();
  rras_writer_.reset();
  dhcp_writer_.reset();
  directory_.reset();
  rras_.reset();
  dhcp_.reset();
}

ServiceSequences DemoServices::Sequences() {
  return {dhcp_->sequence(), rras_->sequence(), directory_->usn()};
}

absl::StatusOr<ServiceSequences> DemoServices::SequencesAtFreeze() {
  std::optional<uint64_t> dhcp = dhcp_writer_->sequence_at_freeze();
  std::optional<uint64_t> rras = rras_writer_->sequence_at_freeze();
  std::optional<QuiescePoint> directory = directory_writer_->frozen_at();
  if (!dhcp || !rras || !directory) {
    return absl::FailedPreconditionError(
        "not every writer has been frozen by a backup yet");
  }
  return ServiceSequences{*dhcp, *rras, directory->usn};
}

}  // namespace shadowset::demo
