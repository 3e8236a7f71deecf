// ProbeWriter: a TestWriter that also records what the backup pipeline
// promised it at each BackupComplete (the backup already recorded in the
// catalog, the snapshot set not yet released), the types it was told, and
// that declares a restore lifetime.

#ifndef SHADOWSET_TESTS_REQUESTOR_PROBE_WRITER_H_
#define SHADOWSET_TESTS_REQUESTOR_PROBE_WRITER_H_

#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "engine/engine.h"
#include "tests/writers/test_writer.h"

namespace shadowset::testing {

// What one BackupComplete saw.
struct CompleteProbe {
  BackupType type = BackupType::kFull;
  bool succeeded = false;
  bool recorded = false;   // engine->GetBackup(backup_id) was OK
  bool set_alive = false;  // the backup's snapshot set still existed
  bool published = false;  // result.backup_dir held a manifest and token
};

class ProbeWriter : public TestWriter {
 public:
  ProbeWriter(TestWriterOptions options, Engine* engine,
              absl::Duration restore_lifetime = absl::InfiniteDuration())
      : TestWriter(std::move(options)),
        engine_(engine),
        restore_lifetime_(restore_lifetime) {}

  absl::StatusOr<WriterMetadata> Identify() override {
    absl::StatusOr<WriterMetadata> md = TestWriter::Identify();
    if (md.ok()) md->restore_lifetime = restore_lifetime_;
    return md;
  }

  absl::Status PrepareBackup(const BackupContext& ctx) override {
    {
      absl::MutexLock l(&mu_);
      prepared_types_.push_back(ctx.type);
    }
    return TestWriter::PrepareBackup(ctx);
  }

  absl::Status BackupComplete(const BackupContext& ctx,
                              const BackupResult& result) override {
    CompleteProbe p;
    p.type = ctx.type;
    p.succeeded = result.succeeded;
    p.recorded = engine_->GetBackup(ctx.backup_id).ok();
    p.set_alive = engine_->GetSnapshotSet(ctx.set_id).ok();
    Env* env = Env::Default();
    p.published = !result.backup_dir.empty() &&
                  env->GetFileType(result.backup_dir + "/manifest.json")
                          .value_or(FileType::kMissing) == FileType::kFile &&
                  env->GetFileType(result.backup_dir + "/token")
                          .value_or(FileType::kMissing) == FileType::kFile;
    {
      absl::MutexLock l(&mu_);
      completes_.push_back(p);
    }
    return TestWriter::BackupComplete(ctx, result);
  }

  std::vector<CompleteProbe> completes() const {
    absl::MutexLock l(&mu_);
    return completes_;
  }
  std::vector<BackupType> prepared_types() const {
    absl::MutexLock l(&mu_);
    return prepared_types_;
  }

 private:
  Engine* const engine_;
  const absl::Duration restore_lifetime_;
  mutable absl::Mutex mu_;
  std::vector<CompleteProbe> completes_ ABSL_GUARDED_BY(mu_);
  std::vector<BackupType> prepared_types_ ABSL_GUARDED_BY(mu_);
};

}  // namespace shadowset::testing

#endif  // SHADOWSET_TESTS_REQUESTOR_PROBE_WRITER_H_
