// ProgressLine (requestor/cli/progress.h): the exact text of a progress
// line, when each style prints (silent while quick, then rate-limited by
// the reports' own elapsed time, the finished report always once
// something was printed), the terminal's redraws and the JSON lines.

#include "requestor/cli/progress.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace shadowset::cli {
namespace {

constexpr uint64_t kMiB = uint64_t{1} << 20;

// What a ProgressLine writes, captured in memory.
class Captured {
 public:
  Captured() : file_(open_memstream(&buffer_, &size_)) {}
  ~Captured() {
    std::fclose(file_);
    std::free(buffer_);
  }
  std::FILE* file() { return file_; }
  std::string text() {
    std::fflush(file_);
    return std::string(buffer_, size_);
  }

 private:
  char* buffer_ = nullptr;
  size_t size_ = 0;
  std::FILE* file_;
};

absl::Duration Ms(int ms) { return absl::Milliseconds(ms); }

TEST(ProgressTest, FormatsBytesAndItems) {
  EXPECT_EQ(FormatProgress("backup", ProgressUnit::kBytes, 100 * kMiB,
                           400 * kMiB, absl::Seconds(2), false),
            "backup  100.0 MiB of 400.0 MiB (25%)  50.0 MiB/s  ETA 6s");
  EXPECT_EQ(FormatProgress("populating", ProgressUnit::kItems, 1234, 20000,
                           absl::Seconds(2), false),
            "populating  1,234 of 20,000 (6%)  617/s  ETA 31s");
  EXPECT_EQ(FormatProgress("restore", ProgressUnit::kBytes, 3 * kMiB, 3 * kMiB,
                           Ms(1500), true),
            "restore  3.0 MiB of 3.0 MiB (100%)  2.0 MiB/s  done in 1.5 s");
  EXPECT_EQ(FormatProgress("backup", ProgressUnit::kBytes, 0, 16 * kMiB,
                           absl::ZeroDuration(), false),
            "backup  0 B of 16.0 MiB (0%)  0 B/s  ETA --");
  EXPECT_EQ(FormatProgress("backup", ProgressUnit::kBytes, kMiB, 1000 * kMiB,
                           absl::Seconds(1), false),
            "backup  1.0 MiB of 1000.0 MiB (0%)  1.0 MiB/s  ETA 16m39s");
}

TEST(ProgressTest, PlainIsSilentWhileQuickThenOneLineASecond) {
  Captured out;
  {
    ProgressLine line(ProgressStyle::kPlain, "backup", ProgressUnit::kBytes,
                      out.file());
    for (int ms : {100, 500, 999}) line.Update(ms, 10000, Ms(ms), false);
    EXPECT_EQ(out.text(), "");
    line.Update(1000, 10000, Ms(1000), false);  // the first line
    line.Update(1500, 10000, Ms(1500), false);  // too soon
    line.Update(2100, 10000, Ms(2100), false);  // a second later
    line.Update(10000, 10000, Ms(2200), true);  // finished: always
  }
  std::vector<std::string> lines =
      absl::StrSplit(out.text(), '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 3u) << out.text();
  EXPECT_THAT(lines[0],
              ::testing::StartsWith("backup  1000 B of 9.8 KiB (10%)"));
  EXPECT_THAT(lines[1],
              ::testing::StartsWith("backup  2.1 KiB of 9.8 KiB (21%)"));
  EXPECT_THAT(lines[2], ::testing::EndsWith("done in 2.2 s"));
}

TEST(ProgressTest, AQuickTransferPrintsNothingEvenFinished) {
  for (ProgressStyle style : {ProgressStyle::kPlain, ProgressStyle::kJson,
                              ProgressStyle::kTerminal}) {
    Captured out;
    {
      ProgressLine line(style, "verify", ProgressUnit::kBytes, out.file());
      line.Update(10, 100, Ms(50), false);
      line.Update(100, 100, Ms(150), true);
    }
    EXPECT_EQ(out.text(), "");
  }
}

TEST(ProgressTest, TerminalRedrawsOneLineAndEndsIt) {
  Captured out;
  {
    ProgressLine line(ProgressStyle::kTerminal, "restore", ProgressUnit::kBytes,
                      out.file());
    line.Update(kMiB, 4 * kMiB, Ms(250), false);
    line.Update(kMiB + 1, 4 * kMiB, Ms(300), false);  // too soon
    line.Update(2 * kMiB, 4 * kMiB, Ms(400), false);
    const std::string drawn = out.text();
    EXPECT_EQ(std::count(drawn.begin(), drawn.end(), '\r'), 2);
    EXPECT_EQ(drawn.find('\n'), std::string::npos);
    line.Finish();  // e.g. an error: the line ends, nothing more
    line.Finish();
  }
  EXPECT_EQ(out.text(),
            "\rrestore  1.0 MiB of 4.0 MiB (25%)  4.0 MiB/s  ETA 1s\033[K"
            "\rrestore  2.0 MiB of 4.0 MiB (50%)  5.0 MiB/s  ETA 1s\033[K\n");
}

TEST(ProgressTest, JsonLinesCarryEveryFigure) {
  Captured out;
  {
    ProgressLine line(ProgressStyle::kJson, "populating", ProgressUnit::kItems,
                      out.file());
    line.Update(500, 2000, absl::Seconds(1), false);
    line.Update(2000, 2000, absl::Seconds(3), true);
  }
  std::vector<std::string> lines =
      absl::StrSplit(out.text(), '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u) << out.text();
  nlohmann::json first = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(first["progress"], "populating");
  EXPECT_EQ(first["unit"], "items");
  EXPECT_EQ(first["done"], 500);
  EXPECT_EQ(first["total"], 2000);
  EXPECT_EQ(first["rate"], 500.0);
  EXPECT_EQ(first["eta_seconds"], 3.0);
  EXPECT_EQ(first["finished"], false);
  nlohmann::json last = nlohmann::json::parse(lines[1]);
  EXPECT_EQ(last["finished"], true);
  EXPECT_EQ(last["eta_seconds"], 0.0);
}

}  // namespace
}  // namespace shadowset::cli
