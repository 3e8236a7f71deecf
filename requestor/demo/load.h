// DemoLoad: the three services kept busy while they are backed up - each
// service's load generator on its own thread at the scale's steady rate.
//
//   DemoLoad load(services, spec, /*seed=*/1);
//   RETURN_IF_ERROR(load.Start());
//   ... backups ...
//   RETURN_IF_ERROR(load.Stop());   // the first error a generator met
//
// The cross-service invariant is kept by the load itself: every new DHCP
// client's host name gets its directory object (EnsureHostObject) before
// its lease is created, so a backup that holds a lease also holds its
// computer, provided the snapshot is one instant for both services.
//
// Thread safety: Start and Stop from one thread; stats() from any.

#ifndef SHADOWSET_REQUESTOR_DEMO_LOAD_H_
#define SHADOWSET_REQUESTOR_DEMO_LOAD_H_

#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "requestor/demo/scale.h"
#include "requestor/demo/services.h"
#include "writers/dhcp/load_generator.h"
#include "writers/directory/load_generator.h"
#include "writers/rras/load_generator.h"

namespace shadowset::demo {

// Operations the generators completed so far.
struct DemoLoadStats {
  uint64_t dhcp = 0;       // lease creations, renewals, expiries, releases...
  uint64_t rras = 0;       // configuration saves
  uint64_t directory = 0;  // adds, modifies and deletes of the stream
};

class DemoLoad {
 public:
  // `services` must outlive the load.
  DemoLoad(DemoServices& services, const DemoScaleSpec& spec, uint64_t seed);
  ~DemoLoad();  // Stop()

  // Starts the three generators. Errors: a generator's start error (those
  // started are stopped again).
  absl::Status Start();
  // Stops them; returns the first error any of them met while running.
  // Idempotent.
  absl::Status Stop();
  DemoLoadStats stats();

 private:
  dhcp::DhcpLoadGenerator dhcp_;
  rras::RrasLoadGenerator rras_;
  LoadGenerator directory_;
  bool running_ = false;
};

}  // namespace shadowset::demo

#endif  // SHADOWSET_REQUESTOR_DEMO_LOAD_H_
