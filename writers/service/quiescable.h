// QuiescableService: what a service offers its writer (ServiceWriter) so a
// snapshot can be taken of a consistent, flushed state.
//
//   ASSIGN_OR_RETURN(uint64_t seq, service->Quiesce());  // mutations wait
//   ... take the snapshot set ...
//   service->Resume();                                   // they proceed
//
// Thread safety: implementations are safe for concurrent use; Resume may
// race Quiesce (an abort arriving during a freeze) and must be idempotent.

#ifndef SHADOWSET_WRITERS_SERVICE_QUIESCABLE_H_
#define SHADOWSET_WRITERS_SERVICE_QUIESCABLE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace shadowset::service {

class QuiescableService {
 public:
  virtual ~QuiescableService() = default;

  // Makes everything written so far durable without stopping anyone (the
  // heavy part, done at PrepareSnapshot).
  virtual absl::Status Flush() = 0;
  // Stops mutations: calls that mutate block (they do not fail) until
  // Resume; reads go on. Waits for the mutations in progress, flushes, and
  // returns the sequence number of the last applied mutation. On error the
  // service is left resumed.
  virtual absl::StatusOr<uint64_t> Quiesce() = 0;
  // Lets blocked mutations proceed. Idempotent; harmless when not quiesced.
  virtual void Resume() = 0;
  // The sequence number of the last applied mutation.
  virtual uint64_t sequence() const = 0;
  // The engine volumes the service's data lives on.
  virtual std::vector<std::string> volumes() const = 0;
  // Drops the in-memory state and reads it again from the volumes (after
  // they were restored). Errors: as the service's Open.
  virtual absl::Status Reload() = 0;
};

}  // namespace shadowset::service

#endif  // SHADOWSET_WRITERS_SERVICE_QUIESCABLE_H_
