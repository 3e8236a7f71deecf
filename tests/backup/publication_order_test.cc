// The publication order of BackupSetWriter::Publish (DESIGN §2.7), checked
// against a record of every I/O call: payload files durable -> manifest +
// fsync -> token + fsync -> every directory inside <backup>.partial fsync'ed
// bottom-up -> rename -> fsync of the parent.
//
// This complements crash_test.cc, which shows the outcome of a power loss
// at each step; the recorded order states the protocol itself, step by
// step, so a reordering that a particular crash point happens not to
// expose is still caught.

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"
#include "engine/backup/backup_set_writer.h"
#include "engine/backup/verify.h"
#include "engine/fault_env.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/backup/backup_testing.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace shadowset {
namespace {

using ::shadowset::testing::kCreated;
using ::shadowset::testing::TempDir;

struct Event {
  enum Kind { kCreateFile, kWrite, kSync, kCreateDir, kSyncDir, kRename } kind;
  std::string path;
  std::string to;  // kRename
};

// Forwards to Env::Default() and records every mutating call.
class RecordingEnv final : public Env {
 public:
  std::vector<Event> events() const {
    absl::MutexLock l(&mu_);
    return events_;
  }
  void Add(Event e) {
    absl::MutexLock l(&mu_);
    events_.push_back(std::move(e));
  }

  absl::StatusOr<std::unique_ptr<File>> OpenFile(
      const std::string& path, const OpenOptions& options) override {
    ASSIGN_OR_RETURN(FileType type, base_->GetFileType(path));
    ASSIGN_OR_RETURN(std::unique_ptr<File> file,
                     base_->OpenFile(path, options));
    if (options.create && type == FileType::kMissing)
      Add({Event::kCreateFile, path});
    return std::unique_ptr<File>(new RecordingFile(this, std::move(file)));
  }
  absl::Status CreateDir(const std::string& path) override {
    Add({Event::kCreateDir, path});
    return base_->CreateDir(path);
  }
  absl::Status SyncDir(const std::string& path) override {
    Add({Event::kSyncDir, path});
    return base_->SyncDir(path);
  }
  absl::Status Rename(const std::string& from, const std::string& to) override {
    Add({Event::kRename, from, to});
    return base_->Rename(from, to);
  }
  absl::Status RemoveFile(const std::string& path) override {
    return base_->RemoveFile(path);
  }
  absl::Status RemoveDir(const std::string& path) override {
    return base_->RemoveDir(path);
  }
  absl::StatusOr<std::vector<std::string>> ListDir(
      const std::string& path) override {
    return base_->ListDir(path);
  }
  absl::StatusOr<FileType> GetFileType(const std::string& path) override {
    return base_->GetFileType(path);
  }
  absl::StatusOr<std::unique_ptr<FileLock>> LockFile(
      const std::string& path, const std::string& holder) override {
    return base_->LockFile(path, holder);
  }
  absl::Time Now() override { return base_->Now(); }
  void SleepFor(absl::Duration d) override { base_->SleepFor(d); }
  std::thread StartThread(const std::string& name,
                          absl::AnyInvocable<void()> fn) override {
    return base_->StartThread(name, std::move(fn));
  }

 private:
  class RecordingFile final : public File {
   public:
    RecordingFile(RecordingEnv* env, std::unique_ptr<File> base)
        : env_(env), base_(std::move(base)) {}
    absl::Status ReadAt(uint64_t o, absl::Span<uint8_t> out) override {
      return base_->ReadAt(o, out);
    }
    absl::Status WriteAt(uint64_t o, absl::Span<const uint8_t> d) override {
      env_->Add({Event::kWrite, path()});
      return base_->WriteAt(o, d);
    }
    absl::Status Sync() override {
      env_->Add({Event::kSync, path()});
      return base_->Sync();
    }
    absl::Status SyncAll() override {
      env_->Add({Event::kSync, path()});
      return base_->SyncAll();
    }
    absl::StatusOr<uint64_t> Size() override { return base_->Size(); }
    absl::Status Truncate(uint64_t s) override {
      env_->Add({Event::kWrite, path()});
      return base_->Truncate(s);
    }
    absl::Status PunchHole(uint64_t o, uint64_t n) override {
      env_->Add({Event::kWrite, path()});
      return base_->PunchHole(o, n);
    }
    absl::StatusOr<uint64_t> AllocatedBytes() override {
      return base_->AllocatedBytes();
    }
    absl::StatusOr<std::optional<uint64_t>> NextData(uint64_t o) override {
      return base_->NextData(o);
    }
    absl::StatusOr<uint64_t> NextHole(uint64_t o) override {
      return base_->NextHole(o);
    }
    const std::string& path() const override { return base_->path(); }

   private:
    RecordingEnv* const env_;
    const std::unique_ptr<File> base_;
  };

  Env* const base_ = Env::Default();
  mutable absl::Mutex mu_;
  std::vector<Event> events_ ABSL_GUARDED_BY(mu_);
};

size_t Depth(const std::string& path) {
  return static_cast<size_t>(std::count(path.begin(), path.end(), '/'));
}

// Replays `events` against a model of what is durable and returns every
// violation of the publication order for the set at parent/id.
std::vector<std::string> CheckOrder(const std::vector<Event>& events,
                                    const std::string& parent,
                                    const std::string& id) {
  const std::string partial = parent + "/" + id + ".partial";
  const std::string manifest = partial + "/manifest.json";
  const std::string token = partial + "/token";
  std::vector<std::string> problems;
  std::set<std::string> dirty;        // files written since their last sync
  std::set<std::string> files;        // files created in the partial dir
  std::set<std::string> pending;      // entries not covered by a dir sync
  std::set<std::string> synced_dirs;  // partial's directories fsync'ed
  bool manifest_synced = false, token_synced = false, renamed = false;
  bool parent_synced_after_rename = false;
  for (const Event& e : events) {
    switch (e.kind) {
      case Event::kCreateFile:
        if (e.path == manifest) {
          for (const std::string& f : files) {
            if (dirty.contains(f))
              problems.push_back("manifest before " + f + " was synced");
          }
        }
        if (e.path == token && !manifest_synced) {
          problems.push_back("token created before the manifest was synced");
        }
        if (e.path != manifest && e.path != token && manifest_synced) {
          problems.push_back("payload file " + e.path +
                             " created after the manifest");
        }
        files.insert(e.path);
        pending.insert(e.path);
        break;
      case Event::kWrite:
        dirty.insert(e.path);
        if (e.path == manifest) manifest_synced = false;
        if (e.path == token) token_synced = false;
        break;
      case Event::kSync:
        dirty.erase(e.path);
        if (e.path == manifest) manifest_synced = true;
        if (e.path == token) token_synced = true;
        break;
      case Event::kCreateDir:
        pending.insert(e.path);
        break;
      case Event::kSyncDir:
        if (absl::StartsWith(e.path, partial)) {
          if (!token_synced)
            problems.push_back("directory " + e.path +
                               " synced before the token");
          // Bottom-up: no deeper directory of the partial dir is synced later.
          for (const std::string& d : synced_dirs) {
            if (Depth(d) < Depth(e.path)) {
              problems.push_back("directory " + e.path +
                                 " synced after its ancestor " + d);
            }
          }
          synced_dirs.insert(e.path);
        }
        for (auto it = pending.begin(); it != pending.end();) {
          it = DirName(*it) == e.path ? pending.erase(it) : std::next(it);
        }
        if (renamed && e.path == parent) parent_synced_after_rename = true;
        break;
      case Event::kRename:
        if (e.path != partial || e.to != parent + "/" + id) {
          problems.push_back("unexpected rename " + e.path + " -> " + e.to);
        }
        if (!token_synced)
          problems.push_back("renamed before the token was synced");
        for (const std::string& f : dirty)
          problems.push_back("renamed with " + f + " unsynced");
        for (const std::string& p : pending) {
          if (absl::StartsWith(p, partial + "/")) {
            problems.push_back("renamed before the entry " + p + " was synced");
          }
        }
        renamed = true;
        break;
    }
  }
  if (!renamed) problems.push_back("never renamed");
  if (!parent_synced_after_rename)
    problems.push_back("parent not synced after the rename");
  if (events.empty() || events.back().kind != Event::kSyncDir ||
      events.back().path != parent) {
    problems.push_back("the parent's fsync is not the last step");
  }
  return problems;
}

TEST(PublicationOrderTest, PublishFollowsTheOrderExactly) {
  for (bool keyed : {false, true}) {
    TempDir tmp;
    RecordingEnv env;
    BackupSetOptions o = testing::FullOptions("b1", keyed);
    ASSERT_OK_AND_ASSIGN(auto w, BackupSetWriter::Create(&env, tmp.path(), o));
    ASSERT_OK(
        testing::StreamImage(w.get(), testing::MakeVolume("db", 30, 4096, 1)));
    ASSERT_OK(w->AddWriterFile("ntds", "a/b/c.log", "deep"));
    ASSERT_OK(w->AddWriterFile("dhcp", "x", "shallow"));
    ASSERT_OK(w->Publish().status());
    EXPECT_THAT(CheckOrder(env.events(), tmp.path(), "b1"),
                ::testing::IsEmpty());
    ASSERT_OK(VerifyBackupSet(&env, tmp.Sub("b1"),
                              keyed ? testing::kTestKey : "",
                              kCreated + absl::Hours(1))
                  .status());
  }
}

// The checker itself catches orders that are not crash-safe.
TEST(PublicationOrderTest, CheckerRefusesUnsafeOrders) {
  const std::string p = "/r", s = "/r/b.partial";
  std::vector<Event> good = {{Event::kCreateDir, s},
                             {Event::kCreateDir, s + "/volumes"},
                             {Event::kCreateFile, s + "/volumes/v.img"},
                             {Event::kWrite, s + "/volumes/v.img"},
                             {Event::kSync, s + "/volumes/v.img"},
                             {Event::kCreateFile, s + "/manifest.json"},
                             {Event::kWrite, s + "/manifest.json"},
                             {Event::kSync, s + "/manifest.json"},
                             {Event::kCreateFile, s + "/token"},
                             {Event::kWrite, s + "/token"},
                             {Event::kSync, s + "/token"},
                             {Event::kSyncDir, s + "/volumes"},
                             {Event::kSyncDir, s},
                             {Event::kRename, s, "/r/b"},
                             {Event::kSyncDir, p}};
  EXPECT_THAT(CheckOrder(good, p, "b"), ::testing::IsEmpty());
  for (size_t drop : {4u, 7u, 10u, 11u, 12u, 14u}) {
    std::vector<Event> bad = good;
    bad.erase(bad.begin() + drop);
    EXPECT_THAT(CheckOrder(bad, p, "b"), ::testing::Not(::testing::IsEmpty()))
        << "without step " << drop;
  }
  std::vector<Event> top_down = good;
  std::swap(top_down[11], top_down[12]);
  EXPECT_THAT(CheckOrder(top_down, p, "b"),
              ::testing::Not(::testing::IsEmpty()));
}

// A power loss after a directory rename still drops what was never synced
// inside it: crash_test.cc relies on this for the window after the set's
// rename.
TEST(FaultEnvTest, PowerLossFollowsFilesIntoRenamedDirectories) {
  TempDir tmp;
  FaultInjectionEnv env;
  ASSERT_OK(env.CreateDir(tmp.Sub("a")));
  ASSERT_OK(env.SyncDir(tmp.path()));
  {
    ASSERT_OK_AND_ASSIGN(auto f,
                         env.OpenFile(tmp.Sub("a/f"), {.create = true}));
    ASSERT_OK(f->WriteAt(0, testing::Bytes("never synced")));
  }
  ASSERT_OK(env.Rename(tmp.Sub("a"), tmp.Sub("b")));
  ASSERT_OK(env.SyncDir(tmp.path()));
  ASSERT_OK(env.PowerLoss(1));
  // Neither a/f's directory entry nor its data was ever synced.
  EXPECT_EQ(Env::Default()->GetFileType(tmp.Sub("b/f")).value(),
            FileType::kMissing);
}

}  // namespace
}  // namespace shadowset
