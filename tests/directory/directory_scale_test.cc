// Scale: a directory with many objects on the default geometry (256 MiB
// database volume, 1 MiB generations): added by concurrent callers,
// checkpointed, reopened, checked, backed up and restored. 3,000 objects by
// default; SHADOWSET_DIRECTORY_SCALE=100000 runs the demo's medium scale.

#include <cstdlib>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "writers/directory/directory_service.h"
#include "writers/directory/ds_backup.h"

namespace shadowset {
namespace {

using ::shadowset::testing::TempDir;

int Scale() {
  const char* v = std::getenv("SHADOWSET_DIRECTORY_SCALE");
  return v != nullptr ? std::atoi(v) : 3000;
}

TEST(DirectoryScaleTest, ManyObjectsCheckpointReopenAndBackUp) {
  const int n = Scale();
  SCOPED_TRACE(absl::StrCat(n, " objects"));
  TempDir tmp;
  ASSERT_OK(Engine::Init(tmp.Sub("d"), InitOptions{}));
  ASSERT_OK_AND_ASSIGN(auto engine, Engine::Open(tmp.Sub("d")));
  DirectoryInit init;
  init.server_name = "dc1";
  init.creator = "admin";
  ASSERT_OK(DirectoryService::Create(engine.get(), init));
  ASSERT_OK_AND_ASSIGN(auto d, DirectoryService::Open(engine.get()));
  ASSERT_OK(d->AddObject("DC=example,DC=test", "domain").status());
  ASSERT_OK(d->AddObject("OU=Hosts,DC=example,DC=test", "organizationalUnit").status());
  absl::Time start = absl::Now();
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < n; i += 8) {
        ASSERT_OK(d->AddObject(absl::StrCat("CN=host-", i, ",OU=Hosts,DC=example,DC=test"),
                               "computer",
                               {{"dNSHostName", {absl::StrCat("host-", i, ".example.test")}},
                                {"description", {"a workstation"}}})
                      .status());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  absl::Duration adding = absl::Now() - start;
  start = absl::Now();
  ASSERT_OK(d->Checkpoint());
  absl::Duration checkpoint = absl::Now() - start;
  const uint64_t usn = d->usn();
  EXPECT_EQ(usn, static_cast<uint64_t>(n) + 2);
  d.reset();
  start = absl::Now();
  ASSERT_OK_AND_ASSIGN(d, DirectoryService::Open(engine.get()));
  absl::Duration reopen = absl::Now() - start;
  EXPECT_EQ(d->usn(), usn);
  ASSERT_OK_AND_ASSIGN(DirectoryCheckReport report, d->Check());
  EXPECT_TRUE(report.ok());
  EXPECT_EQ(report.objects, static_cast<uint64_t>(n) + 2);

  DsClient client(d.get(), "admin");
  ASSERT_OK_AND_ASSIGN(DsBackupPrepared b, client.DsBackupPrepare("dc1", 0, kBackupTypeFull));
  ASSERT_OK_AND_ASSIGN(uint64_t image, b.context->DsBackupOpenFile("ntds.dit", 65536));
  ASSERT_OK(b.context->DsBackupClose());
  ASSERT_OK(b.context->DsBackupEnd());
  std::printf("%d objects: added in %s (%.0f/s), checkpoint %s, reopen %s, image %.1f MiB\n",
              n, absl::FormatDuration(adding).c_str(),
              n / absl::ToDoubleSeconds(adding), absl::FormatDuration(checkpoint).c_str(),
              absl::FormatDuration(reopen).c_str(), image / 1048576.0);
}

}  // namespace
}  // namespace shadowset
