#include "writers/dhcp/dhcp_writer.h"

namespace shadowset::dhcp {
namespace {

service::ServiceWriterInfo Info(DhcpServer* server) {
  service::ServiceWriterInfo info;
  info.class_id = kDhcpWriterClassId;
  info.instance_id = server->instance_id();
  info.name = "DHCP Jet Writer";
  info.component = "dhcp-database";
  info.logical_path = "dhcp";
  info.usage = UsageType::kSystemService;
  info.source = SourceType::kTransactedDb;
  info.restore_method = RestoreMethod::kStopRestoreStart;
  return info;
}

}  // namespace

DhcpWriter::DhcpWriter(DhcpServer* server)
    : ServiceWriter(server, Info(server)) {}

}  // namespace shadowset::dhcp
