#include "util/file_io.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "util/temp_dir.hpp"

namespace cloudchain::util {
namespace {

namespace fs = std::filesystem;

TEST(FileIo, WriteThenReadReplacesWholeFileAndLeavesNoTemporary) {
  TempDir dir;
  const fs::path path = dir.path() / "state";
  ASSERT_TRUE(write_file_atomic(path, "first version, longer", 0600));
  ASSERT_TRUE(write_file_atomic(path, std::string("se\0cond", 7), 0600));
  EXPECT_EQ(read_file(path, 100), std::string("se\0cond", 7));
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path())) ++entries;
  EXPECT_EQ(entries, 1u);
  struct stat st{};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(FileIo, ReadErrorsAreTyped) {
  TempDir dir;
  auto missing = read_file(dir.path() / "nothing", 100);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, FileError::kMissing);
  EXPECT_NE(missing.error().detail.find("nothing"), std::string::npos);

  auto directory = read_file(dir.path(), 100);
  ASSERT_FALSE(directory);
  EXPECT_EQ(directory.error().code, FileError::kIo);

  ASSERT_TRUE(write_file_atomic(dir.path() / "big", std::string(101, 'x'), 0644));
  auto big = read_file(dir.path() / "big", 100);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, FileError::kTooLarge);
  EXPECT_EQ(read_file(dir.path() / "big", 101)->size(), 101u);
}

TEST(FileIo, WriteIntoMissingDirectoryFails) {
  TempDir dir;
  auto r = write_file_atomic(dir.path() / "no" / "such", "x", 0600);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, FileError::kIo);
  EXPECT_EQ(to_string(r.error().code), "io");
}

}  // namespace
}  // namespace cloudchain::util
