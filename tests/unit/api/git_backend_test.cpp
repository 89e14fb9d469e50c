// The git endpoint's pure parts (git-and-ci.md §1.1, §1.2): which requests are git's, who
// may push, and what git http-backend answers.
#include "api/git_backend.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace lokku::api {
namespace {

TEST(GitTarget, AppAndPathInfoFromHerokusRemoteUrl) {
  auto t = git_target("/my-app.git/info/refs");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->app, "my-app");
  EXPECT_EQ(t->path_info, "/info/refs");
  auto post = git_target("/my-app.git/git-receive-pack");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->path_info, "/git-receive-pack");
  auto bare = git_target("/my-app.git");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->path_info, "/");
}

TEST(GitTarget, NotGitsOrNotAnAppName) {
  EXPECT_FALSE(git_target("/apps/my-app"));
  EXPECT_FALSE(git_target("/my-app.gitx/info/refs"));
  EXPECT_FALSE(git_target("/My_App.git/info/refs"));  // CONVENTIONS.md: ^[a-z][a-z0-9-]{1,29}$
  EXPECT_FALSE(git_target("/.git/info/refs"));
  EXPECT_FALSE(git_target("/a/b.git/info/refs"));
  EXPECT_FALSE(git_target("/app.git/../../etc/passwd"));
  EXPECT_FALSE(git_target("/app.git/objects/.."));
}

TEST(GitAuthorized, AnyUserNameWithTheTokenAsPassword) {
  // base64("heroku:tok3n") and base64("someone@example.com:tok3n")
  EXPECT_TRUE(git_authorized("Basic aGVyb2t1OnRvazNu", "tok3n"));
  EXPECT_TRUE(git_authorized("basic c29tZW9uZUBleGFtcGxlLmNvbTp0b2szbg==", "tok3n"));
  EXPECT_TRUE(git_authorized("Bearer tok3n", "tok3n"));
}

TEST(GitAuthorized, RefusesEverythingElse) {
  EXPECT_FALSE(git_authorized("", "tok3n"));
  EXPECT_FALSE(git_authorized("Basic aGVyb2t1Ondyb25n", "tok3n"));  // heroku:wrong
  EXPECT_FALSE(git_authorized("Basic dG9rM24=", "tok3n"));          // "tok3n", no colon
  EXPECT_FALSE(git_authorized("Basic not base64!", "tok3n"));
  EXPECT_FALSE(git_authorized("Bearer tok3", "tok3n"));
  EXPECT_FALSE(git_authorized("Digest tok3n", "tok3n"));
  EXPECT_FALSE(git_authorized("Basic Og==", ""));  // ":" against an empty token
}

TEST(CgiHead, StatusAndFieldsUpToTheBlankLine) {
  const std::string answer =
      "Expires: Fri, 01 Jan 1980 00:00:00 GMT\r\nContent-Type: "
      "application/x-git-receive-pack-advertisement\r\n\r\n001f# service";
  auto h = parse_cgi_head(answer);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
  ASSERT_EQ(h->fields.size(), 2u);
  EXPECT_EQ(h->fields[1].first, "Content-Type");
  EXPECT_EQ(h->fields[1].second, "application/x-git-receive-pack-advertisement");
  EXPECT_EQ(answer.substr(h->length), "001f# service");  // the body starts after the head
  auto nf =
      parse_cgi_head("Status: 404 Not Found\nContent-Type: text/plain\n\nRepository not found");
  ASSERT_TRUE(nf);
  EXPECT_EQ(nf->status, 404);
  EXPECT_EQ(nf->fields.size(), 1u);  // Status is not a response field
}

TEST(CgiHead, IncompleteOrMalformed) {
  EXPECT_FALSE(parse_cgi_head("Content-Type: text/plain\r\n"));
  EXPECT_FALSE(parse_cgi_head(""));
  EXPECT_THROW(parse_cgi_head("no colon here\n\n"), std::invalid_argument);
  EXPECT_THROW(parse_cgi_head("Status: two hundred\n\n"), std::invalid_argument);
  EXPECT_THROW(parse_cgi_head("Status: 999\n\n"), std::invalid_argument);
  EXPECT_THROW(parse_cgi_head(std::string(70000, 'x')), std::invalid_argument);
}

}  // namespace
}  // namespace lokku::api
