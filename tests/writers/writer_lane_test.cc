// WriterLane: one call at a time in order, Abort overtaking only a running
// Freeze, exceptions stopped at the boundary, withdrawal and Close.

#include "writers/internal/writer_lane.h"

#include <atomic>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "engine/codes.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/timing.h"
#include "tests/testing/status_matchers.h"

namespace shadowset::internal {
namespace {

using ::shadowset::testing::HasCode;
using ::shadowset::testing::IsOk;
using ::shadowset::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr auto kNonRetryable =
    static_cast<uint32_t>(WriterFailure::kNonRetryable);

// A short bounded wait used only to show that something does NOT happen.
absl::Time Shortly() {
  return absl::Now() + ::shadowset::testing::Scaled(absl::Milliseconds(50));
}
absl::Time Eventually() { return absl::Now() + absl::Seconds(30); }

class Log {
 public:
  void Add(std::string entry) {
    absl::MutexLock l(&mu_);
    entries_.push_back(std::move(entry));
  }
  std::vector<std::string> entries() const {
    absl::MutexLock l(&mu_);
    return entries_;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<std::string> entries_ ABSL_GUARDED_BY(mu_);
};

TEST(WriterLaneTest, RunsCallsOneAtATimeInOrder) {
  WriterLane lane(Env::Default());
  Log log;
  std::atomic<int> inside{0};
  std::atomic<int> max_inside{0};
  std::vector<std::shared_ptr<WriterCall>> calls;
  const WriterEvent kEvents[] = {
      WriterEvent::kIdentify, WriterEvent::kPrepareBackup,
      WriterEvent::kPrepareSnapshot, WriterEvent::kFreeze,
      WriterEvent::kThaw, WriterEvent::kPostSnapshot,
      WriterEvent::kBackupComplete, WriterEvent::kBackupShutdown};
  for (WriterEvent e : kEvents) {
    calls.push_back(lane.Submit(e, [&, e] {
      int now = ++inside;
      max_inside = std::max(max_inside.load(), now);
      log.Add(std::string(WriterEventName(e)));
      --inside;
      return absl::OkStatus();
    }));
  }
  for (auto& call : calls) {
    ASSERT_TRUE(call->WaitUntil(Eventually()));
    EXPECT_OK(call->status());
    EXPECT_TRUE(call->started());
    EXPECT_LE(call->start_time(), call->end_time());
  }
  EXPECT_EQ(max_inside.load(), 1);
  EXPECT_THAT(log.entries(),
              ElementsAre("Identify", "PrepareBackup", "PrepareSnapshot",
                          "Freeze", "Thaw", "PostSnapshot", "BackupComplete",
                          "BackupShutdown"));
}

TEST(WriterLaneTest, AbortOvertakesARunningFreeze) {
  WriterLane lane(Env::Default());
  absl::Notification freeze_entered, release_freeze;
  auto freeze = lane.Submit(WriterEvent::kFreeze, [&] {
    freeze_entered.Notify();
    release_freeze.WaitForNotification();
    return absl::OkStatus();
  });
  freeze_entered.WaitForNotification();
  auto abort = lane.Submit(WriterEvent::kAbort, [] { return absl::OkStatus(); });
  // The Abort returns while the Freeze is still inside the writer.
  ASSERT_TRUE(abort->WaitUntil(Eventually()));
  EXPECT_OK(abort->status());
  EXPECT_FALSE(freeze->finished());
  release_freeze.Notify();
  ASSERT_TRUE(freeze->WaitUntil(Eventually()));
  EXPECT_GT(freeze->end_time(), abort->end_time());
}

TEST(WriterLaneTest, AbortWaitsBehindAnyOtherEvent) {
  WriterLane lane(Env::Default());
  absl::Notification entered, release;
  auto prepare = lane.Submit(WriterEvent::kPrepareSnapshot, [&] {
    entered.Notify();
    release.WaitForNotification();
    return absl::OkStatus();
  });
  entered.WaitForNotification();
  auto abort = lane.Submit(WriterEvent::kAbort, [] { return absl::OkStatus(); });
  EXPECT_FALSE(abort->WaitUntil(Shortly()));
  EXPECT_FALSE(abort->started());
  release.Notify();
  ASSERT_TRUE(abort->WaitUntil(Eventually()));
  EXPECT_GE(abort->start_time(), prepare->end_time());
}

TEST(WriterLaneTest, EventsAfterAnOvertakingAbortWaitForIt) {
  WriterLane lane(Env::Default());
  Log log;
  absl::Notification freeze_entered, release_freeze, abort_entered,
      release_abort;
  auto freeze = lane.Submit(WriterEvent::kFreeze, [&] {
    log.Add("freeze in");
    freeze_entered.Notify();
    release_freeze.WaitForNotification();
    log.Add("freeze out");
    return absl::OkStatus();
  });
  freeze_entered.WaitForNotification();
  auto abort = lane.Submit(WriterEvent::kAbort, [&] {
    log.Add("abort in");
    abort_entered.Notify();
    release_abort.WaitForNotification();
    log.Add("abort out");
    return absl::OkStatus();
  });
  abort_entered.WaitForNotification();
  release_freeze.Notify();
  ASSERT_TRUE(freeze->WaitUntil(Eventually()));
  auto shutdown = lane.Submit(WriterEvent::kBackupShutdown, [&] {
    log.Add("shutdown");
    return absl::OkStatus();
  });
  EXPECT_FALSE(shutdown->WaitUntil(Shortly()));
  release_abort.Notify();
  ASSERT_TRUE(shutdown->WaitUntil(Eventually()));
  EXPECT_THAT(log.entries(), ElementsAre("freeze in", "abort in", "freeze out",
                                         "abort out", "shutdown"));
}

TEST(WriterLaneTest, ExceptionsStopAtTheBoundary) {
  WriterLane lane(Env::Default());
  auto thrown = lane.Submit(WriterEvent::kFreeze, []() -> absl::Status {
    throw std::runtime_error("disk on fire");
  });
  auto odd = lane.Submit(WriterEvent::kThaw, []() -> absl::Status {
    throw 42;
  });
  auto after =
      lane.Submit(WriterEvent::kPostSnapshot, [] { return absl::OkStatus(); });
  ASSERT_TRUE(after->WaitUntil(Eventually()));
  EXPECT_THAT(thrown->status(),
              StatusIs(absl::StatusCode::kInternal,
                       HasSubstr("Freeze threw an exception: disk on fire")));
  EXPECT_THAT(thrown->status(), HasCode(kNonRetryable));
  EXPECT_THAT(odd->status(), HasCode(kNonRetryable));
  EXPECT_THAT(after->status(), IsOk());
}

TEST(WriterLaneTest, QueuedCallsCanBeWithdrawn) {
  WriterLane lane(Env::Default());
  absl::Notification entered, release;
  auto busy = lane.Submit(WriterEvent::kPrepareBackup, [&] {
    entered.Notify();
    release.WaitForNotification();
    return absl::OkStatus();
  });
  entered.WaitForNotification();
  std::atomic<bool> ran{false};
  auto queued = lane.Submit(WriterEvent::kPrepareSnapshot, [&] {
    ran = true;
    return absl::OkStatus();
  });
  EXPECT_FALSE(busy->CancelIfNotStarted(absl::CancelledError("late")));
  EXPECT_TRUE(queued->CancelIfNotStarted(absl::CancelledError("late")));
  EXPECT_TRUE(queued->finished());
  EXPECT_TRUE(queued->cancelled());
  EXPECT_THAT(queued->status(), StatusIs(absl::StatusCode::kCancelled));
  release.Notify();
  auto last = lane.Submit(WriterEvent::kThaw, [] { return absl::OkStatus(); });
  ASSERT_TRUE(last->WaitUntil(Eventually()));
  EXPECT_FALSE(ran.load());
  EXPECT_FALSE(last->CancelIfNotStarted(absl::CancelledError("too late")));
}

TEST(WriterLaneTest, CloseWithdrawsQueuedAndWaitsForRunning) {
  auto lane = std::make_unique<WriterLane>(Env::Default());
  absl::Notification entered, release;
  std::atomic<bool> running_returned{false};
  auto running = lane->Submit(WriterEvent::kFreeze, [&] {
    entered.Notify();
    release.WaitForNotification();
    running_returned = true;
    return absl::OkStatus();
  });
  entered.WaitForNotification();
  auto queued = lane->Submit(WriterEvent::kThaw, [] { return absl::OkStatus(); });
  absl::Notification closed;
  std::thread closer([&] {
    lane->Close();
    closed.Notify();
  });
  ASSERT_TRUE(queued->WaitUntil(Eventually()));
  EXPECT_TRUE(queued->cancelled());
  EXPECT_THAT(queued->status(), HasCode(kNonRetryable));
  EXPECT_FALSE(closed.WaitForNotificationWithTimeout(absl::Milliseconds(50)));
  release.Notify();
  closer.join();
  EXPECT_TRUE(running_returned.load());
  EXPECT_OK(running->status());
  auto refused = lane->Submit(WriterEvent::kIdentify,
                              [] { return absl::OkStatus(); });
  EXPECT_TRUE(refused->cancelled());
  EXPECT_THAT(refused->status(),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("unregistered")));
}

TEST(CompletionSignalTest, WakesOnEachCompletion) {
  WriterLane lane(Env::Default());
  auto signal = std::make_shared<CompletionSignal>();
  const uint64_t before = signal->count();
  auto call = lane.Submit(WriterEvent::kFreeze, [] { return absl::OkStatus(); },
                          signal);
  EXPECT_EQ(signal->WaitForChange(before, Eventually()), before + 1);
  EXPECT_TRUE(call->finished());
  // Nothing else finishes: the wait ends at its deadline.
  EXPECT_EQ(signal->WaitForChange(before + 1, Shortly()), before + 1);
}

}  // namespace
}  // namespace shadowset::internal
