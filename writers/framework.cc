// WriterSession: construction, the generic delivery of one event to many
// writers, and the events that run one after another (Identify,
// PrepareBackup, PrepareSnapshot, PostSnapshot, BackupComplete,
// BackupShutdown, restore). Freeze, Thaw and Abort are in
// framework_freeze.cc.

#include "writers/framework.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/codes.h"
#include "writers/internal/session_slot.h"
#include "writers/internal/writer_lane.h"

namespace shadowset {
namespace {

using internal::Delivered;
using internal::IsFailedState;

absl::Status ValidateMetadata(const WriterMetadata& md) {
  auto invalid = [](absl::string_view why) {
    return WriterError(WriterFailure::kNonRetryable,
                       absl::StrCat("invalid metadata: ", why));
  };
  if (md.name.empty()) return invalid("the writer has no name");
  if (md.components.empty()) return invalid("no components");
  if (md.freeze_timeout <= absl::ZeroDuration()) {
    return invalid("the freeze timeout is not positive");
  }
  absl::flat_hash_set<std::string> names;
  for (const Component& c : md.components) {
    if (c.name.empty()) return invalid("a component has no name");
    if (!names.insert(c.name).second) {
      return invalid(absl::StrCat("two components are named '", c.name, "'"));
    }
    if (c.volumes.empty()) {
      return invalid(absl::StrCat("component '", c.name, "' lists no volume"));
    }
  }
  return absl::OkStatus();
}

bool HasDataOn(const WriterMetadata& md,
               const absl::flat_hash_set<std::string>& volumes) {
  for (const Component& c : md.components) {
    for (const std::string& v : c.volumes) {
      if (volumes.contains(v)) return true;
    }
  }
  return false;
}

}  // namespace

WriterSession::WriterSession(WriterRegistry* registry,
                             const FrameworkOptions& options, Env* env)
    : options_(options), env_(env != nullptr ? env : Env::Default()) {
  if (registry == nullptr) return;
  for (WriterRegistry::Entry& entry : registry->Entries()) {
    auto slot = std::make_unique<Slot>();
    slot->writer = entry.writer;
    slot->lane = std::move(entry.lane);
    slot->name = absl::StrCat("writer #", slots_.size() + 1);
    slots_.push_back(std::move(slot));
  }
}

WriterSession::~WriterSession() = default;

// --- delivery ---

std::vector<WriterSession::Slot*> WriterSession::InState(
    WriterState state) const {
  std::vector<Slot*> out;
  for (const auto& slot : slots_) {
    if (slot->involved && slot->state == state) out.push_back(slot.get());
  }
  return out;
}

std::vector<WriterSession::Pending> WriterSession::SubmitAll(
    const std::vector<Slot*>& targets, WriterEvent event,
    absl::Duration timeout, absl::Time deadline, MakeCall make) {
  std::vector<Pending> pending;
  const absl::Time now = env_->Now();
  for (Slot* slot : targets) {
    Pending p;
    p.slot = slot;
    p.deadline = std::min(now + timeout, deadline);
    p.timeout = std::max(p.deadline - now, absl::ZeroDuration());
    p.call = slot->lane->Submit(event, make(*slot, p.deadline));
    calls_.push_back(p.call);
    slot->contacted = true;
    pending.push_back(std::move(p));
  }
  return pending;
}

void WriterSession::WaitAll(std::vector<Pending>& pending, bool withdraw) {
  for (Pending& p : pending) {
    Slot& slot = *p.slot;
    const WriterEvent event = p.call->event();
    // A call queued behind one the writer never returned from cannot start
    // before it does: no point waiting (an Abort may overtake a Freeze).
    const bool blocked =
        slot.stuck != nullptr && !slot.stuck->finished() &&
        !(event == WriterEvent::kAbort &&
          slot.stuck->event() == WriterEvent::kFreeze);
    const absl::Time deadline = blocked ? absl::InfinitePast() : p.deadline;
    if (p.call->WaitUntil(deadline) || p.call->finished()) {
      p.result = p.call->status();
      continue;
    }
    p.result = WriterError(
        WriterFailure::kNotResponding,
        blocked ? absl::StrFormat("is still inside %s; %s is queued behind it",
                                  WriterEventName(slot.stuck->event()),
                                  WriterEventName(event))
                : absl::StrFormat("did not return from %s within %s",
                                  WriterEventName(event),
                                  absl::FormatDuration(p.timeout)));
    if (!(withdraw && p.call->CancelIfNotStarted(p.result)) && !blocked) {
      slot.stuck = p.call;
    }
  }
}

absl::Status WriterSession::Settle(std::vector<Pending>& pending,
                                   std::optional<WriterState> ok_state,
                                   WriterState fail_state) {
  absl::Status first;
  for (Pending& p : pending) {
    if (p.result.ok()) {
      if (ok_state.has_value()) p.slot->state = *ok_state;
      continue;
    }
    Fail(*p.slot, fail_state, p.result);
    if (first.ok()) first = SetFailure(*p.slot, p.call->event(), p.result);
  }
  return first;
}

void WriterSession::Fail(Slot& slot, WriterState state, absl::Status error) {
  if (IsFailedState(slot.state)) return;
  slot.state = state;
  slot.failure = FailureOf(error);
  slot.error = std::move(error);
}

absl::Status WriterSession::SetFailure(const Slot& slot, WriterEvent event,
                                      const absl::Status& error) {
  const WriterFailure failure = FailureOf(error);
  return WithCode(
      absl::Status(CanonicalCodeOf(failure),
                   absl::StrCat("writer '", slot.name, "' failed at ",
                                WriterEventName(event), " (",
                                WriterFailureName(failure),
                                "): ", error.message())),
      static_cast<uint32_t>(failure));
}

// --- Identify ---

absl::Status WriterSession::Identify(absl::Time deadline) {
  std::vector<Slot*> targets;
  for (const auto& slot : slots_) targets.push_back(slot.get());
  std::vector<std::shared_ptr<WriterMetadata>> out;
  std::vector<Pending> pending = SubmitAll(
      targets, WriterEvent::kIdentify, options_.identify_timeout, deadline,
      [&out](const Slot& slot, absl::Time) {
        auto md = std::make_shared<WriterMetadata>();
        out.push_back(md);
        Writer* w = slot.writer;
        return absl::AnyInvocable<absl::Status()>([w, md]() -> absl::Status {
          absl::StatusOr<WriterMetadata> got = w->Identify();
          if (!got.ok()) return got.status();
          *md = *std::move(got);
          return absl::OkStatus();
        });
      });
  WaitAll(pending, /*withdraw=*/true);
  for (size_t i = 0; i < pending.size(); ++i) {
    Pending& p = pending[i];
    Slot& slot = *p.slot;
    if (p.result.ok()) p.result = ValidateMetadata(*out[i]);
    slot.identified = p.result.ok();
    slot.metadata = slot.identified ? *out[i] : WriterMetadata{};
    if (slot.identified) {
      slot.name = slot.metadata.name;
      slot.failure = WriterFailure::kNone;
      slot.error = absl::OkStatus();
    }
  }
  return Settle(pending, WriterState::kStable, WriterState::kFailedAtIdentify);
}

std::vector<WriterMetadata> WriterSession::Metadata() const {
  std::vector<WriterMetadata> out;
  for (const auto& slot : slots_) {
    if (slot->identified) out.push_back(slot->metadata);
  }
  return out;
}

void WriterSession::Involve(const std::vector<std::string>& volumes) {
  absl::flat_hash_set<std::string> set(volumes.begin(), volumes.end());
  for (const auto& slot : slots_) {
    slot->involved = slot->identified && HasDataOn(slot->metadata, set);
  }
}

// --- the backup events that run one after another ---

absl::Status WriterSession::PrepareBackup(const BackupContext& ctx) {
  std::vector<Pending> pending = SubmitAll(
      InState(WriterState::kStable), WriterEvent::kPrepareBackup,
      options_.prepare_timeout, ctx.deadline,
      [&ctx](const Slot& slot, absl::Time deadline) {
        BackupContext c = ctx;
        c.deadline = deadline;
        Writer* w = slot.writer;
        return absl::AnyInvocable<absl::Status()>(
            [w, c] { return w->PrepareBackup(c); });
      });
  for (Pending& p : pending) p.slot->prepare_backup = p.call;
  WaitAll(pending, /*withdraw=*/true);
  return Settle(pending, WriterState::kStable,
                WriterState::kFailedAtPrepareBackup);
}

absl::Status WriterSession::PrepareSnapshot(const BackupContext& ctx) {
  std::vector<Slot*> targets = InState(WriterState::kStable);
  // A writer with data in the set needs all of its volumes in it.
  absl::flat_hash_set<std::string> in_set(ctx.volumes.begin(),
                                          ctx.volumes.end());
  absl::Status inconsistent;
  for (Slot* slot : targets) {
    for (const Component& c : slot->metadata.components) {
      for (const std::string& v : c.volumes) {
        if (in_set.contains(v) || IsFailedState(slot->state)) continue;
        absl::Status missing = WriterError(
            WriterFailure::kInconsistentSnapshot,
            absl::StrCat("volume '", v, "' of component '", c.name,
                         "' is not in the snapshot set"));
        Fail(*slot, WriterState::kFailedAtPrepareSnapshot, missing);
        if (inconsistent.ok()) {
          inconsistent =
              SetFailure(*slot, WriterEvent::kPrepareSnapshot, missing);
        }
      }
    }
  }
  if (!inconsistent.ok()) return inconsistent;

  std::vector<Pending> pending = SubmitAll(
      targets, WriterEvent::kPrepareSnapshot, options_.prepare_timeout,
      ctx.deadline, [&ctx](const Slot& slot, absl::Time deadline) {
        BackupContext c = ctx;
        c.deadline = deadline;
        Writer* w = slot.writer;
        return absl::AnyInvocable<absl::Status()>(
            [w, c] { return w->PrepareSnapshot(c); });
      });
  WaitAll(pending, /*withdraw=*/true);
  return Settle(pending, WriterState::kWaitingForFreeze,
                WriterState::kFailedAtPrepareSnapshot);
}

absl::Status WriterSession::PostSnapshot(const BackupContext& ctx) {
  std::vector<Pending> pending = SubmitAll(
      InState(WriterState::kWaitingForPostSnapshot),
      WriterEvent::kPostSnapshot, options_.post_snapshot_timeout,
      ctx.deadline, [&ctx](const Slot& slot, absl::Time deadline) {
        BackupContext c = ctx;
        c.deadline = deadline;
        Writer* w = slot.writer;
        return absl::AnyInvocable<absl::Status()>(
            [w, c] { return w->PostSnapshot(c); });
      });
  for (Pending& p : pending) p.slot->post_snapshot = p.call;
  WaitAll(pending, /*withdraw=*/true);
  return Settle(pending, WriterState::kWaitingForBackupComplete,
                WriterState::kFailedAtPostSnapshot);
}

absl::Status WriterSession::BackupComplete(const BackupContext& ctx,
                                           const BackupResult& result) {
  std::vector<Pending> pending = SubmitAll(
      InState(WriterState::kWaitingForBackupComplete),
      WriterEvent::kBackupComplete, options_.backup_complete_timeout,
      ctx.deadline, [&ctx, &result](const Slot& slot, absl::Time deadline) {
        BackupContext c = ctx;
        c.deadline = deadline;
        Writer* w = slot.writer;
        return absl::AnyInvocable<absl::Status()>(
            [w, c, result] { return w->BackupComplete(c, result); });
      });
  WaitAll(pending, /*withdraw=*/true);
  return Settle(pending, WriterState::kStable,
                WriterState::kFailedAtBackupComplete);
}

absl::Status WriterSession::BackupShutdown(const BackupContext& ctx) {
  std::vector<Slot*> targets;
  for (const auto& slot : slots_) {
    if (slot->contacted) targets.push_back(slot.get());
  }
  // Cleanup: the context's deadline may have passed; only the timeout
  // bounds it.
  std::vector<Pending> pending = SubmitAll(
      targets, WriterEvent::kBackupShutdown, options_.shutdown_timeout,
      absl::InfiniteFuture(), [&ctx](const Slot& slot, absl::Time deadline) {
        BackupContext c = ctx;
        c.deadline = deadline;
        Writer* w = slot.writer;
        return absl::AnyInvocable<absl::Status()>(
            [w, c] { return w->BackupShutdown(c); });
      });
  WaitAll(pending, /*withdraw=*/false);
  return Settle(pending, std::nullopt, WriterState::kFailedAtBackupShutdown);
}

// --- restore ---

absl::Status WriterSession::PreRestore(const RestoreContext& ctx) {
  Involve(ctx.volumes);
  std::vector<Slot*> targets;
  for (const auto& slot : slots_) {
    if (slot->involved && !IsFailedState(slot->state)) {
      targets.push_back(slot.get());
    }
  }
  std::vector<Pending> pending = SubmitAll(
      targets, WriterEvent::kPreRestore, options_.restore_timeout,
      ctx.deadline, [&ctx](const Slot& slot, absl::Time deadline) {
        RestoreContext c = ctx;
        c.deadline = deadline;
        Writer* w = slot.writer;
        return absl::AnyInvocable<absl::Status()>(
            [w, c] { return w->PreRestore(c); });
      });
  WaitAll(pending, /*withdraw=*/true);
  return Settle(pending, WriterState::kStable,
                WriterState::kFailedAtPreRestore);
}

absl::Status WriterSession::PostRestore(const RestoreContext& ctx) {
  std::vector<Pending> pending = SubmitAll(
      InState(WriterState::kStable), WriterEvent::kPostRestore,
      options_.restore_timeout, ctx.deadline,
      [&ctx](const Slot& slot, absl::Time deadline) {
        RestoreContext c = ctx;
        c.deadline = deadline;
        Writer* w = slot.writer;
        return absl::AnyInvocable<absl::Status()>(
            [w, c] { return w->PostRestore(c); });
      });
  WaitAll(pending, /*withdraw=*/true);
  return Settle(pending, WriterState::kStable,
                WriterState::kFailedAtPostRestore);
}

// --- status ---

bool WriterSession::WaitForCalls(absl::Time deadline) const {
  for (const auto& call : calls_) {
    if (!call->WaitUntil(deadline)) return false;
  }
  return true;
}

std::vector<WriterStatus> WriterSession::Status() const {
  std::vector<WriterStatus> out;
  for (const auto& slot : slots_) {
    WriterStatus s;
    s.metadata = slot->metadata;
    s.state = slot->state;
    s.failure = slot->failure;
    s.error = slot->error;
    s.involved = slot->involved;
    s.froze = Delivered(slot->freeze);
    s.thawed = Delivered(slot->thaw);
    s.aborted = Delivered(slot->abort);
    if (s.aborted) {
      s.abort_status =
          slot->abort->finished()
              ? slot->abort->status()
              : WriterError(WriterFailure::kNotResponding,
                            "Abort has not returned");
    }
    if (s.froze) {
      const internal::WriterCall& freeze = *slot->freeze;
      s.freeze_running = !freeze.finished();
      s.late_freeze = !s.freeze_running && s.aborted &&
                      freeze.end_time() > slot->abort_raised;
      const internal::WriterCall* end = s.thawed    ? slot->thaw.get()
                                        : s.aborted ? slot->abort.get()
                                                    : nullptr;
      s.freeze_window = end != nullptr && end->finished()
                            ? end->end_time() - slot->freeze_start
                            : absl::InfiniteDuration();
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace shadowset
