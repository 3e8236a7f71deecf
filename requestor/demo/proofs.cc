#include "requestor/demo/proofs.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "requestor/demo/figures.h"
#include "writers/directory/load_generator.h"

namespace shadowset::demo {
namespace {

DemoCheck SameSequence(absl::string_view label, absl::string_view service,
                       absl::string_view what, uint64_t frozen,
                       uint64_t restored) {
  return {absl::StrCat(label, ": ", service, " restored at its Freeze"),
          frozen == restored,
          absl::StrCat(what, " ", FormatCount(frozen), " at Freeze, ",
                       FormatCount(restored), " restored")};
}

DemoCheck Integrity(absl::string_view label, absl::string_view service,
                    const std::vector<std::string>& problems,
                    absl::string_view size) {
  return {absl::StrCat(label, ": ", service, " integrity check"),
          problems.empty(),
          problems.empty() ? std::string(size) : absl::StrJoin(problems, "; ")};
}

// Every lease's host name has a live directory object.
DemoCheck LeaseHostsInDirectory(absl::string_view label, DemoServices& s) {
  DemoCheck check{
      absl::StrCat(label, ": every DHCP lease's host is in the directory"),
      false, ""};
  absl::StatusOr<std::vector<dhcp::ClientInfo>> leases =
      s.dhcp().EnumSubnetClients(kDemoAdmin, 0);
  if (!leases.ok()) {
    check.detail = std::string(leases.status().message());
    return check;
  }
  uint64_t missing = 0;
  std::string first;
  for (const dhcp::ClientInfo& lease : *leases) {
    absl::StatusOr<DirectoryObject> host = s.directory().GetObject(
        absl::StrCat("CN=", lease.name, ",", kDefaultHostsContainer));
    if (lease.name.empty() || !host.ok() || host->deleted) {
      if (missing++ == 0) first = lease.name.empty() ? "(no name)" : lease.name;
    }
  }
  // A restored server without leases would pass vacuously.
  if (leases->empty()) {
    check.detail = "the restored DHCP server holds no leases";
    return check;
  }
  check.passed = missing == 0;
  check.detail =
      missing == 0
          ? absl::StrCat(FormatCount(leases->size()),
                         " leases, each host's computer object present")
          : absl::StrCat(
                missing, " of ", FormatCount(leases->size()),
                " leases name a host with no directory object (first: ", first,
                ")");
  return check;
}

}  // namespace

std::vector<DemoCheck> ProveRestored(absl::string_view label,
                                     DemoServices& restored,
                                     const ServiceSequences& frozen) {
  const ServiceSequences now = restored.Sequences();
  std::vector<DemoCheck> checks = {
      SameSequence(label, "DHCP", "sequence", frozen.dhcp, now.dhcp),
      SameSequence(label, "router configuration", "sequence", frozen.rras,
                   now.rras),
      SameSequence(label, "directory", "USN", frozen.directory, now.directory),
      Integrity(
          label, "DHCP", restored.dhcp().Check(),
          absl::StrCat(FormatCount(restored.dhcp().lease_count()), " leases")),
      Integrity(label, "router configuration", restored.rras().Check(),
                "consistent"),
  };
  absl::StatusOr<DirectoryCheckReport> report = restored.directory().Check();
  if (report.ok()) {
    checks.push_back(Integrity(
        label, "directory", report->problems,
        absl::StrCat(FormatCount(report->objects), " objects, ",
                     FormatCount(report->tombstones), " tombstones")));
  } else {
    checks.push_back(Integrity(label, "directory",
                               {std::string(report.status().message())}, ""));
  }
  checks.push_back(LeaseHostsInDirectory(label, restored));
  return checks;
}

DemoCheck ProveEngineClean(absl::string_view name, Engine& engine) {
  DemoCheck check{std::string(name), false, ""};
  absl::StatusOr<CheckReport> report = engine.Check();
  if (!report.ok()) {
    check.detail = std::string(report.status().message());
  } else if (!report->ok()) {
    check.detail = absl::StrJoin(report->problems, "; ");
  } else {
    check.passed = true;
    check.detail = absl::StrCat(FormatCount(report->records_checked),
                                " diff-area records verified");
  }
  return check;
}

}  // namespace shadowset::demo
