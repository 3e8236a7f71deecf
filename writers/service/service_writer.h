// ServiceWriter: the Writer (writers/writer.h) of a reference service whose
// data lives on engine volumes: one DATABASE component listing the
// service's volumes; Freeze stops mutations and flushes (callers block and
// resume at Thaw); restores reload the service.
//
//   DhcpWriter writer(server.get());   // a ServiceWriter with DHCP metadata
//   RETURN_IF_ERROR(writer.Freeze(ctx));
//   ... engine->CreateSnapshotSet(metadata.components[0].volumes) ...
//   RETURN_IF_ERROR(writer.Thaw(ctx));
//   writer.sequence_at_freeze();       // the state the snapshot holds
//
// Thread safety: Abort may run concurrently with Freeze (it wins: a Freeze
// that returns after an Abort leaves the service running and fails with
// kAborted); other events are delivered one at a time.

#ifndef SHADOWSET_WRITERS_SERVICE_SERVICE_WRITER_H_
#define SHADOWSET_WRITERS_SERVICE_SERVICE_WRITER_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "writers/service/quiescable.h"
#include "writers/writer.h"

namespace shadowset::service {

// The fixed part of a service writer's metadata.
struct ServiceWriterInfo {
  std::string class_id;      // a GUID naming the kind of writer
  std::string instance_id;   // a GUID naming this service instance
  std::string name;
  std::string component;     // the DATABASE component's name
  std::string logical_path;
  UsageType usage = UsageType::kSystemService;
  SourceType source = SourceType::kTransactedDb;
  RestoreMethod restore_method = RestoreMethod::kStopRestoreStart;
};

class ServiceWriter : public Writer {
 public:
  // `service` must outlive the writer.
  ServiceWriter(QuiescableService* service, ServiceWriterInfo info);
  ~ServiceWriter() override;

  // One DATABASE component on the service's volumes; FULL and COPY; restore
  // lifetime unlimited.
  absl::StatusOr<WriterMetadata> Identify() override;
  absl::Status PrepareBackup(const BackupContext& ctx) override;
  // Flushes the service, so Freeze has little left to flush.
  absl::Status PrepareSnapshot(const BackupContext& ctx) override;
  // Stops mutations and flushes; records the sequence number. Errors: the
  // flush's error with RETRYABLE; kAborted if an Abort arrived meanwhile
  // (the service is running again).
  absl::Status Freeze(const BackupContext& ctx) override;
  absl::Status Thaw(const BackupContext& ctx) override;
  absl::Status PostSnapshot(const BackupContext& ctx) override;
  // Resumes the service. Idempotent; safe concurrently with Freeze.
  absl::Status Abort(const BackupContext& ctx) override;
  absl::Status BackupComplete(const BackupContext& ctx,
                              const BackupResult& result) override;
  // Makes sure the service is running (a requestor that died mid-way).
  absl::Status BackupShutdown(const BackupContext& ctx) override;
  // Stops mutations while the volumes are replaced.
  absl::Status PreRestore(const RestoreContext& ctx) override;
  // Reloads the service from its restored volumes and resumes it. Errors:
  // the reload's error with RECOVERY_FAILED.
  absl::Status PostRestore(const RestoreContext& ctx) override;

  // The service's sequence number recorded by the last successful Freeze.
  std::optional<uint64_t> sequence_at_freeze() const;
  bool frozen() const;

 private:
  QuiescableService* const service_;
  const ServiceWriterInfo info_;

  mutable absl::Mutex mu_;
  bool frozen_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t aborts_ ABSL_GUARDED_BY(mu_) = 0;
  std::optional<uint64_t> seq_at_freeze_ ABSL_GUARDED_BY(mu_);
};

}  // namespace shadowset::service

#endif  // SHADOWSET_WRITERS_SERVICE_SERVICE_WRITER_H_
