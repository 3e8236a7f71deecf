// A published set refuses every kind of bad token with its own TokenError,
// and a flipped byte anywhere in it is caught by VerifyBackupSet and by the
// streaming reader before any block it affects is handed out as good.

#include <random>
#include <string>
#include <vector>

#include "engine/backup/backup_set_reader.h"
#include "engine/backup/backup_set_writer.h"
#include "engine/backup/internal/token_codec.h"
#include "engine/backup/verify.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/backup/backup_testing.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace shadowset {
namespace {

using ::shadowset::testing::BlockChanges;
using ::shadowset::testing::Bytes;
using ::shadowset::testing::kCreated;
using ::shadowset::testing::kTestKey;
using ::shadowset::testing::StatusIs;
using ::shadowset::testing::TempDir;
using ::shadowset::testing::VolumeData;
using ::testing::HasSubstr;

const absl::Time kNow = kCreated + absl::Hours(1);

class IntegrityTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    v0_ = testing::MakeVolume("db", 40, 512, 100);
    cfg_ = testing::MakeVolume("cfg", 6, 1024, 101);
    changes_ = testing::MakeChanges(v0_, 102);
    v1_ = v0_;
    testing::Apply(&v1_, changes_);
    {
      ASSERT_OK_AND_ASSIGN(auto w, BackupSetWriter::Create(
                                       Env::Default(), tmp_.path(),
                                       testing::FullOptions("full", keyed())));
      ASSERT_OK(testing::StreamImage(w.get(), v0_));
      ASSERT_OK(testing::StreamImage(w.get(), cfg_));
      ASSERT_OK(w->AddWriterFile("dhcp", "dhcp.meta", "dhcp writer state"));
      ASSERT_OK(w->Publish().status());
    }
    {
      BackupSetOptions o = testing::FullOptions("inc", keyed());
      o.type = BackupSetType::kIncremental;
      o.base_backup_id = "full";
      o.created = kCreated + absl::Minutes(1);
      ASSERT_OK_AND_ASSIGN(
          auto w, BackupSetWriter::Create(Env::Default(), tmp_.path(), o));
      ASSERT_OK(testing::StreamDelta(w.get(), v0_, changes_));
      ASSERT_OK(
          w->AddWriterFile("ntds", "logs/edb.log", std::string(3000, 'L')));
      ASSERT_OK(w->Publish().status());
    }
    for (const char* id : {"full", "inc"}) ASSERT_OK(Verify(id));
  }

  bool keyed() const { return GetParam(); }
  std::string key() const { return keyed() ? std::string(kTestKey) : ""; }
  std::string Dir(const std::string& id) const { return tmp_.Sub(id); }
  BackupReadOptions ReadOptions() const {
    BackupReadOptions o;
    o.key = key();
    o.read_buffer_size = 4 * 512;
    return o;
  }
  absl::Status Verify(const std::string& id, absl::Time now = kNow) {
    return VerifyBackupSet(Env::Default(), Dir(id), key(), now).status();
  }
  absl::Status Open(const std::string& id, absl::Time now = kNow,
                    const std::string& key_override = "-") {
    BackupReadOptions o = ReadOptions();
    if (key_override != "-") o.key = key_override;
    return BackupSetReader::Open(Env::Default(), Dir(id), o, now).status();
  }
  std::string ReadFile(const std::string& path) {
    return ReadFileToString(Env::Default(), tmp_.Sub(path)).value();
  }
  void WriteFile(const std::string& path, absl::string_view bytes) {
    ASSERT_OK(
        WriteFileAtomically(Env::Default(), tmp_.Sub(path), Bytes(bytes)));
  }
  void PatchByte(const std::string& path, size_t offset, char value) {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<File> f,
                         Env::Default()->OpenFile(tmp_.Sub(path), {}));
    ASSERT_OK(f->WriteAt(offset, Bytes(absl::string_view(&value, 1))));
  }
  // Both the reader and the verifier refuse with `code` and `error`.
  void ExpectRefused(const std::string& id, absl::StatusCode code,
                     std::optional<TokenError> error, absl::string_view text,
                     absl::Time now = kNow) {
    for (const absl::Status& s : {Open(id, now), Verify(id, now)}) {
      EXPECT_THAT(s, StatusIs(code, HasSubstr(text)));
      EXPECT_EQ(TokenErrorOf(s), error) << s;
    }
  }

  TempDir tmp_;
  VolumeData v0_, v1_, cfg_;
  BlockChanges changes_;
};

INSTANTIATE_TEST_SUITE_P(Keys, IntegrityTest, ::testing::Bool(),
                         [](const auto& info) {
                           return info.param ? "Keyed" : "Unkeyed";
                         });

TEST_P(IntegrityTest, MissingToken) {
  ASSERT_OK(Env::Default()->RemoveFile(Dir("full") + "/token"));
  ExpectRefused("full", absl::StatusCode::kNotFound, TokenError::kMissing,
                "has no expiry token");
  EXPECT_THAT(Open("nonexistent"), StatusIs(absl::StatusCode::kNotFound,
                                            HasSubstr("no backup set")));
}

TEST_P(IntegrityTest, UnreadableToken) {
  WriteFile("full/token", "this is not a token, it is a note about one");
  ExpectRefused("full", absl::StatusCode::kInvalidArgument,
                TokenError::kUnreadable, "not an expiry token");
  std::string token = ReadFile("inc/token");
  WriteFile("full/token", token.substr(0, token.size() / 2));
  ExpectRefused("full", absl::StatusCode::kInvalidArgument,
                TokenError::kUnreadable, "unreadable expiry token");
  // Not readable as a file at all.
  ASSERT_OK(Env::Default()->RemoveFile(Dir("full") + "/token"));
  ASSERT_OK(Env::Default()->CreateDir(Dir("full") + "/token"));
  absl::Status s = Open("full");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(TokenErrorOf(s), TokenError::kUnreadable) << s;
  EXPECT_THAT(s, StatusIs(s.code(), HasSubstr("cannot read the expiry token")));
}

TEST_P(IntegrityTest, ExpiredAndNotYetValid) {
  // The dhcp writer's lifetime is 60 days.
  ExpectRefused("full", absl::StatusCode::kFailedPrecondition,
                TokenError::kExpired, "expired",
                kCreated + absl::Hours(24 * 60) + absl::Seconds(1));
  EXPECT_OK(Open("full", kCreated + absl::Hours(24 * 60)));
  ExpectRefused("full", absl::StatusCode::kFailedPrecondition,
                TokenError::kNotYetValid, "clock", kCreated - absl::Seconds(1));
}

TEST_P(IntegrityTest, TamperedToken) {
  ASSERT_OK_AND_ASSIGN(ExpiryToken t, DecodeToken(ReadFile("full/token")));
  t.expires += absl::Hours(24 * 365);
  // Re-encoded with its old MAC (and a valid checksum), or unsigned.
  WriteFile("full/token",
            keyed() ? internal::EncodeTokenVerbatim(t) : EncodeToken(t, ""));
  ExpectRefused("full", absl::StatusCode::kPermissionDenied,
                TokenError::kTampered,
                keyed() ? "fails its MAC" : "disagree on the expiry");
  // Signed with another key.
  ASSERT_OK_AND_ASSIGN(t, DecodeToken(ReadFile("inc/token")));
  WriteFile("inc/token", EncodeToken(t, "some other key of 16+ bytes"));
  if (keyed()) {
    ExpectRefused("inc", absl::StatusCode::kPermissionDenied,
                  TokenError::kTampered, "fails its MAC");
  } else {
    ExpectRefused("inc", absl::StatusCode::kPermissionDenied,
                  TokenError::kTampered, "disagree on the signed/keyed");
  }
}

TEST_P(IntegrityTest, TamperedManifest) {
  std::string manifest = ReadFile("full/manifest.json");
  size_t at = manifest.find("\"restore_lifetime\": \"1440h\"");
  ASSERT_NE(at, std::string::npos);
  manifest.replace(at, 27, "\"restore_lifetime\": \"9440h\"");
  WriteFile("full/manifest.json", manifest);
  ExpectRefused("full", absl::StatusCode::kPermissionDenied,
                TokenError::kTampered,
                "manifest.json changed since its expiry token was issued");
}

TEST_P(IntegrityTest, ForeignToken) {
  WriteFile("full/token", ReadFile("inc/token"));
  ExpectRefused("full", absl::StatusCode::kFailedPrecondition,
                TokenError::kForeign, "belongs to backup 'inc'");
  // The same backup id, but another snapshot set (another backup root).
  TempDir other;
  BackupSetOptions o = testing::FullOptions("inc", keyed());
  ASSERT_OK_AND_ASSIGN(
      auto w, BackupSetWriter::Create(Env::Default(), other.path(), o));
  ASSERT_OK_AND_ASSIGN(PublishedBackup pub, w->Publish());
  ASSERT_OK(VerifyBackupSet(Env::Default(), pub.dir, key(), kNow).status());
  WriteFile("inc/token", pub.token_bytes);
  ExpectRefused("inc", absl::StatusCode::kFailedPrecondition,
                TokenError::kForeign, "issued for snapshot set");
}

TEST_P(IntegrityTest, UnsignedTokenWhenKeyed) {
  if (keyed()) {
    // A keyed set read with no key configured: accepted (MAC unchecked).
    EXPECT_OK(Open("full", kNow, ""));
    return;
  }
  absl::Status s = Open("full", kNow, std::string(kTestKey));
  EXPECT_THAT(
      s, StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("unsigned")));
  EXPECT_EQ(TokenErrorOf(s), TokenError::kUnsigned);
  s = VerifyBackupSet(Env::Default(), Dir("full"), kTestKey, kNow).status();
  EXPECT_EQ(TokenErrorOf(s), TokenError::kUnsigned);
}

TEST_P(IntegrityTest, RenamedSetAndStrayFiles) {
  ASSERT_OK(Env::Default()->Rename(Dir("full"), Dir("moved")));
  EXPECT_THAT(Open("moved"), StatusIs(absl::StatusCode::kFailedPrecondition,
                                      HasSubstr("holds backup 'full'")));
  ASSERT_OK(Env::Default()->Rename(Dir("moved"), Dir("full")));
  WriteFile("full/volumes/stray", "x");
  EXPECT_THAT(Verify("full"), StatusIs(absl::StatusCode::kDataLoss,
                                       HasSubstr("volumes/stray: not listed")));
  ASSERT_OK(Env::Default()->RemoveFile(Dir("full") + "/volumes/stray"));
  ASSERT_OK(
      Env::Default()->RemoveFile(Dir("full") + "/writers/dhcp/dhcp.meta"));
  EXPECT_THAT(Verify("full"),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("writers/dhcp/dhcp.meta: missing")));
}

// Reads everything a restore would through the reader, comparing every
// block handed out with the truth. Returns the first error (OK if none);
// `wrong` counts blocks handed out that differ from the truth.
struct ReadResult {
  absl::Status status;
  int wrong = 0;
};

void Record(ReadResult* r, const absl::Status& s) {
  if (r->status.ok()) r->status = s;
}

void DrainAgainst(VolumeStream* stream,
                  const std::map<uint64_t, std::string>& truth, ReadResult* r) {
  const uint32_t bs = stream->block_size();
  while (true) {
    absl::StatusOr<std::optional<BlockRun>> run = stream->Next();
    if (!run.ok()) return Record(r, run.status());
    if (!*run) return;
    for (uint64_t i = 0; i < (*run)->block_count; ++i) {
      uint64_t b = (*run)->first_block + i;
      std::string got =
          (*run)->zero
              ? std::string(bs, '\0')
              : std::string(
                    reinterpret_cast<const char*>((*run)->data.data()) + i * bs,
                    bs);
      auto it = truth.find(b);
      if (it == truth.end() || it->second != got) ++r->wrong;
    }
  }
}

std::map<uint64_t, std::string> AllBlocks(const VolumeData& v) {
  std::map<uint64_t, std::string> m;
  for (uint64_t b = 0; b < v.block_count(); ++b) m[b] = std::string(v.block(b));
  return m;
}

TEST_P(IntegrityTest, FlippedByteAnywhereIsCaught) {
  const uint64_t seed = 20240501 + keyed();
  std::mt19937_64 rng(seed);
  struct SetFiles {
    std::string id;
    std::vector<std::string> files;
  };
  std::vector<SetFiles> sets = {
      {"full",
       {"token", "manifest.json", "volumes/db.img", "volumes/db.sums",
        "volumes/cfg.img", "volumes/cfg.sums", "writers/dhcp/dhcp.meta"}},
      {"inc",
       {"token", "manifest.json", "volumes/db.delta", "volumes/db.sums",
        "writers/ntds/logs/edb.log"}}};
  int flips = 0;
  for (const SetFiles& set : sets) {
    for (const std::string& file : set.files) {
      std::string path = set.id + "/" + file;
      const std::string original = ReadFile(path);
      // Every offset of small files; for larger ones the first and last 128
      // bytes and 200 random offsets.
      std::vector<size_t> offsets;
      for (size_t i = 0; i < original.size(); ++i) {
        if (original.size() <= 600 || i < 128 || i + 128 >= original.size()) {
          offsets.push_back(i);
        }
      }
      for (int i = 0; original.size() > 600 && i < 200; ++i) {
        offsets.push_back(rng() % original.size());
      }
      for (size_t offset : offsets) {
        // In place and unsynced: durability is not what is tested here.
        char flipped = static_cast<char>(original[offset] ^ (1 + rng() % 255));
        PatchByte(path, offset, flipped);
        SCOPED_TRACE(absl::StrCat("seed ", seed, ": ", path, " byte ", offset));
        ++flips;

        EXPECT_FALSE(Verify(set.id).ok());

        ReadResult r;
        absl::StatusOr<std::unique_ptr<BackupSetReader>> reader =
            BackupSetReader::Open(Env::Default(), Dir(set.id), ReadOptions(),
                                  kNow);
        if (!reader.ok()) {
          Record(&r, reader.status());
        } else {
          for (const ManifestVolume& v : (*reader)->manifest().volumes) {
            absl::StatusOr<std::unique_ptr<VolumeStream>> stream =
                (*reader)->OpenVolume(v.name);
            if (!stream.ok()) {
              Record(&r, stream.status());
              continue;
            }
            std::map<uint64_t, std::string> truth =
                set.id == "inc" ? std::map<uint64_t, std::string>(
                                      changes_.begin(), changes_.end())
                : v.name == "db" ? AllBlocks(v0_)
                                 : AllBlocks(cfg_);
            DrainAgainst(stream->get(), truth, &r);
          }
          for (const ManifestWriter& w : (*reader)->manifest().writers) {
            for (const std::string& f : (*reader)->WriterFiles(w.id)) {
              absl::StatusOr<std::string> got =
                  (*reader)->ReadWriterFile(w.id, f);
              std::string truth =
                  w.id == "dhcp" ? "dhcp writer state" : std::string(3000, 'L');
              if (!got.ok()) {
                Record(&r, got.status());
              } else if (*got != truth) {
                ++r.wrong;
              }
            }
          }
        }
        EXPECT_FALSE(r.status.ok());
        EXPECT_EQ(r.wrong, 0) << r.status;

        // A restore through the chain never hands out a wrong block either.
        ReadResult chain;
        absl::StatusOr<std::unique_ptr<VolumeStream>> stream = OpenVolumeAt(
            Env::Default(), tmp_.path(), "inc", "db", ReadOptions(), kNow);
        if (stream.ok()) DrainAgainst(stream->get(), AllBlocks(v1_), &chain);
        EXPECT_EQ(chain.wrong, 0);
        PatchByte(path, offset, original[offset]);
      }
    }
  }
  EXPECT_GT(flips, 2000);
  for (const SetFiles& set : sets) EXPECT_OK(Verify(set.id));
}

}  // namespace
}  // namespace shadowset
