// DhcpWriter: metadata, Freeze blocks mutations (they wait, they do not
// fail) and records the sequence number the snapshot holds, Thaw/Abort
// resume, Abort races Freeze safely, and restores reload the server.

#include "writers/dhcp/dhcp_writer.h"

#include <thread>

#include "absl/synchronization/notification.h"
#include "engine/codes.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/dhcp/dhcp_test_util.h"
#include "writers/dhcp/load_generator.h"

namespace shadowset::dhcp {
namespace {

using ::shadowset::testing::HasCode;
using ::shadowset::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using namespace ::shadowset::dhcp::testing;  // NOLINT

class DhcpWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DhcpServerOptions o;
    o.volume_size = 2 << 20;
    ASSERT_OK_AND_ASSIGN(server_, DhcpServer::Create(fx_.engine(), o, kAdmin));
    ASSERT_OK(server_->CreateSubnet(kAdmin, Subnet("10.1.0.0", 22)));
    ASSERT_OK(server_->AddSubnetElement(kAdmin, Ip("10.1.0.0"),
                                        Range("10.1.0.10", "10.1.3.250")));
    writer_ = std::make_unique<DhcpWriter>(server_.get());
  }

  // The database as the snapshot `set` holds it.
  DhcpDatabaseImage ReadSnapshot(const SetId& set) {
    auto snap = fx_.engine()->OpenSnapshot(set, "dhcp");
    EXPECT_OK(snap.status());
    service::ReadFn read = [&](uint64_t offset, absl::Span<uint8_t> out) {
      return (*snap)->Read(offset, out);
    };
    absl::StatusOr<DhcpDatabaseImage> image =
        ReadDhcpDatabase(read, (*snap)->size());
    EXPECT_OK(image.status());
    return image.value_or(DhcpDatabaseImage{});
  }

  void ExpectEngineClean() {
    ASSERT_OK(fx_.engine()->RunBackgroundWork());
    ASSERT_OK_AND_ASSIGN(CheckReport report, fx_.engine()->Check());
    EXPECT_TRUE(report.ok()) << ::testing::PrintToString(report.problems);
  }

  EngineFixture fx_;
  std::unique_ptr<DhcpServer> server_;
  std::unique_ptr<DhcpWriter> writer_;
  BackupContext ctx_;
};

TEST_F(DhcpWriterTest, IdentifyDescribesOneDatabaseComponent) {
  ASSERT_OK_AND_ASSIGN(WriterMetadata m, writer_->Identify());
  EXPECT_EQ(m.class_id, kDhcpWriterClassId);
  EXPECT_EQ(m.instance_id, server_->instance_id());
  EXPECT_EQ(m.name, "DHCP Jet Writer");
  EXPECT_EQ(m.restore_method, RestoreMethod::kStopRestoreStart);
  EXPECT_EQ(m.restore_lifetime, absl::InfiniteDuration());
  EXPECT_THAT(m.supported_types, ElementsAre(BackupType::kFull, BackupType::kCopy));
  ASSERT_EQ(m.components.size(), 1u);
  EXPECT_EQ(m.components[0].type, ComponentType::kDatabase);
  EXPECT_EQ(m.components[0].name, "dhcp-database");
  EXPECT_THAT(m.components[0].volumes, ElementsAre("dhcp"));
  // Identify changes nothing.
  EXPECT_FALSE(writer_->frozen());
  EXPECT_EQ(writer_->sequence_at_freeze(), std::nullopt);
}

TEST_F(DhcpWriterTest, FreezeBlocksMutationsUntilThawAndFixesTheSnapshot) {
  ASSERT_OK(server_->CreateClientInfo(kAdmin, Lease("10.1.0.20", 1)));
  ASSERT_OK(writer_->PrepareBackup(ctx_));
  ASSERT_OK(writer_->PrepareSnapshot(ctx_));
  ASSERT_OK(writer_->Freeze(ctx_));
  EXPECT_TRUE(writer_->frozen());
  const uint64_t seq = server_->sequence();
  EXPECT_EQ(writer_->sequence_at_freeze(), seq);

  absl::Notification done;
  absl::Status result;
  std::thread client([&] {
    result = server_->CreateClientInfo(kAdmin, Lease("10.1.0.21", 2));
    done.Notify();
  });
  server_->AwaitBlockedMutations(1);
  EXPECT_FALSE(done.HasBeenNotified());
  // Reads go on during the freeze.
  EXPECT_EQ(server_->lease_count(), 1u);
  ASSERT_OK_AND_ASSIGN(SnapshotSetInfo set,
                       fx_.engine()->CreateSnapshotSet(server_->volumes()));
  ASSERT_OK(writer_->Thaw(ctx_));
  done.WaitForNotification();
  client.join();
  EXPECT_OK(result);  // it waited; it did not fail
  ASSERT_OK(writer_->PostSnapshot(ctx_));
  ASSERT_OK(writer_->BackupComplete(ctx_, {}));
  ASSERT_OK(writer_->BackupShutdown(ctx_));

  DhcpDatabaseImage image = ReadSnapshot(set.id);
  EXPECT_EQ(image.sequence, seq);
  EXPECT_THAT(image.problems, IsEmpty());
  ASSERT_EQ(image.leases.size(), 1u);
  EXPECT_EQ(image.leases[0].ip, Ip("10.1.0.20"));
  EXPECT_EQ(server_->lease_count(), 2u);
  ExpectEngineClean();
}

TEST_F(DhcpWriterTest, AbortResumesBlockedCallersAndIsIdempotent) {
  ASSERT_OK(writer_->Freeze(ctx_));
  absl::Notification done;
  std::thread client([&] {
    EXPECT_OK(server_->CreateClientInfo(kAdmin, Lease("10.1.0.21", 2)));
    done.Notify();
  });
  server_->AwaitBlockedMutations(1);
  ASSERT_OK(writer_->Abort(ctx_));
  ASSERT_OK(writer_->Abort(ctx_));
  done.WaitForNotification();
  client.join();
  EXPECT_FALSE(writer_->frozen());
  EXPECT_FALSE(server_->quiesced());
  ASSERT_OK(writer_->Abort(ctx_));
  EXPECT_OK(server_->CreateClientInfo(kAdmin, Lease("10.1.0.22", 3)));
}

TEST_F(DhcpWriterTest, AbortConcurrentWithFreezeNeverLeavesTheServerFrozen) {
  // The abort arrives once the freeze has stopped the server, while Freeze
  // may still be running: whichever way the race goes, nothing stays frozen.
  int aborted_freezes = 0;
  for (int i = 0; i < 200; ++i) {
    absl::Status freeze;
    std::thread a([&] { freeze = writer_->Freeze(ctx_); });
    std::thread b([&] {
      while (!server_->quiesced()) std::this_thread::yield();
      EXPECT_OK(writer_->Abort(ctx_));
    });
    a.join();
    b.join();
    if (!freeze.ok()) {
      EXPECT_THAT(freeze, StatusIs(absl::StatusCode::kAborted));
      EXPECT_THAT(freeze,
                  HasCode(static_cast<uint32_t>(WriterFailure::kRetryable)));
      ++aborted_freezes;
    }
    ASSERT_FALSE(server_->quiesced()) << "iteration " << i;
    ASSERT_FALSE(writer_->frozen()) << "iteration " << i;
  }
  std::printf("%d of 200 freezes returned after their abort\n",
              aborted_freezes);
  EXPECT_OK(server_->CreateClientInfo(kAdmin, Lease("10.1.0.22", 3)));
}

TEST_F(DhcpWriterTest, FreezesUnderChurnFixExactlyTheAppliedLeases) {
  constexpr uint64_t kSeed = 77;
  SCOPED_TRACE(::testing::Message() << "seed " << kSeed);
  const std::map<IpAddress, ClientInfo> base;
  ChangeLog changes;
  server_->SetLeaseListener(changes.Listener());
  DhcpLoadOptions lo;
  lo.seed = kSeed;
  lo.principal = kAdmin;
  DhcpLoadGenerator churn(server_.get(), lo);
  ASSERT_OK(churn.Start());
  for (int round = 1; round <= 3; ++round) {
    changes.AwaitSequence(server_->sequence() + 20);
    ASSERT_OK(writer_->Freeze(ctx_));
    ASSERT_OK_AND_ASSIGN(SnapshotSetInfo set,
                         fx_.engine()->CreateSnapshotSet(server_->volumes()));
    ASSERT_OK(writer_->Thaw(ctx_));
    const uint64_t seq = writer_->sequence_at_freeze().value();
    DhcpDatabaseImage image = ReadSnapshot(set.id);
    EXPECT_EQ(image.sequence, seq);
    EXPECT_THAT(image.problems, IsEmpty());
    EXPECT_EQ(AsMap(image.leases), changes.StateAt(base, seq));
  }
  churn.Stop();
  ASSERT_OK(churn.status());
  ExpectEngineClean();
}

TEST_F(DhcpWriterTest, PostRestoreReloadsTheRestoredVolume) {
  ASSERT_OK(server_->CreateClientInfo(kAdmin, Lease("10.1.0.20", 1)));
  ASSERT_OK(writer_->Freeze(ctx_));
  ASSERT_OK_AND_ASSIGN(SnapshotSetInfo set,
                       fx_.engine()->CreateSnapshotSet(server_->volumes()));
  ASSERT_OK(writer_->Thaw(ctx_));
  const uint64_t seq = writer_->sequence_at_freeze().value();
  ASSERT_OK(server_->CreateClientInfo(kAdmin, Lease("10.1.0.21", 2)));

  // A restore of the volume from the snapshot, between the two events.
  RestoreContext rctx;
  ASSERT_OK(writer_->PreRestore(rctx));
  EXPECT_TRUE(server_->quiesced());
  ASSERT_OK_AND_ASSIGN(auto snap, fx_.engine()->OpenSnapshot(set.id, "dhcp"));
  ASSERT_OK_AND_ASSIGN(Volume * volume, fx_.engine()->GetVolume("dhcp"));
  std::vector<uint8_t> block(64 * 1024);
  for (uint64_t off = 0; off < snap->size(); off += block.size()) {
    ASSERT_OK(snap->Read(off, absl::MakeSpan(block)));
    ASSERT_OK(volume->Write(off, block));
  }
  ASSERT_OK(volume->Flush());
  ASSERT_OK(writer_->PostRestore(rctx));
  EXPECT_FALSE(server_->quiesced());
  EXPECT_EQ(server_->sequence(), seq);
  EXPECT_EQ(server_->lease_count(), 1u);
  EXPECT_THAT(server_->Check(), IsEmpty());
  EXPECT_OK(server_->CreateClientInfo(kAdmin, Lease("10.1.0.21", 2)));
  ExpectEngineClean();
}

}  // namespace
}  // namespace shadowset::dhcp
