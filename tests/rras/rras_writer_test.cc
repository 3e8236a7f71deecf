// RrasWriter: metadata, Freeze blocks configuration saves until Thaw and
// records the sequence number the snapshot holds, Abort resumes, restores
// reload.

#include "writers/rras/rras_writer.h"

#include <thread>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/rras/rras_test_util.h"

namespace shadowset::rras {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using namespace ::shadowset::rras::testing;  // NOLINT

class RrasWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RouterConfigOptions o;
    o.volume_size = 256 * 1024;
    ASSERT_OK_AND_ASSIGN(router_, RouterConfig::Create(fx_.engine(), o, kAdmin));
    writer_ = std::make_unique<RrasWriter>(router_.get());
  }

  RouterConfigImage ReadSnapshot(const SetId& set) {
    auto snap = fx_.engine()->OpenSnapshot(set, "rras");
    EXPECT_OK(snap.status());
    service::ReadFn read = [&](uint64_t offset, absl::Span<uint8_t> out) {
      return (*snap)->Read(offset, out);
    };
    absl::StatusOr<RouterConfigImage> image = ReadRouterConfig(read, (*snap)->size());
    EXPECT_OK(image.status());
    return image.value_or(RouterConfigImage{});
  }

  void ExpectEngineClean() {
    ASSERT_OK(fx_.engine()->RunBackgroundWork());
    ASSERT_OK_AND_ASSIGN(CheckReport report, fx_.engine()->Check());
    EXPECT_TRUE(report.ok()) << ::testing::PrintToString(report.problems);
  }

  EngineFixture fx_;
  std::unique_ptr<RouterConfig> router_;
  std::unique_ptr<RrasWriter> writer_;
  BackupContext ctx_;
};

TEST_F(RrasWriterTest, IdentifyDescribesOneDatabaseComponent) {
  ASSERT_OK_AND_ASSIGN(WriterMetadata m, writer_->Identify());
  EXPECT_EQ(m.class_id, kRrasWriterClassId);
  EXPECT_EQ(m.instance_id, router_->instance_id());
  EXPECT_EQ(m.restore_lifetime, absl::InfiniteDuration());
  ASSERT_EQ(m.components.size(), 1u);
  EXPECT_EQ(m.components[0].type, ComponentType::kDatabase);
  EXPECT_EQ(m.components[0].name, "router-configuration");
  EXPECT_THAT(m.components[0].volumes, ElementsAre("rras"));
}

TEST_F(RrasWriterTest, FreezeBlocksSavesAndFixesTheSnapshot) {
  ASSERT_OK(router_->CreateInterface(kAdmin, Iface("eth0")));
  ASSERT_OK(writer_->PrepareSnapshot(ctx_));
  ASSERT_OK(writer_->Freeze(ctx_));
  const uint64_t seq = router_->sequence();
  EXPECT_EQ(writer_->sequence_at_freeze(), seq);
  absl::Notification done;
  std::thread client([&] {
    EXPECT_OK(router_->CreateInterface(kAdmin, Iface("eth1")));
    done.Notify();
  });
  router_->AwaitBlockedMutations(1);
  EXPECT_FALSE(done.HasBeenNotified());
  ASSERT_OK_AND_ASSIGN(SnapshotSetInfo set,
                       fx_.engine()->CreateSnapshotSet(router_->volumes()));
  ASSERT_OK(writer_->Thaw(ctx_));
  done.WaitForNotification();
  client.join();
  RouterConfigImage image = ReadSnapshot(set.id);
  EXPECT_EQ(image.sequence, seq);
  EXPECT_THAT(image.problems, IsEmpty());
  ASSERT_EQ(image.interfaces.size(), 1u);
  EXPECT_EQ(image.interfaces[0].name, "eth0");
  ExpectEngineClean();
}

TEST_F(RrasWriterTest, AbortResumesAndIsIdempotent) {
  ASSERT_OK(writer_->Freeze(ctx_));
  absl::Notification done;
  std::thread client([&] {
    EXPECT_OK(router_->CreateInterface(kAdmin, Iface("eth1")));
    done.Notify();
  });
  router_->AwaitBlockedMutations(1);
  ASSERT_OK(writer_->Abort(ctx_));
  ASSERT_OK(writer_->Abort(ctx_));
  done.WaitForNotification();
  client.join();
  EXPECT_FALSE(router_->quiesced());
  EXPECT_FALSE(writer_->frozen());
}

TEST_F(RrasWriterTest, PostRestoreReloadsTheRestoredVolume) {
  ASSERT_OK(router_->CreateInterface(kAdmin, Iface("eth0")));
  ASSERT_OK(writer_->Freeze(ctx_));
  ASSERT_OK_AND_ASSIGN(SnapshotSetInfo set,
                       fx_.engine()->CreateSnapshotSet(router_->volumes()));
  ASSERT_OK(writer_->Thaw(ctx_));
  ASSERT_OK(router_->CreateInterface(kAdmin, Iface("eth1")));
  RestoreContext rctx;
  ASSERT_OK(writer_->PreRestore(rctx));
  ASSERT_OK_AND_ASSIGN(auto snap, fx_.engine()->OpenSnapshot(set.id, "rras"));
  ASSERT_OK_AND_ASSIGN(Volume * volume, fx_.engine()->GetVolume("rras"));
  std::vector<uint8_t> buffer(snap->size());
  ASSERT_OK(snap->Read(0, absl::MakeSpan(buffer)));
  ASSERT_OK(volume->Write(0, buffer));
  ASSERT_OK(writer_->PostRestore(rctx));
  EXPECT_EQ(router_->sequence(), writer_->sequence_at_freeze().value());
  EXPECT_EQ(router_->EnumInterfaces(kAdmin)->size(), 1u);
  EXPECT_THAT(router_->Check(), IsEmpty());
  ExpectEngineClean();
}

}  // namespace
}  // namespace shadowset::rras
