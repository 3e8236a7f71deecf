#include "writers/rras/rras_writer.h"

namespace shadowset::rras {
namespace {

service::ServiceWriterInfo Info(RouterConfig* config) {
  service::ServiceWriterInfo info;
  info.class_id = kRrasWriterClassId;
  info.instance_id = config->instance_id();
  info.name = "Router Configuration Writer";
  info.component = "router-configuration";
  info.logical_path = "rras";
  info.usage = UsageType::kSystemService;
  info.source = SourceType::kTransactedDb;
  info.restore_method = RestoreMethod::kStopRestoreStart;
  return info;
}

}  // namespace

RrasWriter::RrasWriter(RouterConfig* config)
    : ServiceWriter(config, Info(config)) {}

}  // namespace shadowset::rras
