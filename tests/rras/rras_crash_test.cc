// Power loss at every I/O of a configuration save: reopening gives the
// configuration exactly before or exactly after the save, never a mix.
// Variants: a save, a save under a live snapshot, a save that compacts the
// log, and a restore from a backup directory.

#include <functional>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/rras/rras_test_util.h"
#include "tests/writers/service_crash_rig.h"

namespace shadowset::rras {
namespace {

using namespace ::shadowset::rras::testing;  // NOLINT

const uint64_t kSeed = ::shadowset::testing::CrashSeed(9001);

using Rig = ::shadowset::testing::CrashRig<RouterConfig, RouterConfigOptions>;

struct Variant {
  const char* name;
  uint64_t volume_size;
  std::function<void(Engine*, RouterConfig*, const std::string& scratch)> setup;
  std::function<absl::Status(RouterConfig*, const std::string& scratch)> save;
};

void BaseSetup(RouterConfig* r) {
  ASSERT_OK(r->CreateTransport(kAdmin, Ip4()));
  for (int i = 0; i < 6; ++i) {
    Interface iface = Iface(absl::StrCat("eth", i));
    iface.transports.push_back({kPidIp, "IP", "info"});
    ASSERT_OK(r->CreateInterface(kAdmin, iface));
  }
  ASSERT_OK(r->AddPhonebookEntry(kAdmin, Entry("office")));
}

Interface Edited() {
  Interface iface = Iface("eth3", InterfaceType::kFullRouter);
  iface.enabled = false;
  iface.transports.push_back({kPidIp, "IP", std::string(300, 'x')});
  return iface;
}

void RunVariant(const Variant& v) {
  SCOPED_TRACE(absl::StrCat(v.name, ", seed ", kSeed));
  ::shadowset::testing::TempDir scratch;
  Rig prepared;
  prepared.options.volume_size = v.volume_size;
  ASSERT_NO_FATAL_FAILURE(
      prepared.Prepare(kAdmin, [&](Engine* e, RouterConfig* r) {
        v.setup(e, r, scratch.path());
      }));
  ::shadowset::testing::SweepPowerLoss(
      v.name, kSeed, prepared,
      [&](RouterConfig* r) { return v.save(r, scratch.path()); },
      [](const RouterConfig& r) { return Observe(r); },
      [](RouterConfig* r) {
        return r->CreateInterface(kAdmin, Iface("later0"));
      });
}

TEST(RrasCrashTest, ConfigSave) {
  RunVariant({"save", 256 * 1024,
              [](Engine*, RouterConfig* r, const std::string&) { BaseSetup(r); },
              [](RouterConfig* r, const std::string&) {
                return r->SetInterface(kAdmin, Edited());
              }});
}

TEST(RrasCrashTest, ConfigSaveUnderALiveSnapshot) {
  RunVariant({"snapshot", 256 * 1024,
              [](Engine* e, RouterConfig* r, const std::string&) {
                BaseSetup(r);
                ASSERT_OK(e->CreateSnapshotSet(r->volumes()).status());
              },
              [](RouterConfig* r, const std::string&) {
                return r->SetInterface(kAdmin, Edited());
              }});
}

TEST(RrasCrashTest, ConfigSaveThatCompactsTheLog) {
  RunVariant({"compaction", 64 * 1024,
              [](Engine*, RouterConfig* r, const std::string&) {
                BaseSetup(r);
                uint64_t used = r->log_usage().used;
                ASSERT_OK(r->SetInterface(kAdmin, Edited()));
                uint64_t record = r->log_usage().used - used;
                while (r->log_usage().half_size - r->log_usage().used >= record) {
                  ASSERT_OK(r->SetInterface(kAdmin, Edited()));
                }
              },
              [](RouterConfig* r, const std::string&) {
                Interface iface = Edited();
                iface.enabled = true;
                return r->SetInterface(kAdmin, iface);
              }});
}

TEST(RrasCrashTest, RestoreFromABackupDirectory) {
  RunVariant({"restore", 256 * 1024,
              [](Engine*, RouterConfig* r, const std::string& scratch) {
                BaseSetup(r);
                ASSERT_OK(r->Backup(kAdmin, scratch + "/backup/"));
                ASSERT_OK(r->DeleteInterface(kAdmin, "eth0"));
                ASSERT_OK(r->DeletePhonebookEntry(kAdmin, "office"));
              },
              [](RouterConfig* r, const std::string& scratch) {
                return r->Restore(kAdmin, scratch + "/backup/");
              }});
}

}  // namespace
}  // namespace shadowset::rras
