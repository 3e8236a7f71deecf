// Progress of a backup or restore, as the pipelines report it to their
// progress callbacks (BackupOptions::progress, RestoreOptions::progress).
//
//   options.progress = [](const TransferProgress& p) {
//     std::cerr << p.bytes_done << "/" << p.bytes_total << " "
//               << p.BytesPerSecond() << " B/s\n";
//   };
//
// A callback runs on the thread that called RunBackup / RunRestore, after
// each run of blocks (at most one read run, 8 MiB by default); it must be
// quick (rate-limit printing in the callback) and must not call back into
// the pipeline.
//
// Thread safety: a plain value.

#ifndef SHADOWSET_REQUESTOR_PROGRESS_H_
#define SHADOWSET_REQUESTOR_PROGRESS_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/time/time.h"

namespace shadowset {

struct TransferProgress {
  std::string volume;        // the volume being copied
  uint64_t bytes_done = 0;   // of every volume so far
  uint64_t bytes_total = 0;  // to copy in all (known before the first byte)
  absl::Duration elapsed;    // since the copy started
  bool done = false;         // the last report of the copy

  // Bytes per second so far; 0 before any time has passed.
  double BytesPerSecond() const {
    double s = absl::ToDoubleSeconds(elapsed);
    return s > 0 ? static_cast<double>(bytes_done) / s : 0;
  }
  // Estimated time left at the rate so far; InfiniteDuration while unknown.
  absl::Duration Eta() const {
    double rate = BytesPerSecond();
    if (bytes_done >= bytes_total) return absl::ZeroDuration();
    if (rate <= 0) return absl::InfiniteDuration();
    return absl::Seconds(static_cast<double>(bytes_total - bytes_done) / rate);
  }
};

using ProgressCallback = std::function<void(const TransferProgress&)>;

}  // namespace shadowset

#endif  // SHADOWSET_REQUESTOR_PROGRESS_H_
