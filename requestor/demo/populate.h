// Populate: the demo's starting data, added through the services' own APIs
// as real clients would - DHCP scopes and leases, router managers,
// interfaces and phone-book entries, directory users and computers.
//
//   RETURN_IF_ERROR(Populate(*services, spec, {.threads = 16}));
//
// The cross-service invariant the demo proves after a restore holds from
// the start: every lease's host name ("ws-000123") has its directory
// object ("CN=ws-000123,OU=Hosts,DC=shadowset,DC=test"), created before the
// lease. The data is a pure function of the spec (names, addresses and
// attributes are numbered); only the lease expiry times read the clock.
//
// Thread safety: a free function; it adds from several threads (their
// changes share the services' group commits).

#ifndef SHADOWSET_REQUESTOR_DEMO_POPULATE_H_
#define SHADOWSET_REQUESTOR_DEMO_POPULATE_H_

#include <atomic>
#include <cstdint>
#include <functional>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "engine/env.h"
#include "requestor/demo/scale.h"
#include "requestor/demo/services.h"

namespace shadowset::demo {

// The directory containers of the demo's objects.
inline constexpr char kPeopleContainer[] = "OU=People,DC=shadowset,DC=test";

struct PopulateOptions {
  // Threads adding at once. Default: 16.
  int threads = 16;
  // Called on the calling thread about every 200 ms and once at the end
  // with the items added so far and the total. Default: none.
  std::function<void(uint64_t done, uint64_t total, absl::Duration elapsed)>
      progress;
  // Stops (kCancelled) once it reads true. Default: nullptr.
  const std::atomic<bool>* cancel = nullptr;
  // Threads and the clock. Default: Env::Default().
  Env* env = nullptr;
};

// What the demo starts with, once populated.
struct PopulateCounts {
  uint64_t scopes = 0;
  uint64_t leases = 0;
  uint64_t interfaces = 0;
  uint64_t phonebook_entries = 0;
  uint64_t directory_objects = 0;
  absl::Duration time;
};

// Adds `spec`'s data to freshly created `services`.
// Errors: the first error a service returned (the data is then partial);
// kCancelled.
absl::StatusOr<PopulateCounts> Populate(DemoServices& services,
                                        const DemoScaleSpec& spec,
                                        const PopulateOptions& options);

// The host name of starting lease `i` ("ws-000123").
std::string StartingHostName(uint64_t i);

}  // namespace shadowset::demo

#endif  // SHADOWSET_REQUESTOR_DEMO_POPULATE_H_
