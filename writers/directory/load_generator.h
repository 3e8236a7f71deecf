// LoadGenerator: a seeded, rate-controlled stream of adds, modifies and
// deletes against a directory, on its own thread, for demos, benchmarks
// and online-backup tests. Also EnsureHostObject, which gives a host name
// its directory object on demand (the demo keeps "every DHCP lease's host
// name has a directory object").
//
//   LoadGeneratorOptions o;  o.seed = 7;  o.changes_per_second = 500;
//   LoadGenerator load(&directory, o);
//   RETURN_IF_ERROR(load.Start());
//   ... take backups ...
//   RETURN_IF_ERROR(load.Stop());      // the first error the stream met
//   ASSIGN_OR_RETURN(uint64_t usn, EnsureHostObject(directory, "pc-17",
//                                                   kDefaultHostsContainer));
//
// The stream touches only objects it created, under options.container
// ("CN=load-<n>,<container>", n counting up, never reused): so what it did
// is known exactly (journal()) whatever else runs beside it. Given the same
// seed and the same starting directory it makes the same changes.
//
// Thread safety: safe for concurrent use; EnsureHostObject may be called
// from any thread, with or without a running stream.

#ifndef SHADOWSET_WRITERS_DIRECTORY_LOAD_GENERATOR_H_
#define SHADOWSET_WRITERS_DIRECTORY_LOAD_GENERATOR_H_

#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "engine/env.h"
#include "writers/directory/directory_service.h"

namespace shadowset {

inline constexpr char kDefaultLoadContainer[] = "OU=Load,DC=shadowset,DC=test";
inline constexpr char kDefaultHostsContainer[] = "OU=Hosts,DC=shadowset,DC=test";

struct LoadGeneratorOptions {
  // Seeds the choice of operations and targets. Default: 1.
  uint64_t seed = 1;
  // Target rate; 0 runs as fast as the directory allows. Default: 100.
  double changes_per_second = 100;
  // Where the stream's objects live; created (with missing parents) by
  // Start. Default: kDefaultLoadContainer.
  std::string container = kDefaultLoadContainer;
  // Relative weights of the operations. Default: 5 adds, 4 modifies,
  // 1 delete (the directory grows).
  uint32_t add_weight = 5;
  uint32_t modify_weight = 4;
  uint32_t delete_weight = 1;
  // Live objects beyond which adds become modifies. Default: 100,000.
  size_t max_objects = 100000;
  // Stop after this many changes (0: until Stop). Default: 0.
  uint64_t max_changes = 0;
  // Record every committed change with the object it left (journal()).
  // Costs a read per change. Default: false.
  bool keep_journal = false;
  // Starts the thread. Default: Env::Default().
  Env* env = nullptr;
};

struct LoadStats {
  uint64_t adds = 0;
  uint64_t modifies = 0;
  uint64_t deletes = 0;
};

// One committed change of the stream and the object as it left it.
struct LoadJournalEntry {
  uint64_t usn = 0;
  DirectoryObject object;
};

class LoadGenerator {
 public:
  // `directory` must outlive the generator.
  LoadGenerator(DirectoryService* directory, LoadGeneratorOptions options);
  ~LoadGenerator();  // stops the stream
  LoadGenerator(const LoadGenerator&) = delete;
  LoadGenerator& operator=(const LoadGenerator&) = delete;

  // Creates the container and starts the stream. kFailedPrecondition if it
  // already runs; the directory's errors.
  absl::Status Start();
  // Stops the stream and waits for its thread. Returns the first error a
  // change met (the stream stops at it), else OK. Idempotent.
  absl::Status Stop();
  // Waits until the stream has made `n` changes, stopped on an error, or
  // reached max_changes.
  void WaitForChanges(uint64_t n);

  LoadStats stats();
  std::vector<LoadJournalEntry> journal();

 private:
  void Run();
  // One change; false when the stream must stop.
  bool Step(std::mt19937_64& rng) ABSL_LOCKS_EXCLUDED(mu_);
  bool Done() const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  bool Progressed() const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  DirectoryService* const directory_;
  const LoadGeneratorOptions options_;

  absl::Mutex mu_;
  bool running_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status error_ ABSL_GUARDED_BY(mu_);
  LoadStats stats_ ABSL_GUARDED_BY(mu_);
  uint64_t wait_for_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<LoadJournalEntry> journal_ ABSL_GUARDED_BY(mu_);
  // The stream's own state: only its thread touches these.
  std::vector<std::string> live_;  // DNs of live objects it created
  uint64_t next_name_ = 0;
  uint64_t counter_ = 0;
  std::thread thread_;
};

// Creates `dn` and any missing parents: DC= components as "domain"
// objects, OU= as "organizationalUnit", others as "container". Existing
// live objects are fine.
absl::Status EnsureContainer(DirectoryService& directory, absl::string_view dn);

// Gives `host_name` its directory object "CN=<host>,<container>" (class
// "computer", attribute dNSHostName), creating the container if needed.
// Returns the object's USN of creation, whether made now or before.
// kInvalidArgument (ERROR_INVALID_PARAMETER) for a host name that is not
// letters, digits, '-' and '.'. Safe to call concurrently for the same
// host: one creates it, the others find it.
absl::StatusOr<uint64_t> EnsureHostObject(DirectoryService& directory,
                                          absl::string_view host_name,
                                          absl::string_view container =
                                              kDefaultHostsContainer);

}  // namespace shadowset

#endif  // SHADOWSET_WRITERS_DIRECTORY_LOAD_GENERATOR_H_
