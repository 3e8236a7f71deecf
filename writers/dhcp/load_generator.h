// DhcpLoadGenerator: realistic, seeded, rate-controlled lease churn against
// a DhcpServer, for tests, benchmarks and the demo.
//
//   DhcpLoadOptions o;
//   o.principal = "alice";
//   o.ops_per_second = 500;
//   DhcpLoadGenerator load(server, o);
//   RETURN_IF_ERROR(load.Start());     // its own thread
//   ...
//   load.Stop();
//   load.stats().created;
//
// Each operation is one of (weights in the options):
//   create   a new client (fresh MAC, a host name) gets an address
//            (AllocateClient: DISCOVER/REQUEST);
//   renew    one of its clients extends its lease (SetClientInfo);
//   expire   one lease passes its expiry: ADDRESS_STATE_DOOM, expiry in
//            the past (SetClientInfo);
//   release  one client gives its address back (DeleteClientInfo; its
//            reservation, if any, is removed first);
//   reserve  one client's address becomes a reservation
//            (AddSubnetElement + SetClientInfo with the reservation flag).
// Every lease has a host name: drawn from options.host_names, or made up
// ("host-<seed>-<n>"); options.on_new_host sees each name before its lease
// is created (e.g. to create a directory object first).
//
// With one generator and no other writer, the operations are a pure
// function of the seed. Refusals the server may legitimately give (a full
// range, a lease someone else removed) are counted as `refused`; any other
// error ends the run and is reported by status().
//
// Thread safety: Start/Stop/Wait/stats/status are safe from any thread;
// Step must not run concurrently with the generator's own thread.

#ifndef SHADOWSET_WRITERS_DHCP_LOAD_GENERATOR_H_
#define SHADOWSET_WRITERS_DHCP_LOAD_GENERATOR_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "engine/env.h"
#include "writers/dhcp/dhcp_server.h"
#include "writers/service/paced_loop.h"

namespace shadowset::dhcp {

struct DhcpLoadOptions {
  // Seeds every choice. Default: 1.
  uint64_t seed = 1;
  // Operations per second; 0 = as fast as possible. Default: 0.
  double ops_per_second = 0;
  // Stop after this many operations; 0 = until Stop(). Default: 0.
  uint64_t max_ops = 0;
  // The caller of every operation (an administrator). Default: "".
  std::string principal;
  // Scopes to lease from (each needs a range). Default: empty = every scope
  // the server has when the generator is made.
  std::vector<IpAddress> subnets;
  // Relative weights of the operations. Defaults: 40, 30, 10, 15, 5.
  uint32_t create_weight = 40;
  uint32_t renew_weight = 30;
  uint32_t expire_weight = 10;
  uint32_t release_weight = 15;
  uint32_t reserve_weight = 5;
  // Lease duration of creates and renewals. Default: 8 days (Windows').
  absl::Duration lease_duration = absl::Hours(8 * 24);
  // Host names to draw from. Default: empty = "host-<seed>-<n>".
  std::vector<std::string> host_names;
  // Called with each new host name before its lease is created; an error
  // ends the run. Runs on the generator's thread. Default: none.
  std::function<absl::Status(const std::string& host_name)> on_new_host;
};

struct DhcpLoadStats {
  uint64_t created = 0;
  uint64_t renewed = 0;
  uint64_t expired = 0;
  uint64_t released = 0;
  uint64_t reserved = 0;
  uint64_t refused = 0;  // legitimate refusals (e.g. ERROR_DHCP_RANGE_FULL)
  uint64_t total() const {
    return created + renewed + expired + released + reserved + refused;
  }
};

class DhcpLoadGenerator {
 public:
  // `server` (and `env`, default Env::Default()) must outlive the generator.
  DhcpLoadGenerator(DhcpServer* server, DhcpLoadOptions options,
                    Env* env = nullptr);
  ~DhcpLoadGenerator();  // Stop()

  // Runs operations on a thread of its own. kFailedPrecondition if started
  // twice or if there is no scope to lease from.
  absl::Status Start();
  // Stops after the operation in progress and joins the thread.
  void Stop();
  // Waits for a run with max_ops to finish; returns status().
  absl::Status Wait();
  // Runs one operation on the calling thread.
  absl::Status Step();

  DhcpLoadStats stats() const;
  // OK, or the error that ended the run.
  absl::Status status() const;
  // Leases the generator currently holds.
  size_t leases() const;

 private:
  struct Held {
    IpAddress subnet = 0;
    ClientInfo lease;
    bool reserved = false;
  };

  absl::Status Create();
  absl::Status Renew();
  absl::Status Expire();
  absl::Status Release();
  absl::Status Reserve();
  // Removes held lease `i` (swap with the last).
  void Drop(size_t i);
  // OK for a legitimate refusal (counted), the error otherwise.
  absl::Status Refused(const absl::Status& status);

  DhcpServer* const server_;
  const DhcpLoadOptions options_;
  Env* const env_;
  std::vector<IpAddress> subnets_;

  // Touched only by the thread that runs operations.
  std::mt19937_64 rng_;
  std::vector<Held> held_;
  uint64_t next_client_ = 0;

  std::atomic<uint64_t> created_{0}, renewed_{0}, expired_{0}, released_{0},
      reserved_{0}, refused_{0};
  std::atomic<size_t> held_count_{0};
  std::unique_ptr<service::PacedLoop> loop_;
};

}  // namespace shadowset::dhcp

#endif  // SHADOWSET_WRITERS_DHCP_LOAD_GENERATOR_H_
