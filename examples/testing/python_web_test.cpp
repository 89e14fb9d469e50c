// An app's integration tests, as a user writes them: a GoogleTest suite that talks to the
// app through lokku's router and changes it with `lokku` commands, run with
//
//   lokku exec -d examples/apps/python-web -- build/release/examples/testing/python_web_test
//
// `lokku exec` starts a private platform, deploys the app, waits until it is ready, and gives
// the suite LOKKU_URL (the router), LOKKU_APP (the app's name, its Host) and LOKKU_HOME (so
// `lokku` commands act on that platform). Nothing here knows a port or a path in advance.
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

struct Answer {
  int status = 0;
  std::string body;
};

/// GET `target` from the app, through the router (Host: <app>.localhost).
Answer get(const std::string& target) {
  const std::string router = env("LOKKU_URL");  // http://localhost:PORT
  const auto colon = router.rfind(':');
  net::io_context ioc;
  net::ip::tcp::resolver resolver(ioc);
  beast::tcp_stream stream(ioc);
  stream.connect(resolver.resolve("127.0.0.1", router.substr(colon + 1)));
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, env("LOKKU_APP") + ".localhost");
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  return {static_cast<int>(res.result_int()), res.body()};
}

int lokku(const std::string& args) {
  return std::system(("lokku " + args + " -a " + env("LOKKU_APP") + " >/dev/null").c_str());
}

TEST(PythonWeb, GreetsFromItsWebDyno) {
  ASSERT_FALSE(env("LOKKU_URL").empty()) << "run me with lokku exec";
  auto a = get("/");
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.body, "Hello from web.1\n");
}

TEST(PythonWeb, AConfigChangeIsANewReleaseTheDynosRestartOnto) {
  ASSERT_EQ(lokku("config:set GREETING=Howdy"), 0);
  // config:set returns once the platform runs the new release; `lokku wait` says when its
  // dynos are up again.
  ASSERT_EQ(lokku("wait --timeout 60s"), 0);
  EXPECT_EQ(get("/").body, "Howdy from web.1\n");
  EXPECT_NE(get("/env").body.find("\"GREETING\": \"Howdy\""), std::string::npos);
}

}  // namespace
