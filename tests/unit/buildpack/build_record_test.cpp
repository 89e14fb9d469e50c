// A build's record (BP-9): written atomically, read back whole, its first created_at kept
// when it is written again at the end, the building process recorded while it is pending.
#include "buildpack/build_record.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace lokku::buildpack {
namespace {

namespace fs = std::filesystem;

class BuildRecordTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("lokku-build-record-" + std::to_string(::getpid()));
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }
  fs::path dir;
};

TEST_F(BuildRecordTest, BP9APendingBuildNamesItsProcessAndTheFinishedOneItsSlug) {
  write_build_record(dir, BuildRecord{"b1", "pending"});
  auto pending = read_build_record(dir, "b1");
  ASSERT_TRUE(pending);
  EXPECT_EQ(pending->status, "pending");
  EXPECT_EQ(pending->pid, ::getpid());
  EXPECT_FALSE(pending->created_at.empty());

  BuildRecord done{"b1", "succeeded"};
  done.slug = "slug-1";
  done.source_version = "abc123";
  done.buildpacks = {"lokku/python"};
  write_build_record(dir, done);
  auto r = read_build_record(dir, "b1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, "succeeded");
  EXPECT_EQ(r->slug, "slug-1");
  EXPECT_EQ(r->source_version, "abc123");
  EXPECT_EQ(r->buildpacks, std::vector<std::string>{"lokku/python"});
  EXPECT_EQ(r->pid, 0);
  EXPECT_EQ(r->created_at, pending->created_at);  // when it started, not when it ended
  EXPECT_GE(r->updated_at, r->created_at);
}

TEST_F(BuildRecordTest, AMissingOrDamagedRecordIsNoneAndIsSkippedInTheList) {
  EXPECT_FALSE(read_build_record(dir, "nope"));
  std::ofstream(dir / "bad.yaml") << "status: [unclosed\n";
  EXPECT_FALSE(read_build_record(dir, "bad"));
  std::ofstream(dir / "old.yaml") << "id: old\nstatus: failed\ncreated_at: 2026-01-01T00:00:00Z\n";
  auto r = read_build_record(dir, "old");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, "failed");
  EXPECT_EQ(r->updated_at, r->created_at);  // records before updated_at existed
}

}  // namespace
}  // namespace lokku::buildpack
