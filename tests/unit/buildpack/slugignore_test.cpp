// SLUG-2: .slugignore patterns (gitignore rules where Heroku is silent).
#include "buildpack/slugignore.hpp"

#include <gtest/gtest.h>

namespace lokku::buildpack {
namespace {

TEST(SlugIgnore, GlobsDoNotCrossSlashesButDoubleStarDoes) {
  EXPECT_TRUE(glob_match("*.pdf", "a.pdf"));
  EXPECT_FALSE(glob_match("*.pdf", "dir/a.pdf"));
  EXPECT_TRUE(glob_match("**/*.pdf", "dir/sub/a.pdf"));
  EXPECT_TRUE(glob_match("**/*.pdf", "a.pdf"));
  EXPECT_TRUE(glob_match("file?.txt", "file1.txt"));
  EXPECT_FALSE(glob_match("file?.txt", "file/.txt"));
  EXPECT_TRUE(glob_match("[a-c]at", "bat"));
  EXPECT_FALSE(glob_match("[!a-c]at", "bat"));
}

TEST(SlugIgnore, CommentsBlanksAndNegationsWithAWarning) {
  auto rules = parse_slugignore("# comment\n\n*.log\n!keep.log\n/tmp/\nspec/fixtures\r\n");
  ASSERT_EQ(rules.patterns.size(), 3u);
  ASSERT_EQ(rules.warnings.size(), 1u);
  EXPECT_EQ(rules.warnings[0], ".slugignore:4: ignored: '!' negation is not supported by Heroku");
  EXPECT_TRUE(rules.ignored("a.log", false));
  EXPECT_TRUE(rules.ignored("deep/dir/b.log", false));  // unanchored: any directory
  EXPECT_TRUE(rules.ignored("keep.log", false));        // the negation does nothing
  EXPECT_TRUE(rules.ignored("tmp", true));
  EXPECT_FALSE(rules.ignored("tmp", false));          // `tmp/` matches directories only
  EXPECT_FALSE(rules.ignored("src/tmp", true));       // `/tmp/` is anchored
  EXPECT_TRUE(rules.ignored("spec/fixtures", true));  // a slash in the middle anchors
  EXPECT_FALSE(rules.ignored("other/spec/fixtures", true));
  EXPECT_FALSE(rules.ignored("app.py", false));
}

}  // namespace
}  // namespace lokku::buildpack
