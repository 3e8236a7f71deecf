// The sizes of `shadowset demo`: how much data each service starts with,
// how big its volumes are, and how hard the load generators push.
//
//   DemoScaleSpec spec = DemoScaleSpecOf(DemoScale::kMedium);
//   spec.leases;  // 20,000
//
// small runs in seconds (the test suite runs it); medium, the default, is
// the product's story (3 DHCP scopes with 20,000 leases; 50 interfaces and
// 200 phone-book entries; 100,000 directory objects) in a minute or two on
// a small machine; large is three times medium.
//
// Thread safety: immutable values.

#ifndef SHADOWSET_REQUESTOR_DEMO_SCALE_H_
#define SHADOWSET_REQUESTOR_DEMO_SCALE_H_

#include <cstdint>
#include <optional>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace shadowset::demo {

enum class DemoScale { kSmall, kMedium, kLarge };

struct DemoScaleSpec {
  absl::string_view name;  // "small", "medium", "large"

  // Starting data. Every lease's host name has a directory object; the
  // directory's other objects are users. `directory_objects` counts every
  // object, containers included.
  int scopes = 3;
  uint64_t leases = 0;
  int interfaces = 0;
  int phonebook_entries = 0;
  uint64_t directory_objects = 0;

  // Volumes (sparse: unwritten blocks cost nothing).
  uint64_t dhcp_volume_size = 0;
  uint64_t rras_volume_size = 0;
  uint64_t directory_db_size = 0;
  uint64_t directory_log_generation_size = 0;
  uint32_t directory_log_generations = 0;

  // The load, per second, each generator on its own thread.
  double dhcp_ops_per_second = 0;
  double rras_saves_per_second = 0;
  double directory_changes_per_second = 0;

  // How long the services work before each backup (--seconds).
  absl::Duration load_time;
};

DemoScaleSpec DemoScaleSpecOf(DemoScale scale);

// "small", "medium" or "large"; nullopt otherwise.
std::optional<DemoScale> ParseDemoScale(absl::string_view name);

}  // namespace shadowset::demo

#endif  // SHADOWSET_REQUESTOR_DEMO_SCALE_H_
