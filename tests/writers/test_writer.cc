#include "tests/writers/test_writer.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/env.h"

namespace shadowset::testing {
namespace {

constexpr uint64_t kMagic = 0x5453545752495445;  // "TSTWRITE"
constexpr size_t kHeaderBytes = 24;              // magic, seq, tag

uint64_t Mix(uint64_t x) {  // splitmix64
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

uint64_t HashName(const std::string& name) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (char c : name) h = (h ^ static_cast<uint8_t>(c)) * 1099511628211ull;
  return h;
}

void PutU64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

uint64_t GetU64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= uint64_t{p[i]} << (8 * i);
  return v;
}

}  // namespace

TestWriter::TestWriter(TestWriterOptions options)
    : options_(std::move(options)), tag_(HashName(options_.name)) {
  if (options_.mutate && !options_.volumes.empty()) {
    mutator_ = Env::Default()->StartThread("test-writer",
                                           [this] { MutateLoop(); });
  }
}

TestWriter::~TestWriter() {
  {
    absl::MutexLock l(&mu_);
    stopping_ = true;
    hangs_ended_ = true;
  }
  if (mutator_.joinable()) mutator_.join();
  absl::MutexLock l(&mu_);
  auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return running_.empty();
  };
  mu_.Await(absl::Condition(&idle));
}

// --- scripting ---

void TestWriter::Script(WriterEvent event, EventScript script) {
  absl::MutexLock l(&mu_);
  scripts_[event] = script;
}

void TestWriter::FailAt(WriterEvent event, WriterFailure failure) {
  Script(event, {.reaction = Reaction::kFail, .failure = failure});
}

void TestWriter::HangAt(WriterEvent event, bool abort_releases) {
  Script(event,
         {.reaction = Reaction::kHang, .abort_releases = abort_releases});
}

void TestWriter::ThrowAt(WriterEvent event) {
  Script(event, {.reaction = Reaction::kThrow});
}

void TestWriter::Release() {
  absl::MutexLock l(&mu_);
  ++releases_;
}

void TestWriter::EndHangs() {
  absl::MutexLock l(&mu_);
  hangs_ended_ = true;
}

bool TestWriter::WaitUntilHanging(WriterEvent event,
                                  absl::Time deadline) const {
  absl::MutexLock l(&mu_);
  auto hanging = [this, event]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return std::find(hanging_.begin(), hanging_.end(), event) !=
           hanging_.end();
  };
  return mu_.AwaitWithDeadline(absl::Condition(&hanging), deadline);
}

// --- observation ---

std::vector<WriterEvent> TestWriter::events() const {
  absl::MutexLock l(&mu_);
  return events_;
}

void TestWriter::ClearEvents() {
  absl::MutexLock l(&mu_);
  events_.clear();
  abort_codes_.clear();
}

bool TestWriter::WaitForEvents(size_t n, absl::Time deadline) const {
  absl::MutexLock l(&mu_);
  auto enough = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return events_.size() >= n;
  };
  return mu_.AwaitWithDeadline(absl::Condition(&enough), deadline);
}

std::vector<uint32_t> TestWriter::abort_codes() const {
  absl::MutexLock l(&mu_);
  return abort_codes_;
}

std::vector<std::string> TestWriter::violations() const {
  absl::MutexLock l(&mu_);
  return violations_;
}

bool TestWriter::frozen() const {
  absl::MutexLock l(&mu_);
  return paused_;
}

uint64_t TestWriter::seq() const {
  absl::MutexLock l(&mu_);
  return seq_;
}

std::optional<uint64_t> TestWriter::seq_at_freeze() const {
  absl::MutexLock l(&mu_);
  return seq_at_freeze_;
}

bool TestWriter::WaitForSeqAbove(uint64_t seq, absl::Time deadline) const {
  absl::MutexLock l(&mu_);
  auto above = [this, seq]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return seq_ > seq;
  };
  return mu_.AwaitWithDeadline(absl::Condition(&above), deadline);
}

absl::Status TestWriter::mutation_status() const {
  absl::MutexLock l(&mu_);
  return mutation_status_;
}

// --- events ---

absl::Status TestWriter::Handle(WriterEvent event,
                                void (TestWriter::*on_entry)()) {
  EventScript script;
  uint64_t releases = 0;
  uint64_t aborts = 0;
  {
    absl::MutexLock l(&mu_);
    CheckContractLocked(event);
    events_.push_back(event);
    running_.push_back(event);
    if (auto it = scripts_.find(event); it != scripts_.end()) {
      script = it->second;
    }
    // Taken first: an Abort that arrives while on_entry waits ends a hang.
    releases = releases_;
    aborts = aborts_;
    if (on_entry != nullptr) (this->*on_entry)();
  }
  absl::Status result;
  const std::string what =
      absl::StrCat(options_.name, ": scripted failure at ",
                   WriterEventName(event));
  switch (script.reaction) {
    case Reaction::kSucceed:
      break;
    case Reaction::kFail:
      result = script.failure == WriterFailure::kNone
                   ? absl::InternalError(what)
                   : WriterError(script.failure, what);
      break;
    case Reaction::kThrow:
      Exit(event);
      throw std::runtime_error(
          absl::StrCat(options_.name, ": scripted throw at ",
                       WriterEventName(event)));
    case Reaction::kHang: {
      absl::MutexLock l(&mu_);
      hanging_.push_back(event);
      auto released = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return releases_ != releases || stopping_ || hangs_ended_ ||
               (script.abort_releases && aborts_ != aborts);
      };
      mu_.Await(absl::Condition(&released));
      hanging_.erase(std::find(hanging_.begin(), hanging_.end(), event));
      break;
    }
  }
  Exit(event);
  return result;
}

void TestWriter::Exit(WriterEvent event) {
  absl::MutexLock l(&mu_);
  running_.erase(std::find(running_.begin(), running_.end(), event));
}

void TestWriter::CheckContractLocked(WriterEvent event) {
  auto breach = [this](absl::string_view what)
                    ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    violations_.push_back(absl::StrCat(options_.name, ": ", what));
  };
  for (WriterEvent other : running_) {
    const bool abort_during_freeze =
        event == WriterEvent::kAbort && other == WriterEvent::kFreeze;
    if (!abort_during_freeze) {
      breach(absl::StrCat(WriterEventName(event), " while ",
                          WriterEventName(other), " runs"));
    }
  }
  switch (event) {
    case WriterEvent::kPrepareBackup:
      got_freeze_ = got_thaw_ = got_abort_ = got_post_snapshot_ = false;
      break;
    case WriterEvent::kFreeze:
      got_freeze_ = true;
      break;
    case WriterEvent::kThaw:
      if (!got_freeze_) breach("Thaw without Freeze");
      if (got_thaw_) breach("second Thaw");
      if (got_abort_) breach("Thaw after Abort");
      got_thaw_ = true;
      break;
    case WriterEvent::kAbort:
      if (got_post_snapshot_) breach("Abort after PostSnapshot");
      if (got_freeze_ && got_thaw_) breach("Abort after Thaw");
      got_abort_ = true;
      break;
    case WriterEvent::kPostSnapshot:
      if (!got_thaw_) breach("PostSnapshot without Thaw");
      got_post_snapshot_ = true;
      break;
    default:
      break;
  }
}

void TestWriter::StopMutating() {
  paused_ = true;
  auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !writing_;
  };
  mu_.Await(absl::Condition(&idle));
  seq_at_freeze_ = seq_;
}

void TestWriter::ResumeMutating() { paused_ = false; }

void TestWriter::AbortEntry() {
  ++aborts_;  // ends hangs that an Abort may end
  paused_ = false;
}

absl::StatusOr<WriterMetadata> TestWriter::Identify() {
  absl::Status s = Handle(WriterEvent::kIdentify, nullptr);
  if (!s.ok()) return s;
  WriterMetadata md;
  md.class_id = "7e0b2b4a-0000-4000-8000-746573747772";
  md.instance_id = options_.name;
  md.name = options_.name;
  md.usage = UsageType::kUserData;
  md.source = SourceType::kOther;
  md.supported_types = {BackupType::kFull, BackupType::kIncremental,
                        BackupType::kDifferential, BackupType::kCopy};
  Component c;
  c.type = ComponentType::kFileGroup;
  c.name = "data";
  c.logical_path = options_.name;
  c.volumes = options_.volumes;
  md.components.push_back(std::move(c));
  md.freeze_timeout = options_.freeze_timeout;
  return md;
}

absl::Status TestWriter::PrepareBackup(const BackupContext&) {
  return Handle(WriterEvent::kPrepareBackup, nullptr);
}

absl::Status TestWriter::PrepareSnapshot(const BackupContext&) {
  return Handle(WriterEvent::kPrepareSnapshot, nullptr);
}

absl::Status TestWriter::Freeze(const BackupContext&) {
  Reaction reaction;
  {
    absl::MutexLock l(&mu_);
    auto it = scripts_.find(WriterEvent::kFreeze);
    reaction = it == scripts_.end() ? Reaction::kSucceed : it->second.reaction;
  }
  // A veto (failure or exception) refuses to freeze: nothing stops.
  const bool quiesce =
      reaction == Reaction::kSucceed || reaction == Reaction::kHang;
  return Handle(WriterEvent::kFreeze,
                quiesce ? &TestWriter::StopMutating : nullptr);
}

absl::Status TestWriter::Thaw(const BackupContext&) {
  return Handle(WriterEvent::kThaw, &TestWriter::ResumeMutating);
}

absl::Status TestWriter::PostSnapshot(const BackupContext&) {
  return Handle(WriterEvent::kPostSnapshot, nullptr);
}

absl::Status TestWriter::Abort(const BackupContext& ctx) {
  {
    absl::MutexLock l(&mu_);
    abort_codes_.push_back(ctx.abort_code);
  }
  return Handle(WriterEvent::kAbort, &TestWriter::AbortEntry);
}

absl::Status TestWriter::BackupComplete(const BackupContext&,
                                        const BackupResult&) {
  return Handle(WriterEvent::kBackupComplete, nullptr);
}

absl::Status TestWriter::BackupShutdown(const BackupContext&) {
  return Handle(WriterEvent::kBackupShutdown, nullptr);
}

absl::Status TestWriter::PreRestore(const RestoreContext&) {
  return Handle(WriterEvent::kPreRestore, nullptr);
}

absl::Status TestWriter::PostRestore(const RestoreContext&) {
  return Handle(WriterEvent::kPostRestore, nullptr);
}

// --- data ---

std::vector<uint8_t> TestWriter::Slot(uint64_t step,
                                      uint32_t block_size) const {
  std::vector<uint8_t> out(block_size);
  for (uint32_t i = 0; i + 8 <= block_size; i += 8) {
    PutU64(out.data() + i, Mix(tag_ ^ (step * 0x100000001B3ull) ^ i));
  }
  return out;
}

std::vector<uint8_t> TestWriter::ExpectedRegion(uint64_t seq,
                                                uint32_t block_size) const {
  const uint32_t slots = options_.slots;
  std::vector<uint8_t> out(uint64_t{block_size} * (1 + slots), 0);
  if (seq == 0) return out;
  PutU64(out.data(), kMagic);
  PutU64(out.data() + 8, seq);
  PutU64(out.data() + 16, tag_);
  for (uint32_t i = 0; i < slots && i < seq; ++i) {
    // The last step s <= seq with (s - 1) % slots == i.
    const uint64_t s = seq - ((seq - 1 - i) % slots);
    std::vector<uint8_t> slot = Slot(s, block_size);
    std::memcpy(out.data() + uint64_t{block_size} * (1 + i), slot.data(),
                block_size);
  }
  return out;
}

absl::Status TestWriter::WriteStep(uint64_t step) {
  for (const std::string& name : options_.volumes) {
    absl::StatusOr<Volume*> volume = options_.engine->GetVolume(name);
    if (!volume.ok()) return volume.status();
    const uint32_t bs = (*volume)->block_size();
    const uint64_t slot = (step - 1) % options_.slots;
    absl::Status s = (*volume)->Write(options_.offset + bs * (1 + slot),
                                      Slot(step, bs));
    if (!s.ok()) return s;
    uint8_t header[kHeaderBytes];
    PutU64(header, kMagic);
    PutU64(header + 8, step);
    PutU64(header + 16, tag_);
    s = (*volume)->Write(options_.offset, header);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

void TestWriter::MutateLoop() {
  while (true) {
    uint64_t step;
    {
      absl::MutexLock l(&mu_);
      auto may_write = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || !paused_;
      };
      mu_.Await(absl::Condition(&may_write));
      if (stopping_) return;
      writing_ = true;
      step = seq_ + 1;
    }
    absl::Status s = WriteStep(step);
    absl::MutexLock l(&mu_);
    writing_ = false;
    if (!s.ok()) {
      mutation_status_ = s;
      return;
    }
    seq_ = step;
  }
}

absl::StatusOr<uint64_t> TestWriter::SnapshotSeq(
    const SetId& set, const std::string& volume) const {
  absl::StatusOr<std::unique_ptr<Snapshot>> snap =
      options_.engine->OpenSnapshot(set, volume);
  if (!snap.ok()) return snap.status();
  uint8_t header[kHeaderBytes];
  absl::Status s = (*snap)->Read(options_.offset, absl::MakeSpan(header));
  if (!s.ok()) return s;
  if (GetU64(header) == 0 && GetU64(header + 8) == 0) return 0;
  if (GetU64(header) != kMagic || GetU64(header + 16) != tag_) {
    return absl::DataLossError(
        absl::StrCat(options_.name, ": no header on '", volume, "'"));
  }
  return GetU64(header + 8);
}

absl::Status TestWriter::VerifySnapshot(const SetId& set, uint64_t seq) const {
  for (const std::string& volume : options_.volumes) {
    absl::StatusOr<std::unique_ptr<Snapshot>> snap =
        options_.engine->OpenSnapshot(set, volume);
    if (!snap.ok()) return snap.status();
    const std::vector<uint8_t> want =
        ExpectedRegion(seq, (*snap)->block_size());
    std::vector<uint8_t> got(want.size());
    absl::Status s = (*snap)->Read(options_.offset, absl::MakeSpan(got));
    if (!s.ok()) return s;
    if (got == want) continue;
    size_t i = 0;
    while (got[i] == want[i]) ++i;
    return absl::DataLossError(absl::StrFormat(
        "%s: region on '%s' is not the state after step %d: byte %d differs "
        "(header says step %d)",
        options_.name, volume, seq, i, GetU64(got.data() + 8)));
  }
  return absl::OkStatus();
}

}  // namespace shadowset::testing
