#include "writers/rras/load_generator.h"

#include <utility>

#include "absl/strings/str_format.h"
#include "engine/codes.h"

namespace shadowset::rras {

RrasLoadGenerator::RrasLoadGenerator(RouterConfig* config,
                                     RrasLoadOptions options, Env* env)
    : config_(config),
      options_(std::move(options)),
      env_(env != nullptr ? env : Env::Default()),
      rng_(options_.seed) {}

RrasLoadGenerator::~RrasLoadGenerator() { Stop(); }

absl::Status RrasLoadGenerator::Start() {
  if (loop_ != nullptr) return absl::FailedPreconditionError("already started");
  service::PacedLoopOptions o;
  o.ops_per_second = options_.ops_per_second;
  o.max_steps = options_.max_ops;
  loop_ = std::make_unique<service::PacedLoop>(env_, o, [this] { return Step(); });
  return loop_->Start();
}

void RrasLoadGenerator::Stop() {
  if (loop_ != nullptr) loop_->Stop();
}

absl::Status RrasLoadGenerator::Wait() {
  return loop_ != nullptr ? loop_->Wait() : absl::OkStatus();
}

absl::Status RrasLoadGenerator::status() const {
  return loop_ != nullptr ? loop_->status() : absl::OkStatus();
}

RrasLoadStats RrasLoadGenerator::stats() const {
  return RrasLoadStats{saves_.load(), refused_.load()};
}

std::string RrasLoadGenerator::Blob(size_t max_len) {
  std::string s(1 + rng_() % max_len, '\0');
  for (char& c : s) c = static_cast<char>(rng_());
  return s;
}

absl::Status RrasLoadGenerator::Counted(const absl::Status& status) {
  if (status.ok()) {
    ++saves_;
    return status;
  }
  switch (CodeOf(status).value_or(0)) {
    case kErrorNoSuchInterface:
    case kErrorInterfaceAlreadyExists:
    case kErrorUnknownProtocolId:
    case kErrorCannotFindPhonebookEntry:
    case kErrorAlreadyExists:
      ++refused_;
      return absl::OkStatus();
    default:
      return status;
  }
}

absl::Status RrasLoadGenerator::Step() {
  const uint32_t weights[] = {
      options_.add_interface_weight,    options_.edit_interface_weight,
      options_.bind_transport_weight,   options_.delete_interface_weight,
      options_.phonebook_weight,        options_.router_manager_weight};
  uint64_t sum = 0;
  for (uint32_t w : weights) sum += w;
  if (sum == 0) return absl::InvalidArgumentError("every weight is zero");
  uint64_t pick = rng_() % sum;
  int op = 0;
  while (pick >= weights[op]) pick -= weights[op++];
  if (interfaces_.empty() && (op == 1 || op == 2 || op == 3)) op = 0;
  switch (op) {
    case 0:
      return AddInterface();
    case 1:
      return EditInterface();
    case 2:
      return BindTransport();
    case 3:
      return DeleteInterface();
    case 4:
      return EditPhonebook();
    default:
      return SetRouterManager();
  }
}

absl::Status RrasLoadGenerator::AddInterface() {
  Interface iface;
  iface.name = absl::StrFormat("if-%d-%d", options_.seed, next_++);
  iface.type = static_cast<InterfaceType>(rng_() % 8);
  iface.enabled = rng_() % 4 != 0;
  absl::Status s = config_->CreateInterface(options_.principal, iface);
  if (s.ok()) interfaces_.push_back(iface.name);
  return Counted(s);
}

absl::Status RrasLoadGenerator::EditInterface() {
  const std::string& name = interfaces_[rng_() % interfaces_.size()];
  absl::StatusOr<Interface> iface = config_->GetInterface(options_.principal, name);
  if (!iface.ok()) return Counted(iface.status());
  if (rng_() % 2 == 0) {
    iface->enabled = !iface->enabled;
  } else {
    iface->type = static_cast<InterfaceType>(rng_() % 8);
  }
  return Counted(config_->SetInterface(options_.principal, *iface));
}

absl::Status RrasLoadGenerator::BindTransport() {
  const std::string& name = interfaces_[rng_() % interfaces_.size()];
  InterfaceTransport t;
  t.transport_id = rng_() % 2 == 0 ? kPidIp : kPidIpv6;
  t.name = std::string(TransportName(t.transport_id));
  t.info = Blob(64);
  return Counted(config_->AddInterfaceTransport(options_.principal, name, t));
}

absl::Status RrasLoadGenerator::DeleteInterface() {
  size_t i = rng_() % interfaces_.size();
  std::string name = interfaces_[i];
  interfaces_[i] = interfaces_.back();
  interfaces_.pop_back();
  return Counted(config_->DeleteInterface(options_.principal, name));
}

absl::Status RrasLoadGenerator::EditPhonebook() {
  uint64_t choice = rng_() % 4;
  if (entries_.empty() || choice < 2) {
    PhonebookEntry e;
    e.name = absl::StrFormat("vpn-%d-%d", options_.seed, next_++);
    e.device = rng_() % 2 == 0 ? "vpn" : "modem";
    e.number = absl::StrFormat("203.0.113.%d", rng_() % 254 + 1);
    e.options["Redial"] = absl::StrFormat("%d", rng_() % 5);
    absl::Status s = config_->AddPhonebookEntry(options_.principal, e);
    if (s.ok()) entries_.push_back(e.name);
    return Counted(s);
  }
  size_t i = rng_() % entries_.size();
  if (choice == 2) {
    absl::StatusOr<PhonebookEntry> e =
        config_->GetPhonebookEntry(options_.principal, entries_[i]);
    if (!e.ok()) return Counted(e.status());
    e->number = absl::StrFormat("198.51.100.%d", rng_() % 254 + 1);
    return Counted(config_->SetPhonebookEntry(options_.principal, *e));
  }
  std::string name = entries_[i];
  entries_[i] = entries_.back();
  entries_.pop_back();
  return Counted(config_->DeletePhonebookEntry(options_.principal, name));
}

absl::Status RrasLoadGenerator::SetRouterManager() {
  Transport t;
  t.id = rng_() % 2 == 0 ? kPidIp : kPidIpv6;
  t.name = t.id == kPidIp ? "IP" : "IPv6";
  t.global_info = Blob(128);
  t.dll_path = t.id == kPidIp ? "iprtrmgr.dll" : "ipv6rtrmgr.dll";
  return Counted(config_->CreateTransport(options_.principal, t));
}

}  // namespace shadowset::rras
