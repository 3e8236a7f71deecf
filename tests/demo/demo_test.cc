// The demo driven in-process (requestor/demo/): the whole walkthrough at
// the small scale passes every check with sane figures; a cancellation in
// the middle of the full backup leaves no snapshot set, no .partial
// directory and no backup record; the proofs catch a restore that is not
// the Freeze instant and a lease whose host is missing from the directory.

#include "requestor/demo/demo.h"

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/env.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "requestor/demo/proofs.h"
#include "requestor/demo/summary.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "writers/directory/load_generator.h"

namespace shadowset::demo {
namespace {

using ::shadowset::testing::StatusIs;
using ::shadowset::testing::TempDir;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::Field;
using ::testing::HasSubstr;

constexpr uint64_t kSeed = 7;

// Remembers the phases and cancels the demo at the first progress report
// of the phase whose title starts with `cancel_in`.
class Recorder : public DemoObserver {
 public:
  explicit Recorder(std::string cancel_in = "") : cancel_in_(cancel_in) {}
  void Phase(absl::string_view title) override { phases_.emplace_back(title); }
  void Note(absl::string_view line) override { notes_.emplace_back(line); }
  void Progress(const DemoProgress& p) override {
    if (!cancel_in_.empty() && absl::StartsWith(phases_.back(), cancel_in_)) {
      cancel_ = true;
    }
  }
  const std::vector<std::string>& phases() const { return phases_; }
  const std::vector<std::string>& notes() const { return notes_; }
  const std::atomic<bool>* cancel() const { return &cancel_; }

 private:
  const std::string cancel_in_;
  std::vector<std::string> phases_;
  std::vector<std::string> notes_;
  std::atomic<bool> cancel_{false};
};

DemoOptions SmallDemo(const TempDir& tmp) {
  DemoOptions o;
  o.dir = tmp.Sub("demo");
  o.scale = DemoScale::kSmall;
  o.load_time = absl::Milliseconds(500);
  o.seed = kSeed;
  return o;
}

TEST(DemoTest, SmallScalePassesEveryCheck) {
  SCOPED_TRACE(::testing::Message() << "seed " << kSeed);
  TempDir tmp;
  Recorder recorder;
  ASSERT_OK_AND_ASSIGN(DemoReport r, RunDemo(SmallDemo(tmp), &recorder));
  EXPECT_TRUE(r.passed()) << FormatSummary(r);
  // Two restores of seven checks each, and two scrubs.
  EXPECT_EQ(r.checks.size(), 16u);

  const DemoScaleSpec spec = DemoScaleSpecOf(DemoScale::kSmall);
  EXPECT_EQ(r.populated.scopes, 3u);
  EXPECT_EQ(r.populated.leases, spec.leases);
  EXPECT_EQ(r.populated.interfaces, static_cast<uint64_t>(spec.interfaces));
  EXPECT_EQ(r.populated.phonebook_entries,
            static_cast<uint64_t>(spec.phonebook_entries));
  EXPECT_EQ(r.populated.directory_objects, spec.directory_objects);
  EXPECT_GT(r.load.dhcp, 0u);
  EXPECT_GT(r.load.rras, 0u);
  EXPECT_GT(r.load.directory, 0u);

  // The full backup reads every volume whole; the incremental continues
  // it, reads only what changed, and holds a later state of every service.
  EXPECT_EQ(r.full.backup.type, BackupSetType::kFull);
  EXPECT_EQ(r.incremental.backup.type, BackupSetType::kIncremental);
  EXPECT_EQ(r.incremental.backup.base_backup_id, r.full.backup.backup_id);
  EXPECT_EQ(r.full.backup.writers.size(), 3u);
  EXPECT_TRUE(r.full.backup.keyed);
  EXPECT_LT(r.incremental.backup.bytes_read, r.full.backup.bytes_read);
  EXPECT_LT(r.full.frozen.dhcp, r.incremental.frozen.dhcp);
  EXPECT_LT(r.full.frozen.rras, r.incremental.frozen.rras);
  EXPECT_LT(r.full.frozen.directory, r.incremental.frozen.directory);
  EXPECT_EQ(r.incremental.restore.chain,
            (std::vector<std::string>{r.full.backup.backup_id,
                                      r.incremental.backup.backup_id}));
  EXPECT_GT(r.raw_read_bytes, 0u);
  for (const DemoBackup* b : {&r.full, &r.incremental}) {
    EXPECT_GT(b->verify.blocks, 0u);
    for (const WriterOutcome& w : b->backup.writers) {
      EXPECT_GT(w.freeze_window, absl::ZeroDuration()) << w.name;
      EXPECT_LT(w.freeze_window, absl::InfiniteDuration()) << w.name;
    }
  }
  EXPECT_THAT(recorder.phases(), Contains(HasSubstr("Full backup under load")));
  EXPECT_THAT(recorder.phases(),
              Contains(HasSubstr("Incremental backup under load")));

  const std::string summary = FormatSummary(r);
  EXPECT_THAT(
      summary,
      HasSubstr("freeze window (Freeze to Thaw)\n    DHCP Jet Writer "));
  EXPECT_THAT(summary, HasSubstr("commit hold"));
  EXPECT_THAT(summary, HasSubstr("backup / raw read"));
  EXPECT_THAT(summary, HasSubstr("result: every check passed (16 checks)"));
  EXPECT_EQ(SummaryJson(r)["passed"], true);

  // What stays for the caller to remove.
  for (const char* name : {"data", "backups", "restored", "backup.key"}) {
    EXPECT_NE(Env::Default()->GetFileType(JoinPath(r.dir, name)).value(),
              FileType::kMissing)
        << name;
  }
}

TEST(DemoTest, RefusesADirectoryThatIsNotEmpty) {
  TempDir tmp;
  DemoOptions o = SmallDemo(tmp);
  ASSERT_OK(Env::Default()->CreateDir(o.dir));
  ASSERT_OK(WriteFileAtomically(Env::Default(), JoinPath(o.dir, "x"), {}));
  EXPECT_THAT(RunDemo(o, nullptr).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("is not empty")));
  EXPECT_THAT(Env::Default()->ListDir(o.dir).value(),
              ::testing::ElementsAre("x"));
}

TEST(DemoTest, CancelledDuringTheFullBackupLeavesNothingHalfDone) {
  TempDir tmp;
  Recorder recorder("Full backup");
  DemoOptions o = SmallDemo(tmp);
  o.cancel = recorder.cancel();
  EXPECT_THAT(RunDemo(o, &recorder).status(),
              StatusIs(absl::StatusCode::kCancelled));
  EXPECT_THAT(recorder.phases().back(), HasSubstr("Full backup"));

  // No partial backup, no snapshot set, no backup record; the services
  // open on the data directory as they were left.
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> backups,
                       Env::Default()->ListDir(JoinPath(o.dir, "backups")));
  EXPECT_THAT(backups, ::testing::IsEmpty());
  ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(JoinPath(o.dir, "data")));
  EXPECT_THAT(engine->ListSnapshotSets(), ::testing::IsEmpty());
  EXPECT_THAT(engine->ListBackups(), ::testing::IsEmpty());
  ASSERT_OK_AND_ASSIGN(auto services, DemoServices::Open(engine.get()));
  EXPECT_THAT(services->dhcp().Check(), ::testing::IsEmpty());
  services.reset();
  ASSERT_OK_AND_ASSIGN(CheckReport scrub, engine->Check());
  EXPECT_TRUE(scrub.ok()) << ::testing::PrintToString(scrub.problems);
}

// A test of the proofs themselves: they must be able to fail.
TEST(DemoTest, ProofsCatchAnotherInstantAndAMissingHost) {
  TempDir tmp;
  ASSERT_OK(Engine::Init(tmp.Sub("data"), InitOptions{}));
  ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(tmp.Sub("data")));
  const DemoScaleSpec spec = DemoScaleSpecOf(DemoScale::kSmall);
  ASSERT_OK_AND_ASSIGN(auto services, DemoServices::Create(engine.get(), spec));
  ASSERT_OK(Populate(*services, spec, {}).status());
  const ServiceSequences now = services->Sequences();

  std::vector<DemoCheck> checks = ProveRestored("t", *services, now);
  ASSERT_EQ(checks.size(), 7u);
  for (const DemoCheck& c : checks) EXPECT_TRUE(c.passed) << c.name << c.detail;

  ServiceSequences other = now;
  other.directory -= 1;
  checks = ProveRestored("t", *services, other);
  EXPECT_THAT(checks,
              Contains(AllOf(Field(&DemoCheck::name,
                                   "t: directory restored at its Freeze"),
                             Field(&DemoCheck::passed, false))));

  const std::string host = StartingHostName(17);
  ASSERT_OK(
      services->directory()
          .DeleteObject(absl::StrCat("CN=", host, ",", kDefaultHostsContainer))
          .status());
  checks = ProveRestored("t", *services, services->Sequences());
  EXPECT_THAT(
      checks,
      Contains(AllOf(Field(&DemoCheck::name,
                           "t: every DHCP lease's host is in the directory"),
                     Field(&DemoCheck::passed, false),
                     Field(&DemoCheck::detail, HasSubstr("1 of 300 leases")),
                     Field(&DemoCheck::detail, HasSubstr(host)))));
  services.reset();
  EXPECT_TRUE(ProveEngineClean("scrub", *engine).passed);
}

}  // namespace
}  // namespace shadowset::demo
