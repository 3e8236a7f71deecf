#include "requestor/demo/load.h"

#include "absl/strings/str_cat.h"

namespace shadowset::demo {
namespace {

dhcp::DhcpLoadOptions DhcpLoad(DemoServices& services,
                               const DemoScaleSpec& spec, uint64_t seed) {
  dhcp::DhcpLoadOptions o;
  o.seed = seed;
  o.ops_per_second = spec.dhcp_ops_per_second;
  o.principal = kDemoAdmin;
  DirectoryService* directory = &services.directory();
  o.on_new_host = [directory](const std::string& host) {
    return EnsureHostObject(*directory, host).status();
  };
  return o;
}

rras::RrasLoadOptions RrasLoad(const DemoScaleSpec& spec, uint64_t seed) {
  rras::RrasLoadOptions o;
  o.seed = seed;
  o.ops_per_second = spec.rras_saves_per_second;
  o.principal = kDemoAdmin;
  return o;
}

LoadGeneratorOptions DirectoryLoad(const DemoScaleSpec& spec, uint64_t seed) {
  LoadGeneratorOptions o;
  o.seed = seed;
  o.changes_per_second = spec.directory_changes_per_second;
  return o;
}

}  // namespace

DemoLoad::DemoLoad(DemoServices& services, const DemoScaleSpec& spec,
                   uint64_t seed)
    : dhcp_(&services.dhcp(), DhcpLoad(services, spec, seed)),
      rras_(&services.rras(), RrasLoad(spec, seed)),
      directory_(&services.directory(), DirectoryLoad(spec, seed)) {}

DemoLoad::~DemoLoad() { Stop().IgnoreError(); }

absl::Status DemoLoad::Start() {
  absl::Status st = directory_.Start();
  if (st.ok()) st = rras_.Start();
  if (st.ok()) st = dhcp_.Start();
  running_ = true;
  if (!st.ok()) {
    Stop().IgnoreError();
    return st;
  }
  return absl::OkStatus();
}

absl::Status DemoLoad::Stop() {
  if (!running_) return absl::OkStatus();
  running_ = false;
  dhcp_.Stop();
  rras_.Stop();
  absl::Status directory = directory_.Stop();
  for (const auto& [name, st] :
       {std::pair<const char*, absl::Status>{"DHCP", dhcp_.status()},
        {"router configuration", rras_.status()},
        {"directory", directory}}) {
    if (!st.ok()) {
      return absl::Status(
          st.code(),
          absl::StrCat("the ", name, " load generator failed: ", st.message()));
    }
  }
  return absl::OkStatus();
}

DemoLoadStats DemoLoad::stats() {
  LoadStats d = directory_.stats();
  return {dhcp_.stats().total(), rras_.stats().total(),
          d.adds + d.modifies + d.deletes};
}

}  // namespace shadowset::demo
