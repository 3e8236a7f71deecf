// A scratch directory under $TEST_TMPDIR (or /tmp), removed on destruction
// unless SHADOWSET_KEEP_TEST_DIRS is set.

#ifndef SHADOWSET_TESTS_TESTING_TEMP_DIR_H_
#define SHADOWSET_TESTS_TESTING_TEMP_DIR_H_

#include <cstdlib>
#include <filesystem>
#include <string>

namespace shadowset::testing {

class TempDir {
 public:
  // `prefer_memory`: use /dev/shm when it exists (tests that simulate
  // durability themselves and only pay for real fsyncs), unless
  // TEST_TMPDIR is set.
  explicit TempDir(bool prefer_memory = false) {
    const char* base = std::getenv("TEST_TMPDIR");
    std::string root = base != nullptr ? base : "/tmp";
    if (base == nullptr && prefer_memory &&
        std::filesystem::is_directory("/dev/shm")) {
      root = "/dev/shm";
    }
    std::string pattern = root + "/shadowset-test-XXXXXX";
    char* made = mkdtemp(pattern.data());
    path_ = made != nullptr ? made : "";
  }
  ~TempDir() {
    if (std::getenv("SHADOWSET_KEEP_TEST_DIRS") == nullptr && !path_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(path_, ec);
    }
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace shadowset::testing

#endif  // SHADOWSET_TESTS_TESTING_TEMP_DIR_H_
