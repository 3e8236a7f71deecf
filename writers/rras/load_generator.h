// RrasLoadGenerator: seeded, rate-controlled configuration edits against a
// RouterConfig, for tests, benchmarks and the demo.
//
//   RrasLoadOptions o;
//   o.principal = "alice";
//   o.ops_per_second = 50;
//   RrasLoadGenerator load(router, o);
//   RETURN_IF_ERROR(load.Start());
//   ...
//   load.Stop();
//
// Each operation is one configuration save (weights in the options):
//   add-interface      a new interface ("if-<seed>-<n>", a random type);
//   edit-interface     enable/disable one, or change its type;
//   bind-transport     bind IP or IPv6 to one, with fresh interface info;
//   delete-interface   remove one;
//   phonebook          add, change or delete a phone-book entry;
//   router-manager     set the global info of IP or IPv6 (creating it).
// With one generator and no other writer, the operations are a pure
// function of the seed. Legitimate refusals (an interface someone else
// removed, a transport the router lacks) are counted as `refused`; any
// other error ends the run (status()).
//
// Thread safety: as DhcpLoadGenerator.

#ifndef SHADOWSET_WRITERS_RRAS_LOAD_GENERATOR_H_
#define SHADOWSET_WRITERS_RRAS_LOAD_GENERATOR_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "engine/env.h"
#include "writers/rras/router_config.h"
#include "writers/service/paced_loop.h"

namespace shadowset::rras {

struct RrasLoadOptions {
  // Seeds every choice. Default: 1.
  uint64_t seed = 1;
  // Operations per second; 0 = as fast as possible. Default: 0.
  double ops_per_second = 0;
  // Stop after this many operations; 0 = until Stop(). Default: 0.
  uint64_t max_ops = 0;
  // The caller of every operation (an administrator). Default: "".
  std::string principal;
  // Relative weights. Defaults: 25, 25, 20, 10, 15, 5.
  uint32_t add_interface_weight = 25;
  uint32_t edit_interface_weight = 25;
  uint32_t bind_transport_weight = 20;
  uint32_t delete_interface_weight = 10;
  uint32_t phonebook_weight = 15;
  uint32_t router_manager_weight = 5;
};

struct RrasLoadStats {
  uint64_t saves = 0;    // configuration saves that succeeded
  uint64_t refused = 0;  // legitimate refusals
  uint64_t total() const { return saves + refused; }
};

class RrasLoadGenerator {
 public:
  // `config` (and `env`, default Env::Default()) must outlive the generator.
  RrasLoadGenerator(RouterConfig* config, RrasLoadOptions options,
                    Env* env = nullptr);
  ~RrasLoadGenerator();  // Stop()

  absl::Status Start();
  void Stop();
  absl::Status Wait();
  // One operation on the calling thread.
  absl::Status Step();

  RrasLoadStats stats() const;
  absl::Status status() const;

 private:
  absl::Status AddInterface();
  absl::Status EditInterface();
  absl::Status BindTransport();
  absl::Status DeleteInterface();
  absl::Status EditPhonebook();
  absl::Status SetRouterManager();
  absl::Status Counted(const absl::Status& status);
  std::string Blob(size_t max_len);

  RouterConfig* const config_;
  const RrasLoadOptions options_;
  Env* const env_;

  // Touched only by the thread that runs operations.
  std::mt19937_64 rng_;
  std::vector<std::string> interfaces_;
  std::vector<std::string> entries_;
  uint64_t next_ = 0;

  std::atomic<uint64_t> saves_{0}, refused_{0};
  std::unique_ptr<service::PacedLoop> loop_;
};

}  // namespace shadowset::rras

#endif  // SHADOWSET_WRITERS_RRAS_LOAD_GENERATOR_H_
