// WriterRegistry: the writers an embedder offers for backup.
//
// The embedder owns its writers and registers them; each Requestor built on
// the registry then raises its events in every writer registered when the
// Requestor was made (requestor/requestor.h):
//
//   WriterRegistry writers;
//   RETURN_IF_ERROR(writers.Register(&dhcp_writer));
//   ... backups ...
//   RETURN_IF_ERROR(writers.Unregister(&dhcp_writer));  // then destroy it
//
// Every call into a writer runs on that writer's own lane (two threads,
// started through the Env at Register), so a stuck writer never blocks the
// requestor past its deadline, and one writer sees one event at a time no
// matter how many requestors use it (writers/internal/writer_lane.h).
//
// Lifetime: a writer must stay alive until Unregister returns (or the
// registry is destroyed): Unregister waits for any call still running in
// it, so a writer hung forever makes Unregister wait forever. The registry
// must outlive every Requestor built on it.
//
// Thread safety: safe for concurrent use.

#ifndef SHADOWSET_WRITERS_REGISTRY_H_
#define SHADOWSET_WRITERS_REGISTRY_H_

#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "engine/env.h"
#include "writers/writer.h"

namespace shadowset {

namespace internal {
class WriterLane;
}  // namespace internal

class WriterRegistry {
 public:
  // One registered writer and the lane its calls run on.
  struct Entry {
    Writer* writer = nullptr;
    std::shared_ptr<internal::WriterLane> lane;
  };

  // Marks one backup in progress; released on destruction. Move-only.
  class BackupLease {
   public:
    BackupLease(BackupLease&& other) noexcept;
    BackupLease& operator=(BackupLease&& other) noexcept;
    ~BackupLease();

   private:
    friend class WriterRegistry;
    explicit BackupLease(WriterRegistry* registry) : registry_(registry) {}
    WriterRegistry* registry_;
  };

  // `env` runs the lanes' threads. Default: Env::Default().
  explicit WriterRegistry(Env* env = nullptr);
  // Unregisters every writer (waiting for calls still running in them).
  ~WriterRegistry();
  WriterRegistry(const WriterRegistry&) = delete;
  WriterRegistry& operator=(const WriterRegistry&) = delete;

  // Adds `writer` (not owned) after those already registered.
  // Errors: kInvalidArgument for nullptr; kAlreadyExists if registered.
  absl::Status Register(Writer* writer);

  // Removes `writer`: calls already queued for it are withdrawn (they fail
  // with NONRETRYABLE), and Unregister returns once no call is running in
  // it; after that the writer may be destroyed.
  // Errors: kNotFound if it is not registered.
  absl::Status Unregister(Writer* writer);

  // The registered writers, in registration order.
  std::vector<Entry> Entries() const;
  size_t size() const;

  // Claims the registry's writers for one backup: a second concurrent
  // backup would interleave its events with the first's.
  // Errors: kUnavailable (VSS_E_SNAPSHOT_SET_IN_PROGRESS) while another
  // lease is held.
  absl::StatusOr<BackupLease> BeginBackup();

 private:
  void EndBackup();

  Env* const env_;
  mutable absl::Mutex mu_;
  std::vector<Entry> entries_ ABSL_GUARDED_BY(mu_);
  bool backup_in_progress_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace shadowset

#endif  // SHADOWSET_WRITERS_REGISTRY_H_
