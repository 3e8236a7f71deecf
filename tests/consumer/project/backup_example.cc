// The README's embedding example, built against the installed package: an
// application with its own writer, a consistent backup while it keeps
// writing, the set verified, and a restore into another data directory
// that reads exactly the state the writer froze.
//
//   backup_example DIR      (DIR is created; exit 0 when every step passed)
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "engine/backup/verify.h"
#include "engine/engine.h"
#include "requestor/backup_pipeline.h"
#include "requestor/restore_pipeline.h"
#include "writers/registry.h"
#include "writers/writer.h"

namespace {

using shadowset::BackupContext;
using shadowset::BackupResult;
using shadowset::RestoreContext;

constexpr uint64_t kRecord = 4096;
constexpr uint64_t kRecords = 256;  // a ring of 1 MiB

// An application that stamps a counter into a ring of 4 KiB records on the
// engine volume "counter". Its writer stops the stamping at Freeze (after
// flushing it) and resumes it at Thaw or Abort.
class CounterApp final : public shadowset::Writer {
 public:
  explicit CounterApp(shadowset::Volume* volume) : volume_(volume) {}

  // One step of the application's work; blocks while frozen.
  absl::Status Step() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](bool* frozen) { return !*frozen; }, &frozen_));
    ++count_;
    std::vector<uint8_t> record(kRecord, 0);
    std::memcpy(record.data(), &count_, sizeof(count_));
    return volume_->Write((count_ % kRecords) * kRecord, record);
  }
  uint64_t count_at_freeze() {
    absl::MutexLock lock(&mu_);
    return count_at_freeze_;
  }

  absl::StatusOr<shadowset::WriterMetadata> Identify() override {
    shadowset::WriterMetadata m;
    m.class_id = "5d3c1a4e-0000-4000-8000-00000000c0de";
    m.instance_id = "5d3c1a4e-0000-4000-8000-000000000001";
    m.name = "Counter Writer";
    m.supported_types = {shadowset::BackupType::kFull,
                         shadowset::BackupType::kCopy};
    shadowset::Component c;
    c.name = "counter";
    c.volumes = {"counter"};
    m.components = {c};
    return m;
  }
  absl::Status Freeze(const BackupContext&) override {
    absl::MutexLock lock(&mu_);
    frozen_ = true;
    count_at_freeze_ = count_;
    return volume_->Flush();
  }
  absl::Status Thaw(const BackupContext&) override { return Resume(); }
  absl::Status Abort(const BackupContext&) override { return Resume(); }
  absl::Status PrepareBackup(const BackupContext&) override { return {}; }
  absl::Status PrepareSnapshot(const BackupContext&) override {
    return volume_->Flush();  // the heavy flush, before the freeze window
  }
  absl::Status PostSnapshot(const BackupContext&) override { return {}; }
  absl::Status BackupComplete(const BackupContext&,
                              const BackupResult&) override {
    return {};
  }
  absl::Status BackupShutdown(const BackupContext&) override { return {}; }
  absl::Status PreRestore(const RestoreContext&) override { return {}; }
  absl::Status PostRestore(const RestoreContext&) override { return {}; }

 private:
  absl::Status Resume() {
    absl::MutexLock lock(&mu_);
    frozen_ = false;
    return absl::OkStatus();
  }

  shadowset::Volume* const volume_;
  absl::Mutex mu_;
  bool frozen_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t count_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t count_at_freeze_ ABSL_GUARDED_BY(mu_) = 0;
};

int Fail(const char* step, const absl::Status& st) {
  std::fprintf(stderr, "backup_example: %s: %s\n", step,
               std::string(st.message()).c_str());
  return 1;
}

// The highest counter stamped on `volume` of `engine`.
absl::StatusOr<uint64_t> HighestCount(shadowset::Engine* engine) {
  absl::StatusOr<shadowset::Volume*> v = engine->GetVolume("counter");
  if (!v.ok()) return v.status();
  std::vector<uint8_t> ring(kRecords * kRecord);
  if (absl::Status st = (*v)->Read(0, absl::MakeSpan(ring)); !st.ok()) return st;
  uint64_t highest = 0;
  for (uint64_t i = 0; i < kRecords; ++i) {
    uint64_t n;
    std::memcpy(&n, ring.data() + i * kRecord, sizeof(n));
    highest = std::max(highest, n);
  }
  return highest;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const std::string dir = argv[1];
  std::filesystem::create_directories(dir);
  shadowset::InitOptions init;  // 16 KiB blocks, a 1 GiB diff area
  init.diff_area_max = 64 << 20;
  if (absl::Status st = shadowset::Engine::Init(dir + "/data", init); !st.ok()) {
    return Fail("init", st);
  }
  auto engine = shadowset::Engine::Open(dir + "/data");
  if (!engine.ok()) return Fail("open", engine.status());
  if (auto created = (*engine)->CreateVolume("counter", kRecords * kRecord);
      !created.ok()) {
    return Fail("volume", created.status());
  }
  auto volume = (*engine)->GetVolume("counter");
  if (!volume.ok()) return Fail("volume", volume.status());

  // The application runs on its own thread; its writer is registered.
  CounterApp app(*volume);
  shadowset::WriterRegistry writers;
  if (absl::Status st = writers.Register(&app); !st.ok()) {
    return Fail("register", st);
  }
  absl::Status app_status;
  for (int i = 0; i < 1000 && app_status.ok(); ++i) app_status = app.Step();
  std::atomic<bool> stop{false};
  std::thread worker([&] {
    while (!stop.load() && app_status.ok()) app_status = app.Step();
  });

  // A full backup while it works: prepare, freeze, commit, thaw, copy,
  // publish (signed with a key, so every block gets a SHA-256).
  shadowset::BackupOptions o;
  o.destination = dir + "/backups";
  o.type = shadowset::BackupType::kFull;
  o.key = "an example key of 32 bytes......";
  auto backup = shadowset::RunBackup(engine->get(), &writers, o);
  stop = true;
  worker.join();
  if (!backup.ok()) return Fail("backup", backup.status());
  if (!app_status.ok()) return Fail("application", app_status);

  auto report = shadowset::VerifyBackupSet(shadowset::Env::Default(),
                                           backup->dir, o.key, absl::Now());
  if (!report.ok()) return Fail("verify", report.status());

  // Restore into a second data directory and compare with the freeze.
  if (absl::Status st = shadowset::Engine::Init(dir + "/restored", init);
      !st.ok()) {
    return Fail("init restored", st);
  }
  auto restored = shadowset::Engine::Open(dir + "/restored");
  if (!restored.ok()) return Fail("open restored", restored.status());
  shadowset::RestoreOptions r;
  r.backup_dir = backup->dir;
  r.key = o.key;
  auto outcome = shadowset::RunRestore(restored->get(), nullptr, r);
  if (!outcome.ok()) return Fail("restore", outcome.status());
  auto count = HighestCount(restored->get());
  if (!count.ok()) return Fail("read restored", count.status());
  if (*count != app.count_at_freeze()) {
    std::fprintf(stderr, "backup_example: restored %llu, frozen at %llu\n",
                 static_cast<unsigned long long>(*count),
                 static_cast<unsigned long long>(app.count_at_freeze()));
    return 1;
  }
  std::printf("backup_example: backup %s restored at its freeze (count %llu)\n",
              backup->backup_id.c_str(),
              static_cast<unsigned long long>(*count));
  return writers.Unregister(&app).ok() ? 0 : 1;
}
