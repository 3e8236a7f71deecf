// A real process killed with SIGKILL in the middle of large writes (DESIGN
// §2.9: SIGKILL keeps the page cache, so this tests in-process atomicity).
// The child commits a snapshot set, tells the parent, then overwrites the
// volume with large writes until it is killed. The parent reopens: the set
// reads exactly its instant, every live sector holds an old or a new value,
// and the scrub is clean.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "absl/strings/str_format.h"
#include "engine/engine.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace shadowset {
namespace {

using ::shadowset::testing::TempDir;

constexpr uint64_t kVolumeBytes = 64 << 20;
constexpr uint64_t kChunk = 8 << 20;

char TagOf(int generation) { return static_cast<char>('A' + generation % 26); }

// Sector s of generation g: the tag, then the sector number.
std::string Generation(int g, uint64_t offset, uint64_t n) {
  std::string out(n, TagOf(g));
  for (uint64_t i = 0; i < n; i += 512) {
    uint64_t sector = (offset + i) / 512;
    std::memcpy(&out[i + 8], &sector, 8);
  }
  return out;
}

[[noreturn]] void Child(const std::string& dir, int ready_fd) {
  auto fail = [](const char* what) {
    std::fprintf(stderr, "child: %s\n", what);
    _exit(3);
  };
  auto engine = Engine::Open(dir);
  if (!engine.ok()) fail("open");
  auto v = (*engine)->GetVolume("v");
  if (!v.ok()) fail("volume");
  std::string g0 = Generation(0, 0, kVolumeBytes);
  if (!(*v)->Write(0, absl::MakeConstSpan(
                          reinterpret_cast<const uint8_t*>(g0.data()), g0.size()))
           .ok()) {
    fail("write");
  }
  auto set = (*engine)->CreateSnapshotSet({"v"});
  if (!set.ok()) fail("snapshot");
  std::string id = set->id.ToString();
  if (write(ready_fd, id.data(), id.size()) != static_cast<ssize_t>(id.size())) {
    fail("pipe");
  }
  for (int g = 1;; ++g) {
    for (uint64_t off = 0; off < kVolumeBytes; off += kChunk) {
      std::string data = Generation(g, off, kChunk);
      if (!(*v)->Write(off, absl::MakeConstSpan(
                                reinterpret_cast<const uint8_t*>(data.data()),
                                data.size()))
               .ok()) {
        fail("overwrite");
      }
      // A write that returned may still wait in this process for its
      // pre-image to be durable, and dies with it; only a flushed one is
      // promised to survive. Flush the first chunk so the parent knows at
      // least 8 MiB of newer data must be found after the kill.
      if (g == 1 && off == 0) {
        if (!(*v)->Flush().ok()) fail("flush");
        if (write(ready_fd, "w", 1) != 1) fail("pipe");
      }
    }
  }
}

TEST(SigkillTest, KilledMidWriteKeepsSnapshotsExact) {
  TempDir tmp;
  std::string dir = tmp.Sub("data");
  InitOptions init;
  init.block_size = 16384;
  init.diff_area_max = 512 << 20;
  ASSERT_OK(Engine::Init(dir, init));
  {
    ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(dir));
    ASSERT_OK(engine->CreateVolume("v", kVolumeBytes).status());
  }
  for (int trial = 0; trial < 3; ++trial) {
    SCOPED_TRACE(absl::StrFormat("trial %d", trial));
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      Child(dir, fds[1]);
    }
    close(fds[1]);
    char buf[64] = {};
    ssize_t n = read(fds[0], buf, 36);
    ASSERT_EQ(n, 36) << "the child did not commit its set";
    // Wait for its first overwrite, let it get further, then kill it.
    char w = 0;
    ASSERT_EQ(read(fds[0], &w, 1), 1) << "the child stopped before overwriting";
    close(fds[0]);
    usleep(20000 + 60000 * trial);
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << status;

    std::optional<SetId> id = SetId::Parse(std::string(buf, 36));
    ASSERT_TRUE(id.has_value());
    ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(dir));
    ASSERT_OK_AND_ASSIGN(auto snap, engine->OpenSnapshot(*id, "v"));
    std::string got(kVolumeBytes, '\0');
    ASSERT_OK(snap->Read(0, absl::MakeSpan(reinterpret_cast<uint8_t*>(got.data()),
                                           got.size())));
    ASSERT_TRUE(got == Generation(0, 0, kVolumeBytes))
        << "the snapshot does not read its instant";
    ASSERT_OK_AND_ASSIGN(Volume * v, engine->GetVolume("v"));
    ASSERT_OK(v->Read(0, absl::MakeSpan(reinterpret_cast<uint8_t*>(got.data()),
                                        got.size())));
    int newer = 0;
    for (uint64_t s = 0; s < kVolumeBytes / 512; ++s) {
      const char* sector = got.data() + s * 512;
      uint64_t number;
      std::memcpy(&number, sector + 8, 8);
      ASSERT_EQ(number, s) << "sector " << s << " holds another sector's data";
      ASSERT_EQ(std::string(sector, 8), std::string(8, sector[0]));
      if (sector[0] != 'A') ++newer;
    }
    // The first chunk was flushed before the parent was told.
    EXPECT_GE(newer, static_cast<int>(kChunk / 512))
        << "a flushed write was lost";
    ASSERT_OK_AND_ASSIGN(CheckReport report, engine->Check());
    ASSERT_TRUE(report.ok()) << ::testing::PrintToString(report.problems);
    ASSERT_OK(engine->DeleteSnapshotSet(*id));
  }
}

}  // namespace
}  // namespace shadowset
