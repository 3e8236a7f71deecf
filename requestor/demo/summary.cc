#include "requestor/demo/summary.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "requestor/demo/figures.h"

namespace shadowset::demo {
namespace {

// A row: a label and the full and incremental columns.
std::string Row(absl::string_view label, absl::string_view full,
                absl::string_view incremental = "") {
  std::string row =
      absl::StrFormat("  %-32s %-22s %s", label, full, incremental);
  row.erase(row.find_last_not_of(' ') + 1);
  return row + "\n";
}

absl::Duration FreezeWindow(const BackupOutcome& b, absl::string_view writer) {
  for (const WriterOutcome& w : b.writers) {
    if (w.name == writer) return w.freeze_window;
  }
  return absl::ZeroDuration();
}

double Share(uint64_t part, uint64_t whole) {
  return whole > 0 ? 100.0 * part / whole : 0;
}

std::vector<const DemoCheck*> Failed(const DemoReport& r) {
  std::vector<const DemoCheck*> failed;
  for (const DemoCheck& c : r.checks) {
    if (!c.passed) failed.push_back(&c);
  }
  return failed;
}

}  // namespace

std::string FormatSummary(const DemoReport& r) {
  const BackupOutcome& f = r.full.backup;
  const BackupOutcome& i = r.incremental.backup;
  std::string out =
      absl::StrFormat("Summary: shadowset demo, %s scale, %.1f s in all\n",
                      r.spec.name, absl::ToDoubleSeconds(r.total_time));
  out += Row("", "full", "incremental");
  out += Row("freeze window (Freeze to Thaw)", "", "");
  for (const WriterOutcome& w : f.writers) {
    out += Row(absl::StrCat("  ", w.name), FormatMillis(w.freeze_window),
               FormatMillis(FreezeWindow(i, w.name)));
  }
  out += Row("commit hold (writes held)", FormatMillis(f.commit_time),
             FormatMillis(i.commit_time));
  out += Row("read from the snapshot", FormatMiB(f.bytes_read),
             FormatMiB(i.bytes_read));
  out += Row("backup set size", FormatMiB(f.bytes_written),
             absl::StrFormat("%s (%.1f%% of full)", FormatMiB(i.bytes_written),
                             Share(i.bytes_written, f.bytes_written)));
  out += Row("backup throughput", FormatRate(f.copy_bytes_per_second),
             FormatRate(i.copy_bytes_per_second));
  const double raw = r.RawReadBytesPerSecond();
  out += Row("raw sequential read", FormatRate(raw),
             absl::StrCat("(", FormatMiB(r.raw_read_bytes),
                          ", same volumes, same run, page cache warm)"));
  out += Row(
      "backup / raw read",
      absl::StrFormat("%.2f x", raw > 0 ? f.copy_bytes_per_second / raw : 0));
  out += Row("verify", FormatSeconds(r.full.verify_time),
             FormatSeconds(r.incremental.verify_time));
  out += Row("restore", FormatSeconds(r.full.restore.total_time),
             FormatSeconds(r.incremental.restore.total_time));
  const std::vector<const DemoCheck*> failed = Failed(r);
  if (r.passed()) {
    absl::StrAppendFormat(&out, "result: every check passed (%d checks)\n",
                          r.checks.size());
  } else {
    absl::StrAppendFormat(
        &out, "result: FAILED: %d of %d checks failed: %s\n", failed.size(),
        r.checks.size(),
        absl::StrJoin(failed, "; ", [](std::string* o, const DemoCheck* c) {
          absl::StrAppend(o, c->name, " (", c->detail, ")");
        }));
  }
  return out;
}

nlohmann::json SummaryJson(const DemoReport& r) {
  auto backup = [](const DemoBackup& b) {
    nlohmann::json freeze = nlohmann::json::object();
    for (const WriterOutcome& w : b.backup.writers) {
      freeze[w.name] = absl::ToDoubleMilliseconds(w.freeze_window);
    }
    return nlohmann::json{
        {"backup_id", b.backup.backup_id},
        {"dir", b.backup.dir},
        {"type", std::string(BackupSetTypeName(b.backup.type))},
        {"freeze_window_ms", freeze},
        {"commit_hold_ms", absl::ToDoubleMilliseconds(b.backup.commit_time)},
        {"bytes_read", b.backup.bytes_read},
        {"bytes_written", b.backup.bytes_written},
        {"bytes_per_second", b.backup.copy_bytes_per_second},
        {"verify_seconds", absl::ToDoubleSeconds(b.verify_time)},
        {"restore_seconds", absl::ToDoubleSeconds(b.restore.total_time)},
        {"sequences_at_freeze",
         {{"dhcp", b.frozen.dhcp},
          {"rras", b.frozen.rras},
          {"directory", b.frozen.directory}}}};
  };
  nlohmann::json checks = nlohmann::json::array();
  for (const DemoCheck& c : r.checks) {
    checks.push_back(
        {{"name", c.name}, {"passed", c.passed}, {"detail", c.detail}});
  }
  const double raw = r.RawReadBytesPerSecond();
  return {{"scale", std::string(r.spec.name)},
          {"dir", r.dir},
          {"seconds", absl::ToDoubleSeconds(r.total_time)},
          {"full", backup(r.full)},
          {"incremental", backup(r.incremental)},
          {"raw_read_bytes_per_second", raw},
          {"backup_to_raw_read",
           raw > 0 ? r.full.backup.copy_bytes_per_second / raw : 0},
          {"checks", checks},
          {"passed", r.passed()}};
}

}  // namespace shadowset::demo
