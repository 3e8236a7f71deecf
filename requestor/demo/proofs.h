// The demo's proofs that a restored data directory holds exactly the
// instant its backup's snapshot set was taken, service by service.
//
//   std::vector<DemoCheck> checks =
//       ProveRestored("full", *restored_services, frozen);
//   for (const DemoCheck& c : checks) ... c.passed, c.name, c.detail ...
//
// The checks, each on its own:
//   * each writer's sequence number recorded at Freeze equals the restored
//     service's (DHCP and router configuration: the last mutation applied;
//     directory: the highest USN);
//   * each service's integrity check passes (DhcpServer::Check,
//     RouterConfig::Check, DirectoryService::Check);
//   * the invariant the load maintains across services: every DHCP lease's
//     host name has a live directory object.
//
// Thread safety: free functions; nothing else may use `restored` meanwhile.

#ifndef SHADOWSET_REQUESTOR_DEMO_PROOFS_H_
#define SHADOWSET_REQUESTOR_DEMO_PROOFS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "engine/engine.h"
#include "requestor/demo/services.h"

namespace shadowset::demo {

struct DemoCheck {
  std::string name;  // what is proven, e.g. "full: DHCP at its Freeze"
  bool passed = false;
  std::string detail;  // the figures behind it, or what is wrong
};

// The checks above for services restored from the backup labelled
// `label` ("full", "incremental"), whose writers recorded `frozen`.
std::vector<DemoCheck> ProveRestored(absl::string_view label,
                                     DemoServices& restored,
                                     const ServiceSequences& frozen);

// An engine scrub (Engine::Check) as a check named `name`.
DemoCheck ProveEngineClean(absl::string_view name, Engine& engine);

}  // namespace shadowset::demo

#endif  // SHADOWSET_REQUESTOR_DEMO_PROOFS_H_
