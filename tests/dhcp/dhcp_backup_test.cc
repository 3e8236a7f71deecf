// DhcpServerBackupDatabase under live lease churn holds exactly the leases
// applied up to its snapshot; a plain copy of the live volume file is torn.

#include <map>
#include <optional>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "engine/env.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/dhcp/dhcp_test_util.h"
#include "writers/dhcp/dhcp_server.h"
#include "writers/dhcp/dhcp_writer.h"
#include "writers/dhcp/load_generator.h"

namespace shadowset::dhcp {
namespace {

using ::shadowset::testing::HasCode;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using namespace ::shadowset::dhcp::testing;  // NOLINT

class DhcpBackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DhcpServerOptions o;
    o.volume_size = 4 << 20;
    o.server_ip = Ip("10.0.0.1");
    ASSERT_OK_AND_ASSIGN(server_, DhcpServer::Create(fx_.engine(), o, kAdmin));
    for (int s = 1; s <= 3; ++s) {
      std::string net = absl::StrFormat("10.%d.0.0", s);
      std::string lo = absl::StrFormat("10.%d.0.10", s);
      std::string hi = absl::StrFormat("10.%d.3.250", s);
      ASSERT_OK(server_->CreateSubnet(kAdmin, Subnet(net.c_str(), 22)));
      ASSERT_OK(server_->AddSubnetElement(kAdmin, Ip(net.c_str()),
                                          Range(lo.c_str(), hi.c_str())));
    }
  }

  EngineFixture fx_;
  std::unique_ptr<DhcpServer> server_;
};

TEST_F(DhcpBackupTest, BackupUnderChurnHoldsExactlyTheLeasesUpToItsSequence) {
  constexpr uint64_t kSeed = 20240611;
  SCOPED_TRACE(::testing::Message() << "seed " << kSeed);
  DhcpLoadOptions lo;
  lo.seed = kSeed;
  lo.principal = kAdmin;
  DhcpLoadGenerator warmup(server_.get(), lo);
  for (int i = 0; i < 100; ++i) ASSERT_OK(warmup.Step());
  const std::map<IpAddress, ClientInfo> base =
      AsMap(server_->EnumSubnetClients(kAdmin, 0).value());
  const uint64_t seq0 = server_->sequence();

  ChangeLog changes;
  server_->SetLeaseListener([&](uint64_t seq, IpAddress ip, const ClientInfo* c) {
    changes.Record(seq, ip, c);
  });
  lo.seed = kSeed + 1;
  DhcpLoadGenerator churn(server_.get(), lo);
  ASSERT_OK(churn.Start());
  changes.AwaitSequence(seq0 + 50);  // churn is under way

  const std::string dir = fx_.tmp().Sub("backup");
  ASSERT_OK_AND_ASSIGN(DhcpBackupInfo info, server_->BackupDatabase(kAdmin, dir));
  changes.AwaitSequence(info.sequence + 50);  // and went on meanwhile
  churn.Stop();
  ASSERT_OK(churn.status());
  EXPECT_GE(info.sequence, seq0 + 50);
  EXPECT_GE(server_->sequence(), info.sequence + 50);

  // The backup opens, passes the integrity check, and holds exactly the
  // leases applied up to its sequence number.
  ASSERT_OK_AND_ASSIGN(DhcpDatabaseImage image, ReadDhcpBackup(nullptr, dir));
  EXPECT_THAT(image.problems, IsEmpty());
  EXPECT_EQ(image.sequence, info.sequence);
  std::map<IpAddress, ClientInfo> expected = changes.StateAt(base, info.sequence);
  EXPECT_EQ(AsMap(image.leases), expected);
  EXPECT_EQ(info.leases, expected.size());
  EXPECT_NE(AsMap(server_->EnumSubnetClients(kAdmin, 0).value()), expected);

  // Restoring it (at the next open) brings back exactly that state.
  ASSERT_OK(server_->RestoreDatabase(kAdmin, dir));
  server_.reset();
  DhcpServerOptions o;
  o.volume_size = 4 << 20;
  ASSERT_OK_AND_ASSIGN(server_, DhcpServer::Open(fx_.engine(), o));
  ASSERT_OK(server_->restore_status());
  EXPECT_EQ(AsMap(server_->EnumSubnetClients(kAdmin, 0).value()), expected);
  EXPECT_EQ(server_->pending_restore(), "");
  EXPECT_THAT(server_->Check(), IsEmpty());
}

TEST_F(DhcpBackupTest, BackupAndRestoreErrorRowsChangeNothing) {
  ASSERT_OK(server_->CreateClientInfo(kAdmin, Lease("10.1.0.20", 1)));
  const uint64_t seq = server_->sequence();
  EXPECT_THAT(server_->BackupDatabase(kAdmin, "relative"),
              HasCode(kErrorInvalidParameter));
  EXPECT_THAT(server_->BackupDatabase(kAdmin, ""), HasCode(kErrorInvalidParameter));
  EXPECT_THAT(server_->BackupDatabase(kStranger, fx_.tmp().Sub("b")),
              HasCode(kErrorAccessDenied));
  // A path under a regular file cannot be written: a database error.
  ASSERT_OK(WriteFileAtomically(Env::Default(), fx_.tmp().Sub("file"), {}));
  EXPECT_THAT(server_->BackupDatabase(kAdmin, fx_.tmp().Sub("file")),
              HasCode(kErrorDhcpJetError));
  EXPECT_THAT(server_->RestoreDatabase(kAdmin, fx_.tmp().Sub("nothing")),
              HasCode(kErrorDhcpJetError));
  EXPECT_THAT(server_->RestoreDatabase(kAdmin, "relative"),
              HasCode(kErrorInvalidParameter));
  EXPECT_EQ(server_->sequence(), seq);
  EXPECT_EQ(server_->pending_restore(), "");
  // No snapshot set is left behind by a failed backup.
  EXPECT_THAT(fx_.engine()->ListSnapshotSets(), IsEmpty());
}

TEST_F(DhcpBackupTest, DamagedBackupFallsBackToTheCurrentState) {
  ASSERT_OK(server_->CreateClientInfo(kAdmin, Lease("10.1.0.20", 1)));
  const std::string dir = fx_.tmp().Sub("backup");
  ASSERT_OK(server_->BackupDatabase(kAdmin, dir).status());
  ASSERT_OK(server_->CreateClientInfo(kAdmin, Lease("10.1.0.21", 2)));
  ASSERT_OK(server_->RestoreDatabase(kAdmin, dir));
  // The backup is damaged before the restore runs.
  std::string file = JoinPath(dir, "dhcp.bak");
  ASSERT_OK_AND_ASSIGN(std::string bytes, ReadFileToString(Env::Default(), file));
  bytes[bytes.size() - 3] ^= 0x40;
  ASSERT_OK(WriteFileAtomically(
      Env::Default(), file,
      absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(bytes.data()),
                          bytes.size())));
  server_.reset();
  DhcpServerOptions o;
  o.volume_size = 4 << 20;
  ASSERT_OK_AND_ASSIGN(server_, DhcpServer::Open(fx_.engine(), o));
  EXPECT_THAT(server_->restore_status(), HasCode(kErrorDhcpJetError));
  EXPECT_THAT(server_->restore_status().message(), HasSubstr("checksum"));
  EXPECT_EQ(server_->lease_count(), 2u);
  EXPECT_EQ(server_->pending_restore(), "");
  EXPECT_THAT(server_->Check(), IsEmpty());
}

// The reason this product exists: a file copy of a live database is torn.
// The volume file is copied in two halves with one lease update between
// them; the copy fails the integrity check. The same update seen through
// an engine snapshot taken while the writer is frozen is consistent.
TEST_F(DhcpBackupTest, PlainFileCopyOfTheLiveVolumeIsTorn) {
  for (int i = 0; i < 20; ++i) {
    std::string ip = absl::StrFormat("10.1.0.%d", 20 + i);
    ASSERT_OK(server_->CreateClientInfo(kAdmin, Lease(ip.c_str(), i)));
  }
  std::string path;
  uint64_t size = 0;
  for (const VolumeInfo& v : fx_.engine()->ListVolumes()) {
    if (v.name == "dhcp") {
      path = v.path;
      size = v.size;
    }
  }
  ASSERT_FALSE(path.empty());
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<File> live,
                       Env::Default()->OpenFile(path, {.read_only = true}));
  std::string copy(size, '\0');
  auto copy_range = [&](uint64_t from, uint64_t to) {
    ASSERT_OK(live->ReadAt(from, absl::MakeSpan(reinterpret_cast<uint8_t*>(
                                                    copy.data() + from),
                                                to - from)));
  };
  copy_range(0, size / 2);
  ASSERT_OK(server_->CreateClientInfo(kAdmin, Lease("10.1.0.99", 99, "late")));
  copy_range(size / 2, size);

  service::ReadFn read_copy = [&](uint64_t offset, absl::Span<uint8_t> out) {
    std::memcpy(out.data(), copy.data() + offset, out.size());
    return absl::OkStatus();
  };
  std::vector<std::string> problems = CheckDhcpDatabase(read_copy, size);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_THAT(problems[0], HasSubstr("the image is torn or truncated"));
  EXPECT_THAT(ReadDhcpDatabase(read_copy, size),
              ::shadowset::testing::StatusIs(absl::StatusCode::kDataLoss));

  // Through the product: freeze, snapshot, thaw, then read the snapshot.
  DhcpWriter writer(server_.get());
  BackupContext ctx;
  ASSERT_OK(writer.Freeze(ctx));
  ASSERT_OK_AND_ASSIGN(SnapshotSetInfo set,
                       fx_.engine()->CreateSnapshotSet(server_->volumes()));
  ASSERT_OK(writer.Thaw(ctx));
  ASSERT_OK(server_->CreateClientInfo(kAdmin, Lease("10.1.0.100", 100)));
  ASSERT_OK_AND_ASSIGN(auto snap, fx_.engine()->OpenSnapshot(set.id, "dhcp"));
  service::ReadFn read_snap = [&](uint64_t offset, absl::Span<uint8_t> out) {
    return snap->Read(offset, out);
  };
  ASSERT_OK_AND_ASSIGN(DhcpDatabaseImage image, ReadDhcpDatabase(read_snap, size));
  EXPECT_THAT(image.problems, IsEmpty());
  EXPECT_EQ(image.sequence, writer.sequence_at_freeze().value());
  EXPECT_EQ(image.leases.size(), 21u);
  ASSERT_OK(fx_.engine()->RunBackgroundWork());
  ASSERT_OK_AND_ASSIGN(CheckReport report, fx_.engine()->Check());
  EXPECT_TRUE(report.ok()) << ::testing::PrintToString(report.problems);
}

}  // namespace
}  // namespace shadowset::dhcp
