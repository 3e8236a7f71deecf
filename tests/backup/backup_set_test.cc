// Backup sets written with BackupSetWriter and read back with
// BackupSetReader / OpenVolumeAt: exact contents of images (data, zero and
// hole blocks) and deltas (changed and now-zero blocks), chains, writer
// files, expiry, argument errors, abort and stale-partial cleanup. Every
// test that publishes a set ends by verifying it.

#include <string>
#include <vector>

#include "engine/backup/backup_set_reader.h"
#include "engine/backup/backup_set_writer.h"
#include "engine/backup/internal/digest.h"
#include "engine/backup/internal/volume_format.h"
#include "engine/backup/verify.h"
#include "engine/env.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/backup/backup_testing.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace shadowset {
namespace {

using ::shadowset::testing::BlockChanges;
using ::shadowset::testing::Bytes;
using ::shadowset::testing::Drained;
using ::shadowset::testing::FullOptions;
using ::shadowset::testing::IsOk;
using ::shadowset::testing::IsOkAndHolds;
using ::shadowset::testing::kCreated;
using ::shadowset::testing::kTestKey;
using ::shadowset::testing::StatusIs;
using ::shadowset::testing::TempDir;
using ::shadowset::testing::VolumeData;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const absl::Time kNow = kCreated + absl::Hours(1);

class BackupSetTest : public ::testing::TestWithParam<bool> {
 protected:
  bool keyed() const { return GetParam(); }
  std::string key() const { return keyed() ? std::string(kTestKey) : ""; }
  BackupReadOptions ReadOptions() const {
    BackupReadOptions o;
    o.key = key();
    o.read_buffer_size = 8 * 4096;  // several runs per data extent
    return o;
  }
  std::string Dir(const std::string& id) const { return tmp_.Sub(id); }

  void ExpectVerifies(const std::string& id) {
    absl::StatusOr<VerifyReport> report =
        VerifyBackupSet(Env::Default(), Dir(id), key(), kNow);
    EXPECT_OK(report.status()) << id;
  }

  absl::StatusOr<PublishedBackup> WriteFull(
      const std::string& id, const std::vector<VolumeData>& vols,
      BackupSetType type = BackupSetType::kFull) {
    BackupSetOptions o = FullOptions(id, keyed());
    o.type = type;
    o.background_writes = keyed();  // both write paths, in the two variants
    ASSIGN_OR_RETURN(auto w,
                     BackupSetWriter::Create(Env::Default(), tmp_.path(), o));
    for (const VolumeData& v : vols)
      RETURN_IF_ERROR(testing::StreamImage(w.get(), v));
    return w->Publish();
  }

  absl::StatusOr<PublishedBackup> WriteDelta(
      const std::string& id, const std::string& base, BackupSetType type,
      absl::Duration after, const std::vector<VolumeData>& vols,
      const std::vector<BlockChanges>& changes) {
    BackupSetOptions o = FullOptions(id, keyed());
    o.type = type;
    o.base_backup_id = base;
    o.created = kCreated + after;
    o.background_writes = keyed();
    ASSIGN_OR_RETURN(auto w,
                     BackupSetWriter::Create(Env::Default(), tmp_.path(), o));
    for (size_t i = 0; i < vols.size(); ++i) {
      RETURN_IF_ERROR(testing::StreamDelta(w.get(), vols[i], changes[i]));
    }
    return w->Publish();
  }

  absl::StatusOr<Drained> ReadVolume(const std::string& id,
                                     const std::string& volume) {
    ASSIGN_OR_RETURN(auto set, BackupSetReader::Open(Env::Default(), Dir(id),
                                                     ReadOptions(), kNow));
    ASSIGN_OR_RETURN(auto stream, set->OpenVolume(volume));
    return testing::Drain(stream.get());
  }

  absl::StatusOr<Drained> ReadAt(const std::string& id,
                                 const std::string& volume) {
    ASSIGN_OR_RETURN(auto stream, OpenVolumeAt(Env::Default(), tmp_.path(), id,
                                               volume, ReadOptions(), kNow));
    return testing::Drain(stream.get());
  }

  TempDir tmp_;
};

INSTANTIATE_TEST_SUITE_P(Keys, BackupSetTest, ::testing::Bool(),
                         [](const auto& info) {
                           return info.param ? "Keyed" : "Unkeyed";
                         });

TEST_P(BackupSetTest, FullImageRoundTripsExactly) {
  VolumeData db = testing::MakeVolume("db", 200, 4096, 1);
  VolumeData logs = testing::MakeVolume("logs", 37, 16384, 2);
  ASSERT_OK_AND_ASSIGN(PublishedBackup pub, WriteFull("b1", {db, logs}));
  EXPECT_EQ(pub.dir, Dir("b1"));
  EXPECT_EQ(pub.manifest_sha256, Sha256(pub.manifest_bytes));
  EXPECT_EQ(pub.token.is_signed, keyed());
  EXPECT_EQ(pub.token.manifest_sha256, pub.manifest_sha256);

  for (const VolumeData& v : {db, logs}) {
    ASSERT_OK_AND_ASSIGN(Drained got, ReadVolume("b1", v.name));
    EXPECT_TRUE(got.bytes == v.bytes) << v.name;
    EXPECT_EQ(got.blocks.size(), v.block_count())
        << "an image covers every block";
    ASSERT_OK_AND_ASSIGN(Drained at, ReadAt("b1", v.name));
    EXPECT_TRUE(at.bytes == v.bytes) << v.name;
  }
  ASSERT_OK_AND_ASSIGN(
      auto set,
      BackupSetReader::Open(Env::Default(), Dir("b1"), ReadOptions(), kNow));
  const ManifestVolume* mv = set->manifest().FindVolume("db");
  ASSERT_NE(mv, nullptr);
  uint64_t zero = 0;
  for (uint64_t b = 0; b < db.block_count(); ++b) {
    zero += db.block(b).find_first_not_of('\0') == absl::string_view::npos;
  }
  EXPECT_EQ(mv->zero_blocks, zero);
  EXPECT_EQ(mv->data_blocks, db.block_count() - zero);
  EXPECT_EQ(set->manifest().keyed, keyed());
  EXPECT_EQ(set->manifest_bytes(), pub.manifest_bytes);
  EXPECT_EQ(set->token(), pub.token);
  ExpectVerifies("b1");
}

TEST_P(BackupSetTest, ImageFileHoldsOnlyDataBlocksAndAnExplicitMap) {
  // 6 blocks: data, zero (explicit), gap, data (all-zero, detected), data,
  // gap at the end.
  VolumeData v{"v", 512, std::string(6 * 512, '\0')};
  v.bytes.replace(0, 512, std::string(512, 'a'));
  v.bytes.replace(4 * 512, 512, std::string(512, 'e'));
  BackupSetOptions o = FullOptions("b1", keyed());
  ASSERT_OK_AND_ASSIGN(auto w,
                       BackupSetWriter::Create(Env::Default(), tmp_.path(), o));
  ASSERT_OK(w->BeginImage("v", 512, 6));
  ASSERT_OK(w->AddBlocks(0, Bytes(v.block(0))));
  ASSERT_OK(w->AddZeroBlocks(1, 1));
  ASSERT_OK(w->AddBlocks(3, Bytes(std::string(512, '\0'))));
  ASSERT_OK(w->AddBlocks(4, Bytes(v.block(4))));
  ASSERT_OK(w->EndVolume());
  ASSERT_OK(w->Publish().status());

  ASSERT_OK_AND_ASSIGN(
      std::string img,
      ReadFileToString(Env::Default(), Dir("b1") + "/volumes/v.img"));
  ASSERT_OK_AND_ASSIGN(internal::ParsedDataFile parsed,
                       internal::ParseDataFile(img, "v.img"));
  EXPECT_EQ(parsed.header.magic, internal::kImageMagic);
  EXPECT_EQ(parsed.footer.payload_blocks, 2u);
  EXPECT_EQ(parsed.payload, std::string(512, 'a') + std::string(512, 'e'));
  using internal::MapRun;
  using internal::RunKind;
  EXPECT_THAT(
      parsed.runs,
      ElementsAre(MapRun{0, 1, RunKind::kData}, MapRun{1, 3, RunKind::kZero},
                  MapRun{4, 1, RunKind::kData}, MapRun{5, 1, RunKind::kZero}));
  EXPECT_EQ(img.size(), internal::kDataHeaderSize + 2 * 512 +
                            4 * internal::kRunSize + internal::kDataFooterSize);

  ASSERT_OK_AND_ASSIGN(
      std::string sums,
      ReadFileToString(Env::Default(), Dir("b1") + "/volumes/v.sums"));
  ASSERT_OK_AND_ASSIGN(internal::ParsedSumsFile parsed_sums,
                       internal::ParseSumsFile(sums, "v.sums"));
  ASSERT_EQ(parsed_sums.entries.size(), 2u);
  EXPECT_EQ(parsed_sums.entries[0].xxh3, internal::Xxh3(v.block(0)));
  EXPECT_EQ(parsed_sums.entries[1].xxh3, internal::Xxh3(v.block(4)));
  if (keyed()) {
    EXPECT_EQ(parsed_sums.entries[1].sha256, Sha256(v.block(4)));
  } else {
    EXPECT_EQ(parsed_sums.entries[1].sha256, Sha256Digest{});
  }

  // The stream hands out exactly these runs.
  ASSERT_OK_AND_ASSIGN(
      auto set,
      BackupSetReader::Open(Env::Default(), Dir("b1"), ReadOptions(), kNow));
  ASSERT_OK_AND_ASSIGN(auto stream, set->OpenVolume("v"));
  std::vector<std::tuple<uint64_t, uint64_t, bool, std::string>> runs;
  while (true) {
    ASSERT_OK_AND_ASSIGN(std::optional<BlockRun> run, stream->Next());
    if (!run) break;
    runs.emplace_back(
        run->first_block, run->block_count, run->zero,
        std::string(reinterpret_cast<const char*>(run->data.data()),
                    run->data.size()));
  }
  EXPECT_THAT(runs,
              ElementsAre(std::make_tuple(0, 1, false, std::string(512, 'a')),
                          std::make_tuple(1, 3, true, ""),
                          std::make_tuple(4, 1, false, std::string(512, 'e')),
                          std::make_tuple(5, 1, true, "")));
  ExpectVerifies("b1");
}

TEST_P(BackupSetTest, DeltaRecordsChangedAndNowZeroBlocksOnly) {
  VolumeData v = testing::MakeVolume("db", 64, 4096, 3);
  ASSERT_OK(WriteFull("full", {v}).status());
  BlockChanges changes = testing::MakeChanges(v, 4);
  changes[0] = std::string(4096, '\0');  // now zero
  changes[63] = std::string(4096, 'z');  // last block
  ASSERT_OK(WriteDelta("inc1", "full", BackupSetType::kIncremental,
                       absl::Minutes(10), {v}, {changes})
                .status());
  ASSERT_OK_AND_ASSIGN(Drained delta, ReadVolume("inc1", "db"));
  ASSERT_EQ(delta.blocks.size(), changes.size());
  for (const auto& [b, data] : changes) {
    ASSERT_TRUE(delta.blocks.count(b)) << b;
    EXPECT_TRUE(delta.blocks.at(b) == data) << "block " << b;
  }
  ASSERT_OK_AND_ASSIGN(
      std::string file,
      ReadFileToString(Env::Default(), Dir("inc1") + "/volumes/db.delta"));
  ASSERT_OK_AND_ASSIGN(internal::ParsedDataFile parsed,
                       internal::ParseDataFile(file, "db.delta"));
  EXPECT_EQ(parsed.header.magic, internal::kDeltaMagic);
  uint64_t zero_changes = 0;
  for (const auto& [b, data] : changes) {
    zero_changes += data.find_first_not_of('\0') == std::string::npos;
  }
  EXPECT_EQ(parsed.footer.payload_blocks, changes.size() - zero_changes);
  ExpectVerifies("full");
  ExpectVerifies("inc1");
}

TEST_P(BackupSetTest, ChainYieldsTheVolumeAtEachBackupsInstant) {
  VolumeData v0 = testing::MakeVolume("db", 96, 4096, 10);
  VolumeData other = testing::MakeVolume("cfg", 8, 4096, 11);
  ASSERT_OK(WriteFull("full", {v0, other}).status());
  VolumeData v1 = v0, v2 = v0, vd = v0;
  BlockChanges c1 = testing::MakeChanges(v0, 12);
  testing::Apply(&v1, c1);
  ASSERT_OK(WriteDelta("inc1", "full", BackupSetType::kIncremental,
                       absl::Minutes(1), {v1}, {c1})
                .status());
  BlockChanges c2 = testing::MakeChanges(v1, 13);
  v2 = v1;
  testing::Apply(&v2, c2);
  ASSERT_OK(WriteDelta("inc2", "inc1", BackupSetType::kIncremental,
                       absl::Minutes(2), {v2}, {c2})
                .status());
  // A differential since the full: every change since then.
  BlockChanges cd;
  for (uint64_t b = 0; b < v0.block_count(); ++b) {
    if (v2.block(b) != v0.block(b)) cd[b] = std::string(v2.block(b));
  }
  testing::Apply(&vd, cd);
  ASSERT_OK(WriteDelta("diff", "full", BackupSetType::kDifferential,
                       absl::Minutes(3), {vd}, {cd})
                .status());

  for (const auto& [id, want] :
       std::vector<std::pair<std::string, VolumeData*>>{
           {"full", &v0}, {"inc1", &v1}, {"inc2", &v2}, {"diff", &vd}}) {
    SCOPED_TRACE(id);
    ASSERT_OK_AND_ASSIGN(Drained got, ReadAt(id, "db"));
    EXPECT_TRUE(got.bytes == want->bytes);
    EXPECT_EQ(got.blocks.size(), v0.block_count());
    ExpectVerifies(id);
  }
  // A delta set does not hold volumes it did not back up.
  EXPECT_THAT(ReadAt("inc2", "cfg").status(),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_P(BackupSetTest, ChainWithMissingOrMismatchedBaseIsRefused) {
  VolumeData v = testing::MakeVolume("db", 16, 4096, 20);
  ASSERT_OK(WriteFull("full", {v}).status());
  BlockChanges c = testing::MakeChanges(v, 21);
  ASSERT_OK(WriteDelta("inc1", "full", BackupSetType::kIncremental,
                       absl::Minutes(1), {v}, {c})
                .status());
  ASSERT_OK(ReadAt("inc1", "db").status());

  // Mismatched: another full backup published under the base's id.
  ASSERT_OK(RemoveTree(Env::Default(), Dir("full")));
  EXPECT_THAT(ReadAt("inc1", "db").status(),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("'full' of backup 'inc1' is missing")));
  ASSERT_OK(WriteFull("full", {v}).status());
  EXPECT_THAT(
      ReadAt("inc1", "db").status(),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               HasSubstr("is not the one backup 'inc1' was taken against")));
  ExpectVerifies("inc1");  // the delta set itself is intact
}

TEST_P(BackupSetTest, WriterFilesRoundTrip) {
  BackupSetOptions o = FullOptions("b1", keyed());
  ASSERT_OK_AND_ASSIGN(auto w,
                       BackupSetWriter::Create(Env::Default(), tmp_.path(), o));
  ASSERT_OK(w->AddWriterFile("dhcp", "dhcp.mdb.meta", "jet metadata"));
  ASSERT_OK(w->BeginWriterFile("ntds", "logs/edb00001.log"));
  std::string big(100000, 'x');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7);
  ASSERT_OK(w->AppendWriterFile(absl::string_view(big).substr(0, 30000)));
  ASSERT_OK(w->AppendWriterFile(absl::string_view(big).substr(30000)));
  ASSERT_OK(w->EndWriterFile());
  ASSERT_OK(w->AddWriterFile("ntds", "empty", ""));
  EXPECT_THAT(w->AddWriterFile("ntds", "logs", "x"),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(w->AddWriterFile("ntds", "empty/inner", "x"),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(w->AddWriterFile("dhcp", "dhcp.mdb.meta", "again"),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(
      w->AddWriterFile("nobody", "f", "x"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not one of")));
  EXPECT_THAT(w->AddWriterFile("dhcp", "../escape", "x"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(w->AddWriterFile("dhcp", "a//b", "x"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK(w->Publish().status());

  ASSERT_OK_AND_ASSIGN(
      auto set,
      BackupSetReader::Open(Env::Default(), Dir("b1"), ReadOptions(), kNow));
  EXPECT_THAT(set->WriterFiles("ntds"),
              ElementsAre("logs/edb00001.log", "empty"));
  EXPECT_THAT(set->WriterFiles("dhcp"), ElementsAre("dhcp.mdb.meta"));
  EXPECT_THAT(set->ReadWriterFile("dhcp", "dhcp.mdb.meta"),
              IsOkAndHolds(std::string("jet metadata")));
  ASSERT_OK_AND_ASSIGN(std::string got,
                       set->ReadWriterFile("ntds", "logs/edb00001.log"));
  EXPECT_TRUE(got == big);
  EXPECT_THAT(set->ReadWriterFile("ntds", "empty"),
              IsOkAndHolds(std::string()));
  EXPECT_THAT(set->ReadWriterFile("ntds", "nope"),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(set->manifest().writers, o.writers) << "opaque metadata kept";
  ExpectVerifies("b1");
}

TEST_P(BackupSetTest, BadArgumentsChangeNothing) {
  BackupSetOptions o = FullOptions("b1", keyed());
  ASSERT_OK_AND_ASSIGN(auto w,
                       BackupSetWriter::Create(Env::Default(), tmp_.path(), o));
  EXPECT_THAT(w->AddBlocks(0, Bytes("x")),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(w->BeginImage("bad/name", 4096, 4),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(w->BeginImage("v", 3000, 4),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(w->BeginImage("v", 4096, 0),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(w->BeginDelta("v", 4096, 4),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("full images only")));
  ASSERT_OK(w->BeginImage("v", 512, 8));
  EXPECT_THAT(w->BeginImage("w", 512, 8),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(
      w->Publish().status(),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("EndVolume")));
  std::string block(512, 'b');
  EXPECT_THAT(
      w->AddBlocks(0, Bytes(block.substr(0, 100))),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("whole number")));
  ASSERT_OK(w->AddBlocks(2, Bytes(block)));
  EXPECT_THAT(
      w->AddBlocks(2, Bytes(block)),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ascending")));
  EXPECT_THAT(w->AddZeroBlocks(1, 1),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(w->AddBlocks(8, Bytes(block)),
              StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(w->AddZeroBlocks(7, 2), StatusIs(absl::StatusCode::kOutOfRange));
  ASSERT_OK(w->AddBlocks(7, Bytes(block)));
  ASSERT_OK(w->EndVolume());
  EXPECT_THAT(w->BeginImage("v", 512, 8),
              StatusIs(absl::StatusCode::kAlreadyExists));
  ASSERT_OK(w->Publish().status());
  EXPECT_THAT(w->Publish().status(),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(w->Abort(), StatusIs(absl::StatusCode::kFailedPrecondition));

  ASSERT_OK_AND_ASSIGN(Drained got, ReadVolume("b1", "v"));
  std::string want(8 * 512, '\0');
  want.replace(2 * 512, 512, block);
  want.replace(7 * 512, 512, block);
  EXPECT_TRUE(got.bytes == want);
  ExpectVerifies("b1");
}

TEST_P(BackupSetTest, CreateRefusesBadOptionsBeforeWritingAnything) {
  auto create = [&](BackupSetOptions o) {
    return BackupSetWriter::Create(Env::Default(), tmp_.path(), std::move(o))
        .status();
  };
  auto expect_empty = [&] {
    ASSERT_OK_AND_ASSIGN(std::vector<std::string> names,
                         Env::Default()->ListDir(tmp_.path()));
    EXPECT_THAT(names, ::testing::IsEmpty());
  };
  BackupSetOptions o = FullOptions("b1", keyed());
  BackupSetOptions bad = o;
  bad.backup_id = "x.partial";
  EXPECT_THAT(create(bad), StatusIs(absl::StatusCode::kInvalidArgument));
  bad = o;
  bad.backup_id = "../up";
  EXPECT_THAT(create(bad), StatusIs(absl::StatusCode::kInvalidArgument));
  bad = o;
  bad.set_id = SetId();
  EXPECT_THAT(create(bad),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("nil")));
  bad = o;
  bad.created = absl::InfinitePast();
  EXPECT_THAT(create(bad), StatusIs(absl::StatusCode::kInvalidArgument));
  bad = o;
  bad.key = "short";
  EXPECT_THAT(create(bad),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("16")));
  bad = o;
  bad.writers.push_back(bad.writers[0]);
  EXPECT_THAT(create(bad),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("twice")));
  bad = o;
  bad.writers[0].metadata = nlohmann::json::array();
  EXPECT_THAT(create(bad), StatusIs(absl::StatusCode::kInvalidArgument,
                                    HasSubstr("object")));
  bad = o;
  bad.writers[0].metadata = {{"bad", std::string("\xff\xfe")}};
  EXPECT_THAT(create(bad), StatusIs(absl::StatusCode::kInvalidArgument));
  bad = o;
  bad.writers[0].restore_lifetime = absl::ZeroDuration();
  EXPECT_THAT(create(bad), StatusIs(absl::StatusCode::kInvalidArgument));
  bad = o;
  bad.type = BackupSetType::kIncremental;
  EXPECT_THAT(create(bad),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("base")));
  bad.base_backup_id = "missing";
  EXPECT_THAT(create(bad), StatusIs(absl::StatusCode::kFailedPrecondition,
                                    HasSubstr("not published")));
  bad = o;
  bad.base_backup_id = "b0";
  EXPECT_THAT(create(bad), StatusIs(absl::StatusCode::kInvalidArgument));
  bad = o;
  bad.promoted_from = BackupSetType::kCopy;
  EXPECT_THAT(create(bad), StatusIs(absl::StatusCode::kInvalidArgument));
  bad = o;
  bad.expires_in = absl::Hours(24 * 61);  // the dhcp writer allows 60 days
  EXPECT_THAT(create(bad), StatusIs(absl::StatusCode::kInvalidArgument,
                                    HasSubstr("can only shorten")));
  bad.expires_in = absl::ZeroDuration();
  EXPECT_THAT(create(bad), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(
      BackupSetWriter::Create(Env::Default(), tmp_.Sub("nope"), o).status(),
      StatusIs(absl::StatusCode::kNotFound));
  expect_empty();
}

TEST_P(BackupSetTest, ExpiryIsTheEarliestWriterLifetimeAndCanOnlyBeShortened) {
  BackupSetOptions o = FullOptions("b1", keyed());
  {
    ASSERT_OK_AND_ASSIGN(
        auto w, BackupSetWriter::Create(Env::Default(), tmp_.path(), o));
    EXPECT_EQ(w->expires(), kCreated + absl::Hours(24 * 60));
    ASSERT_OK_AND_ASSIGN(PublishedBackup pub, w->Publish());
    EXPECT_EQ(pub.token.expires, kCreated + absl::Hours(24 * 60));
    EXPECT_EQ(pub.manifest.expires, pub.token.expires);
  }
  o.backup_id = "b2";
  o.expires_in = absl::Hours(24);
  {
    ASSERT_OK_AND_ASSIGN(
        auto w, BackupSetWriter::Create(Env::Default(), tmp_.path(), o));
    ASSERT_OK_AND_ASSIGN(PublishedBackup pub, w->Publish());
    EXPECT_EQ(pub.token.expires, kCreated + absl::Hours(24));
  }
  o.backup_id = "b3";
  o.expires_in.reset();
  for (ManifestWriter& w : o.writers)
    w.restore_lifetime = absl::InfiniteDuration();
  {
    ASSERT_OK_AND_ASSIGN(
        auto w, BackupSetWriter::Create(Env::Default(), tmp_.path(), o));
    ASSERT_OK_AND_ASSIGN(PublishedBackup pub, w->Publish());
    EXPECT_EQ(pub.token.expires, absl::InfiniteFuture());
  }
  for (const char* id : {"b1", "b2", "b3"}) ExpectVerifies(id);
}

TEST_P(BackupSetTest, ProgressCountsEveryByteWritten) {
  BackupSetOptions o = FullOptions("b1", keyed());
  std::vector<uint64_t> reports;
  o.progress = [&](uint64_t n) { reports.push_back(n); };
  VolumeData v = testing::MakeVolume("db", 100, 4096, 30);
  ASSERT_OK_AND_ASSIGN(auto w,
                       BackupSetWriter::Create(Env::Default(), tmp_.path(), o));
  ASSERT_OK(testing::StreamImage(w.get(), v));
  ASSERT_OK_AND_ASSIGN(PublishedBackup pub, w->Publish());
  ASSERT_FALSE(reports.empty());
  EXPECT_TRUE(std::is_sorted(reports.begin(), reports.end()));
  EXPECT_EQ(reports.back(), pub.bytes_written);
  uint64_t total = pub.manifest_bytes.size() + pub.token_bytes.size();
  for (const ManifestFile& f : pub.manifest.files) total += f.size;
  EXPECT_EQ(pub.bytes_written, total);
  // 16 KiB writes: many reports, far fewer than blocks.
  EXPECT_GT(reports.size(), 10u);
  ExpectVerifies("b1");
}

TEST_P(BackupSetTest, AbortAndStalePartialCleanup) {
  BackupSetOptions o = FullOptions("b1", keyed());
  {
    ASSERT_OK_AND_ASSIGN(
        auto w, BackupSetWriter::Create(Env::Default(), tmp_.path(), o));
    ASSERT_OK(w->BeginImage("v", 512, 4));
    EXPECT_EQ(Env::Default()->GetFileType(Dir("b1.partial")).value(),
              FileType::kDirectory);
    EXPECT_THAT(
        BackupSetWriter::Create(Env::Default(), tmp_.path(), o).status(),
        StatusIs(absl::StatusCode::kAlreadyExists,
                 HasSubstr("RemoveStalePartials")));
    ASSERT_OK(w->Abort());
    ASSERT_OK(w->Abort());  // idempotent
    EXPECT_THAT(w->EndVolume(),
                StatusIs(absl::StatusCode::kFailedPrecondition));
  }
  EXPECT_EQ(Env::Default()->GetFileType(Dir("b1.partial")).value(),
            FileType::kMissing);
  {
    // Destroyed unpublished: aborted.
    ASSERT_OK_AND_ASSIGN(
        auto w, BackupSetWriter::Create(Env::Default(), tmp_.path(), o));
  }
  EXPECT_EQ(Env::Default()->GetFileType(Dir("b1.partial")).value(),
            FileType::kMissing);

  // A crashed writer's leftovers.
  ASSERT_OK(Env::Default()->CreateDir(Dir("old.partial")));
  ASSERT_OK(Env::Default()->CreateDir(Dir("old.partial/volumes")));
  ASSERT_OK(WriteFileAtomically(
      Env::Default(), Dir("old.partial/volumes/x.img"), Bytes("junk")));
  ASSERT_OK(WriteFull("kept", {testing::MakeVolume("v", 4, 512, 1)}).status());
  EXPECT_THAT(RemoveStalePartials(Env::Default(), tmp_.path()),
              IsOkAndHolds(ElementsAre("old.partial")));
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> names,
                       Env::Default()->ListDir(tmp_.path()));
  EXPECT_THAT(names, ElementsAre("kept"));
  EXPECT_THAT(RemoveStalePartials(Env::Default(), tmp_.Sub("missing")),
              IsOkAndHolds(::testing::IsEmpty()));
  ExpectVerifies("kept");
}

TEST_P(BackupSetTest, DeltaNeedsAMatchingBase) {
  VolumeData v = testing::MakeVolume("db", 16, 4096, 40);
  ASSERT_OK(WriteFull("full", {v}).status());
  ASSERT_OK(WriteFull("copy", {v}, BackupSetType::kCopy).status());
  BackupSetOptions o = FullOptions("inc", keyed());
  o.type = BackupSetType::kIncremental;
  o.created = kCreated + absl::Minutes(5);
  o.base_backup_id = "copy";
  EXPECT_THAT(BackupSetWriter::Create(Env::Default(), tmp_.path(), o).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("cannot continue")));
  o.base_backup_id = "full";
  o.created = kCreated;
  EXPECT_THAT(
      BackupSetWriter::Create(Env::Default(), tmp_.path(), o).status(),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("not before")));
  o.created = kCreated + absl::Minutes(5);
  ASSERT_OK_AND_ASSIGN(auto w,
                       BackupSetWriter::Create(Env::Default(), tmp_.path(), o));
  EXPECT_THAT(w->BeginDelta("other", 4096, 16),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("not in base")));
  EXPECT_THAT(w->BeginDelta("db", 4096, 17),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("holds 16 blocks of 4096 bytes")));
  // A new volume goes in whole.
  ASSERT_OK(
      testing::StreamImage(w.get(), testing::MakeVolume("other", 4, 4096, 41)));
  ASSERT_OK(testing::StreamDelta(w.get(), v, testing::MakeChanges(v, 42)));
  ASSERT_OK(w->Publish().status());
  o.backup_id = "diff";
  o.type = BackupSetType::kDifferential;
  o.base_backup_id = "inc";
  o.created = kCreated + absl::Minutes(6);
  EXPECT_THAT(BackupSetWriter::Create(Env::Default(), tmp_.path(), o).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("cannot continue")));
  ASSERT_OK(ReadAt("inc", "other").status());
  for (const char* id : {"full", "copy", "inc"}) ExpectVerifies(id);
}

TEST_P(BackupSetTest, PromotedFullIsRecorded) {
  BackupSetOptions o = FullOptions("b1", keyed());
  o.promoted_from = BackupSetType::kIncremental;
  ASSERT_OK_AND_ASSIGN(auto w,
                       BackupSetWriter::Create(Env::Default(), tmp_.path(), o));
  ASSERT_OK(testing::StreamImage(w.get(), testing::MakeVolume("v", 4, 512, 1)));
  ASSERT_OK_AND_ASSIGN(PublishedBackup pub, w->Publish());
  EXPECT_THAT(pub.manifest_bytes,
              HasSubstr("\"promoted_from\": \"incremental\""));
  ASSERT_OK_AND_ASSIGN(
      auto set,
      BackupSetReader::Open(Env::Default(), Dir("b1"), ReadOptions(), kNow));
  EXPECT_EQ(set->manifest().promoted_from, BackupSetType::kIncremental);
  ExpectVerifies("b1");
}

}  // namespace
}  // namespace shadowset
