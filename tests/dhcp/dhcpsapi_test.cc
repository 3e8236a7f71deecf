// The dhcpsapi C API: scenarios written in C (dhcpsapi_c_test.c) against a
// real server, then checked again through the C++ API.

#include "writers/dhcp/dhcpsapi.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/dhcp/dhcp_test_util.h"
#include "writers/dhcp/dhcpsapi_binding.h"

extern "C" {
int CScopeScenario(char* msg, size_t msg_size);
int CLeaseScenario(char* msg, size_t msg_size);
int COptionScenario(char* msg, size_t msg_size);
int CBackupScenario(const char* dir, char* msg, size_t msg_size);
}

namespace shadowset::dhcp {
namespace {

using namespace ::shadowset::dhcp::testing;  // NOLINT

class DhcpsapiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DhcpServerOptions o;
    o.volume_size = 1 << 20;
    o.server_ip = Ip("10.0.0.1");
    o.server_name = "dhcp1";
    ASSERT_OK_AND_ASSIGN(server_, DhcpServer::Create(fx_.engine(), o, kAdmin));
    binding_ = std::make_unique<DhcpApiBinding>("dhcp1", server_.get());
    ASSERT_TRUE(binding_->bound());
  }
  void TearDown() override {
    binding_.reset();
    EXPECT_THAT(server_->Check(), ::testing::IsEmpty());
  }

  EngineFixture fx_;
  std::unique_ptr<DhcpServer> server_;
  std::unique_ptr<DhcpApiBinding> binding_;
  char msg_[512] = {0};
};

TEST_F(DhcpsapiTest, ScopesFromC) {
  ASSERT_EQ(CScopeScenario(msg_, sizeof(msg_)), 0) << msg_;
  EXPECT_THAT(server_->GetSubnetInfo(kAdmin, Ip("10.1.0.0")),
              IsOkAndHolds(::testing::Field(&SubnetInfo::name, "renamed")));
}

TEST_F(DhcpsapiTest, LeasesFromC) {
  ASSERT_EQ(CScopeScenario(msg_, sizeof(msg_)), 0) << msg_;
  ASSERT_EQ(CLeaseScenario(msg_, sizeof(msg_)), 0) << msg_;
  ASSERT_OK_AND_ASSIGN(ClientInfo c, server_->GetClientInfo(
                                         kAdmin, SearchInfo::ByName("pc-30")));
  EXPECT_EQ(c.expires, absl::InfiniteFuture());
  EXPECT_EQ(c.quarantine_status, QuarantineStatus::kProbation);
  EXPECT_EQ(server_->lease_count(), 1u);
}

TEST_F(DhcpsapiTest, OptionsFromC) {
  ASSERT_EQ(CScopeScenario(msg_, sizeof(msg_)), 0) << msg_;
  ASSERT_EQ(COptionScenario(msg_, sizeof(msg_)), 0) << msg_;
}

TEST_F(DhcpsapiTest, BackupAndRestoreFromC) {
  ASSERT_EQ(CScopeScenario(msg_, sizeof(msg_)), 0) << msg_;
  std::string dir = fx_.tmp().Sub("backup");
  ASSERT_EQ(CBackupScenario(dir.c_str(), msg_, sizeof(msg_)), 0) << msg_;
  EXPECT_EQ(server_->pending_restore(), dir);
  ASSERT_OK_AND_ASSIGN(DhcpDatabaseImage image, ReadDhcpBackup(nullptr, dir));
  EXPECT_THAT(image.problems, ::testing::IsEmpty());
  EXPECT_EQ(image.subnets.size(), 1u);
}

TEST(DhcpsapiBindingTest, AmbiguousAndUnboundServers) {
  EngineFixture fx;
  DhcpServerOptions o;
  o.volume_size = 1 << 20;
  ASSERT_OK_AND_ASSIGN(auto a, DhcpServer::Create(fx.engine(), o, kAdmin));
  o.volume = "dhcp-b";
  ASSERT_OK_AND_ASSIGN(auto b, DhcpServer::Create(fx.engine(), o, kAdmin));
  DhcpSetCallerPrincipal(kAdmin);
  LPDHCP_SUBNET_INFO info = nullptr;
  EXPECT_EQ(DhcpGetSubnetInfo(nullptr, 1, &info), RPC_S_INVALID_BINDING);
  {
    DhcpApiBinding one("a", a.get());
    DhcpApiBinding dup("a", b.get());
    EXPECT_FALSE(dup.bound());
    EXPECT_EQ(DhcpGetSubnetInfo(nullptr, 1, &info), ERROR_DHCP_SUBNET_NOT_PRESENT);
    DhcpApiBinding two("b", b.get());
    EXPECT_EQ(DhcpGetSubnetInfo(nullptr, 1, &info), RPC_S_INVALID_BINDING);
    EXPECT_EQ(DhcpGetSubnetInfo("b", 1, &info), ERROR_DHCP_SUBNET_NOT_PRESENT);
  }
  EXPECT_EQ(DhcpGetSubnetInfo("a", 1, &info), RPC_S_INVALID_BINDING);
  EXPECT_EQ(info, nullptr);
}

}  // namespace
}  // namespace shadowset::dhcp
