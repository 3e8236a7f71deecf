// The binary formats of a backup set's volume files: block maps, image and
// delta files, sums files. Exact bytes, and every parser refusing
// truncated, damaged and newer-version input with a specific error.

#include <random>
#include <string>
#include <vector>

#include "engine/backup/backup_set_writer.h"
#include "engine/backup/internal/block_map.h"
#include "engine/backup/internal/digest.h"
#include "engine/backup/internal/volume_format.h"
#include "engine/backup/verify.h"
#include "engine/internal/coding.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/backup/backup_testing.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace shadowset::internal {
namespace {

using ::shadowset::testing::StatusIs;
using ::shadowset::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(BlockMapTest, BuilderFillsImageGapsAndMergesRuns) {
  BlockMapBuilder b(BlockMapKind::kImage, 10);
  b.Add(1, 2, RunKind::kData);
  b.Add(3, 1, RunKind::kData);  // merges
  b.Add(6, 1, RunKind::kZero);  // gap 4-5 and this: one zero run
  b.Add(7, 1, RunKind::kData);
  EXPECT_THAT(
      b.Finish(),
      ElementsAre(MapRun{0, 1, RunKind::kZero}, MapRun{1, 3, RunKind::kData},
                  MapRun{4, 3, RunKind::kZero}, MapRun{7, 1, RunKind::kData},
                  MapRun{8, 2, RunKind::kZero}));
  EXPECT_EQ(b.data_blocks(), 4u);
  EXPECT_EQ(b.zero_blocks(), 6u);

  BlockMapBuilder d(BlockMapKind::kDelta, 10);
  d.Add(2, 1, RunKind::kData);
  d.Add(5, 1, RunKind::kZero);
  d.Add(6, 1, RunKind::kZero);
  EXPECT_THAT(d.Finish(), ElementsAre(MapRun{2, 1, RunKind::kData},
                                      MapRun{5, 2, RunKind::kZero}));
}

TEST(BlockMapTest, ValidationNamesEachDefect) {
  auto check = [](std::vector<MapRun> runs, BlockMapKind kind, uint64_t data) {
    return ValidateBlockMap(runs, kind, 10, data, "f");
  };
  const auto kImage = BlockMapKind::kImage;
  const auto kDelta = BlockMapKind::kDelta;
  EXPECT_OK(check({{0, 10, RunKind::kZero}}, kImage, 0));
  EXPECT_OK(check({}, kDelta, 0));
  EXPECT_OK(check({{1, 1, RunKind::kData}, {5, 1, RunKind::kData}}, kDelta, 2));
  EXPECT_THAT(
      check({{0, 10, static_cast<RunKind>(3)}}, kImage, 0),
      StatusIs(absl::StatusCode::kDataLoss, HasSubstr("unknown run kind 3")));
  EXPECT_THAT(
      check({{0, 0, RunKind::kZero}, {0, 10, RunKind::kData}}, kImage, 10),
      StatusIs(absl::StatusCode::kDataLoss, HasSubstr("empty run")));
  EXPECT_THAT(
      check({{0, 5, RunKind::kZero}, {4, 6, RunKind::kData}}, kImage, 6),
      StatusIs(absl::StatusCode::kDataLoss, HasSubstr("overlaps")));
  EXPECT_THAT(
      check({{0, 5, RunKind::kZero}, {6, 4, RunKind::kData}}, kImage, 4),
      StatusIs(absl::StatusCode::kDataLoss, HasSubstr("gap")));
  EXPECT_THAT(
      check({{8, 3, RunKind::kData}}, kDelta, 3),
      StatusIs(absl::StatusCode::kDataLoss, HasSubstr("passes the end")));
  EXPECT_THAT(
      check({{0, 5, RunKind::kZero}, {5, 5, RunKind::kZero}}, kImage, 0),
      StatusIs(absl::StatusCode::kDataLoss, HasSubstr("not canonical")));
  EXPECT_THAT(check({{0, 5, RunKind::kZero}}, kImage, 0),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("covers 5 of")));
  EXPECT_THAT(
      check({{0, 10, RunKind::kData}}, kImage, 9),
      StatusIs(absl::StatusCode::kDataLoss, HasSubstr("payload holds 9")));
  EXPECT_THAT(
      check({{UINT64_MAX, 2, RunKind::kData}}, kDelta, 2),
      StatusIs(absl::StatusCode::kDataLoss, HasSubstr("passes the end")));
}

TEST(VolumeFormatTest, DataHeaderAndFooterBytesAreExact) {
  DataHeader h;
  h.magic = kDeltaMagic;
  h.block_size = 16384;
  h.block_count = 0x0102030405;
  std::string bytes = EncodeDataHeader(h);
  ASSERT_EQ(bytes.size(), 4096u);
  EXPECT_EQ(bytes.substr(0, 24),
            std::string("SSDL\0\1\0\0\0\0\x40\0\0\0\0\0\0\0\0\1\2\3\4\5", 24));
  EXPECT_EQ(bytes.substr(24, 4064), std::string(4064, '\0'));
  EXPECT_EQ(LoadBE64(&bytes[4088]),
            Xxh3(absl::string_view(bytes).substr(0, 4088)));
  ASSERT_OK_AND_ASSIGN(DataHeader back, ParseDataHeader(bytes, "f"));
  EXPECT_EQ(back.magic, kDeltaMagic);
  EXPECT_EQ(back.block_size, 16384u);
  EXPECT_EQ(back.block_count, 0x0102030405u);

  DataFooter f;
  f.magic = kDeltaMagic;
  f.payload_blocks = 7;
  f.run_count = 3;
  f.runs_xxh3 = 0xAABB;
  std::string fb = EncodeDataFooter(f);
  ASSERT_EQ(fb.size(), kDataFooterSize);
  EXPECT_EQ(fb.substr(0, 32), std::string("\0\0\0\0\0\0\0\7\0\0\0\0\0\0\0\3"
                                          "\0\0\0\0\0\0\xAA\xBBSSDL\0\1\0\0",
                                          32));
  ASSERT_OK_AND_ASSIGN(DataFooter fback, ParseDataFooter(fb, back, "f"));
  EXPECT_EQ(fback.payload_blocks, 7u);
  EXPECT_EQ(fback.run_count, 3u);
  EXPECT_EQ(fback.runs_xxh3, 0xAABBu);
}

TEST(VolumeFormatTest, HeaderRefusals) {
  DataHeader h;
  h.block_size = 4096;
  h.block_count = 8;
  std::string good = EncodeDataHeader(h);
  EXPECT_THAT(ParseDataHeader(good.substr(0, 100), "x.img"),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("x.img: truncated header")));
  std::string bad = good;
  bad[0] = 'Q';
  EXPECT_THAT(
      ParseDataHeader(bad, "x.img"),
      StatusIs(absl::StatusCode::kDataLoss, HasSubstr("not a volume image")));
  bad = good;
  bad[100] = 1;
  EXPECT_THAT(
      ParseDataHeader(bad, "x.img"),
      StatusIs(absl::StatusCode::kDataLoss, HasSubstr("header checksum")));
  // A newer major version, written consistently, is refused as newer.
  DataHeader newer = h;
  newer.major = 2;
  EXPECT_THAT(ParseDataHeader(EncodeDataHeader(newer), "x.img"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("format 2.0 is newer than this build")));
  DataHeader odd = h;
  odd.block_size = 3000;
  EXPECT_THAT(
      ParseDataHeader(EncodeDataHeader(odd), "x.img"),
      StatusIs(absl::StatusCode::kDataLoss, HasSubstr("block size 3000")));
  odd = h;
  odd.block_count = 0;
  EXPECT_THAT(
      ParseDataHeader(EncodeDataHeader(odd), "x.img"),
      StatusIs(absl::StatusCode::kDataLoss, HasSubstr("block count 0")));
  // A newer minor may use the reserved bytes.
  DataHeader minor = h;
  minor.minor = 1;
  std::string m = EncodeDataHeader(minor);
  m[200] = 9;
  StoreBE64(&m[4088], Xxh3(absl::string_view(m).substr(0, 4088)));
  EXPECT_OK(ParseDataHeader(m, "x.img").status());
  minor.minor = 0;
  m = EncodeDataHeader(minor);
  m[200] = 9;
  StoreBE64(&m[4088], Xxh3(absl::string_view(m).substr(0, 4088)));
  EXPECT_THAT(ParseDataHeader(m, "x.img"),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("reserved header byte 200")));
}

// Files of a real set, for whole-file parser tests.
class VolumeFilesTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    BackupSetOptions o = testing::FullOptions("full", GetParam());
    testing::VolumeData v = testing::MakeVolume("db", 24, 512, 5);
    {
      ASSERT_OK_AND_ASSIGN(
          auto w, BackupSetWriter::Create(Env::Default(), tmp_.path(), o));
      ASSERT_OK(testing::StreamImage(w.get(), v));
      ASSERT_OK(w->Publish().status());
    }
    o = testing::FullOptions("inc", GetParam());
    o.type = BackupSetType::kIncremental;
    o.base_backup_id = "full";
    o.created += absl::Minutes(1);
    {
      ASSERT_OK_AND_ASSIGN(
          auto w, BackupSetWriter::Create(Env::Default(), tmp_.path(), o));
      ASSERT_OK(testing::StreamDelta(w.get(), v, testing::MakeChanges(v, 6)));
      ASSERT_OK(w->Publish().status());
    }
    for (const char* id : {"full", "inc"}) {
      ASSERT_OK(VerifyBackupSet(Env::Default(), tmp_.Sub(id),
                                GetParam() ? testing::kTestKey : "",
                                testing::kCreated + absl::Hours(1))
                    .status());
    }
    image_ = Read("full/volumes/db.img");
    image_sums_ = Read("full/volumes/db.sums");
    delta_ = Read("inc/volumes/db.delta");
    delta_sums_ = Read("inc/volumes/db.sums");
  }
  std::string Read(const std::string& path) {
    return ReadFileToString(Env::Default(), tmp_.Sub(path)).value_or("");
  }
  TempDir tmp_;
  std::string image_, image_sums_, delta_, delta_sums_;
};

INSTANTIATE_TEST_SUITE_P(Keys, VolumeFilesTest, ::testing::Bool());

TEST_P(VolumeFilesTest, ParseWholeFiles) {
  ASSERT_OK_AND_ASSIGN(ParsedDataFile img, ParseDataFile(image_, "db.img"));
  EXPECT_EQ(img.header.map_kind(), BlockMapKind::kImage);
  ASSERT_OK_AND_ASSIGN(ParsedDataFile delta, ParseDataFile(delta_, "db.delta"));
  EXPECT_EQ(delta.header.map_kind(), BlockMapKind::kDelta);
  ASSERT_OK_AND_ASSIGN(ParsedSumsFile sums,
                       ParseSumsFile(image_sums_, "db.sums"));
  EXPECT_EQ(sums.header.sha256, GetParam());
  ASSERT_EQ(sums.entries.size(), img.footer.payload_blocks);
  for (size_t i = 0; i < sums.entries.size(); ++i) {
    absl::string_view block = img.payload.substr(i * 512, 512);
    EXPECT_EQ(sums.entries[i].xxh3, Xxh3(block));
    if (GetParam()) {
      EXPECT_EQ(sums.entries[i].sha256, Sha256(block));
    }
  }
  EXPECT_EQ(sums.footer.data_meta_xxh3,
            Xxh3(image_.substr(0, kDataHeaderSize) +
                 image_.substr(kDataHeaderSize + img.payload.size())));
  // Sums header bytes.
  std::string want = "SSSU";
  want += std::string("\0\1\0\0", 4);
  std::string algorithms = GetParam() ? "xxh3-64,sha256" : "xxh3-64";
  PutBE32(&want, static_cast<uint32_t>(29 + algorithms.size()));
  PutBE32(&want, 512);
  want += "SSIM";
  want.push_back(static_cast<char>(algorithms.size()));
  want += algorithms;
  EXPECT_EQ(image_sums_.substr(0, want.size()), want);
}

TEST_P(VolumeFilesTest, EveryTruncationIsDataLoss) {
  for (const auto& [name, bytes, parse] :
       std::vector<std::tuple<std::string, std::string*, bool>>{
           {"db.img", &image_, true},
           {"db.delta", &delta_, true},
           {"db.sums", &image_sums_, false},
           {"db.sums", &delta_sums_, false}}) {
    for (size_t n = 0; n < bytes->size(); ++n) {
      absl::string_view cut = absl::string_view(*bytes).substr(0, n);
      absl::Status st = parse ? ParseDataFile(cut, name).status()
                              : ParseSumsFile(cut, name).status();
      ASSERT_THAT(st, StatusIs(absl::StatusCode::kDataLoss, HasSubstr(name)))
          << name << " cut to " << n;
    }
  }
}

TEST_P(VolumeFilesTest, EveryDamagedByteOutsideThePayloadIsDataLoss) {
  const uint64_t seed = 11;
  std::mt19937_64 rng(seed);
  for (std::string* bytes : {&image_, &delta_}) {
    ASSERT_OK_AND_ASSIGN(ParsedDataFile parsed, ParseDataFile(*bytes, "f"));
    size_t payload_end = kDataHeaderSize + parsed.payload.size();
    for (size_t i = 0; i < bytes->size(); ++i) {
      if (i >= kDataHeaderSize && i < payload_end) continue;  // the sums' job
      std::string bad = *bytes;
      bad[i] = static_cast<char>(bad[i] ^ (1 + rng() % 255));
      SCOPED_TRACE(absl::StrCat("seed ", seed, " byte ", i));
      EXPECT_THAT(ParseDataFile(bad, "f").status(),
                  StatusIs(absl::StatusCode::kDataLoss));
    }
  }
  for (std::string* bytes : {&image_sums_, &delta_sums_}) {
    for (size_t i = 0; i < bytes->size(); ++i) {
      std::string bad = *bytes;
      bad[i] = static_cast<char>(bad[i] ^ (1 + rng() % 255));
      SCOPED_TRACE(absl::StrCat("seed ", seed, " sums byte ", i));
      EXPECT_THAT(ParseSumsFile(bad, "f").status(),
                  StatusIs(absl::StatusCode::kDataLoss));
    }
  }
}

TEST_P(VolumeFilesTest, NewerMajorVersionIsRefusedAsNewer) {
  // Rewrite the sums header as version 2.0 with a valid checksum.
  std::string sums = image_sums_;
  StoreBE16(&sums[4], 2);
  uint32_t header_length = LoadBE32(&sums[8]);
  StoreBE64(&sums[header_length - 8],
            Xxh3(absl::string_view(sums).substr(0, header_length - 8)));
  EXPECT_THAT(ParseSumsFile(sums, "db.sums"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("db.sums: format 2.0 is newer")));
  std::string img = image_;
  StoreBE16(&img[4], 3);
  StoreBE64(&img[4088], Xxh3(absl::string_view(img).substr(0, 4088)));
  EXPECT_THAT(ParseDataFile(img, "db.img"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("db.img: format 3.0 is newer")));
}

}  // namespace
}  // namespace shadowset::internal
