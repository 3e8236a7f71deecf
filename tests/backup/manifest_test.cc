// manifest.json: round trips and the parser's refusals, each naming the
// field at fault.

#include "engine/backup/manifest.h"

#include <string>

#include "absl/strings/str_replace.h"
#include "engine/backup/internal/digest.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace shadowset {
namespace {

using ::shadowset::testing::StatusIs;
using ::testing::HasSubstr;
using json = nlohmann::json;

BackupManifest MakeManifest(bool keyed) {
  BackupManifest m;
  m.engine_version = "0.1.0";
  m.backup_id = "inc-7";
  m.set_id = *SetId::Parse("1b4e28ba-2fa1-11d2-883f-0016d3cca427");
  m.type = BackupSetType::kIncremental;
  m.base_backup_id = "full-1";
  m.base_manifest_sha256 = Sha256("base");
  m.created = absl::FromUnixNanos(1714564800123456789);
  m.expires = m.created + absl::Hours(24 * 30);
  m.keyed = keyed;
  ManifestWriter w;
  w.id = "dhcp";
  w.restore_lifetime = absl::Hours(24 * 30);
  w.metadata = {{"name", "DHCP"},
                {"components", json::array({{{"name", "db"}}})},
                {"number", 1.5},
                {"unicode", "sch\xC3\xB6n"}};
  m.writers.push_back(w);
  w.id = "ntds";
  w.restore_lifetime = absl::InfiniteDuration();
  w.metadata = json::object();
  m.writers.push_back(w);
  ManifestVolume v;
  v.name = "db";
  v.block_size = 4096;
  v.block_count = 100;
  v.kind = VolumeFileKind::kDelta;
  v.data_blocks = 10;
  v.zero_blocks = 2;
  v.data_file = "volumes/db.delta";
  v.sums_file = "volumes/db.sums";
  m.volumes.push_back(v);
  for (const char* path : {"volumes/db.delta", "volumes/db.sums",
                           "writers/dhcp/dhcp.mdb.meta", "writers/ntds/a/b"}) {
    ManifestFile f;
    f.path = path;
    f.size = 1234;
    f.xxh3 = 0x0123456789abcdef;
    if (keyed) f.sha256 = Sha256(path);
    m.files.push_back(f);
  }
  return m;
}

TEST(ManifestTest, RoundTrips) {
  for (bool keyed : {false, true}) {
    BackupManifest m = MakeManifest(keyed);
    ASSERT_OK_AND_ASSIGN(std::string bytes, EncodeManifest(m));
    ASSERT_OK_AND_ASSIGN(BackupManifest back, ParseManifest(bytes));
    EXPECT_EQ(back, m);
    ASSERT_OK_AND_ASSIGN(std::string again, EncodeManifest(back));
    EXPECT_EQ(again, bytes);
    EXPECT_THAT(bytes, HasSubstr("\"xxh3-64\": \"0123456789abcdef\""));
    EXPECT_THAT(bytes,
                HasSubstr("\"created\": \"2024-05-01T12:00:00.123456789Z\""));
    EXPECT_THAT(bytes, HasSubstr("\"restore_lifetime\": \"inf\""));
    EXPECT_EQ(bytes.find("\"sha256\": \"") != std::string::npos, keyed);
  }
  BackupManifest full = MakeManifest(false);
  full.type = BackupSetType::kFull;
  full.promoted_from = BackupSetType::kDifferential;
  full.base_backup_id.clear();
  full.base_manifest_sha256.reset();
  full.expires = absl::InfiniteFuture();
  full.writers[0].restore_lifetime = absl::InfiniteDuration();
  full.volumes[0].kind = VolumeFileKind::kImage;
  full.volumes[0].data_file = "volumes/db.img";
  full.volumes[0].zero_blocks = 90;
  full.files[0].path = "volumes/db.img";
  ASSERT_OK_AND_ASSIGN(std::string bytes, EncodeManifest(full));
  EXPECT_THAT(bytes, HasSubstr("\"expires\": null"));
  EXPECT_THAT(ParseManifest(bytes), ::testing::Truly([&](const auto& r) {
                return r.ok() && *r == full;
              }));
}

// Edits the encoded JSON of a valid manifest and expects `path` blamed.
class ManifestRefusalTest : public ::testing::Test {
 protected:
  void Expect(const std::function<void(json&)>& edit, absl::StatusCode code,
              absl::string_view message) {
    json doc = json::parse(*EncodeManifest(MakeManifest(keyed_)));
    edit(doc);
    EXPECT_THAT(ParseManifest(doc.dump(2)), StatusIs(code, HasSubstr(message)))
        << doc.dump();
  }
  void ExpectLoss(const std::function<void(json&)>& edit,
                  absl::string_view message) {
    Expect(edit, absl::StatusCode::kDataLoss, message);
  }
  bool keyed_ = false;
};

TEST_F(ManifestRefusalTest, EachFieldIsChecked) {
  ExpectLoss([](json& d) { d.erase("backup_id"); }, "(top).backup_id: missing");
  ExpectLoss([](json& d) { d["format"] = "other"; }, "(top).format");
  ExpectLoss([](json& d) { d["format_version"]["major"] = 0; },
             "unknown version 0.0");
  ExpectLoss([](json& d) { d["format_version"]["major"] = -1; },
             "format_version.major: not an unsigned integer");
  ExpectLoss([](json& d) { d["backup_id"] = "../x"; },
             "(top).backup_id: bad backup id");
  ExpectLoss([](json& d) { d["set_id"] = "nope"; },
             "(top).set_id: not a (non-nil) GUID");
  ExpectLoss([](json& d) { d["type"] = "log"; }, "unknown backup type 'log'");
  ExpectLoss([](json& d) { d["base"] = nullptr; }, "needs a base");
  ExpectLoss([](json& d) { d["base"]["manifest_sha256"] = "ABC"; },
             "base.manifest_sha256: not 64 lowercase hex digits");
  ExpectLoss([](json& d) { d["base"]["backup_id"] = "inc-7"; }, "its own base");
  ExpectLoss([](json& d) { d["promoted_from"] = "incremental"; },
             "promoted_from");
  ExpectLoss([](json& d) { d["created"] = "yesterday"; },
             "(top).created: not an RFC 3339 time");
  ExpectLoss([](json& d) { d["expires"] = "2024-04-01T00:00:00Z"; },
             "before 'created'");
  ExpectLoss([](json& d) { d["expires"] = "2025-04-01T00:00:00Z"; },
             "later than writer 'dhcp' allows");
  ExpectLoss([](json& d) { d["keyed"] = "no"; }, "(top).keyed: not a boolean");
  ExpectLoss([](json& d) { d["writers"][1]["id"] = "dhcp"; }, "listed twice");
  ExpectLoss([](json& d) { d["writers"][0]["metadata"] = json::array(); },
             "writers[0].metadata: not a JSON object");
  ExpectLoss([](json& d) { d["writers"][0]["restore_lifetime"] = "-5s"; },
             "writers[0].restore_lifetime: not a positive duration");
  ExpectLoss([](json& d) { d["volumes"][0]["block_size"] = 1000; },
             "volumes[0].block_size");
  ExpectLoss([](json& d) { d["volumes"][0]["kind"] = "tape"; },
             "unknown kind 'tape'");
  ExpectLoss([](json& d) { d["volumes"][0]["data_file"] = "volumes/x.delta"; },
             "must be 'volumes/db.delta'");
  ExpectLoss([](json& d) { d["volumes"][0]["zero_blocks"] = 95; },
             "more data and zero blocks");
  ExpectLoss(
      [](json& d) {
        d["type"] = "full";
        d["base"] = nullptr;
      },
      "holds images only");
  ExpectLoss([](json& d) { d["files"].erase(1); },
             "'volumes/db.sums' is not listed");
  ExpectLoss([](json& d) { d["files"][2]["path"] = "writers/ghost/x"; },
             "is not under a listed writer");
  ExpectLoss([](json& d) { d["files"][2]["path"] = "elsewhere/x"; },
             "belongs to no volume and no writer");
  ExpectLoss(
      [](json& d) { d["files"][3]["path"] = "writers/dhcp/dhcp.mdb.meta"; },
      "listed twice");
  ExpectLoss([](json& d) { d["files"][0]["checksums"]["xxh3-64"] = "xyz"; },
             "files[0].checksums.xxh3-64: not 16 lowercase hex digits");
  ExpectLoss(
      [](json& d) {
        d["files"][0]["checksums"]["sha256"] = std::string(64, 'a');
      },
      "files[0].checksums.sha256: unexpected field");
  ExpectLoss([](json& d) { d["surprise"] = 1; },
             "(top).surprise: unexpected field");
  ExpectLoss([](json& d) { d["volumes"][0]["extra"] = 1; },
             "volumes[0].extra: unexpected");
  keyed_ = true;
  ExpectLoss([](json& d) { d["files"][0]["checksums"].erase("sha256"); },
             "files[0].checksums.sha256: missing");
}

TEST_F(ManifestRefusalTest, Versions) {
  Expect([](json& d) { d["format_version"]["major"] = 2; },
         absl::StatusCode::kFailedPrecondition,
         "manifest.json: format 2.0 is newer than this build");
  // A newer minor version may add fields.
  json doc = json::parse(*EncodeManifest(MakeManifest(false)));
  doc["format_version"]["minor"] = 1;
  doc["new_field"] = {{"x", 1}};
  doc["volumes"][0]["new_volume_field"] = true;
  ASSERT_OK_AND_ASSIGN(BackupManifest m, ParseManifest(doc.dump()));
  EXPECT_EQ(m.minor, 1);
}

TEST(ManifestTest, TruncatedOrNotJson) {
  ASSERT_OK_AND_ASSIGN(std::string bytes, EncodeManifest(MakeManifest(true)));
  for (size_t n = 0; n + 1 < bytes.size(); ++n) {  // the last byte is "\n"
    ASSERT_THAT(ParseManifest(absl::string_view(bytes).substr(0, n)),
                StatusIs(absl::StatusCode::kDataLoss))
        << n;
  }
  EXPECT_THAT(
      ParseManifest("[1, 2]"),
      StatusIs(absl::StatusCode::kDataLoss, HasSubstr("not a JSON object")));
  EXPECT_THAT(ParseManifest("\xff\xfe"), StatusIs(absl::StatusCode::kDataLoss,
                                                  HasSubstr("not valid JSON")));
}

TEST(ManifestTest, EncodeRefusesBadMetadata) {
  BackupManifest m = MakeManifest(false);
  m.writers[0].metadata = "a string";
  EXPECT_THAT(EncodeManifest(m), StatusIs(absl::StatusCode::kInvalidArgument,
                                          HasSubstr("writer 'dhcp'")));
  m.writers[0].metadata = {{"s", std::string("\xC3")}};
  EXPECT_THAT(EncodeManifest(m), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace shadowset
