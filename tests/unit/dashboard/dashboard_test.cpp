// The dashboard's own pages (issue #24): the login, the page that loads the front-end, and
// its files; nothing outside the build's folder is ever served.
#include "dashboard/dashboard.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace lokku::dashboard {
namespace {

namespace fs = std::filesystem;

class DashboardPages : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir / "assets");
    std::ofstream(dir / "assets" / "app.js") << "console.log(1)";
    std::ofstream(dir / "assets" / "app.css") << "body{}";
    std::ofstream(dir / "secret.txt") << "secret";
  }
  void TearDown() override { fs::remove_all(dir); }

  api::Request request(std::string method, std::string path, std::string body = {}) {
    api::Request r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.body = std::move(body);
    r.headers["host"] = "dashboard.localhost:5000";
    return r;
  }
  static std::string header(const api::Response& r, const std::string& name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) {
        return v;
      }
    }
    return {};
  }

  const fs::path dir =
      fs::temp_directory_path() / ("lokku-dashboard-" + std::to_string(::getpid()));
  Sessions sessions{"the-token"};
  Dashboard dashboard{sessions, dir / "assets"};
};

TEST_F(DashboardPages, WithoutASessionTheHomeIsTheLoginPage) {
  auto r = dashboard.handle(request("GET", "/"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 303);
  EXPECT_EQ(header(*r, "Location"), "/login");
  auto login = dashboard.handle(request("GET", "/login"));
  ASSERT_TRUE(login);
  EXPECT_EQ(login->status, 200);
  EXPECT_NE(login->body.find(R"(<label for="token">API token</label>)"), std::string::npos);
  EXPECT_NE(header(*login, "Content-Security-Policy").find("frame-ancestors 'none'"),
            std::string::npos);
}

TEST_F(DashboardPages, TheTokenLogsInAndTheHomeCarriesTheSessionsCsrfToken) {
  auto wrong = dashboard.handle(request("POST", "/login", "token=nope"));
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  EXPECT_NE(wrong->body.find("not lokku's API token"), std::string::npos);
  EXPECT_EQ(header(*wrong, "Set-Cookie"), "");

  auto ok = dashboard.handle(request("POST", "/login", "token=the-token%0A"));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 303);
  EXPECT_EQ(header(*ok, "Location"), "/");
  const std::string set = header(*ok, "Set-Cookie");
  ASSERT_NE(set.find("HttpOnly; SameSite=Strict"), std::string::npos) << set;
  auto home = request("GET", "/");
  home.headers["cookie"] = set.substr(0, set.find(';'));
  auto page = dashboard.handle(home);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  auto session = sessions.find(home.headers["cookie"]);
  ASSERT_TRUE(session);
  EXPECT_NE(page->body.find(R"(<meta name="csrf-token" content=")" + session->csrf + "\">"),
            std::string::npos);
}

TEST_F(DashboardPages, ALoginFormPostedFromAnotherSiteIsRefused) {
  auto r = request("POST", "/login", "token=the-token");
  r.headers["origin"] = "http://evil.example";
  auto out = dashboard.handle(r);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->status, 403);
  EXPECT_EQ(header(*out, "Set-Cookie"), "");
}

TEST_F(DashboardPages, OnlyTheBuildsOwnFilesAreServed) {
  auto js = dashboard.handle(request("GET", "/assets/app.js"));
  ASSERT_TRUE(js);
  EXPECT_EQ(js->status, 200);
  EXPECT_EQ(js->body, "console.log(1)");
  EXPECT_EQ(header(*js, "Content-Type"), "text/javascript; charset=utf-8");
  for (const char* bad : {"/assets/..", "/assets/.hidden.js", "/assets/missing.js",
                          "/assets/secret.txt", "/assets/..%2fsecret.txt"}) {
    auto r = dashboard.handle(request("GET", bad));
    ASSERT_TRUE(r) << bad;
    EXPECT_EQ(r->status, 404) << bad;
  }
  // A path with more segments is not the dashboard's: the API answers it (404 there).
  EXPECT_FALSE(dashboard.handle(request("GET", "/assets/../secret.txt")));
}

TEST_F(DashboardPages, TheApisPathsAreNotTheDashboards) {
  EXPECT_FALSE(dashboard.handle(request("GET", "/apps")));
  EXPECT_FALSE(dashboard.handle(request("GET", "/account")));
  EXPECT_FALSE(dashboard.handle(request("DELETE", "/")));
}

TEST_F(DashboardPages, WithoutItsBuiltFilesTheHomeSaysHowToBuildThem) {
  Dashboard unbuilt{sessions, dir / "nowhere"};
  auto s = sessions.login("the-token");
  auto r = request("GET", "/");
  r.headers["cookie"] = "lokku_session=" + s->id;
  auto out = unbuilt.handle(r);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->status, 503);
  EXPECT_NE(out->body.find("scripts/install-deps"), std::string::npos);
}

}  // namespace
}  // namespace lokku::dashboard
