// Expiry tokens: exact encoding, strict decoding (truncation, damage,
// versions) and CheckToken's distinct refusals.

#include "engine/backup/token.h"

#include <random>
#include <string>

#include "engine/backup/internal/digest.h"
#include "engine/backup/internal/token_codec.h"
#include "engine/env.h"
#include "engine/internal/coding.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace shadowset {
namespace {

using ::shadowset::testing::StatusIs;
using ::shadowset::testing::TempDir;
using ::testing::HasSubstr;

constexpr absl::string_view kKey = "0123456789abcdef0123";
constexpr absl::string_view kManifest = "{\"the\": \"manifest\"}\n";

ExpiryToken MakeToken() {
  ExpiryToken t;
  t.set_id = *SetId::Parse("1b4e28ba-2fa1-11d2-883f-0016d3cca427");
  t.backup_id = "b1";
  t.created = absl::FromUnixNanos(1714564800123456789);
  t.expires = t.created + absl::Hours(24 * 60);
  t.manifest_sha256 = Sha256(kManifest);
  t.writer_ids = {"dhcp", "ntds"};
  return t;
}

std::optional<TokenError> ErrorOf(const absl::Status& s) {
  return TokenErrorOf(s);
}

TEST(Sha256Test, KnownAnswers) {
  EXPECT_EQ(internal::HexSha256(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(internal::HexSha256(Sha256("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // RFC 4231, test case 2.
  EXPECT_EQ(internal::HexSha256(
                internal::HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(TokenTest, UnsignedEncodingIsExact) {
  ExpiryToken t = MakeToken();
  std::string bytes = EncodeToken(t, "");
  std::string body;
  body += std::string(t.set_id.bytes());
  internal::PutBE16(&body, 2);
  body += "b1";
  internal::PutBE64(&body, 1714564800123456789ull);
  internal::PutBE64(&body, 1714564800123456789ull + 60ull * 86400 * 1000000000);
  body.append(reinterpret_cast<const char*>(t.manifest_sha256.data()), 32);
  internal::PutBE16(&body, 2);
  internal::PutBE16(&body, 4);
  body += "dhcp";
  internal::PutBE16(&body, 4);
  body += "ntds";
  std::string want;
  want += "SSTX";
  internal::PutBE16(&want, 1);
  internal::PutBE16(&want, 0);
  internal::PutBE32(&want, static_cast<uint32_t>(body.size()));
  want += body;
  want.push_back('\0');   // flags: unsigned
  want.append(32, '\0');  // no MAC
  internal::PutBE64(&want, internal::Xxh3(want));
  EXPECT_EQ(bytes, want);
  ASSERT_OK_AND_ASSIGN(ExpiryToken back, DecodeToken(bytes));
  EXPECT_EQ(back, t);
  EXPECT_FALSE(back.is_signed);
}

TEST(TokenTest, SignedRoundTripAndMac) {
  ExpiryToken t = MakeToken();
  std::string bytes = EncodeToken(t, kKey);
  ASSERT_OK_AND_ASSIGN(ExpiryToken back, DecodeToken(bytes));
  EXPECT_TRUE(back.is_signed);
  EXPECT_EQ(back.mac,
            internal::HmacSha256(kKey, internal::TokenMacInput(back)));
  EXPECT_EQ(internal::EncodeTokenVerbatim(back), bytes);
  ExpiryToken unsigned_again = back;
  unsigned_again.is_signed = false;
  unsigned_again.mac = {};
  EXPECT_EQ(unsigned_again, t);
  // Never-expiring tokens.
  t.expires = absl::InfiniteFuture();
  ASSERT_OK_AND_ASSIGN(ExpiryToken never, DecodeToken(EncodeToken(t, kKey)));
  EXPECT_EQ(never.expires, absl::InfiniteFuture());
}

TEST(TokenTest, EveryTruncationIsUnreadable) {
  std::string bytes = EncodeToken(MakeToken(), kKey);
  for (size_t n = 0; n < bytes.size(); ++n) {
    absl::StatusOr<ExpiryToken> t = DecodeToken(bytes.substr(0, n));
    EXPECT_THAT(t, StatusIs(absl::StatusCode::kInvalidArgument)) << n;
    EXPECT_EQ(ErrorOf(t.status()), TokenError::kUnreadable) << n;
  }
  EXPECT_THAT(DecodeToken(bytes + "x"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(TokenTest, EveryDamagedByteIsUnreadable) {
  const uint64_t seed = 7;
  std::mt19937_64 rng(seed);
  for (bool keyed : {false, true}) {
    std::string bytes = EncodeToken(MakeToken(), keyed ? kKey : "");
    for (size_t i = 0; i < bytes.size(); ++i) {
      std::string bad = bytes;
      bad[i] = static_cast<char>(bad[i] ^ (1 + rng() % 255));
      absl::StatusOr<ExpiryToken> t = DecodeToken(bad);
      SCOPED_TRACE(absl::StrCat("seed ", seed, " keyed ", keyed, " byte ", i));
      EXPECT_THAT(t, StatusIs(absl::StatusCode::kInvalidArgument));
      EXPECT_EQ(ErrorOf(t.status()), TokenError::kUnreadable);
    }
  }
}

TEST(TokenTest, VersionsAndMagic) {
  ExpiryToken t = MakeToken();
  t.major = 2;
  EXPECT_THAT(DecodeToken(EncodeToken(t, "")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("format 2.0 is newer than this build")));
  t.major = 0;
  EXPECT_THAT(
      DecodeToken(EncodeToken(t, "")),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("version 0")));
  EXPECT_THAT(
      DecodeToken("not a token at all, just text......................"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("not an expiry token")));

  // A newer minor version may append fields; they are kept, and the MAC
  // covers them.
  t = MakeToken();
  t.minor = 3;
  t.extensions = "future fields";
  std::string bytes = EncodeToken(t, kKey);
  ASSERT_OK_AND_ASSIGN(ExpiryToken back, DecodeToken(bytes));
  EXPECT_EQ(back.extensions, "future fields");
  EXPECT_EQ(back.minor, 3);
  EXPECT_OK(CheckToken(back, kManifest, kKey, back.created));
  // This version's tokens have none.
  t.minor = 0;
  EXPECT_THAT(DecodeToken(EncodeToken(t, "")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unexpected bytes")));
}

TEST(TokenTest, UnsignedTokenWithMacOrUnknownFlagsIsUnreadable) {
  ExpiryToken t = MakeToken();
  t.mac[3] = 1;
  EXPECT_THAT(
      DecodeToken(internal::EncodeTokenVerbatim(t)),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("carries a MAC")));
  std::string bytes = EncodeToken(MakeToken(), "");
  size_t flags_at = bytes.size() - 41;
  bytes[flags_at] = 4;
  bytes.replace(bytes.size() - 8, 8, "");
  internal::PutBE64(&bytes, internal::Xxh3(bytes));
  EXPECT_THAT(DecodeToken(bytes), StatusIs(absl::StatusCode::kInvalidArgument,
                                           HasSubstr("unknown flags")));
}

TEST(TokenTest, CheckTokenRefusesEachCauseDistinctly) {
  ExpiryToken t = MakeToken();
  ASSERT_OK_AND_ASSIGN(ExpiryToken signed_t, DecodeToken(EncodeToken(t, kKey)));
  ASSERT_OK_AND_ASSIGN(ExpiryToken unsigned_t, DecodeToken(EncodeToken(t, "")));
  const absl::Time ok_time = t.created + absl::Hours(1);

  EXPECT_OK(CheckToken(signed_t, kManifest, kKey, ok_time));
  EXPECT_OK(CheckToken(unsigned_t, kManifest, "", ok_time));
  // No key configured: a signed token is accepted without its MAC checked.
  EXPECT_OK(CheckToken(signed_t, kManifest, "", ok_time));

  absl::Status s = CheckToken(unsigned_t, kManifest, kKey, ok_time);
  EXPECT_THAT(
      s, StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("unsigned")));
  EXPECT_EQ(ErrorOf(s), TokenError::kUnsigned);

  ExpiryToken extended = signed_t;
  extended.expires += absl::Hours(24 * 365);
  s = CheckToken(extended, kManifest, kKey, ok_time);
  EXPECT_THAT(s,
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("MAC")));
  EXPECT_EQ(ErrorOf(s), TokenError::kTampered);

  ASSERT_OK_AND_ASSIGN(ExpiryToken other_key,
                       DecodeToken(EncodeToken(t, "another key, 16+ bytes")));
  EXPECT_EQ(ErrorOf(CheckToken(other_key, kManifest, kKey, ok_time)),
            TokenError::kTampered);

  s = CheckToken(signed_t, "{\"another\": \"manifest\"}", kKey, ok_time);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kFailedPrecondition,
                          HasSubstr("does not belong")));
  EXPECT_EQ(ErrorOf(s), TokenError::kForeign);

  s = CheckToken(signed_t, kManifest, kKey, t.created - absl::Nanoseconds(1));
  EXPECT_THAT(
      s, StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("clock")));
  EXPECT_EQ(ErrorOf(s), TokenError::kNotYetValid);
  EXPECT_OK(CheckToken(signed_t, kManifest, kKey, t.created));

  EXPECT_OK(CheckToken(signed_t, kManifest, kKey, t.expires));
  s = CheckToken(signed_t, kManifest, kKey, t.expires + absl::Nanoseconds(1));
  EXPECT_THAT(
      s, StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("expired")));
  EXPECT_EQ(ErrorOf(s), TokenError::kExpired);

  EXPECT_EQ(ErrorOf(absl::OkStatus()), std::nullopt);
  EXPECT_EQ(ErrorOf(absl::InternalError("x")), std::nullopt);
}

TEST(TokenTest, ReadKeyFile) {
  TempDir tmp;
  Env* env = Env::Default();
  EXPECT_THAT(
      ReadKeyFile(env, tmp.Sub("missing")),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("missing")));
  std::string short_key = "fifteen bytes!!";
  ASSERT_OK(WriteFileAtomically(
      env, tmp.Sub("short"),
      absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(short_key.data()),
                          short_key.size())));
  EXPECT_THAT(
      ReadKeyFile(env, tmp.Sub("short")),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("15 bytes")));
  std::string key(32, '\x07');
  ASSERT_OK(WriteFileAtomically(
      env, tmp.Sub("key"),
      absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(key.data()),
                          key.size())));
  ASSERT_OK_AND_ASSIGN(std::string got, ReadKeyFile(env, tmp.Sub("key")));
  EXPECT_EQ(got, key);
}

}  // namespace
}  // namespace shadowset
