// The mprapi C API: scenarios written in C (mprapi_c_test.c) against a real
// router configuration, then checked through the C++ API.

#include "writers/rras/mprapi.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/rras/rras_test_util.h"
#include "writers/rras/mprapi_binding.h"

extern "C" {
int CConnectScenario(char* msg, size_t msg_size);
int CTransportScenario(char* msg, size_t msg_size);
int CInterfaceScenario(char* msg, size_t msg_size);
int CBackupScenario(const char* good_dir, const char* plain_dir, char* msg,
                    size_t msg_size);
}

namespace shadowset::rras {
namespace {

using namespace ::shadowset::rras::testing;  // NOLINT

class MprapiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RouterConfigOptions o;
    o.volume_size = 256 * 1024;
    ASSERT_OK_AND_ASSIGN(router_, RouterConfig::Create(fx_.engine(), o, kAdmin));
    binding_ = std::make_unique<RrasApiBinding>("router1", router_.get());
    ASSERT_TRUE(binding_->bound());
  }
  void TearDown() override {
    binding_.reset();
    EXPECT_THAT(router_->Check(), ::testing::IsEmpty());
  }

  EngineFixture fx_;
  std::unique_ptr<RouterConfig> router_;
  std::unique_ptr<RrasApiBinding> binding_;
  char msg_[512] = {0};
};

TEST_F(MprapiTest, ConnectFromC) {
  ASSERT_EQ(CConnectScenario(msg_, sizeof(msg_)), 0) << msg_;
}

TEST_F(MprapiTest, TooManyHandlesIsNotEnoughMemory) {
  MprConfigSetCallerPrincipal(kAdmin);
  std::vector<HANDLE> handles(kMaxConfigHandles);
  for (HANDLE& h : handles) ASSERT_EQ(MprConfigServerConnect(nullptr, &h), 0u);
  HANDLE extra = nullptr;
  EXPECT_EQ(MprConfigServerConnect(nullptr, &extra), ERROR_NOT_ENOUGH_MEMORY);
  MprConfigServerDisconnect(handles.back());
  EXPECT_EQ(MprConfigServerConnect(nullptr, &extra), ERROR_SUCCESS);
  handles.back() = extra;
  for (HANDLE h : handles) MprConfigServerDisconnect(h);
}

TEST_F(MprapiTest, TransportsFromC) {
  ASSERT_EQ(CTransportScenario(msg_, sizeof(msg_)), 0) << msg_;
  EXPECT_THAT(router_->GetTransport(kAdmin, kPidIp),
              IsOkAndHolds(::testing::Field(&Transport::global_info,
                                            std::string("\x09\x02\x03\x04"))));
}

TEST_F(MprapiTest, InterfacesFromC) {
  ASSERT_EQ(CTransportScenario(msg_, sizeof(msg_)), 0) << msg_;
  ASSERT_EQ(CInterfaceScenario(msg_, sizeof(msg_)), 0) << msg_;
  ASSERT_OK_AND_ASSIGN(Interface eth0, router_->GetInterface(kAdmin, "eth0"));
  EXPECT_FALSE(eth0.enabled);
  EXPECT_EQ(eth0.type, InterfaceType::kDedicated);
  EXPECT_EQ(router_->EnumInterfaces(kAdmin)->size(), 1u);
}

TEST_F(MprapiTest, BackupAndRestoreFromC) {
  ASSERT_EQ(CTransportScenario(msg_, sizeof(msg_)), 0) << msg_;
  ASSERT_OK(Env::Default()->CreateDir(fx_.tmp().Sub("plain")));
  std::string good = fx_.tmp().Sub("good") + "/";
  std::string plain = fx_.tmp().Sub("plain") + "/";
  uint64_t seq = router_->sequence();
  ASSERT_EQ(CBackupScenario(good.c_str(), plain.c_str(), msg_, sizeof(msg_)), 0)
      << msg_;
  EXPECT_EQ(router_->sequence(), seq + 1);  // only the good restore changed it
}

}  // namespace
}  // namespace shadowset::rras
