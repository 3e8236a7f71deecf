// dhcp_db: the DHCP side of bench/compare's hot database backup, through
// the public C++ API of writers/dhcp/ (DhcpServer).
//
//   dhcp_db populate DATA_DIR ADMIN LEASES RECORD_BYTES
//       Creates the DHCP server in the data directory DATA_DIR (made with
//       `shadowset init`) with ADMIN as its administrator, one scope
//       10.1.0.0/16 and LEASES leases, each stored as a RECORD_BYTES-byte
//       lease operation (docs/dhcp-format.md: the kind byte and the lease's
//       encoding, its 4-byte address included; the comment pads it). The
//       leases are created by 64 threads, so the server's group commit
//       keeps this short; every one is durable when this exits.
//       Prints one JSON object: leases, record_bytes, volume_bytes and
//       log_bytes (the used part of the volume's active log half).
//   dhcp_db split DATA_DIR ADMIN PATH
//       The steps of `shadowset dhcp backup PATH` in one process, each
//       timed: Engine::Open, DhcpServer::Open, DhcpServer::BackupDatabase,
//       closing both. Prints one JSON object of seconds: engine_open,
//       server_open, backup, close.
//
// Exits 0 on success, 1 with a message on stderr on any error, 2 on bad
// usage.

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "engine/engine.h"
#include "writers/dhcp/dhcp_server.h"
#include "writers/dhcp/internal/dhcp_records.h"

namespace shadowset::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr dhcp::IpAddress kScope = (10u << 24) | (1u << 16);  // 10.1.0.0/16
constexpr dhcp::IpAddress kFirstLease = kScope + 256;         // 10.1.1.0
constexpr uint64_t kMaxLeases = 65000;
constexpr int kThreads = 64;

int Fail(const std::string& what, const absl::Status& st) {
  std::fprintf(stderr, "dhcp_db: %s: %s\n", what.c_str(),
               st.ToString().c_str());
  return 1;
}

double Since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Bytes lease `c` takes as a lease operation in the log and in a backup.
size_t LeaseRecordBytes(const dhcp::ClientInfo& c) {
  service::Encoder e;
  dhcp::internal::EncodeClientInfo(e, c);
  return 1 + e.size();
}

// Lease `i`: every field of fixed width, so every lease has the same size.
dhcp::ClientInfo Lease(uint64_t i, const std::string& comment) {
  dhcp::ClientInfo c;
  c.ip = kFirstLease + static_cast<dhcp::IpAddress>(i);
  c.hardware_address = {0x02,
                        0x00,
                        0x00,
                        static_cast<char>(i >> 16),
                        static_cast<char>(i >> 8),
                        static_cast<char>(i)};
  c.name = absl::StrFormat("host-%06d", i);
  c.comment = comment;
  c.expires = absl::Now() + absl::Hours(8 * 24);
  return c;
}

int Populate(const std::string& dir, const std::string& admin, uint64_t leases,
             uint64_t record_bytes) {
  if (leases == 0 || leases > kMaxLeases) {
    std::fprintf(stderr, "dhcp_db: LEASES must be 1 to %llu\n",
                 static_cast<unsigned long long>(kMaxLeases));
    return 2;
  }
  auto engine = Engine::Open(dir);
  if (!engine.ok()) return Fail("open " + dir, engine.status());
  auto server = dhcp::DhcpServer::Create(engine->get(), {}, admin);
  if (!server.ok()) return Fail("create the DHCP server", server.status());
  dhcp::DhcpServer* s = server->get();
  dhcp::SubnetInfo scope;
  scope.address = kScope;
  scope.mask = dhcp::MaskFromPrefix(16);
  if (absl::Status st = s->CreateSubnet(admin, scope); !st.ok()) {
    return Fail("scope", st);
  }
  dhcp::SubnetElement range;
  range.range = {kScope + 1, kScope + 0xfffe};
  if (absl::Status st = s->AddSubnetElement(admin, kScope, range); !st.ok()) {
    return Fail("range", st);
  }

  // Size lease 0 as stored (the server fills its owner), then pad.
  if (absl::Status st = s->CreateClientInfo(admin, Lease(0, "")); !st.ok()) {
    return Fail("lease 0", st);
  }
  auto stored = s->GetClientInfo(admin, dhcp::SearchInfo::ByIp(kFirstLease));
  if (!stored.ok()) return Fail("read lease 0", stored.status());
  const size_t bare = LeaseRecordBytes(*stored);
  if (record_bytes < bare) {
    std::fprintf(stderr, "dhcp_db: a lease takes at least %zu bytes\n", bare);
    return 2;
  }
  const std::string comment(record_bytes - bare, 'c');
  stored->comment = comment;
  if (absl::Status st = s->SetClientInfo(admin, *stored); !st.ok()) {
    return Fail("pad lease 0", st);
  }

  std::atomic<uint64_t> next{1};
  std::vector<absl::Status> errors(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (uint64_t i = next++; i < leases; i = next++) {
        absl::Status st = s->CreateClientInfo(admin, Lease(i, comment));
        if (!st.ok()) {
          errors[t] = st;
          return;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (const absl::Status& st : errors) {
    if (!st.ok()) return Fail("lease", st);
  }

  // Every lease must now have exactly the size asked for.
  for (uint64_t i : {uint64_t{0}, leases - 1}) {
    auto c = s->GetClientInfo(
        admin, dhcp::SearchInfo::ByIp(kFirstLease + static_cast<uint32_t>(i)));
    if (!c.ok()) return Fail("read back", c.status());
    if (LeaseRecordBytes(*c) != record_bytes) {
      std::fprintf(stderr, "dhcp_db: lease %llu takes %zu bytes, not %llu\n",
                   static_cast<unsigned long long>(i), LeaseRecordBytes(*c),
                   static_cast<unsigned long long>(record_bytes));
      return 1;
    }
  }
  if (s->lease_count() != leases) {
    std::fprintf(stderr, "dhcp_db: the server holds %zu leases, not %llu\n",
                 s->lease_count(), static_cast<unsigned long long>(leases));
    return 1;
  }
  if (absl::Status st = s->Flush(); !st.ok()) return Fail("flush", st);
  std::vector<std::string> problems = s->Check();
  if (!problems.empty()) {
    std::fprintf(stderr, "dhcp_db: check: %s\n", problems[0].c_str());
    return 1;
  }
  const uint64_t volume_bytes = dhcp::DhcpServerOptions{}.volume_size;
  std::printf(
      "{\"leases\": %llu, \"record_bytes\": %llu, "
      "\"volume_bytes\": %llu, \"log_bytes\": %llu}\n",
      static_cast<unsigned long long>(leases),
      static_cast<unsigned long long>(record_bytes),
      static_cast<unsigned long long>(volume_bytes),
      static_cast<unsigned long long>(s->log_usage().used));
  return 0;
}

int Split(const std::string& dir, const std::string& admin,
          const std::string& path) {
  Clock::time_point start = Clock::now();
  auto engine = Engine::Open(dir);
  if (!engine.ok()) return Fail("open " + dir, engine.status());
  const double engine_open = Since(start);
  start = Clock::now();
  auto server = dhcp::DhcpServer::Open(engine->get(), {});
  if (!server.ok()) return Fail("open the DHCP server", server.status());
  const double server_open = Since(start);
  start = Clock::now();
  auto info = (*server)->BackupDatabase(admin, path);
  if (!info.ok()) return Fail("backup", info.status());
  const double backup = Since(start);
  start = Clock::now();
  server->reset();
  engine->reset();
  const double close = Since(start);
  std::printf(
      "{\"engine_open\": %.6f, \"server_open\": %.6f, "
      "\"backup\": %.6f, \"close\": %.6f, \"leases\": %llu}\n",
      engine_open, server_open, backup, close,
      static_cast<unsigned long long>(info->leases));
  return 0;
}

}  // namespace
}  // namespace shadowset::bench

int main(int argc, char** argv) {
  using namespace shadowset::bench;
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "populate" && argc == 6) {
    return Populate(argv[2], argv[3], std::strtoull(argv[4], nullptr, 10),
                    std::strtoull(argv[5], nullptr, 10));
  }
  if (mode == "split" && argc == 5) return Split(argv[2], argv[3], argv[4]);
  std::fprintf(stderr,
               "usage: dhcp_db populate DATA_DIR ADMIN LEASES RECORD_BYTES\n"
               "       dhcp_db split DATA_DIR ADMIN PATH\n");
  return 2;
}
