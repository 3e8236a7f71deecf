// GoogleTest helpers for absl::Status: IsOk(), StatusIs(code),
// StatusIs(code, HasSubstr(...)), HasCode(win32_code), and
// ASSERT_OK_AND_ASSIGN.

#ifndef SHADOWSET_TESTS_TESTING_STATUS_MATCHERS_H_
#define SHADOWSET_TESTS_TESTING_STATUS_MATCHERS_H_

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/codes.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace shadowset::testing {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

MATCHER(IsOk, "is OK") {
  const absl::Status& s = GetStatus(arg);
  if (!s.ok()) *result_listener << "status: " << s;
  return s.ok();
}

MATCHER_P(StatusIs, code, "has status code " + absl::StatusCodeToString(code)) {
  const absl::Status& s = GetStatus(arg);
  *result_listener << "status: " << s;
  return s.code() == code;
}

MATCHER_P2(StatusIs, code, message_matcher,
           "has status code " + absl::StatusCodeToString(code)) {
  const absl::Status& s = GetStatus(arg);
  *result_listener << "status: " << s;
  return s.code() == code &&
         ::testing::ExplainMatchResult(message_matcher, std::string(s.message()),
                                       result_listener);
}

// The Win32-style payload code.
MATCHER_P(HasCode, code, "carries code " + FormatCode(code)) {
  const absl::Status& s = GetStatus(arg);
  *result_listener << "status: " << s;
  std::optional<uint32_t> got = CodeOf(s);
  return got.has_value() && *got == static_cast<uint32_t>(code);
}

}  // namespace shadowset::testing

#define SHADOWSET_TEST_CONCAT_INNER_(a, b) a##b
#define SHADOWSET_TEST_CONCAT_(a, b) SHADOWSET_TEST_CONCAT_INNER_(a, b)
#define ASSERT_OK(expr) ASSERT_THAT((expr), ::shadowset::testing::IsOk())
#define EXPECT_OK(expr) EXPECT_THAT((expr), ::shadowset::testing::IsOk())
#define ASSERT_OK_AND_ASSIGN(lhs, expr)                                      \
  auto SHADOWSET_TEST_CONCAT_(statusor_, __LINE__) = (expr);                 \
  ASSERT_THAT(SHADOWSET_TEST_CONCAT_(statusor_, __LINE__).status(),          \
              ::shadowset::testing::IsOk());                                 \
  lhs = std::move(SHADOWSET_TEST_CONCAT_(statusor_, __LINE__)).value()

#endif  // SHADOWSET_TESTS_TESTING_STATUS_MATCHERS_H_
