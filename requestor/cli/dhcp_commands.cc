// shadowset dhcp init | scope | range | exclusion | reservation | lease |
// admins | backup | restore

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "engine/codes.h"
#include "engine/internal/status_macros.h"
#include "requestor/cli/cli.h"
#include "requestor/cli/service_cli.h"
#include "requestor/cli/service_commands.h"
#include "writers/dhcp/dhcp_codes.h"
#include "writers/dhcp/dhcp_server.h"

namespace shadowset::cli {
namespace {

using dhcp::ClientInfo;
using dhcp::DhcpServer;
using dhcp::DhcpServerOptions;
using dhcp::IpAddress;

// Windows' default lease duration.
constexpr absl::Duration kDefaultLease = absl::Hours(8 * 24);

using Opened = OpenedService<DhcpServer>;

absl::StatusOr<Opened> OpenServer(const Context& ctx) {
  return OpenService<DhcpServer>(
      ctx, "DHCP server", "dhcp", [](Engine* engine) {
        return DhcpServer::Open(engine, DhcpServerOptions{});
      });
}

absl::StatusOr<IpAddress> ParseIpFlag(absl::string_view flag,
                                      absl::string_view text) {
  std::optional<IpAddress> ip = dhcp::ParseIp(text);
  if (!ip) {
    return MakeError(absl::StatusCode::kInvalidArgument, kErrorInvalidParameter,
                     absl::StrCat("bad address for ", flag, ": '", text,
                                  "' (expected e.g. 10.1.0.5)"));
  }
  return *ip;
}

absl::StatusOr<std::pair<IpAddress, IpAddress>> ParseSubnetArg(
    absl::string_view text) {
  auto subnet = dhcp::ParseSubnet(text);
  if (!subnet) {
    return MakeError(absl::StatusCode::kInvalidArgument, kErrorInvalidParameter,
                     absl::StrCat("bad scope '", text,
                                  "' (expected a subnet such as 10.1.0.0/24)"));
  }
  return *subnet;
}

absl::StatusOr<std::string> ParseMac(absl::string_view text) {
  std::optional<std::string> mac = dhcp::ParseHardwareAddress(text);
  if (!mac) {
    return MakeError(absl::StatusCode::kInvalidArgument, kErrorInvalidParameter,
                     absl::StrCat("bad hardware address for --mac: '", text,
                                  "' (expected aa:bb:cc:dd:ee:ff)"));
  }
  return *mac;
}

// RFC 3339, or a duration from now ("8d", "12h").
absl::StatusOr<absl::Time> ParseExpires(absl::string_view text) {
  absl::Time t;
  std::string err;
  if (absl::ParseTime(absl::RFC3339_full, text, &t, &err)) return t;
  absl::StatusOr<absl::Duration> d = ParseDuration("--expires", text);
  if (d.ok()) return absl::Now() + *d;
  return absl::InvalidArgumentError(absl::StrCat(
      "bad time for --expires: '", text,
      "' (use RFC 3339, e.g. 2030-01-01T00:00:00Z, or a duration, e.g. 8d)"));
}

std::string Rfc3339(absl::Time t) {
  if (t == absl::InfiniteFuture()) return "never";
  if (t == absl::InfinitePast()) return "";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

std::string SubnetText(IpAddress address, IpAddress mask) {
  return absl::StrCat(dhcp::FormatIp(address), "/",
                      dhcp::PrefixLength(mask).value_or(0));
}

const char* StateName(dhcp::AddressState s) {
  switch (s) {
    case dhcp::AddressState::kOffered: return "offered";
    case dhcp::AddressState::kActive: return "active";
    case dhcp::AddressState::kDeclined: return "declined";
    case dhcp::AddressState::kDoom: return "doom";
  }
  return "unknown";
}

std::optional<dhcp::AddressState> ParseState(absl::string_view s) {
  if (s == "offered") return dhcp::AddressState::kOffered;
  if (s == "active") return dhcp::AddressState::kActive;
  if (s == "declined") return dhcp::AddressState::kDeclined;
  if (s == "doom") return dhcp::AddressState::kDoom;
  return std::nullopt;
}

nlohmann::json LeaseJson(const ClientInfo& c) {
  return {{"ip", dhcp::FormatIp(c.ip)},
          {"mac", dhcp::FormatHardwareAddress(c.hardware_address)},
          {"name", c.name},
          {"comment", c.comment},
          {"mask", dhcp::FormatIp(c.subnet_mask)},
          {"expires", Rfc3339(c.expires)},
          {"state", StateName(c.address_state)},
          {"client_type", static_cast<int>(c.client_type)},
          {"owner", dhcp::FormatIp(c.owner.ip)}};
}

void SayLease(const Context& ctx, const ClientInfo& c) {
  if (ctx.json) {
    ctx.Emit(LeaseJson(c));
    return;
  }
  ctx.Say(absl::StrFormat("%-15s %-17s %-20s %-7s expires %s%s",
                          dhcp::FormatIp(c.ip),
                          dhcp::FormatHardwareAddress(c.hardware_address),
                          c.name.empty() ? "-" : c.name,
                          StateName(c.address_state), Rfc3339(c.expires),
                          c.comment.empty() ? "" : "  # " + c.comment));
}

// --ip / --mac / --name: exactly one, as a search.
struct SearchFlags {
  std::string ip, mac, name;
  void Add(CLI::App* cmd) {
    cmd->add_option("--ip", ip, "the lease's address");
    cmd->add_option("--mac", mac, "the client's hardware address");
    cmd->add_option("--name", name, "the client's host name");
  }
  absl::StatusOr<dhcp::SearchInfo> Get() const {
    int given = !ip.empty() + !mac.empty() + !name.empty();
    if (given != 1) {
      return absl::InvalidArgumentError(
          "give exactly one of --ip, --mac or --name");
    }
    if (!ip.empty()) {
      ASSIGN_OR_RETURN(IpAddress a, ParseIpFlag("--ip", ip));
      return dhcp::SearchInfo::ByIp(a);
    }
    if (!mac.empty()) {
      ASSIGN_OR_RETURN(std::string hw, ParseMac(mac));
      return dhcp::SearchInfo::ByHardwareAddress(hw);
    }
    return dhcp::SearchInfo::ByName(name);
  }
};

void AddInit(Cli& cli, CLI::App* dhcp) {
  Context& ctx = cli.context();
  auto* cmd = dhcp->add_subcommand(
      "init", "create the DHCP server (you become its first administrator)");
  auto as = AddAs(cmd);
  auto server_ip = std::make_shared<std::string>();
  auto size = std::make_shared<std::string>("64M");
  cmd->add_option("--server-ip", *server_ip, "the server's address");
  cmd->add_option("--size", *size, "size of its volume");
  cli.OnRun(cmd, [&ctx, as, server_ip, size]() -> absl::Status {
    DhcpServerOptions o;
    ASSIGN_OR_RETURN(o.volume_size, ParseSize("--size", *size));
    if (!server_ip->empty()) {
      ASSIGN_OR_RETURN(o.server_ip, ParseIpFlag("--server-ip", *server_ip));
    }
    ASSIGN_OR_RETURN(auto engine, ctx.OpenEngine());
    absl::StatusOr<std::unique_ptr<DhcpServer>> server =
        DhcpServer::Create(engine.get(), o, *as);
    if (absl::IsAlreadyExists(server.status())) {
      return absl::AlreadyExistsError(
          absl::StrCat("a DHCP server already exists in ", ctx.data_dir));
    }
    RETURN_IF_ERROR(server.status());
    if (ctx.json) {
      ctx.Emit({{"volume", o.volume}, {"size", o.volume_size},
                {"server_ip", dhcp::FormatIp(o.server_ip)},
                {"administrator", *as}});
    } else {
      ctx.Say(absl::StrFormat(
          "created the DHCP server on volume %s; administrator: %s", o.volume,
          *as));
    }
    return absl::OkStatus();
  });
}

void AddScope(Cli& cli, CLI::App* dhcp) {
  Context& ctx = cli.context();
  auto* scope = dhcp->add_subcommand("scope", "manage scopes");
  scope->require_subcommand(1);

  auto* add = scope->add_subcommand("add", "create a scope");
  auto as = AddAs(add);
  auto subnet = std::make_shared<std::string>();
  auto name = std::make_shared<std::string>();
  auto comment = std::make_shared<std::string>();
  add->add_option("SUBNET", *subnet, "e.g. 10.1.0.0/24")->required();
  add->add_option("--name", *name, "scope name");
  add->add_option("--comment", *comment, "scope comment");
  cli.OnRun(add, [&ctx, as, subnet, name, comment]() -> absl::Status {
    ASSIGN_OR_RETURN(auto net, ParseSubnetArg(*subnet));
    ASSIGN_OR_RETURN(Opened o, OpenServer(ctx));
    dhcp::SubnetInfo info;
    info.address = net.first;
    info.mask = net.second;
    info.name = *name;
    info.comment = *comment;
    RETURN_IF_ERROR(o.service->CreateSubnet(*as, info));
    if (!ctx.json) ctx.Say(absl::StrCat("created scope ", *subnet));
    else ctx.Emit({{"subnet", *subnet}, {"name", *name}});
    return absl::OkStatus();
  });

  auto* list = scope->add_subcommand("list", "list scopes");
  auto las = AddAs(list);
  cli.OnRun(list, [&ctx, las]() -> absl::Status {
    ASSIGN_OR_RETURN(Opened o, OpenServer(ctx));
    ASSIGN_OR_RETURN(std::vector<dhcp::SubnetInfo> subnets,
                     o.service->EnumSubnets(*las));
    nlohmann::json out = nlohmann::json::array();
    if (!ctx.json) {
      ctx.Say(absl::StrFormat("%-18s %-16s %-8s %6s  %s", "SCOPE", "NAME",
                              "STATE", "LEASES", "RANGES"));
    }
    for (const dhcp::SubnetInfo& s : subnets) {
      ASSIGN_OR_RETURN(auto ranges, o.service->EnumSubnetElements(
                                        *las, s.address,
                                        dhcp::ElementType::kIpRanges));
      ASSIGN_OR_RETURN(auto leases, o.service->EnumSubnetClients(*las, s.address));
      std::vector<std::string> range_text;
      for (const dhcp::SubnetElement& r : ranges) {
        range_text.push_back(absl::StrCat(dhcp::FormatIp(r.range.start), "-",
                                          dhcp::FormatIp(r.range.end)));
      }
      bool enabled = s.state == dhcp::SubnetState::kEnabled ||
                     s.state == dhcp::SubnetState::kEnabledSwitched;
      if (ctx.json) {
        out.push_back({{"subnet", SubnetText(s.address, s.mask)},
                       {"name", s.name},
                       {"comment", s.comment},
                       {"enabled", enabled},
                       {"ranges", range_text},
                       {"leases", leases.size()}});
      } else {
        ctx.Say(absl::StrFormat("%-18s %-16s %-8s %6d  %s",
                                SubnetText(s.address, s.mask),
                                s.name.empty() ? "-" : s.name,
                                enabled ? "enabled" : "disabled", leases.size(),
                                range_text.empty() ? "-"
                                                   : absl::StrJoin(range_text, ",")));
      }
    }
    if (ctx.json) ctx.Emit(out);
    return absl::OkStatus();
  });

  auto* del = scope->add_subcommand("delete", "delete a scope");
  auto das = AddAs(del);
  auto dsubnet = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  del->add_option("SUBNET", *dsubnet, "e.g. 10.1.0.0/24")->required();
  del->add_flag("--force", *force, "delete its leases too");
  cli.OnRun(del, [&ctx, das, dsubnet, force]() -> absl::Status {
    ASSIGN_OR_RETURN(auto net, ParseSubnetArg(*dsubnet));
    ASSIGN_OR_RETURN(Opened o, OpenServer(ctx));
    RETURN_IF_ERROR(o.service->DeleteSubnet(
        *das, net.first,
        *force ? dhcp::ForceFlag::kFullForce : dhcp::ForceFlag::kNoForce));
    if (!ctx.json) ctx.Say(absl::StrCat("deleted scope ", *dsubnet));
    else ctx.Emit({{"subnet", *dsubnet}, {"deleted", true}});
    return absl::OkStatus();
  });
}

// "range add" and "exclusion add": SUBNET START END.
void AddRangeLike(Cli& cli, CLI::App* dhcp, const char* noun,
                  dhcp::ElementType type) {
  Context& ctx = cli.context();
  auto* group = dhcp->add_subcommand(
      noun, type == dhcp::ElementType::kIpRanges ? "manage address ranges"
                                                 : "manage excluded ranges");
  group->require_subcommand(1);
  auto* add = group->add_subcommand("add", "add one to a scope");
  auto as = AddAs(add);
  auto subnet = std::make_shared<std::string>();
  auto start = std::make_shared<std::string>();
  auto end = std::make_shared<std::string>();
  add->add_option("SUBNET", *subnet, "e.g. 10.1.0.0/24")->required();
  add->add_option("START", *start, "first address")->required();
  add->add_option("END", *end, "last address")->required();
  cli.OnRun(add, [&ctx, as, subnet, start, end, type, noun]() -> absl::Status {
    ASSIGN_OR_RETURN(auto net, ParseSubnetArg(*subnet));
    dhcp::SubnetElement e;
    e.type = type;
    ASSIGN_OR_RETURN(e.range.start, ParseIpFlag("START", *start));
    ASSIGN_OR_RETURN(e.range.end, ParseIpFlag("END", *end));
    ASSIGN_OR_RETURN(Opened o, OpenServer(ctx));
    RETURN_IF_ERROR(o.service->AddSubnetElement(*as, net.first, e));
    if (!ctx.json) {
      ctx.Say(absl::StrFormat("added %s %s-%s to scope %s", noun, *start, *end,
                              *subnet));
    } else {
      ctx.Emit({{"subnet", *subnet}, {"start", *start}, {"end", *end}});
    }
    return absl::OkStatus();
  });
}

void AddReservation(Cli& cli, CLI::App* dhcp) {
  Context& ctx = cli.context();
  auto* group = dhcp->add_subcommand("reservation", "manage reservations");
  group->require_subcommand(1);
  auto* add = group->add_subcommand("add", "reserve an address for a client");
  auto as = AddAs(add);
  auto ip = std::make_shared<std::string>();
  auto mac = std::make_shared<std::string>();
  add->add_option("--ip", *ip, "the reserved address")->required();
  add->add_option("--mac", *mac, "the client's hardware address")->required();
  cli.OnRun(add, [&ctx, as, ip, mac]() -> absl::Status {
    dhcp::SubnetElement e;
    e.type = dhcp::ElementType::kReservedIps;
    ASSIGN_OR_RETURN(e.reservation.ip, ParseIpFlag("--ip", *ip));
    ASSIGN_OR_RETURN(e.reservation.hardware_address, ParseMac(*mac));
    ASSIGN_OR_RETURN(Opened o, OpenServer(ctx));
    ASSIGN_OR_RETURN(std::vector<dhcp::SubnetInfo> subnets,
                     o.service->EnumSubnets(*as));
    std::optional<IpAddress> subnet;
    for (const dhcp::SubnetInfo& s : subnets) {
      if ((e.reservation.ip & s.mask) == s.address) subnet = s.address;
    }
    if (!subnet) {
      return MakeError(absl::StatusCode::kNotFound,
                       dhcp::kErrorDhcpSubnetNotPresent,
                       absl::StrCat("address ", *ip, " is outside every scope"));
    }
    RETURN_IF_ERROR(o.service->AddSubnetElement(*as, *subnet, e));
    if (!ctx.json) ctx.Say(absl::StrFormat("reserved %s for %s", *ip, *mac));
    else ctx.Emit({{"ip", *ip}, {"mac", *mac}});
    return absl::OkStatus();
  });
}

void AddLease(Cli& cli, CLI::App* dhcp) {
  Context& ctx = cli.context();
  auto* lease = dhcp->add_subcommand("lease", "manage lease records");
  lease->require_subcommand(1);

  auto* add = lease->add_subcommand("add", "create a lease record");
  auto as = AddAs(add);
  struct AddFlags {
    std::string ip, mac, name, comment, expires;
  };
  auto f = std::make_shared<AddFlags>();
  add->add_option("--ip", f->ip, "the leased address")->required();
  add->add_option("--mac", f->mac, "the client's hardware address")->required();
  add->add_option("--name", f->name, "the client's host name");
  add->add_option("--comment", f->comment, "a comment");
  add->add_option("--expires", f->expires,
                  "RFC 3339 time or a duration from now (default: 8d)");
  cli.OnRun(add, [&ctx, as, f]() -> absl::Status {
    ClientInfo c;
    ASSIGN_OR_RETURN(c.ip, ParseIpFlag("--ip", f->ip));
    ASSIGN_OR_RETURN(c.hardware_address, ParseMac(f->mac));
    c.name = f->name;
    c.comment = f->comment;
    c.expires = absl::Now() + kDefaultLease;
    if (!f->expires.empty()) {
      ASSIGN_OR_RETURN(c.expires, ParseExpires(f->expires));
    }
    ASSIGN_OR_RETURN(Opened o, OpenServer(ctx));
    RETURN_IF_ERROR(o.service->CreateClientInfo(*as, c));
    ASSIGN_OR_RETURN(ClientInfo stored, o.service->GetClientInfo(
                                            *as, dhcp::SearchInfo::ByIp(c.ip)));
    SayLease(ctx, stored);
    return absl::OkStatus();
  });

  auto* get = lease->add_subcommand("get", "show a lease record");
  auto gas = AddAs(get);
  auto gsearch = std::make_shared<SearchFlags>();
  gsearch->Add(get);
  cli.OnRun(get, [&ctx, gas, gsearch]() -> absl::Status {
    ASSIGN_OR_RETURN(dhcp::SearchInfo search, gsearch->Get());
    ASSIGN_OR_RETURN(Opened o, OpenServer(ctx));
    ASSIGN_OR_RETURN(ClientInfo c, o.service->GetClientInfo(*gas, search));
    SayLease(ctx, c);
    return absl::OkStatus();
  });

  auto* set = lease->add_subcommand("set", "change a lease record");
  auto sas = AddAs(set);
  struct SetFlags {
    std::string ip, mac, name, comment, expires, state;
  };
  auto s = std::make_shared<SetFlags>();
  set->add_option("--ip", s->ip, "the lease's address")->required();
  set->add_option("--mac", s->mac, "new hardware address");
  set->add_option("--name", s->name, "new host name");
  set->add_option("--comment", s->comment, "new comment");
  set->add_option("--expires", s->expires, "new expiry: RFC 3339 or a duration");
  set->add_option("--state", s->state, "offered, active, declined or doom");
  cli.OnRun(set, [&ctx, sas, s]() -> absl::Status {
    ASSIGN_OR_RETURN(IpAddress ip, ParseIpFlag("--ip", s->ip));
    std::optional<std::string> mac;
    if (!s->mac.empty()) {
      ASSIGN_OR_RETURN(mac, ParseMac(s->mac));
    }
    std::optional<absl::Time> expires;
    if (!s->expires.empty()) {
      ASSIGN_OR_RETURN(expires, ParseExpires(s->expires));
    }
    std::optional<dhcp::AddressState> state;
    if (!s->state.empty()) {
      state = ParseState(s->state);
      if (!state) {
        return absl::InvalidArgumentError(absl::StrCat(
            "bad --state '", s->state, "' (offered, active, declined, doom)"));
      }
    }
    ASSIGN_OR_RETURN(Opened o, OpenServer(ctx));
    ASSIGN_OR_RETURN(ClientInfo c,
                     o.service->GetClientInfo(*sas, dhcp::SearchInfo::ByIp(ip)));
    if (mac) c.hardware_address = *mac;
    if (!s->name.empty()) c.name = s->name;
    if (!s->comment.empty()) c.comment = s->comment;
    if (expires) c.expires = *expires;
    if (state) c.address_state = *state;
    RETURN_IF_ERROR(o.service->SetClientInfo(*sas, c));
    SayLease(ctx, c);
    return absl::OkStatus();
  });

  auto* del = lease->add_subcommand("delete", "delete the matching lease records");
  auto das = AddAs(del);
  auto dsearch = std::make_shared<SearchFlags>();
  dsearch->Add(del);
  cli.OnRun(del, [&ctx, das, dsearch]() -> absl::Status {
    ASSIGN_OR_RETURN(dhcp::SearchInfo search, dsearch->Get());
    ASSIGN_OR_RETURN(Opened o, OpenServer(ctx));
    RETURN_IF_ERROR(o.service->DeleteClientInfo(*das, search));
    if (!ctx.json) ctx.Say("deleted");
    else ctx.Emit({{"deleted", true}});
    return absl::OkStatus();
  });

  auto* list = lease->add_subcommand("list", "list lease records");
  auto las = AddAs(list);
  auto scope = std::make_shared<std::string>();
  list->add_option("--scope", *scope, "only this scope, e.g. 10.1.0.0/24");
  cli.OnRun(list, [&ctx, las, scope]() -> absl::Status {
    IpAddress subnet = 0;
    if (!scope->empty()) {
      ASSIGN_OR_RETURN(auto net, ParseSubnetArg(*scope));
      subnet = net.first;
    }
    ASSIGN_OR_RETURN(Opened o, OpenServer(ctx));
    ASSIGN_OR_RETURN(std::vector<ClientInfo> leases,
                     o.service->EnumSubnetClients(*las, subnet));
    if (ctx.json) {
      nlohmann::json out = nlohmann::json::array();
      for (const ClientInfo& c : leases) out.push_back(LeaseJson(c));
      ctx.Emit(out);
      return absl::OkStatus();
    }
    for (const ClientInfo& c : leases) SayLease(ctx, c);
    ctx.Say(absl::StrFormat("%d lease%s", leases.size(),
                            leases.size() == 1 ? "" : "s"));
    return absl::OkStatus();
  });
}

void AddBackupRestore(Cli& cli, CLI::App* dhcp) {
  Context& ctx = cli.context();
  PathCommand backup = AddPathCommand(
      dhcp, "backup", "write the whole database into a directory, consistently",
      "PATH", "backup directory");
  cli.OnRun(backup.cmd, [&ctx, backup]() -> absl::Status {
    ASSIGN_OR_RETURN(Opened o, OpenServer(ctx));
    ASSIGN_OR_RETURN(
        dhcp::DhcpBackupInfo info,
        o.service->BackupDatabase(*backup.as, AbsolutePath(*backup.path)));
    if (ctx.json) {
      ctx.Emit({{"path", info.path}, {"sequence", info.sequence},
                {"leases", info.leases}});
    } else {
      ctx.Say(absl::StrFormat("backed up the DHCP database (%d leases, "
                              "sequence %d) to %s",
                              info.leases, info.sequence, info.path));
    }
    return absl::OkStatus();
  });

  PathCommand restore = AddPathCommand(
      dhcp, "restore", "restore the database from a backup directory", "PATH",
      "backup directory");
  cli.OnRun(restore.cmd, [&ctx, restore]() -> absl::Status {
    ASSIGN_OR_RETURN(Opened o, OpenServer(ctx));
    RETURN_IF_ERROR(
        o.service->RestoreDatabase(*restore.as, AbsolutePath(*restore.path)));
    // The server applies a restore when it next starts; this command is its
    // only user, so restart it now.
    o.service.reset();
    ASSIGN_OR_RETURN(o.service,
                     DhcpServer::Open(o.engine.get(), DhcpServerOptions{}));
    RETURN_IF_ERROR(o.service->restore_status());
    size_t leases = o.service->lease_count();
    if (ctx.json) {
      ctx.Emit({{"restored", true}, {"leases", leases},
                {"sequence", o.service->sequence()}});
    } else {
      ctx.Say(absl::StrFormat("restored the DHCP database from %s (%d leases)",
                              AbsolutePath(*restore.path), leases));
    }
    return absl::OkStatus();
  });
}

}  // namespace

void AddDhcpCommands(Cli& cli) {
  cli.AddCodeNames(dhcp::DhcpCodeName);
  auto* dhcp = cli.app().add_subcommand("dhcp", "the DHCP server");
  dhcp->require_subcommand(1);
  AddInit(cli, dhcp);
  AddScope(cli, dhcp);
  AddRangeLike(cli, dhcp, "range", dhcp::ElementType::kIpRanges);
  AddRangeLike(cli, dhcp, "exclusion", dhcp::ElementType::kExcludedIpRanges);
  AddReservation(cli, dhcp);
  AddLease(cli, dhcp);
  AddAdminsCommands<DhcpServer>(cli, dhcp, "DHCP Administrators", OpenServer);
  AddBackupRestore(cli, dhcp);
}

}  // namespace shadowset::cli
