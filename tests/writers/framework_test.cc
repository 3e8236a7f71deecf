// The writer framework without an engine: the registry, metadata checks,
// state transitions, parallel Freeze, deadlines, involvement and restore
// events. (The requestor tests drive it end to end on a real engine.)

#include "writers/framework.h"

#include <thread>

#include "absl/synchronization/notification.h"
#include "engine/codes.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/timing.h"
#include "tests/testing/status_matchers.h"
#include "tests/writers/test_writer.h"
#include "writers/registry.h"

namespace shadowset {
namespace {

using ::shadowset::testing::HasCode;
using ::shadowset::testing::StatusIs;
using ::shadowset::testing::TestWriter;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using E = WriterEvent;

constexpr auto kNotResponding =
    static_cast<uint32_t>(WriterFailure::kNotResponding);

absl::Time Eventually() { return absl::Now() + absl::Seconds(30); }

// Writers that declare data on volumes but never touch an engine.
std::unique_ptr<TestWriter> MakeWriter(const std::string& name,
                                       std::vector<std::string> volumes) {
  return std::make_unique<TestWriter>(shadowset::testing::TestWriterOptions{
      .name = name, .volumes = std::move(volumes), .mutate = false});
}

BackupContext Ctx(std::vector<std::string> volumes) {
  BackupContext ctx;
  ctx.backup_id = "b1";
  ctx.volumes = std::move(volumes);
  return ctx;
}

WriterState StateOf(const WriterSession& session, size_t i) {
  return session.Status()[i].state;
}

TEST(WriterRegistryTest, RegisterUnregisterAndErrors) {
  WriterRegistry registry;
  auto a = MakeWriter("a", {"v"});
  auto b = MakeWriter("b", {"v"});
  EXPECT_THAT(registry.Register(nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK(registry.Register(a.get()));
  ASSERT_OK(registry.Register(b.get()));
  EXPECT_THAT(registry.Register(a.get()),
              StatusIs(absl::StatusCode::kAlreadyExists));
  ASSERT_EQ(registry.size(), 2u);
  EXPECT_EQ(registry.Entries()[0].writer, a.get());
  EXPECT_EQ(registry.Entries()[1].writer, b.get());
  ASSERT_OK(registry.Unregister(a.get()));
  EXPECT_THAT(registry.Unregister(a.get()),
              StatusIs(absl::StatusCode::kNotFound));
  ASSERT_EQ(registry.size(), 1u);
  EXPECT_EQ(registry.Entries()[0].writer, b.get());
}

TEST(WriterRegistryTest, OneBackupAtATime) {
  WriterRegistry registry;
  {
    ASSERT_OK_AND_ASSIGN(WriterRegistry::BackupLease lease,
                         registry.BeginBackup());
    EXPECT_THAT(registry.BeginBackup(),
                StatusIs(absl::StatusCode::kUnavailable));
    EXPECT_THAT(registry.BeginBackup(), HasCode(kVssSnapshotSetInProgress));
    WriterRegistry::BackupLease moved = std::move(lease);
    EXPECT_THAT(registry.BeginBackup(), HasCode(kVssSnapshotSetInProgress));
  }
  EXPECT_OK(registry.BeginBackup().status());
}

TEST(WriterRegistryTest, UnregisterWaitsForARunningCall) {
  WriterRegistry registry;
  auto a = MakeWriter("a", {"v"});
  a->HangAt(E::kPrepareBackup);
  ASSERT_OK(registry.Register(a.get()));
  FrameworkOptions options;
  options.prepare_timeout = ::shadowset::testing::Scaled(absl::Milliseconds(50));
  WriterSession session(&registry, options);
  ASSERT_OK(session.Identify(absl::InfiniteFuture()));
  session.Involve({"v"});
  EXPECT_THAT(session.PrepareBackup(Ctx({"v"})), HasCode(kNotResponding));
  ASSERT_TRUE(a->WaitUntilHanging(E::kPrepareBackup, Eventually()));
  absl::Notification unregistered;
  std::thread t([&] {
    EXPECT_OK(registry.Unregister(a.get()));
    unregistered.Notify();
  });
  EXPECT_FALSE(
      unregistered.WaitForNotificationWithTimeout(absl::Milliseconds(50)));
  a->Release();
  t.join();
  // Calls after unregistration are refused, not delivered.
  EXPECT_THAT(session.BackupShutdown(Ctx({"v"})),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("unregistered")));
  EXPECT_THAT(a->events(), ElementsAre(E::kIdentify, E::kPrepareBackup));
}

class BadMetadataWriter : public TestWriter {
 public:
  explicit BadMetadataWriter(int variant)
      : TestWriter({.name = "bad", .mutate = false}), variant_(variant) {}
  absl::StatusOr<WriterMetadata> Identify() override {
    WriterMetadata md;
    md.name = "bad";
    Component c;
    c.name = "data";
    c.volumes = {"v"};
    md.components = {c};
    switch (variant_) {
      case 0: md.name.clear(); break;
      case 1: md.components.clear(); break;
      case 2: md.components.push_back(c); break;
      case 3: md.components[0].volumes.clear(); break;
      case 4: md.freeze_timeout = absl::ZeroDuration(); break;
      case 5: md.components[0].name.clear(); break;
    }
    return md;
  }

 private:
  int variant_;
};

TEST(WriterSessionTest, InvalidMetadataFailsIdentify) {
  const char* kWhy[] = {"no name", "no components", "two components",
                        "lists no volume", "freeze timeout", "has no name"};
  for (int variant = 0; variant < 6; ++variant) {
    SCOPED_TRACE(variant);
    WriterRegistry registry;
    BadMetadataWriter w(variant);
    ASSERT_OK(registry.Register(&w));
    WriterSession session(&registry, {});
    absl::Status s = session.Identify(absl::InfiniteFuture());
    EXPECT_THAT(s, StatusIs(absl::StatusCode::kInternal, HasSubstr(kWhy[variant])));
    EXPECT_THAT(s, HasCode(static_cast<uint32_t>(WriterFailure::kNonRetryable)));
    EXPECT_EQ(StateOf(session, 0), WriterState::kFailedAtIdentify);
    EXPECT_TRUE(session.Metadata().empty());
  }
}

TEST(WriterSessionTest, StatesFollowTheProtocol) {
  WriterRegistry registry;
  auto a = MakeWriter("a", {"v"});
  ASSERT_OK(registry.Register(a.get()));
  WriterSession session(&registry, {});
  EXPECT_EQ(StateOf(session, 0), WriterState::kUnknown);
  ASSERT_OK(session.Identify(absl::InfiniteFuture()));
  EXPECT_EQ(StateOf(session, 0), WriterState::kStable);
  ASSERT_EQ(session.Metadata().size(), 1u);
  EXPECT_EQ(session.Metadata()[0].name, "a");
  session.Involve({"v"});
  BackupContext ctx = Ctx({"v"});
  ASSERT_OK(session.PrepareBackup(ctx));
  EXPECT_EQ(StateOf(session, 0), WriterState::kStable);
  ASSERT_OK(session.PrepareSnapshot(ctx));
  EXPECT_EQ(StateOf(session, 0), WriterState::kWaitingForFreeze);
  ASSERT_OK(session.Freeze(ctx));
  EXPECT_EQ(StateOf(session, 0), WriterState::kWaitingForThaw);
  EXPECT_LT(session.FreezeWindowEnd(), absl::InfiniteFuture());
  ASSERT_OK(session.Thaw(ctx));
  EXPECT_EQ(StateOf(session, 0), WriterState::kWaitingForPostSnapshot);
  ASSERT_OK(session.PostSnapshot(ctx));
  EXPECT_EQ(StateOf(session, 0), WriterState::kWaitingForBackupComplete);
  ASSERT_OK(session.BackupComplete(ctx, {.succeeded = true}));
  EXPECT_EQ(StateOf(session, 0), WriterState::kStable);
  // No Abort after PostSnapshot, however often it is asked for.
  ASSERT_OK(session.Abort(ctx));
  ASSERT_OK(session.BackupShutdown(ctx));
  WriterStatus st = session.Status()[0];
  EXPECT_TRUE(st.involved && st.froze && st.thawed && !st.aborted);
  EXPECT_FALSE(st.freeze_running || st.late_freeze);
  EXPECT_GE(st.freeze_window, absl::ZeroDuration());
  EXPECT_LT(st.freeze_window, absl::InfiniteDuration());
  EXPECT_THAT(a->events(),
              ElementsAre(E::kIdentify, E::kPrepareBackup, E::kPrepareSnapshot,
                          E::kFreeze, E::kThaw, E::kPostSnapshot,
                          E::kBackupComplete, E::kBackupShutdown));
  EXPECT_THAT(a->violations(), ::testing::IsEmpty());
}

TEST(WriterSessionTest, FreezeRunsInEveryWriterAtOnce) {
  WriterRegistry registry;
  auto a = MakeWriter("a", {"v"});
  auto b = MakeWriter("b", {"w"});
  a->HangAt(E::kFreeze);
  b->HangAt(E::kFreeze);
  ASSERT_OK(registry.Register(a.get()));
  ASSERT_OK(registry.Register(b.get()));
  WriterSession session(&registry, {});
  ASSERT_OK(session.Identify(absl::InfiniteFuture()));
  session.Involve({"v", "w"});
  BackupContext ctx = Ctx({"v", "w"});
  ASSERT_OK(session.PrepareBackup(ctx));
  ASSERT_OK(session.PrepareSnapshot(ctx));
  absl::Status frozen;
  std::thread t([&] { frozen = session.Freeze(ctx); });
  // Both are inside Freeze at the same time.
  ASSERT_TRUE(a->WaitUntilHanging(E::kFreeze, Eventually()));
  ASSERT_TRUE(b->WaitUntilHanging(E::kFreeze, Eventually()));
  a->Release();
  b->Release();
  t.join();
  EXPECT_OK(frozen);
  EXPECT_OK(session.Thaw(ctx));
}

TEST(WriterSessionTest, UninvolvedWritersGetOnlyIdentifyAndShutdown) {
  WriterRegistry registry;
  auto a = MakeWriter("a", {"v"});
  auto other = MakeWriter("other", {"elsewhere"});
  ASSERT_OK(registry.Register(a.get()));
  ASSERT_OK(registry.Register(other.get()));
  WriterSession session(&registry, {});
  ASSERT_OK(session.Identify(absl::InfiniteFuture()));
  session.Involve({"v"});
  BackupContext ctx = Ctx({"v"});
  ASSERT_OK(session.PrepareBackup(ctx));
  ASSERT_OK(session.PrepareSnapshot(ctx));
  ASSERT_OK(session.Freeze(ctx));
  ASSERT_OK(session.Abort(ctx));
  ASSERT_OK(session.BackupShutdown(ctx));
  EXPECT_THAT(other->events(), ElementsAre(E::kIdentify, E::kBackupShutdown));
  EXPECT_FALSE(session.Status()[1].involved);
  EXPECT_THAT(a->events(),
              ElementsAre(E::kIdentify, E::kPrepareBackup, E::kPrepareSnapshot,
                          E::kFreeze, E::kAbort, E::kBackupShutdown));
}

TEST(WriterSessionTest, AbortIsDeliveredOncePerWriter) {
  WriterRegistry registry;
  auto a = MakeWriter("a", {"v"});
  ASSERT_OK(registry.Register(a.get()));
  WriterSession session(&registry, {});
  ASSERT_OK(session.Identify(absl::InfiniteFuture()));
  session.Involve({"v"});
  BackupContext ctx = Ctx({"v"});
  ASSERT_OK(session.PrepareBackup(ctx));
  ctx.abort_code = 7;
  ASSERT_OK(session.Abort(ctx));
  ASSERT_OK(session.Abort(ctx));
  EXPECT_THAT(a->events(),
              ElementsAre(E::kIdentify, E::kPrepareBackup, E::kAbort));
  EXPECT_THAT(a->abort_codes(), ElementsAre(7u));
  EXPECT_EQ(StateOf(session, 0), WriterState::kStable);
}

TEST(WriterSessionTest, ANonRespondingWriterIsNotWaitedForBeyondItsDeadline) {
  WriterRegistry registry;
  auto a = MakeWriter("a", {"v"});
  a->HangAt(E::kPrepareSnapshot);
  ASSERT_OK(registry.Register(a.get()));
  FrameworkOptions options;
  options.prepare_timeout = ::shadowset::testing::Scaled(absl::Milliseconds(100));
  WriterSession session(&registry, options);
  ASSERT_OK(session.Identify(absl::InfiniteFuture()));
  session.Involve({"v"});
  BackupContext ctx = Ctx({"v"});
  ASSERT_OK(session.PrepareBackup(ctx));
  const absl::Time start = absl::Now();
  absl::Status s = session.PrepareSnapshot(ctx);
  EXPECT_GE(absl::Now() - start, ::shadowset::testing::Scaled(absl::Milliseconds(100)));
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kDeadlineExceeded,
                          HasSubstr("did not return from PrepareSnapshot")));
  EXPECT_THAT(s, HasCode(kNotResponding));
  EXPECT_EQ(StateOf(session, 0), WriterState::kFailedAtPrepareSnapshot);
  EXPECT_EQ(session.Status()[0].failure, WriterFailure::kNotResponding);
  // Not waited for again while it is stuck: the Abort is queued behind the
  // stuck call and reported at once, even with a long abort timeout.
  const absl::Time abort_start = absl::Now();
  EXPECT_THAT(session.Abort(ctx),
              StatusIs(absl::StatusCode::kDeadlineExceeded,
                       HasSubstr("is still inside PrepareSnapshot")));
  EXPECT_LT(absl::Now() - abort_start, options.abort_timeout);
  EXPECT_TRUE(session.Status()[0].aborted);
  // Once the writer returns, the queued Abort reaches it, in order.
  a->Release();
  ASSERT_TRUE(a->WaitForEvents(4, Eventually()));
  EXPECT_OK(session.BackupShutdown(ctx));
  EXPECT_THAT(a->events(),
              ElementsAre(E::kIdentify, E::kPrepareBackup, E::kPrepareSnapshot,
                          E::kAbort, E::kBackupShutdown));
}

TEST(WriterSessionTest, RestoreEventsAndTheirFailures) {
  WriterRegistry registry;
  auto a = MakeWriter("a", {"v"});
  auto b = MakeWriter("b", {"w"});
  b->FailAt(E::kPostRestore, WriterFailure::kRecoveryFailed);
  ASSERT_OK(registry.Register(a.get()));
  ASSERT_OK(registry.Register(b.get()));
  WriterSession session(&registry, {});
  ASSERT_OK(session.Identify(absl::InfiniteFuture()));
  RestoreContext ctx;
  ctx.volumes = {"v", "w"};
  ASSERT_OK(session.PreRestore(ctx));
  absl::Status s = session.PostRestore(ctx);
  EXPECT_THAT(s, HasCode(static_cast<uint32_t>(WriterFailure::kRecoveryFailed)));
  EXPECT_THAT(s.message(), HasSubstr("writer 'b' failed at PostRestore"));
  EXPECT_EQ(StateOf(session, 0), WriterState::kStable);
  EXPECT_EQ(StateOf(session, 1), WriterState::kFailedAtPostRestore);
  EXPECT_THAT(a->events(),
              ElementsAre(E::kIdentify, E::kPreRestore, E::kPostRestore));
}

}  // namespace
}  // namespace shadowset
