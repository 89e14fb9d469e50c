// The API's route table (issue #20: endpoints by resource, one row each) and its list ranges
// (platform-api.md §3).
#include "api/route_table.hpp"

#include "api/api_error.hpp"
#include "api/range.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace lokku::api {
namespace {

namespace json = boost::json;

TEST(RouteTable, MatchesMethodAndPatternAndNamesTheVariableSegments) {
  RouteTable<int> t;
  t.add("GET", "/apps", 1);
  t.add("GET", "/apps/{app}", 2);
  t.add("PATCH", "/apps/{app}", 3);
  t.add("GET", "/apps/{app}/releases/{release}", 4);
  t.add("GET", "/apps/{app}/releases/{release}/config-vars", 5);
  EXPECT_EQ(t.size(), 5u);

  auto m = t.match("GET", "/apps/web/releases/v3");
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(*m.handler, 4);
  EXPECT_EQ(m.params.at("app"), "web");
  EXPECT_EQ(m.params.at("release"), "v3");

  EXPECT_EQ(*t.match("PATCH", "/apps/web").handler, 3);
  EXPECT_EQ(*t.match("GET", "/apps/web/").handler, 2);  // a trailing slash is the same path
  EXPECT_EQ(*t.match("GET", "/apps").handler, 1);
  EXPECT_EQ(*t.match("GET", "/apps/web/releases/3/config-vars").handler, 5);
  EXPECT_EQ(t.match("DELETE", "/apps/web").handler, nullptr);  // the path, not the verb
  EXPECT_EQ(t.match("GET", "/apps/web/releases").handler, nullptr);
  EXPECT_EQ(t.match("GET", "/").handler, nullptr);
  EXPECT_EQ(t.match("GET", "/appsx").handler, nullptr);
}

TEST(RouteTable, AnEarlierLiteralRowWinsOverALaterPattern) {
  RouteTable<int> t;
  t.add("GET", "/addons/services", 1);
  t.add("GET", "/addons/{addon}", 2);
  EXPECT_EQ(*t.match("GET", "/addons/services").handler, 1);
  EXPECT_EQ(*t.match("GET", "/addons/postgresql-rugged-1").handler, 2);
}

json::array releases(int n) {
  json::array a;
  for (int v = 1; v <= n; ++v) {
    a.push_back(json::object{{"version", v}, {"id", "r" + std::to_string(v)}});
  }
  return a;
}

TEST(Range, OrderDescGivesTheNewestFirstAsReleasesInfoAsks) {
  // `heroku releases:info` takes the first element of `version ..; max=10, order=desc`.
  auto page = paginate(releases(12), "version ..; max=10, order=desc", "version", {"version"});
  ASSERT_EQ(page.items.size(), 10u);
  EXPECT_EQ(page.items[0].at("version").as_int64(), 12);
  EXPECT_EQ(page.items[9].at("version").as_int64(), 3);
  EXPECT_EQ(page.status, 206);
  ASSERT_EQ(page.headers.size(), 1u);
  EXPECT_EQ(page.headers[0].second, "version ]3..; max=10, order=desc");
  auto next = paginate(releases(12), page.headers[0].second, "version", {"version"});
  ASSERT_EQ(next.items.size(), 2u);
  EXPECT_EQ(next.items[0].at("version").as_int64(), 2);
  EXPECT_EQ(next.status, 200);
  EXPECT_TRUE(next.headers.empty());  // the last page: no Next-Range (platform-api.md §3)
}

TEST(Range, AHeaderLokkuCannotHonourIsA400NamingWhatCanBeSortedBy) {
  for (const char* bad :
       {"version", "version ..; max=0", "version ..; order=sideways", "name ..; max=5"}) {
    try {
      paginate(releases(3), bad, "version", {"version", "id"});
      ADD_FAILURE() << bad;
    } catch (const ApiError& e) {
      EXPECT_EQ(e.status, 400) << bad;
      EXPECT_EQ(e.id, "bad_request") << bad;
      EXPECT_NE(e.message.find(bad), std::string::npos) << e.message;
    }
  }
  try {
    paginate(releases(3), "name ..", "version", {"version", "id"});
  } catch (const ApiError& e) {
    EXPECT_NE(e.message.find("sortable: version, id"), std::string::npos) << e.message;
  }
}

}  // namespace
}  // namespace lokku::api
