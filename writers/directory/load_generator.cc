#include "writers/directory/load_generator.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "engine/codes.h"
#include "engine/internal/status_macros.h"

namespace shadowset {
namespace {

bool IsType(absl::string_view component, absl::string_view type) {
  return absl::StartsWithIgnoreCase(absl::StripAsciiWhitespace(component),
                                    absl::StrCat(type, "="));
}

}  // namespace

absl::Status EnsureContainer(DirectoryService& directory, absl::string_view dn) {
  // (Escaped commas are not split correctly here; containers do not use
  // them.)
  std::vector<std::string> parts = absl::StrSplit(dn, ',');
  // The naming-context root is the DC= suffix; then each component below.
  size_t root = parts.size();
  while (root > 0 && IsType(parts[root - 1], "dc")) --root;
  if (root == parts.size()) {
    return MakeError(absl::StatusCode::kInvalidArgument, kErrorInvalidParameter,
                     absl::StrCat("'", dn, "' has no DC= naming context"));
  }
  for (size_t i = root;; --i) {
    std::string here = absl::StrJoin(parts.begin() + i, parts.end(), ",");
    const char* cls = i == root && IsType(parts[i], "dc") ? "domain"
                      : IsType(parts[i], "ou")            ? "organizationalUnit"
                                                          : "container";
    absl::StatusOr<DirectoryObject> existing = directory.GetObject(here);
    if (!existing.ok() || existing->deleted) {
      absl::StatusOr<uint64_t> added = directory.AddObject(here, cls);
      if (!added.ok() && !absl::IsAlreadyExists(added.status())) {
        return added.status();
      }
    }
    if (i == 0) break;
  }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> EnsureHostObject(DirectoryService& directory,
                                          absl::string_view host_name,
                                          absl::string_view container) {
  bool ok = !host_name.empty() && host_name.size() <= 253;
  for (char c : host_name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' &&
        c != '.') {
      ok = false;
    }
  }
  if (!ok) {
    return MakeError(absl::StatusCode::kInvalidArgument, kErrorInvalidParameter,
                     absl::StrCat("'", host_name,
                                  "' is not a host name (letters, digits, '-' "
                                  "and '.')"));
  }
  std::string dn = absl::StrCat("CN=", host_name, ",", container);
  absl::StatusOr<DirectoryObject> existing = directory.GetObject(dn);
  if (existing.ok() && !existing->deleted) return existing->usn_created;
  absl::StatusOr<uint64_t> usn = directory.AddObject(
      dn, "computer", {{"dNSHostName", {std::string(host_name)}}});
  if (absl::IsNotFound(usn.status())) {  // the container is missing
    RETURN_IF_ERROR(EnsureContainer(directory, container));
    usn = directory.AddObject(dn, "computer",
                              {{"dNSHostName", {std::string(host_name)}}});
  }
  if (absl::IsAlreadyExists(usn.status())) {  // another caller made it meanwhile
    ASSIGN_OR_RETURN(DirectoryObject made, directory.GetObject(dn));
    return made.usn_created;
  }
  return usn;
}

LoadGenerator::LoadGenerator(DirectoryService* directory,
                             LoadGeneratorOptions options)
    : directory_(directory), options_(std::move(options)) {}

LoadGenerator::~LoadGenerator() { Stop().IgnoreError(); }

absl::Status LoadGenerator::Start() {
  {
    absl::MutexLock l(&mu_);
    if (running_) {
      return absl::FailedPreconditionError("the load generator already runs");
    }
  }
  RETURN_IF_ERROR(EnsureContainer(*directory_, options_.container));
  absl::MutexLock l(&mu_);
  running_ = true;
  stop_ = false;
  Env* env = options_.env != nullptr ? options_.env : Env::Default();
  thread_ = env->StartThread("ss-dir-load", [this] { Run(); });
  return absl::OkStatus();
}

absl::Status LoadGenerator::Stop() {
  {
    absl::MutexLock l(&mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
  absl::MutexLock l(&mu_);
  running_ = false;
  return error_;
}

bool LoadGenerator::Done() const { return stop_; }

bool LoadGenerator::Progressed() const {
  uint64_t made = stats_.adds + stats_.modifies + stats_.deletes;
  return made >= wait_for_ || !error_.ok() || !running_ ||
         (options_.max_changes != 0 && made >= options_.max_changes);
}

void LoadGenerator::WaitForChanges(uint64_t n) {
  absl::MutexLock l(&mu_);
  wait_for_ = n;
  mu_.Await(absl::Condition(this, &LoadGenerator::Progressed));
}

LoadStats LoadGenerator::stats() {
  absl::MutexLock l(&mu_);
  return stats_;
}

std::vector<LoadJournalEntry> LoadGenerator::journal() {
  absl::MutexLock l(&mu_);
  return journal_;
}

void LoadGenerator::Run() {
  std::mt19937_64 rng(options_.seed);
  const absl::Duration period =
      options_.changes_per_second > 0
          ? absl::Seconds(1.0 / options_.changes_per_second)
          : absl::ZeroDuration();
  absl::Time next = absl::Now();
  uint64_t made = 0;
  while (true) {
    {
      absl::MutexLock l(&mu_);
      if (period > absl::ZeroDuration()) {
        mu_.AwaitWithDeadline(absl::Condition(this, &LoadGenerator::Done), next);
      }
      if (stop_) break;
    }
    if (!Step(rng)) break;
    ++made;
    if (options_.max_changes != 0 && made >= options_.max_changes) break;
    next += period;
  }
  absl::MutexLock l(&mu_);
  running_ = false;
}

bool LoadGenerator::Step(std::mt19937_64& rng) {
  uint32_t total = options_.add_weight + options_.modify_weight +
                   options_.delete_weight;
  uint32_t pick = total == 0 ? 0 : static_cast<uint32_t>(rng() % total);
  enum { kAdd, kModify, kDelete } op =
      pick < options_.add_weight                           ? kAdd
      : pick < options_.add_weight + options_.modify_weight ? kModify
                                                            : kDelete;
  if (live_.empty()) op = kAdd;
  if (op == kAdd && live_.size() >= options_.max_objects) op = kModify;

  std::string dn;
  absl::StatusOr<uint64_t> usn;
  ++counter_;
  switch (op) {
    case kAdd:
      dn = absl::StrCat("CN=load-", next_name_++, ",", options_.container);
      usn = directory_->AddObject(
          dn, "user",
          {{"description", {absl::StrCat("created by the load stream, #", counter_)}},
           {"employeeNumber", {absl::StrCat(rng() % 1000000)}}});
      if (usn.ok()) live_.push_back(dn);
      break;
    case kModify: {
      dn = live_[rng() % live_.size()];
      using Kind = AttributeChange::Kind;
      usn = directory_->ModifyObject(
          dn, {{Kind::kReplace, "description", {absl::StrCat("changed, #", counter_)}},
               {Kind::kReplace, "telephoneNumber",
                {absl::StrCat("+1-555-", rng() % 10000)}}});
      break;
    }
    case kDelete: {
      size_t i = rng() % live_.size();
      dn = live_[i];
      usn = directory_->DeleteObject(dn);
      if (usn.ok()) {
        live_[i] = live_.back();
        live_.pop_back();
      }
      break;
    }
  }
  LoadJournalEntry entry;
  if (usn.ok() && options_.keep_journal) {
    absl::StatusOr<DirectoryObject> after = directory_->GetObject(dn);
    if (!after.ok()) {
      usn = after.status();
    } else {
      entry.usn = *usn;
      entry.object = std::move(*after);
    }
  }
  absl::MutexLock l(&mu_);
  if (!usn.ok()) {
    if (error_.ok()) error_ = usn.status();
    return false;
  }
  if (op == kAdd) ++stats_.adds;
  if (op == kModify) ++stats_.modifies;
  if (op == kDelete) ++stats_.deletes;
  if (options_.keep_journal) journal_.push_back(std::move(entry));
  return true;
}

}  // namespace shadowset
