// DhcpServer: every function of SEMANTICS.md §2 and every error row, with
// the exact code and proof that a rejected call changed nothing.

#include "writers/dhcp/dhcp_server.h"

#include <thread>

#include "absl/synchronization/notification.h"
#include "engine/codes.h"
#include "engine/fault_env.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/dhcp/dhcp_test_util.h"

namespace shadowset::dhcp {
namespace {

using ::shadowset::testing::HasCode;
using ::shadowset::testing::IsOk;
using ::shadowset::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace ::shadowset::dhcp::testing;  // NOLINT

// The call must fail with `code` and leave everything as it was.
#define EXPECT_REJECTED(expr, code)                       \
  do {                                                    \
    Observed before_ = Observe(*server_);                 \
    EXPECT_THAT((expr), HasCode(code));                   \
    EXPECT_TRUE(Observe(*server_) == before_) << #expr;   \
  } while (0)

class DhcpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.volume_size = 1 << 20;
    options_.server_ip = Ip("10.0.0.1");
    options_.server_name = "dhcp1";
    ASSERT_OK_AND_ASSIGN(server_,
                         DhcpServer::Create(fx_.engine(), options_, kAdmin));
  }

  void TearDown() override {
    if (server_ != nullptr) {
      EXPECT_THAT(server_->Check(), ::testing::IsEmpty());
    }
  }

  void Reopen() {
    server_.reset();
    ASSERT_OK_AND_ASSIGN(server_, DhcpServer::Open(fx_.engine(), options_));
  }

  // Scope 10.1.0.0/24 with range .10-.200.
  void AddScope() {
    ASSERT_OK(server_->CreateSubnet(kAdmin, Subnet("10.1.0.0", 24, "lab")));
    ASSERT_OK(server_->AddSubnetElement(kAdmin, Ip("10.1.0.0"),
                                        Range("10.1.0.10", "10.1.0.200")));
  }

  EngineFixture fx_;
  DhcpServerOptions options_;
  std::unique_ptr<DhcpServer> server_;
};

// --- creation, access control ---

TEST_F(DhcpServerTest, CreatorIsTheOnlyAdministrator) {
  EXPECT_THAT(server_->ListAdministrators(kAdmin),
              IsOkAndHolds(ElementsAre("alice")));
  EXPECT_EQ(server_->sequence(), 0u);
  EXPECT_THAT(server_->ListAdministrators(kStranger),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(server_->ListAdministrators(kStranger),
              HasCode(kErrorAccessDenied));
  EXPECT_EQ(server_->server_ip(), Ip("10.0.0.1"));
  EXPECT_EQ(server_->instance_id().size(), 36u);
}

TEST_F(DhcpServerTest, CreateRejectsNoCreatorAndAnExistingVolume) {
  DhcpServerOptions other = options_;
  other.volume = "dhcp2";
  EXPECT_THAT(DhcpServer::Create(fx_.engine(), other, ""),
              HasCode(kErrorInvalidParameter));
  EXPECT_THAT(DhcpServer::Create(fx_.engine(), options_, kAdmin),
              StatusIs(absl::StatusCode::kAlreadyExists));
  other.volume = "missing";
  EXPECT_THAT(DhcpServer::Open(fx_.engine(), other),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(DhcpServerTest, StrangersAreDeniedEveryCallAndChangeNothing) {
  AddScope();
  ASSERT_OK(server_->CreateClientInfo(kAdmin, Lease("10.1.0.20", 1, "a")));
  const IpAddress net = Ip("10.1.0.0");
  const char* s = kStranger;
  EXPECT_REJECTED(server_->CreateClientInfo(s, Lease("10.1.0.21", 2)),
                  kErrorAccessDenied);
  EXPECT_REJECTED(server_->SetClientInfo(s, Lease("10.1.0.20", 1)),
                  kErrorAccessDenied);
  EXPECT_REJECTED(server_->GetClientInfo(s, SearchInfo::ByIp(Ip("10.1.0.20"))),
                  kErrorAccessDenied);
  EXPECT_REJECTED(server_->DeleteClientInfo(s, SearchInfo::ByName("a")),
                  kErrorAccessDenied);
  EXPECT_REJECTED(server_->EnumSubnetClients(s, net), kErrorAccessDenied);
  EXPECT_REJECTED(server_->AllocateClient(s, net, Lease("0.0.0.0", 3)),
                  kErrorAccessDenied);
  EXPECT_REJECTED(server_->CreateSubnet(s, Subnet("10.2.0.0", 24)),
                  kErrorAccessDenied);
  EXPECT_REJECTED(server_->SetSubnetInfo(s, Subnet("10.1.0.0", 24, "x")),
                  kErrorAccessDenied);
  EXPECT_REJECTED(server_->GetSubnetInfo(s, net), kErrorAccessDenied);
  EXPECT_REJECTED(server_->DeleteSubnet(s, net, ForceFlag::kFullForce),
                  kErrorAccessDenied);
  EXPECT_REJECTED(server_->EnumSubnets(s), kErrorAccessDenied);
  EXPECT_REJECTED(
      server_->AddSubnetElement(s, net, Exclusion("10.1.0.5", "10.1.0.6")),
      kErrorAccessDenied);
  EXPECT_REJECTED(server_->RemoveSubnetElement(
                      s, net, Range("10.1.0.10", "10.1.0.200"),
                      ForceFlag::kFullForce),
                  kErrorAccessDenied);
  EXPECT_REJECTED(
      server_->EnumSubnetElements(s, net, ElementType::kIpRanges),
      kErrorAccessDenied);
  OptionValue v = {{OptionDataType::kIpAddress, Ip("10.1.0.1"), ""}};
  EXPECT_REJECTED(server_->SetOptionValue(s, OptionScope::Global(), 3, v),
                  kErrorAccessDenied);
  EXPECT_REJECTED(server_->GetOptionValue(s, OptionScope::Global(), 3),
                  kErrorAccessDenied);
  EXPECT_REJECTED(server_->RemoveOptionValue(s, OptionScope::Global(), 3),
                  kErrorAccessDenied);
  EXPECT_REJECTED(server_->EnumOptionValues(s, OptionScope::Global()),
                  kErrorAccessDenied);
  EXPECT_REJECTED(server_->AddAdministrator(s, s), kErrorAccessDenied);
  EXPECT_REJECTED(server_->RemoveAdministrator(s, kAdmin), kErrorAccessDenied);
  EXPECT_REJECTED(server_->BackupDatabase(s, fx_.tmp().Sub("b")),
                  kErrorAccessDenied);
  EXPECT_REJECTED(server_->RestoreDatabase(s, fx_.tmp().Sub("b")),
                  kErrorAccessDenied);
  EXPECT_EQ(Env::Default()->GetFileType(fx_.tmp().Sub("b")).value(),
            FileType::kMissing);
}

TEST_F(DhcpServerTest, AdministratorsAreStoredAndManaged) {
  ASSERT_OK(server_->AddAdministrator(kAdmin, "bob"));
  EXPECT_REJECTED(server_->AddAdministrator(kAdmin, "bob"),
                  kErrorAlreadyExists);
  EXPECT_REJECTED(server_->AddAdministrator(kAdmin, ""),
                  kErrorInvalidParameter);
  EXPECT_REJECTED(server_->RemoveAdministrator(kAdmin, "carol"),
                  kErrorNotFound);
  Reopen();  // membership is stored
  EXPECT_THAT(server_->ListAdministrators("bob"),
              IsOkAndHolds(ElementsAre("alice", "bob")));
  ASSERT_OK(server_->RemoveAdministrator("bob", kAdmin));
  EXPECT_REJECTED(server_->RemoveAdministrator("bob", "bob"),
                  kErrorNotSupported);
  EXPECT_THAT(server_->ListAdministrators(kAdmin), HasCode(kErrorAccessDenied));
}

// --- scopes ---

TEST_F(DhcpServerTest, CreateSubnetValidatesAndRefusesDuplicates) {
  ASSERT_OK(server_->CreateSubnet(kAdmin, Subnet("10.1.0.0", 24, "lab")));
  EXPECT_REJECTED(server_->CreateSubnet(kAdmin, Subnet("10.1.0.0", 24)),
                  kErrorDhcpSubnetExists);
  EXPECT_REJECTED(server_->CreateSubnet(kAdmin, Subnet("10.1.0.0", 16)),
                  kErrorDhcpSubnetExists);  // overlaps
  EXPECT_REJECTED(server_->CreateSubnet(kAdmin, Subnet("10.1.0.128", 25)),
                  kErrorDhcpSubnetExists);
  SubnetInfo bad = Subnet("10.2.0.0", 24);
  bad.mask = Ip("255.0.255.0");
  EXPECT_REJECTED(server_->CreateSubnet(kAdmin, bad), kErrorInvalidParameter);
  bad = Subnet("10.2.0.0", 24);
  bad.address = Ip("10.2.0.7");
  EXPECT_REJECTED(server_->CreateSubnet(kAdmin, bad), kErrorInvalidParameter);
  EXPECT_REJECTED(server_->CreateSubnet(kAdmin, SubnetInfo{}),
                  kErrorInvalidParameter);
  ASSERT_OK(server_->CreateSubnet(kAdmin, Subnet("10.2.0.0", 16, "b")));
  ASSERT_OK_AND_ASSIGN(std::vector<SubnetInfo> all, server_->EnumSubnets(kAdmin));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0], Subnet("10.1.0.0", 24, "lab"));
  EXPECT_EQ(all[1], Subnet("10.2.0.0", 16, "b"));
}

TEST_F(DhcpServerTest, SetAndGetSubnetInfo) {
  AddScope();
  SubnetInfo info = Subnet("10.1.0.0", 24, "renamed");
  info.comment = "second floor";
  info.primary_host = {Ip("10.0.0.1"), "DHCP1", "dhcp1.example"};
  info.state = SubnetState::kDisabled;
  ASSERT_OK(server_->SetSubnetInfo(kAdmin, info));
  EXPECT_THAT(server_->GetSubnetInfo(kAdmin, Ip("10.1.0.0")),
              IsOkAndHolds(info));
  EXPECT_REJECTED(server_->GetSubnetInfo(kAdmin, Ip("10.9.0.0")),
                  kErrorDhcpSubnetNotPresent);
  EXPECT_REJECTED(server_->SetSubnetInfo(kAdmin, Subnet("10.9.0.0", 24)),
                  kErrorDhcpSubnetNotPresent);
  EXPECT_REJECTED(server_->SetSubnetInfo(kAdmin, Subnet("10.1.0.0", 23)),
                  kErrorInvalidParameter);
  Reopen();
  EXPECT_THAT(server_->GetSubnetInfo(kAdmin, Ip("10.1.0.0")),
              IsOkAndHolds(info));
}

TEST_F(DhcpServerTest, DeleteSubnetNeedsForceWhileLeased) {
  AddScope();
  ASSERT_OK(server_->AddSubnetElement(kAdmin, Ip("10.1.0.0"),
                                      Reserved("10.1.0.50", 9)));
  ASSERT_OK(server_->SetOptionValue(kAdmin, OptionScope::Subnet(Ip("10.1.0.0")),
                                    3, {{OptionDataType::kIpAddress, 1, ""}}));
  ASSERT_OK(server_->CreateClientInfo(kAdmin, Lease("10.1.0.20", 1)));
  EXPECT_REJECTED(
      server_->DeleteSubnet(kAdmin, Ip("10.1.0.0"), ForceFlag::kNoForce),
      kErrorDhcpElementCantRemove);
  EXPECT_REJECTED(
      server_->DeleteSubnet(kAdmin, Ip("10.9.0.0"), ForceFlag::kFullForce),
      kErrorDhcpSubnetNotPresent);
  ASSERT_OK(server_->DeleteSubnet(kAdmin, Ip("10.1.0.0"), ForceFlag::kFullForce));
  EXPECT_THAT(server_->EnumSubnets(kAdmin),
              IsOkAndHolds(::testing::IsEmpty()));
  EXPECT_THAT(server_->EnumSubnetClients(kAdmin, 0),
              IsOkAndHolds(::testing::IsEmpty()));
  // A scope re-created there starts empty.
  AddScope();
  EXPECT_THAT(server_->EnumSubnetElements(kAdmin, Ip("10.1.0.0"),
                                          ElementType::kReservedIps),
              IsOkAndHolds(::testing::IsEmpty()));
  EXPECT_THAT(server_->GetOptionValue(
                  kAdmin, OptionScope::Subnet(Ip("10.1.0.0")), 3),
              HasCode(kErrorDhcpOptionNotPresent));
  ASSERT_OK(server_->CreateSubnet(kAdmin, Subnet("10.3.0.0", 24)));
  ASSERT_OK(server_->DeleteSubnet(kAdmin, Ip("10.3.0.0"), ForceFlag::kNoForce));
}

// --- elements ---

TEST_F(DhcpServerTest, RangesRejectOverlapsAndOutsiders) {
  AddScope();
  const IpAddress net = Ip("10.1.0.0");
  EXPECT_REJECTED(
      server_->AddSubnetElement(kAdmin, net, Range("10.1.0.200", "10.1.0.220")),
      kErrorDhcpInvalidRange);
  EXPECT_REJECTED(
      server_->AddSubnetElement(kAdmin, net, Range("10.1.0.250", "10.1.1.5")),
      kErrorDhcpInvalidRange);
  EXPECT_REJECTED(
      server_->AddSubnetElement(kAdmin, net, Range("10.1.0.250", "10.1.0.240")),
      kErrorInvalidParameter);
  EXPECT_REJECTED(server_->AddSubnetElement(kAdmin, Ip("10.9.0.0"),
                                            Range("10.9.0.1", "10.9.0.2")),
                  kErrorDhcpSubnetNotPresent);
  ASSERT_OK(
      server_->AddSubnetElement(kAdmin, net, Range("10.1.0.201", "10.1.0.250")));
  ASSERT_OK(
      server_->AddSubnetElement(kAdmin, net, Exclusion("10.1.0.10", "10.1.0.19")));
  EXPECT_REJECTED(
      server_->AddSubnetElement(kAdmin, net, Exclusion("10.1.0.15", "10.1.0.30")),
      kErrorDhcpInvalidRange);
  EXPECT_THAT(
      server_->EnumSubnetElements(kAdmin, net, ElementType::kIpRanges),
      IsOkAndHolds(ElementsAre(Range("10.1.0.10", "10.1.0.200"),
                                      Range("10.1.0.201", "10.1.0.250"))));
  EXPECT_THAT(
      server_->EnumSubnetElements(kAdmin, net, ElementType::kExcludedIpRanges),
      IsOkAndHolds(ElementsAre(Exclusion("10.1.0.10", "10.1.0.19"))));
  ASSERT_OK(server_->CreateClientInfo(kAdmin, Lease("10.1.0.210", 1)));
  EXPECT_REJECTED(server_->RemoveSubnetElement(
                      kAdmin, net, Range("10.1.0.201", "10.1.0.250"),
                      ForceFlag::kNoForce),
                  kErrorDhcpElementCantRemove);
  EXPECT_REJECTED(server_->RemoveSubnetElement(
                      kAdmin, net, Range("10.1.0.201", "10.1.0.251"),
                      ForceFlag::kFullForce),
                  kErrorDhcpInvalidRange);
  EXPECT_REJECTED(server_->RemoveSubnetElement(
                      kAdmin, net, Exclusion("10.1.0.10", "10.1.0.18"),
                      ForceFlag::kFullForce),
                  kErrorDhcpInvalidRange);
  ASSERT_OK(server_->RemoveSubnetElement(
      kAdmin, net, Range("10.1.0.201", "10.1.0.250"), ForceFlag::kFullForce));
  ASSERT_OK(server_->RemoveSubnetElement(
      kAdmin, net, Exclusion("10.1.0.10", "10.1.0.19"), ForceFlag::kNoForce));
  EXPECT_THAT(
      server_->EnumSubnetElements(kAdmin, net, ElementType::kIpRanges),
      IsOkAndHolds(ElementsAre(Range("10.1.0.10", "10.1.0.200"))));
  EXPECT_THAT(server_->EnumSubnetElements(kAdmin, Ip("10.9.0.0"),
                                          ElementType::kIpRanges),
              HasCode(kErrorDhcpSubnetNotPresent));
}

TEST_F(DhcpServerTest, ReservationsAreUniqueByAddressAndHardwareAddress) {
  AddScope();
  const IpAddress net = Ip("10.1.0.0");
  ASSERT_OK(server_->AddSubnetElement(kAdmin, net, Reserved("10.1.0.50", 7)));
  EXPECT_REJECTED(server_->AddSubnetElement(kAdmin, net, Reserved("10.1.0.50", 8)),
                  kErrorDhcpReservedIpExists);
  EXPECT_REJECTED(server_->AddSubnetElement(kAdmin, net, Reserved("10.1.0.51", 7)),
                  kErrorDhcpReservedIpExists);
  EXPECT_REJECTED(server_->AddSubnetElement(kAdmin, net, Reserved("10.2.0.51", 8)),
                  kErrorDhcpSubnetNotPresent);
  SubnetElement empty = Reserved("10.1.0.52", 8);
  empty.reservation.hardware_address.clear();
  EXPECT_REJECTED(server_->AddSubnetElement(kAdmin, net, empty),
                  kErrorInvalidParameter);
  ASSERT_OK(server_->CreateClientInfo(kAdmin, Lease("10.1.0.60", 1)));
  EXPECT_REJECTED(server_->AddSubnetElement(kAdmin, net, Reserved("10.1.0.60", 2)),
                  kErrorDhcpAddressNotAvailable);
  // The client that holds the lease may reserve it.
  ASSERT_OK(server_->AddSubnetElement(kAdmin, net, Reserved("10.1.0.60", 1)));
  EXPECT_THAT(
      server_->EnumSubnetElements(kAdmin, net, ElementType::kReservedIps),
      IsOkAndHolds(ElementsAre(Reserved("10.1.0.50", 7),
                                      Reserved("10.1.0.60", 1))));
  EXPECT_REJECTED(server_->RemoveSubnetElement(kAdmin, net,
                                               Reserved("10.1.0.70", 0),
                                               ForceFlag::kFullForce),
                  kErrorDhcpNotReservedClient);
  ASSERT_OK(server_->RemoveSubnetElement(kAdmin, net, Reserved("10.1.0.50", 0),
                                         ForceFlag::kFullForce));
  Reopen();
  EXPECT_THAT(
      server_->EnumSubnetElements(kAdmin, net, ElementType::kReservedIps),
      IsOkAndHolds(ElementsAre(Reserved("10.1.0.60", 1))));
}

// --- options ---

TEST_F(DhcpServerTest, OptionsAtServerScopeAndReservationLevel) {
  AddScope();
  const IpAddress net = Ip("10.1.0.0");
  ASSERT_OK(server_->AddSubnetElement(kAdmin, net, Reserved("10.1.0.50", 7)));
  OptionValue router = {{OptionDataType::kIpAddress, Ip("10.1.0.1"), ""}};
  OptionValue dns = {{OptionDataType::kString, 0, "example.com"}};
  OptionValue lease_time = {{OptionDataType::kDWord, 3600, ""}};
  ASSERT_OK(server_->SetOptionValue(kAdmin, OptionScope::Global(), 15, dns));
  ASSERT_OK(server_->SetOptionValue(kAdmin, OptionScope::Subnet(net), 3, router));
  ASSERT_OK(server_->SetOptionValue(
      kAdmin, OptionScope::Reserved(net, Ip("10.1.0.50")), 51, lease_time));
  EXPECT_THAT(server_->GetOptionValue(kAdmin, OptionScope::Global(), 15),
              IsOkAndHolds(dns));
  EXPECT_THAT(server_->GetOptionValue(kAdmin, OptionScope::Subnet(net), 3),
              IsOkAndHolds(router));
  EXPECT_THAT(server_->GetOptionValue(
                  kAdmin, OptionScope::Reserved(net, Ip("10.1.0.50")), 51),
              IsOkAndHolds(lease_time));
  EXPECT_REJECTED(server_->GetOptionValue(kAdmin, OptionScope::Global(), 3),
                  kErrorDhcpOptionNotPresent);
  EXPECT_REJECTED(server_->RemoveOptionValue(kAdmin, OptionScope::Global(), 3),
                  kErrorDhcpOptionNotPresent);
  EXPECT_REJECTED(server_->SetOptionValue(kAdmin, OptionScope::Global(), 0, dns),
                  kErrorInvalidParameter);
  EXPECT_REJECTED(
      server_->SetOptionValue(kAdmin, OptionScope::Global(), 255, dns),
      kErrorInvalidParameter);
  EXPECT_REJECTED(server_->SetOptionValue(kAdmin, OptionScope::Global(), 6, {}),
                  kErrorInvalidParameter);
  EXPECT_REJECTED(server_->SetOptionValue(
                      kAdmin, OptionScope::Subnet(Ip("10.9.0.0")), 3, router),
                  kErrorDhcpSubnetNotPresent);
  EXPECT_REJECTED(
      server_->SetOptionValue(
          kAdmin, OptionScope::Reserved(net, Ip("10.1.0.51")), 3, router),
      kErrorDhcpNotReservedClient);
  EXPECT_THAT(server_->EnumOptionValues(kAdmin, OptionScope::Subnet(net)),
              IsOkAndHolds(ElementsAre(std::make_pair(3u, router))));
  Reopen();
  ASSERT_OK(server_->RemoveOptionValue(kAdmin, OptionScope::Global(), 15));
  EXPECT_THAT(server_->EnumOptionValues(kAdmin, OptionScope::Global()),
              IsOkAndHolds(::testing::IsEmpty()));
  // Removing the reservation removes its options.
  ASSERT_OK(server_->RemoveSubnetElement(kAdmin, net, Reserved("10.1.0.50", 7),
                                         ForceFlag::kFullForce));
  ASSERT_OK(server_->AddSubnetElement(kAdmin, net, Reserved("10.1.0.50", 7)));
  EXPECT_THAT(server_->GetOptionValue(
                  kAdmin, OptionScope::Reserved(net, Ip("10.1.0.50")), 51),
              HasCode(kErrorDhcpOptionNotPresent));
}

// --- leases ---

TEST_F(DhcpServerTest, CreateClientInfoKeepsEveryField) {
  AddScope();
  ClientInfo c = Lease("10.1.0.20", 1, "pc-20");
  c.comment = "front desk";
  c.expires = absl::FromUnixSeconds(1800000000) + absl::Nanoseconds(300);
  c.owner = {Ip("10.0.0.2"), "DHCP2", "dhcp2.example"};
  c.client_type = ClientType::kBoth;
  c.address_state = AddressState::kOffered;
  c.quarantine_status = QuarantineStatus::kProbation;
  c.probation_ends = absl::FromUnixSeconds(1800003600);
  c.quarantine_capable = true;
  ASSERT_OK(server_->CreateClientInfo(kAdmin, c));
  EXPECT_EQ(server_->sequence(), 3u);
  ClientInfo expected = c;
  expected.subnet_mask = Ip("255.255.255.0");
  EXPECT_THAT(server_->GetClientInfo(kAdmin, SearchInfo::ByIp(c.ip)),
              IsOkAndHolds(expected));
  // Defaults: the scope's mask and the server as owner.
  ASSERT_OK(server_->CreateClientInfo(kAdmin, Lease("10.1.0.21", 2)));
  ASSERT_OK_AND_ASSIGN(ClientInfo d, server_->GetClientInfo(
                                         kAdmin, SearchInfo::ByIp(Ip("10.1.0.21"))));
  EXPECT_EQ(d.subnet_mask, Ip("255.255.255.0"));
  EXPECT_EQ(d.owner, (HostInfo{Ip("10.0.0.1"), "", "dhcp1"}));
  Reopen();
  EXPECT_THAT(server_->GetClientInfo(kAdmin, SearchInfo::ByIp(c.ip)),
              IsOkAndHolds(expected));
}

TEST_F(DhcpServerTest, CreateClientInfoErrorRows) {
  AddScope();
  const IpAddress net = Ip("10.1.0.0");
  ASSERT_OK(server_->AddSubnetElement(kAdmin, net, Exclusion("10.1.0.30", "10.1.0.39")));
  ASSERT_OK(server_->AddSubnetElement(kAdmin, net, Reserved("10.1.0.50", 7)));
  ASSERT_OK(server_->CreateClientInfo(kAdmin, Lease("10.1.0.20", 1)));
  ClientInfo no_ip = Lease("10.1.0.21", 2);
  no_ip.ip = 0;
  EXPECT_REJECTED(server_->CreateClientInfo(kAdmin, no_ip), kErrorInvalidParameter);
  ClientInfo no_hw = Lease("10.1.0.21", 2);
  no_hw.hardware_address.clear();
  EXPECT_REJECTED(server_->CreateClientInfo(kAdmin, no_hw), kErrorInvalidParameter);
  EXPECT_REJECTED(server_->CreateClientInfo(kAdmin, Lease("10.7.0.5", 2)),
                  kErrorDhcpSubnetNotPresent);
  EXPECT_REJECTED(server_->CreateClientInfo(kAdmin, Lease("10.1.0.20", 2)),
                  kErrorDhcpClientExists);
  EXPECT_REJECTED(server_->CreateClientInfo(kAdmin, Lease("10.1.0.20", 1)),
                  kErrorDhcpClientExists);
  EXPECT_REJECTED(server_->CreateClientInfo(kAdmin, Lease("10.1.0.35", 2)),
                  kErrorDhcpAddressNotAvailable);
  EXPECT_REJECTED(server_->CreateClientInfo(kAdmin, Lease("10.1.0.50", 2)),
                  kErrorDhcpAddressNotAvailable);
  EXPECT_REJECTED(server_->CreateClientInfo(kAdmin, Lease("10.1.0.22", 1)),
                  kErrorDhcpReservedIpExists);
  ClientInfo bad_mask = Lease("10.1.0.22", 3);
  bad_mask.subnet_mask = Ip("255.255.0.0");
  EXPECT_REJECTED(server_->CreateClientInfo(kAdmin, bad_mask),
                  kErrorInvalidParameter);
  // The reserved client may take its address; the same MAC in another scope
  // is fine.
  ASSERT_OK(server_->CreateClientInfo(kAdmin, Lease("10.1.0.50", 7)));
  ASSERT_OK(server_->CreateSubnet(kAdmin, Subnet("10.2.0.0", 24)));
  ASSERT_OK(server_->CreateClientInfo(kAdmin, Lease("10.2.0.20", 1)));
}

TEST_F(DhcpServerTest, SetClientInfoReplacesTheRecord) {
  AddScope();
  ASSERT_OK(server_->CreateClientInfo(kAdmin, Lease("10.1.0.20", 1, "a")));
  ASSERT_OK(server_->CreateClientInfo(kAdmin, Lease("10.1.0.21", 2, "b")));
  ClientInfo renewed = Lease("10.1.0.20", 1, "a2");
  renewed.expires = absl::FromUnixSeconds(2000000000);
  ASSERT_OK(server_->SetClientInfo(kAdmin, renewed));
  EXPECT_THAT(server_->GetClientInfo(kAdmin, SearchInfo::ByName("a2")),
              IsOkAndHolds(::testing::Field(&ClientInfo::expires,
                                                   renewed.expires)));
  EXPECT_THAT(server_->GetClientInfo(kAdmin, SearchInfo::ByName("a")),
              HasCode(kErrorDhcpInvalidDhcpClient));
  EXPECT_REJECTED(server_->SetClientInfo(kAdmin, Lease("10.1.0.22", 3)),
                  kErrorDhcpInvalidDhcpClient);
  EXPECT_REJECTED(server_->SetClientInfo(kAdmin, Lease("10.1.0.20", 2)),
                  kErrorDhcpReservedIpExists);
  ClientInfo no_hw = Lease("10.1.0.20", 1);
  no_hw.hardware_address.clear();
  EXPECT_REJECTED(server_->SetClientInfo(kAdmin, no_hw), kErrorInvalidParameter);
  ASSERT_OK(server_->AddSubnetElement(kAdmin, Ip("10.1.0.0"),
                                      Exclusion("10.1.0.21", "10.1.0.21")));
  EXPECT_REJECTED(server_->SetClientInfo(kAdmin, Lease("10.1.0.21", 2)),
                  kErrorDhcpAddressNotAvailable);
}

TEST_F(DhcpServerTest, GetClientInfoSearchesByIpHardwareAddressAndName) {
  AddScope();
  ASSERT_OK(server_->CreateSubnet(kAdmin, Subnet("10.2.0.0", 24)));
  ASSERT_OK(server_->CreateClientInfo(kAdmin, Lease("10.2.0.9", 1, "twin")));
  ASSERT_OK(server_->CreateClientInfo(kAdmin, Lease("10.1.0.30", 1, "one")));
  ASSERT_OK(server_->CreateClientInfo(kAdmin, Lease("10.1.0.20", 2, "twin")));
  auto ip_of = [&](const SearchInfo& s) {
    absl::StatusOr<ClientInfo> c = server_->GetClientInfo(kAdmin, s);
    return c.ok() ? FormatIp(c->ip) : c.status().ToString();
  };
  EXPECT_EQ(ip_of(SearchInfo::ByIp(Ip("10.1.0.30"))), "10.1.0.30");
  EXPECT_EQ(ip_of(SearchInfo::ByHardwareAddress(Mac(1))), "10.1.0.30");
  EXPECT_EQ(ip_of(SearchInfo::ByName("twin")), "10.1.0.20");
  EXPECT_REJECTED(server_->GetClientInfo(kAdmin, SearchInfo::ByIp(Ip("10.1.0.99"))),
                  kErrorDhcpInvalidDhcpClient);
  EXPECT_REJECTED(server_->GetClientInfo(kAdmin, SearchInfo::ByHardwareAddress(Mac(5))),
                  kErrorDhcpInvalidDhcpClient);
  EXPECT_REJECTED(server_->GetClientInfo(kAdmin, SearchInfo::ByName("nobody")),
                  kErrorDhcpInvalidDhcpClient);
  EXPECT_REJECTED(server_->GetClientInfo(kAdmin, SearchInfo::ByName("")),
                  kErrorInvalidParameter);
  EXPECT_REJECTED(server_->GetClientInfo(kAdmin, SearchInfo::ByHardwareAddress("")),
                  kErrorInvalidParameter);
  EXPECT_REJECTED(server_->GetClientInfo(kAdmin, SearchInfo::ByIp(0)),
                  kErrorInvalidParameter);
  Reopen();  // the indexes are rebuilt
  EXPECT_EQ(ip_of(SearchInfo::ByHardwareAddress(Mac(1))), "10.1.0.30");
  EXPECT_EQ(ip_of(SearchInfo::ByName("twin")), "10.1.0.20");
}

TEST_F(DhcpServerTest, DeleteClientInfoDeletesEveryMatchInOneMutation) {
  AddScope();
  ASSERT_OK(server_->CreateClientInfo(kAdmin, Lease("10.1.0.20", 1, "dup")));
  ASSERT_OK(server_->CreateClientInfo(kAdmin, Lease("10.1.0.21", 2, "dup")));
  ASSERT_OK(server_->CreateClientInfo(kAdmin, Lease("10.1.0.22", 3, "keep")));
  uint64_t seq = server_->sequence();
  ASSERT_OK(server_->DeleteClientInfo(kAdmin, SearchInfo::ByName("dup")));
  EXPECT_EQ(server_->sequence(), seq + 1);
  ASSERT_OK(server_->DeleteClientInfo(kAdmin, SearchInfo::ByHardwareAddress(Mac(3))));
  EXPECT_THAT(server_->EnumSubnetClients(kAdmin, Ip("10.1.0.0")),
              IsOkAndHolds(::testing::IsEmpty()));
  EXPECT_REJECTED(server_->DeleteClientInfo(kAdmin, SearchInfo::ByName("dup")),
                  kErrorDhcpInvalidDhcpClient);
  EXPECT_REJECTED(server_->DeleteClientInfo(kAdmin, SearchInfo::ByIp(0)),
                  kErrorInvalidParameter);
  // The address is free again.
  ASSERT_OK(server_->CreateClientInfo(kAdmin, Lease("10.1.0.20", 9)));
}

TEST_F(DhcpServerTest, EnumSubnetClientsPerScope) {
  AddScope();
  ASSERT_OK(server_->CreateSubnet(kAdmin, Subnet("10.2.0.0", 24)));
  ASSERT_OK(server_->CreateClientInfo(kAdmin, Lease("10.2.0.9", 1)));
  ASSERT_OK(server_->CreateClientInfo(kAdmin, Lease("10.1.0.30", 2)));
  ASSERT_OK(server_->CreateClientInfo(kAdmin, Lease("10.1.0.20", 3)));
  auto ips = [&](IpAddress subnet) {
    std::vector<std::string> out;
    std::vector<ClientInfo> leases =
        server_->EnumSubnetClients(kAdmin, subnet).value();
    for (const ClientInfo& c : leases) out.push_back(FormatIp(c.ip));
    return out;
  };
  EXPECT_THAT(ips(Ip("10.1.0.0")), ElementsAre("10.1.0.20", "10.1.0.30"));
  EXPECT_THAT(ips(Ip("10.2.0.0")), ElementsAre("10.2.0.9"));
  EXPECT_THAT(ips(0), ElementsAre("10.1.0.20", "10.1.0.30", "10.2.0.9"));
  EXPECT_REJECTED(server_->EnumSubnetClients(kAdmin, Ip("10.3.0.0")),
                  kErrorDhcpSubnetNotPresent);
}

TEST_F(DhcpServerTest, AllocateClientHandsOutEachAddressOnce) {
  ASSERT_OK(server_->CreateSubnet(kAdmin, Subnet("10.1.0.0", 24)));
  const IpAddress net = Ip("10.1.0.0");
  ASSERT_OK(server_->AddSubnetElement(kAdmin, net, Range("10.1.0.10", "10.1.0.15")));
  ASSERT_OK(server_->AddSubnetElement(kAdmin, net, Exclusion("10.1.0.11", "10.1.0.11")));
  ASSERT_OK(server_->AddSubnetElement(kAdmin, net, Reserved("10.1.0.14", 77)));
  ASSERT_OK(server_->CreateClientInfo(kAdmin, Lease("10.1.0.12", 50)));
  std::vector<std::string> got;
  for (uint32_t mac : {1, 2}) {
    ASSERT_OK_AND_ASSIGN(ClientInfo c,
                         server_->AllocateClient(kAdmin, net, Lease("0.0.0.0", mac)));
    got.push_back(FormatIp(c.ip));
  }
  EXPECT_THAT(got, ElementsAre("10.1.0.10", "10.1.0.13"));
  // The reserved client gets its reservation; a renewal keeps the address.
  EXPECT_THAT(server_->AllocateClient(kAdmin, net, Lease("0.0.0.0", 77)),
              IsOkAndHolds(::testing::Field(&ClientInfo::ip, Ip("10.1.0.14"))));
  ClientInfo renew = Lease("0.0.0.0", 1, "renewed");
  renew.expires = absl::FromUnixSeconds(2100000000);
  ASSERT_OK_AND_ASSIGN(ClientInfo r, server_->AllocateClient(kAdmin, net, renew));
  EXPECT_EQ(r.ip, Ip("10.1.0.10"));
  EXPECT_EQ(r.expires, renew.expires);
  EXPECT_EQ(r.name, "renewed");
  ASSERT_OK(server_->AllocateClient(kAdmin, net, Lease("0.0.0.0", 3)).status());
  EXPECT_REJECTED(server_->AllocateClient(kAdmin, net, Lease("0.0.0.0", 4)),
                  kErrorDhcpRangeFull);
  EXPECT_REJECTED(server_->AllocateClient(kAdmin, Ip("10.9.0.0"), Lease("0.0.0.0", 4)),
                  kErrorDhcpSubnetNotPresent);
  ClientInfo no_hw = Lease("0.0.0.0", 4);
  no_hw.hardware_address.clear();
  EXPECT_REJECTED(server_->AllocateClient(kAdmin, net, no_hw), kErrorInvalidParameter);
}

// --- storage ---

TEST_F(DhcpServerTest, ConcurrentMutationsSurviveCompactionAndReopen) {
  // A 256 KiB volume has ~124 KiB halves: 1,600 lease updates rebase it
  // several times. Four threads on disjoint addresses share group commits.
  options_.volume = "small";
  options_.volume_size = 256 * 1024;
  ASSERT_OK_AND_ASSIGN(server_, DhcpServer::Create(fx_.engine(), options_, kAdmin));
  AddScope();
  constexpr int kThreads = 4, kPerThread = 400;
  std::vector<std::map<IpAddress, ClientInfo>> models(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string ip = absl::StrFormat("10.1.0.%d", 10 + t * 40 + i % 40);
        ClientInfo c = Lease(ip.c_str(), 1000 + t * 40 + i % 40,
                             absl::StrCat("h", t, "-", i));
        absl::Status s = models[t].count(c.ip)
                             ? server_->SetClientInfo(kAdmin, c)
                             : server_->CreateClientInfo(kAdmin, c);
        ASSERT_OK(s);
        c.subnet_mask = Ip("255.255.255.0");
        c.owner = {Ip("10.0.0.1"), "", "dhcp1"};
        models[t][c.ip] = c;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  uint64_t seq = server_->sequence();
  EXPECT_EQ(seq, 2u + kThreads * kPerThread);
  EXPECT_THAT(server_->Check(), ::testing::IsEmpty());
  Reopen();
  EXPECT_EQ(server_->sequence(), seq);
  std::map<IpAddress, ClientInfo> model;
  for (const auto& m : models) model.insert(m.begin(), m.end());
  std::vector<ClientInfo> expected;
  for (const auto& [ip, c] : model) expected.push_back(c);
  EXPECT_EQ(server_->EnumSubnetClients(kAdmin, 0).value(), expected);
}

TEST_F(DhcpServerTest, DatabaseFullIsAJetErrorAndChangesNothing) {
  options_.volume = "tiny";
  options_.volume_size = 64 * 1024;
  ASSERT_OK_AND_ASSIGN(server_, DhcpServer::Create(fx_.engine(), options_, kAdmin));
  ASSERT_OK(server_->CreateSubnet(kAdmin, Subnet("10.1.0.0", 16)));
  absl::Status s;
  int created = 0;
  for (; created < 5000; ++created) {
    std::string ip = absl::StrFormat("10.1.%d.%d", created / 200, 1 + created % 200);
    ClientInfo c = Lease(ip.c_str(), created, std::string(100, 'n'));
    Observed before = Observe(*server_);
    s = server_->CreateClientInfo(kAdmin, c);
    if (!s.ok()) {
      EXPECT_TRUE(Observe(*server_) == before);
      break;
    }
  }
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(s, HasCode(kErrorDhcpJetError));
  EXPECT_GT(created, 50);
  // Deleting makes room again.
  ASSERT_OK(server_->DeleteClientInfo(kAdmin, SearchInfo::ByIp(Ip("10.1.0.1"))));
  Reopen();
  EXPECT_EQ(server_->lease_count(), static_cast<size_t>(created - 1));
}

TEST_F(DhcpServerTest, LeaseListenerSeesEveryChangeInOrder) {
  AddScope();
  std::vector<std::string> seen;
  server_->SetLeaseListener([&](uint64_t seq, IpAddress ip, const ClientInfo* c) {
    seen.push_back(absl::StrCat(seq, " ", FormatIp(ip), " ",
                                c != nullptr ? c->name : "-"));
  });
  ASSERT_OK(server_->CreateClientInfo(kAdmin, Lease("10.1.0.20", 1, "a")));
  ASSERT_OK(server_->CreateClientInfo(kAdmin, Lease("10.1.0.21", 2, "b")));
  ASSERT_OK(server_->CreateSubnet(kAdmin, Subnet("10.2.0.0", 24)));
  ASSERT_OK(server_->DeleteSubnet(kAdmin, Ip("10.1.0.0"), ForceFlag::kFullForce));
  EXPECT_THAT(seen, ElementsAre("3 10.1.0.20 a", "4 10.1.0.21 b",
                                "6 10.1.0.20 -", "6 10.1.0.21 -"));
}

TEST_F(DhcpServerTest, QuiesceBlocksMutationsButNotReads) {
  AddScope();
  ASSERT_OK_AND_ASSIGN(uint64_t seq, server_->Quiesce());
  EXPECT_EQ(seq, server_->sequence());
  absl::Notification done;
  absl::Status result;
  std::thread t([&] {
    result = server_->CreateClientInfo(kAdmin, Lease("10.1.0.20", 1));
    done.Notify();
  });
  server_->AwaitBlockedMutations(1);
  EXPECT_FALSE(done.HasBeenNotified());
  EXPECT_EQ(server_->sequence(), seq);
  EXPECT_OK(server_->EnumSubnetClients(kAdmin, 0).status());  // reads go on
  server_->Resume();
  done.WaitForNotification();
  t.join();
  EXPECT_OK(result);
  EXPECT_EQ(server_->sequence(), seq + 1);
}

TEST(DhcpServerIoTest, AFailedFlushIsAStickyJetError) {
  FaultInjectionEnv env;
  EngineOptions eo;
  eo.env = &env;
  eo.background = BackgroundMode::kInline;
  EngineFixture fx(eo);
  DhcpServerOptions o;
  o.volume_size = 1 << 20;
  ASSERT_OK_AND_ASSIGN(auto server, DhcpServer::Create(fx.engine(), o, kAdmin));
  ASSERT_OK(server->CreateSubnet(kAdmin, Subnet("10.1.0.0", 24)));
  env.FailOp(FaultInjectionEnv::OpKind::kSync, 1);
  absl::Status s = server->CreateClientInfo(kAdmin, Lease("10.1.0.20", 1));
  EXPECT_THAT(s, HasCode(kErrorDhcpJetError));
  EXPECT_THAT(server->CreateClientInfo(kAdmin, Lease("10.1.0.21", 2)),
              HasCode(kErrorDhcpJetError));
  // Reopening recovers a consistent database: the failed lease is either
  // there or not, the later one never is.
  server.reset();
  fx.Reopen();
  ASSERT_OK_AND_ASSIGN(server, DhcpServer::Open(fx.engine(), o));
  EXPECT_THAT(server->Check(), ::testing::IsEmpty());
  EXPECT_THAT(server->GetClientInfo(kAdmin, SearchInfo::ByIp(Ip("10.1.0.21"))),
              HasCode(kErrorDhcpInvalidDhcpClient));
  EXPECT_LE(server->lease_count(), 1u);
  ASSERT_OK(server->CreateClientInfo(kAdmin, Lease("10.1.0.22", 3)));
}

}  // namespace
}  // namespace shadowset::dhcp
