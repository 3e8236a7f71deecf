// The transaction log ring on a real engine volume: where replay must stop
// (a damaged record, a stale record left past the end by a crash, an older
// cycle of the ring, a generation that does not chain), and the formats'
// round trips.

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/codes.h"
#include "engine/engine.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "writers/directory/internal/change.h"
#include "writers/directory/internal/dn.h"
#include "writers/directory/internal/log_format.h"
#include "writers/directory/internal/log_replay.h"
#include "writers/directory/internal/log_writer.h"
#include "writers/directory/internal/patch_file.h"

namespace shadowset::directory_internal {
namespace {

using ::shadowset::testing::HasCode;
using ::shadowset::testing::StatusIs;
using ::shadowset::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr uint64_t kGen = 64 * 1024;
constexpr uint32_t kSlots = 4;

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    InitOptions init;
    init.block_size = 4096;
    init.diff_area_max = uint64_t{16} << 20;
    ASSERT_OK(Engine::Init(tmp_.Sub("d"), init));
    ASSERT_OK_AND_ASSIGN(engine_, Engine::Open(tmp_.Sub("d")));
    ASSERT_OK(engine_->CreateVolume("log", kGen * kSlots).status());
    ASSERT_OK_AND_ASSIGN(volume_, engine_->GetVolume("log"));
    ASSERT_OK(LogWriter::WriteGeneration(volume_, geometry_, 1, 0, 1));
  }

  // Replays from generation 1; returns the payloads seen.
  absl::StatusOr<std::vector<std::string>> Replay(LogEnd* end,
                                                  uint64_t start_gen = 1,
                                                  uint64_t after = 0) {
    std::vector<std::string> seen;
    absl::StatusOr<LogEnd> e = ReplayLog(
        [this](uint64_t off, absl::Span<uint8_t> out) {
          return volume_->Read(off, out);
        },
        geometry_, start_gen, after, kNoLastGen,
        [&seen](uint64_t usn, RecordType type, absl::string_view payload) {
          seen.push_back(absl::StrCat(usn, ":", payload));
          return absl::OkStatus();
        });
    if (!e.ok()) return e.status();
    if (end != nullptr) *end = *e;
    return seen;
  }

  LogEnd Fresh() {
    LogEnd end;
    EXPECT_OK(Replay(&end).status());
    return end;
  }

  TempDir tmp_;
  std::unique_ptr<Engine> engine_;
  Volume* volume_ = nullptr;
  LogGeometry geometry_{kGen, kSlots};
};

TEST_F(LogTest, AppendsReplayInOrder) {
  LogWriter w(volume_, geometry_, Fresh());
  ASSERT_OK(w.StartEpoch(1));
  ASSERT_OK(w.Append(RecordType::kAdd, 1, "a", 1));
  ASSERT_OK(w.Append(RecordType::kAdd, 2, "bb", 1));
  EXPECT_THAT(w.Append(RecordType::kAdd, 4, "x", 1),
              StatusIs(absl::StatusCode::kInternal));
  LogEnd end;
  ASSERT_OK_AND_ASSIGN(auto seen, Replay(&end));
  EXPECT_THAT(seen, ElementsAre("1:a", "2:bb"));
  EXPECT_EQ(end.next_usn, 3u);
  EXPECT_EQ(end.generation, 1u);
  EXPECT_EQ(end.offset, w.end().offset);
  // Records at or below `after` are skipped.
  ASSERT_OK_AND_ASSIGN(seen, Replay(nullptr, 1, 1));
  EXPECT_THAT(seen, ElementsAre("2:bb"));
}

TEST_F(LogTest, AStaleRecordPastADamagedOneIsNeverReplayed) {
  // r1, r2 (24-byte header + 40), r3: then r2 is damaged (a torn write).
  LogWriter w(volume_, geometry_, Fresh());
  ASSERT_OK(w.Append(RecordType::kAdd, 1, "one", 1));
  const uint64_t r2_at = w.end().offset;
  ASSERT_OK(w.Append(RecordType::kAdd, 2, std::string(40, 'b'), 1));
  ASSERT_OK(w.Append(RecordType::kAdd, 3, "three", 1));
  std::vector<uint8_t> junk(8, 0xEE);
  ASSERT_OK(volume_->Write(geometry_.SlotOffset(1) + r2_at + 30, junk));
  LogEnd end;
  ASSERT_OK_AND_ASSIGN(auto seen, Replay(&end));
  EXPECT_THAT(seen, ElementsAre("1:one"));
  EXPECT_EQ(end.offset, r2_at);
  EXPECT_EQ(end.next_usn, 2u);

  // Reopened: a seed record (32 bytes) and a new USN 2 of 8 bytes take
  // exactly the space of the old r2, so the stale r3 (USN 3, checksummed
  // under the old seed) now sits exactly where replay continues.
  LogWriter again(volume_, geometry_, end);
  ASSERT_OK(again.StartEpoch(1));
  ASSERT_OK(again.Append(RecordType::kAdd, 2, "newtwo!!", 1));
  ASSERT_EQ(again.end().offset, r2_at + kRecordHeaderSize + 40);
  ASSERT_OK_AND_ASSIGN(seen, Replay(&end));
  EXPECT_THAT(seen, ElementsAre("1:one", "2:newtwo!!"));
  EXPECT_EQ(end.next_usn, 3u);
}

TEST_F(LogTest, GenerationsChainAndTheRingRefusesToOverwriteRetainedOnes) {
  LogWriter w(volume_, geometry_, Fresh());
  const std::string big(30000, 'x');
  uint64_t usn = 1;
  // Two records fill a generation; the third rolls.
  for (; usn <= 6; ++usn) ASSERT_OK(w.Append(RecordType::kAdd, usn, big, 1));
  EXPECT_EQ(w.generation(), 3u);
  LogEnd end;
  ASSERT_OK_AND_ASSIGN(auto seen, Replay(&end));
  EXPECT_EQ(seen.size(), 6u);
  EXPECT_EQ(end.generation, 3u);
  // Generation 4 fits (slot 0 would be generation 1's: retained).
  ASSERT_OK(w.Append(RecordType::kAdd, usn++, big, 1));
  ASSERT_OK(w.Append(RecordType::kAdd, usn++, big, 1));
  EXPECT_EQ(w.generation(), 4u);
  EXPECT_THAT(w.CheckSpace(big.size(), 1), HasCode(kErrorDiskFull));
  EXPECT_THAT(w.Append(RecordType::kAdd, usn, big, 1), HasCode(kErrorDiskFull));
  EXPECT_THAT(w.CheckSpace(kGen, 1), HasCode(kErrorInvalidParameter));
  // Once generation 1 is released, generation 5 reuses its slot; replay from
  // generation 2 sees the new cycle, and replay from 1 no longer finds it.
  ASSERT_OK(w.Append(RecordType::kAdd, usn++, big, 2));
  EXPECT_EQ(w.generation(), 5u);
  ASSERT_OK_AND_ASSIGN(seen, Replay(&end, 2, 2));
  EXPECT_EQ(seen.size(), 7u);
  EXPECT_EQ(end.next_usn, usn);
  EXPECT_THAT(Replay(nullptr, 1, 0),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("generation 1")));
  // Starting where changes would be missing is refused.
  EXPECT_THAT(Replay(nullptr, 3, 1),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("missing")));
}

TEST_F(LogTest, AGenerationThatDoesNotChainEndsTheLog) {
  LogWriter w(volume_, geometry_, Fresh());
  ASSERT_OK(w.Append(RecordType::kAdd, 1, "a", 1));
  // A header for generation 2 with the right first USN but another chain
  // (as a stale generation from before a restore would have).
  GenerationHeader stale{2, 12345, 999, 2};
  std::string bytes = EncodeGenerationHeader(stale);
  ASSERT_OK(volume_->Write(
      geometry_.SlotOffset(2),
      absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(bytes.data()),
                          bytes.size())));
  std::string rec = EncodeRecord(RecordType::kAdd, 2, "stale", 12345);
  ASSERT_OK(volume_->Write(
      geometry_.SlotOffset(2) + kGenerationHeaderSize,
      absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(rec.data()),
                          rec.size())));
  LogEnd end;
  ASSERT_OK_AND_ASSIGN(auto seen, Replay(&end));
  EXPECT_THAT(seen, ElementsAre("1:a"));
  EXPECT_EQ(end.generation, 1u);
}

TEST(LogFormatTest, NamesAndRecords) {
  EXPECT_EQ(LogFileName(0x2A), "edb0000002A.log");
  EXPECT_EQ(ParseLogFileName("edb0000002A.log"), 0x2Au);
  EXPECT_EQ(ParseLogFileName("edb0000002a.log"), std::nullopt);
  EXPECT_EQ(ParseLogFileName("edb00000000.log"), std::nullopt);
  EXPECT_EQ(ParseLogFileName("ntds.dit"), std::nullopt);
  std::string rec = EncodeRecord(RecordType::kDelete, 7, "payload", 42);
  ASSERT_EQ(rec.size(), kRecordHeaderSize + 7);
  // A view into its input: the input must outlive it.
  const std::string with_trailer = rec + "trailing";
  std::optional<RecordView> v = DecodeRecord(with_trailer, 42);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->type, RecordType::kDelete);
  EXPECT_EQ(v->usn, 7u);
  EXPECT_EQ(v->payload, "payload");
  EXPECT_FALSE(DecodeRecord(rec, 43).has_value());
  EXPECT_FALSE(DecodeRecord(rec.substr(0, rec.size() - 1), 42).has_value());
}

TEST(ChangeFormatTest, EveryTypeRoundTrips) {
  Change add;
  add.type = RecordType::kAdd;
  add.object.dn = "CN=a,DC=x";
  add.object.object_class = "user";
  add.object.attributes = {{"mail", {"a@x", "b@x"}}};
  Change modify;
  modify.type = RecordType::kModify;
  modify.dn = "CN=a,DC=x";
  modify.changes = {{AttributeChange::Kind::kRemove, "mail", {"a@x"}},
                    {AttributeChange::Kind::kReplace, "sn", {}}};
  Change del;
  del.type = RecordType::kDelete;
  del.dn = "CN=a,DC=x";
  del.time = absl::FromUnixMicros(1700000000123456);
  Change purge;
  purge.type = RecordType::kPurge;
  purge.purged = {"CN=a,DC=x", "CN=b,DC=x"};
  Change lifetime;
  lifetime.type = RecordType::kSetTombstoneLifetime;
  lifetime.tombstone_lifetime = absl::Hours(24 * 60);
  for (const Change& c : {add, modify, del, purge, lifetime}) {
    ASSERT_OK_AND_ASSIGN(Change back, DecodeChange(c.type, EncodeChange(c)));
    EXPECT_EQ(back.object, c.object);
    EXPECT_EQ(back.dn, c.dn);
    EXPECT_EQ(back.changes, c.changes);
    EXPECT_EQ(back.time, c.time);
    EXPECT_EQ(back.purged, c.purged);
    EXPECT_EQ(back.tombstone_lifetime, c.tombstone_lifetime);
  }
  EXPECT_THAT(DecodeChange(RecordType::kDelete, "xx"),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(DecodeChange(RecordType::kPurge, EncodeChange(purge) + "z"),
              StatusIs(absl::StatusCode::kDataLoss));
}

TEST(DnTest, NormalizationAndErrors) {
  ASSERT_OK_AND_ASSIGN(ParsedDn dn, ParseDn(" CN = Host\\,1 ,OU=Hosts,DC=Ex,DC=test"));
  EXPECT_EQ(dn.key, "cn=host\\,1,ou=hosts,dc=ex,dc=test");
  EXPECT_EQ(dn.parent_key, "ou=hosts,dc=ex,dc=test");
  EXPECT_FALSE(dn.is_root);
  ASSERT_OK_AND_ASSIGN(ParsedDn hex, ParseDn("CN=Host\\2C1,OU=Hosts,DC=Ex,DC=test"));
  EXPECT_EQ(hex.key, dn.key);
  ASSERT_OK_AND_ASSIGN(ParsedDn root, ParseDn("DC=Ex,DC=test"));
  EXPECT_TRUE(root.is_root);
  EXPECT_EQ(root.parent_key, "");
  for (const char* bad : {"", "CN", "=x", "CN=", "CN=a,", "CN=a\\", "CN=a+b",
                          "CN=a;b", "1N=a,DC=x", "OU=top"}) {
    EXPECT_THAT(ParseDn(bad), HasCode(kErrorInvalidParameter)) << bad;
  }
  EXPECT_THAT(ParseDn(std::string(2000, 'a')), HasCode(kErrorInvalidParameter));
}

TEST(PatchFileTest, RoundTripsAndRefusesDamage) {
  PatchFile p;
  p.instance_id = SetId::Random();
  p.server_name = "dc1";
  p.set_id = SetId::Random();
  p.created = absl::FromUnixSeconds(1700000000);
  p.usn = 99;
  p.image_length = 1234;
  p.image_xxh3 = 0xABCDEF;
  p.first_gen = 3;
  p.last_gen = 5;
  p.log_generation_size = kGen;
  p.log_generations = 16;
  std::string bytes = EncodePatchFile(p);
  ASSERT_OK_AND_ASSIGN(PatchFile back, DecodePatchFile(bytes));
  EXPECT_EQ(back.set_id, p.set_id);
  EXPECT_EQ(back.usn, 99u);
  EXPECT_EQ(back.last_gen, 5u);
  bytes[10] ^= 1;
  EXPECT_THAT(DecodePatchFile(bytes), StatusIs(absl::StatusCode::kDataLoss));
}

}  // namespace
}  // namespace shadowset::directory_internal
