#include "requestor/demo/populate.h"

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "engine/internal/status_macros.h"
#include "writers/directory/load_generator.h"

namespace shadowset::demo {
namespace {

using dhcp::IpAddress;

constexpr absl::Duration kLeaseDuration = absl::Hours(8 * 24);
constexpr absl::Duration kProgressInterval = absl::Milliseconds(200);

// Scope s (0-based) is 10.<s+1>.0.0/16, leasing .0.10 to .255.250.
IpAddress ScopeAddress(int s) {
  return (IpAddress{10} << 24) | ((s + 1) << 16);
}
constexpr IpAddress kScopeMask = 0xFFFF0000;
constexpr IpAddress kFirstHost = 10;
constexpr IpAddress kLastHost = 0xFFFA;

// Everything the populating threads share.
class Work {
 public:
  Work(uint64_t total, const std::atomic<bool>* cancel)
      : total_(total), cancel_(cancel) {}

  // The next item to add, or nullopt when there is none (or it stopped).
  std::optional<uint64_t> Next() {
    if (cancel_ != nullptr && cancel_->load()) {
      Fail(absl::CancelledError("populating the services was cancelled"));
    }
    absl::MutexLock l(&mu_);
    if (!error_.ok() || next_ == total_) return std::nullopt;
    return next_++;
  }
  void Done(const absl::Status& status) {
    absl::MutexLock l(&mu_);
    if (status.ok()) {
      ++done_;
    } else if (error_.ok()) {
      error_ = status;
    }
    ++finished_;
  }
  void Fail(const absl::Status& status) {
    absl::MutexLock l(&mu_);
    if (error_.ok()) error_ = status;
  }
  // Waits until every item finished or the work stopped, at most `timeout`;
  // true when it is over.
  bool AwaitEnd(absl::Duration timeout) {
    absl::MutexLock l(&mu_);
    return mu_.AwaitWithTimeout(absl::Condition(this, &Work::Over), timeout);
  }
  uint64_t done() {
    absl::MutexLock l(&mu_);
    return done_;
  }
  absl::Status error() {
    absl::MutexLock l(&mu_);
    return error_;
  }

 private:
  bool Over() const ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return finished_ == total_ || (!error_.ok() && finished_ == next_);
  }

  const uint64_t total_;
  const std::atomic<bool>* const cancel_;
  absl::Mutex mu_;
  uint64_t next_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t done_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t finished_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status error_ ABSL_GUARDED_BY(mu_);
};

// One item each: a computer and its lease, a user, an interface or a
// phone-book entry.
class Populator {
 public:
  Populator(DemoServices& services, const DemoScaleSpec& spec, uint64_t users,
            absl::Time now)
      : s_(services), spec_(spec), users_(users), now_(now) {}

  uint64_t total() const {
    return spec_.leases + users_ + spec_.interfaces + spec_.phonebook_entries;
  }

  absl::Status Add(uint64_t i) {
    if (i < spec_.leases) return AddComputerAndLease(i);
    i -= spec_.leases;
    if (i < users_) return AddUser(i);
    i -= users_;
    if (i < static_cast<uint64_t>(spec_.interfaces)) return AddInterface(i);
    return AddPhonebookEntry(i - spec_.interfaces);
  }

 private:
  // The directory object first, then the lease that names it.
  absl::Status AddComputerAndLease(uint64_t i) {
    const std::string host = StartingHostName(i);
    RETURN_IF_ERROR(EnsureHostObject(s_.directory(), host).status());
    const int scope = static_cast<int>(i % spec_.scopes);
    dhcp::ClientInfo lease;
    lease.ip = ScopeAddress(scope) + kFirstHost +
               static_cast<IpAddress>(i / spec_.scopes);
    lease.hardware_address = {0x0A,
                              0x00,
                              static_cast<char>(i >> 24),
                              static_cast<char>(i >> 16),
                              static_cast<char>(i >> 8),
                              static_cast<char>(i)};
    lease.name = host;
    lease.comment = absl::StrCat("workstation ", i);
    lease.expires = now_ + kLeaseDuration;
    return s_.dhcp().CreateClientInfo(kDemoAdmin, lease);
  }

  absl::Status AddUser(uint64_t i) {
    static constexpr const char* kDepartments[] = {
        "Engineering", "Sales", "Finance", "Support", "Operations"};
    const std::string name = absl::StrFormat("user-%06d", i);
    AttributeMap attributes = {
        {"sAMAccountName", {name}},
        {"displayName", {absl::StrFormat("User %d", i)}},
        {"mail", {absl::StrCat(name, "@shadowset.test")}},
        {"department", {kDepartments[i % 5]}},
        {"telephoneNumber", {absl::StrFormat("+1 555 %07d", i)}}};
    return s_.directory()
        .AddObject(absl::StrCat("CN=", name, ",", kPeopleContainer), "user",
                   attributes)
        .status();
  }

  absl::Status AddInterface(uint64_t i) {
    static constexpr rras::InterfaceType kTypes[] = {
        rras::InterfaceType::kDedicated, rras::InterfaceType::kFullRouter,
        rras::InterfaceType::kTunnel1, rras::InterfaceType::kDialout};
    rras::Interface iface;
    iface.name = absl::StrFormat("lan-%03d", i);
    iface.type = kTypes[i % 4];
    iface.enabled = i % 7 != 0;
    iface.transports.push_back(
        {rras::kPidIp, "IP", absl::StrFormat("10.%d.0.1/16", i % 250)});
    if (i % 2 == 0) {
      iface.transports.push_back(
          {rras::kPidIpv6, "IPv6", absl::StrFormat("fd00:%x::1/64", i)});
    }
    return s_.rras().CreateInterface(kDemoAdmin, iface);
  }

  absl::Status AddPhonebookEntry(uint64_t i) {
    rras::PhonebookEntry entry;
    entry.name = absl::StrFormat("branch-%03d", i);
    entry.device = i % 3 == 0 ? "modem1" : "vpn";
    entry.number = i % 3 == 0 ? absl::StrFormat("+1 555 %04d", i)
                              : absl::StrFormat("vpn%d.shadowset.test", i);
    entry.options = {{"Encryption", "required"},
                     {"IdleDisconnect", absl::StrCat(300 + i % 5 * 60)}};
    return s_.rras().AddPhonebookEntry(kDemoAdmin, entry);
  }

  DemoServices& s_;
  const DemoScaleSpec& spec_;
  const uint64_t users_;
  const absl::Time now_;
};

// Scopes, router managers and directory containers, before the items.
absl::Status AddSkeleton(DemoServices& s, const DemoScaleSpec& spec) {
  for (int scope = 0; scope < spec.scopes; ++scope) {
    dhcp::SubnetInfo info;
    info.address = ScopeAddress(scope);
    info.mask = kScopeMask;
    info.name = absl::StrCat("scope-", scope + 1);
    info.comment = absl::StrCat("building ", scope + 1);
    RETURN_IF_ERROR(s.dhcp().CreateSubnet(kDemoAdmin, info));
    dhcp::SubnetElement range;
    range.type = dhcp::ElementType::kIpRanges;
    range.range = {info.address + kFirstHost, info.address + kLastHost};
    RETURN_IF_ERROR(s.dhcp().AddSubnetElement(kDemoAdmin, info.address, range));
  }
  RETURN_IF_ERROR(s.rras().CreateTransport(
      kDemoAdmin, {.id = rras::kPidIp, .name = "IP", .global_info = "ip"}));
  RETURN_IF_ERROR(s.rras().CreateTransport(
      kDemoAdmin,
      {.id = rras::kPidIpv6, .name = "IPv6", .global_info = "ipv6"}));
  RETURN_IF_ERROR(EnsureContainer(s.directory(), kDefaultHostsContainer));
  return EnsureContainer(s.directory(), kPeopleContainer);
}

}  // namespace

std::string StartingHostName(uint64_t i) {
  return absl::StrFormat("ws-%06d", i);
}

absl::StatusOr<PopulateCounts> Populate(DemoServices& services,
                                        const DemoScaleSpec& spec,
                                        const PopulateOptions& options) {
  Env* env = options.env != nullptr ? options.env : Env::Default();
  const absl::Time start = env->Now();
  RETURN_IF_ERROR(AddSkeleton(services, spec));
  ASSIGN_OR_RETURN(std::vector<DirectoryObject> containers,
                   services.directory().ListObjects());
  const uint64_t fixed = spec.leases + containers.size();
  const uint64_t users =
      spec.directory_objects > fixed ? spec.directory_objects - fixed : 0;

  Populator populator(services, spec, users, start);
  Work work(populator.total(), options.cancel);
  std::vector<std::thread> threads;
  for (int t = 0; t < std::max(1, options.threads); ++t) {
    threads.push_back(env->StartThread("ss-populate", [&] {
      while (std::optional<uint64_t> i = work.Next()) {
        work.Done(populator.Add(*i));
      }
    }));
  }
  auto report = [&] {
    if (options.progress) {
      options.progress(work.done(), populator.total(), env->Now() - start);
    }
  };
  while (!work.AwaitEnd(kProgressInterval)) report();
  for (std::thread& t : threads) t.join();
  report();
  RETURN_IF_ERROR(work.error());

  PopulateCounts counts;
  counts.scopes = spec.scopes;
  counts.leases = services.dhcp().lease_count();
  ASSIGN_OR_RETURN(std::vector<rras::Interface> interfaces,
                   services.rras().EnumInterfaces(kDemoAdmin));
  ASSIGN_OR_RETURN(std::vector<rras::PhonebookEntry> entries,
                   services.rras().EnumPhonebook(kDemoAdmin));
  ASSIGN_OR_RETURN(std::vector<DirectoryObject> objects,
                   services.directory().ListObjects());
  counts.interfaces = interfaces.size();
  counts.phonebook_entries = entries.size();
  counts.directory_objects = objects.size();
  counts.time = env->Now() - start;
  return counts;
}

}  // namespace shadowset::demo
