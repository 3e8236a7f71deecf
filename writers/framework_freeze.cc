// WriterSession: Freeze, the freeze windows, Thaw and Abort - the part of
// the protocol where writers are frozen and exactly one of Thaw or Abort
// must follow (docs/protocol.md).

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/codes.h"
#include "writers/framework.h"
#include "writers/internal/session_slot.h"
#include "writers/internal/writer_lane.h"

namespace shadowset {
namespace {

using internal::Delivered;
using internal::IsFailedState;

absl::Status WindowEnded(const WriterMetadata& md, absl::string_view before) {
  return WriterError(
      WriterFailure::kTimeout,
      absl::StrCat("its freeze window of ",
                   absl::FormatDuration(md.freeze_timeout), " ended before ",
                   before));
}

BackupContext AbortContext(const BackupContext& ctx,
                           const absl::Status& failure) {
  BackupContext c = ctx;
  c.abort_code = CodeOf(failure).value_or(0);
  return c;
}

}  // namespace

absl::Status WriterSession::Freeze(const BackupContext& ctx) {
  std::vector<Slot*> waiting = InState(WriterState::kWaitingForFreeze);
  auto signal = std::make_shared<internal::CompletionSignal>();
  const absl::Time start = env_->Now();
  for (Slot* slot : waiting) {
    slot->freeze_start = start;
    slot->window_end =
        std::min(start + slot->metadata.freeze_timeout, ctx.deadline);
    BackupContext c = ctx;
    c.deadline = slot->window_end;
    Writer* w = slot->writer;
    slot->freeze = slot->lane->Submit(
        WriterEvent::kFreeze, [w, c] { return w->Freeze(c); }, signal);
    slot->contacted = true;
    calls_.push_back(slot->freeze);
  }

  // Wait for every Freeze, each until its window ends; stop at the first
  // failure so the others are not kept frozen for nothing.
  absl::Status failure;
  while (!waiting.empty() && failure.ok()) {
    const uint64_t seen = signal->count();
    const absl::Time now = env_->Now();
    absl::Time next = absl::InfiniteFuture();
    for (auto it = waiting.begin(); it != waiting.end();) {
      Slot& slot = **it;
      absl::Status status;
      if (slot.freeze->finished()) {
        status = slot.freeze->status();
      } else if (now >= slot.window_end) {
        status = WindowEnded(slot.metadata, "Freeze returned");
        if (!slot.freeze->CancelIfNotStarted(status)) slot.stuck = slot.freeze;
      } else {
        next = std::min(next, slot.window_end);
        ++it;
        continue;
      }
      if (status.ok()) {
        slot.state = WriterState::kWaitingForThaw;
      } else {
        Fail(slot, WriterState::kFailedAtFreeze, status);
        if (failure.ok()) {
          failure = SetFailure(slot, WriterEvent::kFreeze, status);
        }
      }
      it = waiting.erase(it);
    }
    if (failure.ok() && !waiting.empty()) signal->WaitForChange(seen, next);
  }
  if (failure.ok()) return absl::OkStatus();
  Abort(AbortContext(ctx, failure)).IgnoreError();  // reported per writer
  return failure;
}

absl::Time WriterSession::FreezeWindowEnd() const {
  absl::Time end = absl::InfiniteFuture();
  for (Slot* slot : InState(WriterState::kWaitingForThaw)) {
    end = std::min(end, slot->window_end);
  }
  return end;
}

absl::Status WriterSession::EnforceFreezeWindows(const BackupContext& ctx) {
  const absl::Time now = env_->Now();
  absl::Status failure;
  for (Slot* slot : InState(WriterState::kWaitingForThaw)) {
    if (now < slot->window_end) continue;
    absl::Status ended = WindowEnded(slot->metadata, "Thaw");
    Fail(*slot, WriterState::kFailedAtFreeze, ended);
    if (failure.ok()) failure = SetFailure(*slot, WriterEvent::kFreeze, ended);
  }
  if (failure.ok()) return absl::OkStatus();
  Abort(AbortContext(ctx, failure)).IgnoreError();
  return failure;
}

absl::Status WriterSession::Thaw(const BackupContext& ctx) {
  absl::Status windows = EnforceFreezeWindows(ctx);
  if (!windows.ok()) return windows;
  std::vector<Pending> pending = SubmitAll(
      InState(WriterState::kWaitingForThaw), WriterEvent::kThaw,
      options_.thaw_timeout, ctx.deadline,
      [&ctx](const Slot& slot, absl::Time deadline) {
        BackupContext c = ctx;
        c.deadline = deadline;
        Writer* w = slot.writer;
        return absl::AnyInvocable<absl::Status()>(
            [w, c] { return w->Thaw(c); });
      });
  for (Pending& p : pending) p.slot->thaw = p.call;
  // A Thaw that could not even start is withdrawn, so Abort replaces it.
  WaitAll(pending, /*withdraw=*/true);
  absl::Status failure = Settle(pending, WriterState::kWaitingForPostSnapshot,
                                WriterState::kFailedAtThaw);
  if (!failure.ok()) Abort(AbortContext(ctx, failure)).IgnoreError();
  return failure;
}

absl::Status WriterSession::Abort(const BackupContext& ctx) {
  std::vector<Slot*> targets;
  for (const auto& slot : slots_) {
    if (slot->involved && Delivered(slot->prepare_backup) &&
        slot->abort == nullptr && !Delivered(slot->thaw) &&
        !Delivered(slot->post_snapshot)) {
      targets.push_back(slot.get());
    }
  }
  // Cleanup: runs even after the context's deadline passed.
  const absl::Time raised = env_->Now();
  std::vector<Pending> pending = SubmitAll(
      targets, WriterEvent::kAbort, options_.abort_timeout,
      absl::InfiniteFuture(), [&ctx](const Slot& slot, absl::Time deadline) {
        BackupContext c = ctx;
        c.deadline = deadline;
        if (slot.state == WriterState::kFailedAtFreeze &&
            slot.failure == WriterFailure::kTimeout) {
          c.abort_code = static_cast<uint32_t>(WriterFailure::kTimeout);
        }
        Writer* w = slot.writer;
        return absl::AnyInvocable<absl::Status()>(
            [w, c] { return w->Abort(c); });
      });
  for (Pending& p : pending) {
    p.slot->abort = p.call;
    p.slot->abort_raised = raised;
  }
  WaitAll(pending, /*withdraw=*/false);

  absl::Status first;
  for (Pending& p : pending) {
    if (!p.result.ok() && first.ok()) {
      first = WithCode(
          absl::Status(p.result.code(),
                       absl::StrCat("writer '", p.slot->name,
                                    "' failed at Abort: ", p.result.message())),
          static_cast<uint32_t>(FailureOf(p.result)));
    }
  }
  // The backup is over: every writer that has not failed is stable again.
  for (const auto& slot : slots_) {
    if (slot->involved && !IsFailedState(slot->state)) {
      slot->state = WriterState::kStable;
    }
  }
  return first;
}

}  // namespace shadowset
