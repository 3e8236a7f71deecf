#include "writers/dhcp/load_generator.h"

#include <utility>

#include "absl/strings/str_format.h"
#include "engine/codes.h"
#include "engine/internal/status_macros.h"

namespace shadowset::dhcp {

DhcpLoadGenerator::DhcpLoadGenerator(DhcpServer* server,
                                     DhcpLoadOptions options, Env* env)
    : server_(server),
      options_(std::move(options)),
      env_(env != nullptr ? env : Env::Default()),
      subnets_(options_.subnets),
      rng_(options_.seed) {
  if (subnets_.empty()) {
    absl::StatusOr<std::vector<SubnetInfo>> all =
        server_->EnumSubnets(options_.principal);
    if (all.ok()) {
      for (const SubnetInfo& s : *all) subnets_.push_back(s.address);
    }
  }
}

DhcpLoadGenerator::~DhcpLoadGenerator() { Stop(); }

absl::Status DhcpLoadGenerator::Start() {
  if (subnets_.empty()) {
    return absl::FailedPreconditionError(
        "the load generator has no scope to lease from");
  }
  if (loop_ != nullptr) return absl::FailedPreconditionError("already started");
  service::PacedLoopOptions o;
  o.ops_per_second = options_.ops_per_second;
  o.max_steps = options_.max_ops;
  loop_ = std::make_unique<service::PacedLoop>(env_, o, [this] { return Step(); });
  return loop_->Start();
}

void DhcpLoadGenerator::Stop() {
  if (loop_ != nullptr) loop_->Stop();
}

absl::Status DhcpLoadGenerator::Wait() {
  return loop_ != nullptr ? loop_->Wait() : absl::OkStatus();
}

absl::Status DhcpLoadGenerator::status() const {
  return loop_ != nullptr ? loop_->status() : absl::OkStatus();
}

DhcpLoadStats DhcpLoadGenerator::stats() const {
  DhcpLoadStats s;
  s.created = created_.load();
  s.renewed = renewed_.load();
  s.expired = expired_.load();
  s.released = released_.load();
  s.reserved = reserved_.load();
  s.refused = refused_.load();
  return s;
}

size_t DhcpLoadGenerator::leases() const { return held_count_.load(); }

absl::Status DhcpLoadGenerator::Step() {
  if (subnets_.empty()) {
    return absl::FailedPreconditionError(
        "the load generator has no scope to lease from");
  }
  const uint32_t weights[] = {options_.create_weight, options_.renew_weight,
                              options_.expire_weight, options_.release_weight,
                              options_.reserve_weight};
  uint64_t sum = 0;
  for (uint32_t w : weights) sum += w;
  if (sum == 0) return absl::InvalidArgumentError("every weight is zero");
  uint64_t pick = rng_() % sum;
  int op = 0;
  while (pick >= weights[op]) pick -= weights[op++];
  absl::Status s;
  if (held_.empty() || op == 0) {
    s = Create();
  } else if (op == 1) {
    s = Renew();
  } else if (op == 2) {
    s = Expire();
  } else if (op == 3) {
    s = Release();
  } else {
    s = Reserve();
  }
  held_count_.store(held_.size());
  return s;
}

absl::Status DhcpLoadGenerator::Refused(const absl::Status& status) {
  if (status.ok()) return status;
  switch (CodeOf(status).value_or(0)) {
    case kErrorDhcpRangeFull:
    case kErrorDhcpInvalidDhcpClient:
    case kErrorDhcpClientExists:
    case kErrorDhcpReservedIpExists:
    case kErrorDhcpAddressNotAvailable:
    case kErrorDhcpNotReservedClient:
      ++refused_;
      return absl::OkStatus();
    default:
      return status;
  }
}

void DhcpLoadGenerator::Drop(size_t i) {
  held_[i] = std::move(held_.back());
  held_.pop_back();
}

absl::Status DhcpLoadGenerator::Create() {
  const IpAddress subnet = subnets_[rng_() % subnets_.size()];
  const uint64_t n = next_client_++;
  ClientInfo request;
  // A locally administered unicast MAC: 02:<seed>:<client number>.
  request.hardware_address = {
      0x02, static_cast<char>(options_.seed), static_cast<char>(n >> 24),
      static_cast<char>(n >> 16), static_cast<char>(n >> 8),
      static_cast<char>(n)};
  request.name = options_.host_names.empty()
                     ? absl::StrFormat("host-%d-%d", options_.seed, n)
                     : options_.host_names[rng_() % options_.host_names.size()];
  request.expires = env_->Now() + options_.lease_duration;
  request.client_type = ClientType::kDhcp;
  if (options_.on_new_host) RETURN_IF_ERROR(options_.on_new_host(request.name));
  absl::StatusOr<ClientInfo> granted =
      server_->AllocateClient(options_.principal, subnet, request);
  if (!granted.ok()) return Refused(granted.status());
  held_.push_back(Held{subnet, *granted, false});
  ++created_;
  return absl::OkStatus();
}

absl::Status DhcpLoadGenerator::Renew() {
  size_t i = rng_() % held_.size();
  ClientInfo lease = held_[i].lease;
  lease.expires = held_[i].reserved ? absl::InfiniteFuture()
                                    : env_->Now() + options_.lease_duration;
  lease.address_state = AddressState::kActive;
  absl::Status s = server_->SetClientInfo(options_.principal, lease);
  if (!s.ok()) {
    if (CodeOf(s) == kErrorDhcpInvalidDhcpClient) Drop(i);
    return Refused(s);
  }
  held_[i].lease = lease;
  ++renewed_;
  return absl::OkStatus();
}

absl::Status DhcpLoadGenerator::Expire() {
  size_t i = rng_() % held_.size();
  if (held_[i].reserved) return Renew();  // reservations do not expire
  ClientInfo lease = held_[i].lease;
  lease.expires = env_->Now() - absl::Seconds(1);
  lease.address_state = AddressState::kDoom;
  absl::Status s = server_->SetClientInfo(options_.principal, lease);
  if (!s.ok()) {
    if (CodeOf(s) == kErrorDhcpInvalidDhcpClient) Drop(i);
    return Refused(s);
  }
  held_[i].lease = lease;
  ++expired_;
  return absl::OkStatus();
}

absl::Status DhcpLoadGenerator::Release() {
  size_t i = rng_() % held_.size();
  Held held = held_[i];
  Drop(i);
  if (held.reserved) {
    SubnetElement r;
    r.type = ElementType::kReservedIps;
    r.reservation.ip = held.lease.ip;
    RETURN_IF_ERROR(Refused(server_->RemoveSubnetElement(
        options_.principal, held.subnet, r, ForceFlag::kFullForce)));
  }
  absl::Status s = server_->DeleteClientInfo(options_.principal,
                                             SearchInfo::ByIp(held.lease.ip));
  if (!s.ok()) return Refused(s);
  ++released_;
  return absl::OkStatus();
}

absl::Status DhcpLoadGenerator::Reserve() {
  size_t i = rng_() % held_.size();
  if (held_[i].reserved) return Renew();
  SubnetElement r;
  r.type = ElementType::kReservedIps;
  r.reservation.ip = held_[i].lease.ip;
  r.reservation.hardware_address = held_[i].lease.hardware_address;
  absl::Status s =
      server_->AddSubnetElement(options_.principal, held_[i].subnet, r);
  if (!s.ok()) return Refused(s);
  held_[i].reserved = true;
  ClientInfo lease = held_[i].lease;
  lease.client_type = ClientType::kReservationFlag;
  lease.expires = absl::InfiniteFuture();
  s = server_->SetClientInfo(options_.principal, lease);
  if (!s.ok()) return Refused(s);
  held_[i].lease = lease;
  ++reserved_;
  return absl::OkStatus();
}

}  // namespace shadowset::dhcp
