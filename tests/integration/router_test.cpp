// The router (router.md), end to end: the real lokku binary, the backend.py helper as web
// dynos, and raw sockets as clients.
#include "support/http_client.hpp"
#include "support/lokku_process.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <signal.h>
#include <sys/resource.h>
#include <thread>

namespace lokku::test {
namespace {

namespace fs = std::filesystem;

/// An app of backend.py web dynos behind lokku's router.
class RouterApp {
 public:
  explicit RouterApp(std::vector<std::string> args = {}, std::string env = "", int web_dynos = 1,
                     std::string procfile_extra = "",
                     std::map<std::string, std::string> lokku_env = {}) {
    fs::copy_file(fs::path(LOKKU_TEST_HELPERS_DIR) / "backend.py", dir.path() / "backend.py");
    dir.write("Procfile", "web: python3 -u backend.py\n" + procfile_extra);
    dir.write(".env", env);
    port = free_port();
    std::vector<std::string> argv{"start", "-p", std::to_string(port)};
    argv.insert(argv.end(), args.begin(), args.end());
    lokku = std::make_unique<LokkuProcess>(argv, dir.path(), lokku_env);
    if (web_dynos > 0) {
      up = static_cast<bool>(
          lokku->wait_for_count(R"(heroku\[web\.\d+\]: State changed from starting to up)",
                                static_cast<std::size_t>(web_dynos)));
    }
  }
  ~RouterApp() {
    lokku->signal(SIGINT);
    lokku->wait_exit(20s);
  }
  /// The router line for a request id.
  std::string router_line(const std::string& request_id) {
    std::string line;
    std::string escaped;
    for (char c : request_id) {
      if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) {
        escaped += '\\';
      }
      escaped += c;
    }
    if (!lokku->wait_for(R"(heroku\[router\]: .*request_id=)" + escaped + " ", 10s, &line)) {
      return {};
    }
    return line;
  }

  TempDir dir;
  unsigned port = 0;
  bool up = false;
  std::unique_ptr<LokkuProcess> lokku;
};

/// The status of the response to `request`, sent as raw bytes on a fresh connection (-1
/// when the router answers nothing).
int status_of(unsigned port, const std::string& request) {
  Connection c(port);
  c.send(request);
  auto r = c.read_response();
  return r ? r->status : -1;
}

bool has_header(const std::string& json, const std::string& name, const std::string& value) {
  return json.find("[\"" + name + "\", \"" + value + "\"]") != std::string::npos;
}
std::string header_value(const std::string& json, const std::string& name) {
  std::smatch m;
  std::regex re("\\[\"" + name + "\", \"([^\"]*)\"\\]");
  return std::regex_search(json, m, re) ? m[1].str() : "<absent>";
}

// HDR-1: a valid X-Request-ID is kept; a bad one is replaced by a UUID; both are logged.
TEST(RouterHeaders, RequestIdKeptWhenValidElseGenerated) {
  RouterApp app;
  ASSERT_TRUE(app.up);
  const std::string good = "abcdefghij0123456789+/=-";
  auto r = http_request(app.port, "GET", "/headers", "X-Request-ID: " + good + "\r\n");
  ASSERT_TRUE(r);
  EXPECT_TRUE(has_header(r->body, "X-Request-ID", good)) << r->body;
  EXPECT_FALSE(app.router_line(good).empty());
  r = http_request(app.port, "GET", "/headers", "X-Request-ID: too-short\r\n");
  ASSERT_TRUE(r);
  std::string id = header_value(r->body, "X-Request-ID");
  EXPECT_TRUE(std::regex_match(
      id, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
      << id;
  EXPECT_FALSE(app.router_line(id).empty());
}

// HDR-2..6: X-Forwarded-For appended, Proto/Port/Request-Start replaced, Via appended.
TEST(RouterHeaders, ForwardedHeadersAndVia) {
  RouterApp app;
  ASSERT_TRUE(app.up);
  auto before = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  auto r = http_request(app.port, "GET", "/headers",
                        "X-Forwarded-For: 1.2.3.4\r\nX-Forwarded-Proto: https\r\n"
                        "X-Forwarded-Port: 443\r\nX-Request-Start: 1\r\nVia: 1.1 proxy\r\n");
  ASSERT_TRUE(r);
  EXPECT_TRUE(has_header(r->body, "X-Forwarded-For", "1.2.3.4, 127.0.0.1")) << r->body;
  EXPECT_TRUE(has_header(r->body, "X-Forwarded-Proto", "http")) << r->body;
  EXPECT_TRUE(has_header(r->body, "X-Forwarded-Port", std::to_string(app.port))) << r->body;
  EXPECT_TRUE(has_header(r->body, "Via", "1.1 proxy, 1.1 heroku-router")) << r->body;
  auto start = std::stoll(header_value(r->body, "X-Request-Start"));
  EXPECT_GE(start, before);
  EXPECT_LT(start, before + 5000);
  EXPECT_EQ(header_value(r->body, "X-Request-Start").size(), 13u);
  // HDR-7: no Connect-Time / Total-Route-Time from the default router.
  EXPECT_EQ(header_value(r->body, "Connect-Time"), "<absent>");
}

// HDR-10: hop-by-hop headers removed; the router's own Connection added.
TEST(RouterHeaders, HopByHopHeadersRemoved) {
  RouterApp app;
  ASSERT_TRUE(app.up);
  auto r = http_request(app.port, "GET", "/headers",
                        "Keep-Alive: timeout=5\r\nTE: trailers\r\nProxy-Authorization: secret\r\n"
                        "X-Custom: stays\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(header_value(r->body, "Keep-Alive"), "<absent>");
  EXPECT_EQ(header_value(r->body, "TE"), "<absent>");
  EXPECT_EQ(header_value(r->body, "Proxy-Authorization"), "<absent>");
  EXPECT_TRUE(has_header(r->body, "Connection", "keep-alive")) << r->body;  // R2
  EXPECT_TRUE(has_header(r->body, "X-Custom", "stays"));
  // RSP-1: and from responses; Via added there too.
  r = http_request(app.port, "GET", "/hop");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->has("keep-alive"));
  EXPECT_FALSE(r->has("proxy-authorization"));
  EXPECT_EQ(r->header("x-app"), "kept");
  EXPECT_EQ(r->header("via"), "1.1 heroku-router");
}

// HDR-6, HDR-7, HDR-10, RSP-7 under --router legacy.
TEST(RouterHeaders, LegacyRouterDifferences) {
  RouterApp app({"--router", "legacy"});
  ASSERT_TRUE(app.up);
  auto r = http_request(app.port, "GET", "/headers");
  ASSERT_TRUE(r);
  EXPECT_TRUE(has_header(r->body, "Via", "1.1 vegur")) << r->body;
  EXPECT_TRUE(has_header(r->body, "Connection", "close")) << r->body;
  EXPECT_TRUE(std::regex_match(header_value(r->body, "Connect-Time"), std::regex("\\d+")));
  EXPECT_TRUE(std::regex_match(header_value(r->body, "Total-Route-Time"), std::regex("-?\\d+")));
  EXPECT_EQ(r->header("via"), "1.1 vegur");
}

// HDR-12: Expect: 100-continue is answered by the router; other values get 417 + H26.
TEST(RouterHeaders, ExpectContinue) {
  RouterApp app;
  ASSERT_TRUE(app.up);
  Connection c(app.port);
  ASSERT_TRUE(
      c.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
             "Expect: 100-continue\r\n\r\n"));
  auto cont = c.read_response();
  ASSERT_TRUE(cont);
  EXPECT_EQ(cont->status, 100);
  ASSERT_TRUE(c.send("hello"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "5");
  r = http_request(app.port, "POST", "/upload", "Expect: something-else\r\n", "x");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 417);
  EXPECT_TRUE(app.lokku->wait_for(
      R"(heroku\[router\]: at=error code=H26 desc="Request Error" cause="unsupported expect header value" method=POST path="/upload")"));
}

// LOG-3: one heroku[router] line per request, field for field.
TEST(RouterLog, LineHasEveryFieldInOrder) {
  RouterApp app;
  ASSERT_TRUE(app.up);
  auto r =
      http_request(app.port, "GET", "/headers?x=1",
                   "X-Request-ID: 0123456789abcdefghij-lokku\r\nX-Forwarded-For: 10.1.2.3\r\n");
  ASSERT_TRUE(r);
  auto line = app.router_line("0123456789abcdefghij-lokku");
  EXPECT_TRUE(std::regex_search(
      line,
      std::regex(
          R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00 heroku\[router\]: at=info method=GET path="/headers\?x=1" host=localhost request_id=0123456789abcdefghij-lokku fwd="10\.1\.2\.3, 127\.0\.0\.1" dyno=web\.1 connect=\d+ms service=\d+ms status=200 bytes=\d+ protocol=http$)")))
      << line;
}

// T-4: a kept-alive client may be idle 60 s (1 s here) between requests, counted from the end
// of its last response; then the router closes the connection without a word.
TEST(RouterConnections, KeptAliveClientIdleSixtySecondsIsClosedSilently) {
  RouterApp app({"--time-scale", "60"});
  ASSERT_TRUE(app.up);
  Connection c(app.port, 5s);
  // A response that takes 0.6 s (36 s scaled: under H12's 30 s to the first byte, and its
  // body's pause under the 55 s idle window).
  ASSERT_TRUE(c.send("GET /slowbody?s=0.6 HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "0123456789");
  // 0.6 s after that response, 1.2 s after its request: still open.
  std::this_thread::sleep_for(600ms);
  ASSERT_TRUE(c.send("GET /headers HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  // Then idle: closed after about 1 s, with no response.
  const auto idle_from = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.closed_by_peer());
  const auto idle = std::chrono::steady_clock::now() - idle_from;
  EXPECT_GE(idle, 900ms);
  EXPECT_LT(idle, 3s);
  EXPECT_EQ(c.pending(), "");
}

// RSP-4/5/6: HTTP/1.0 clients get HTTP/1.1 answers and close; 1.1 clients keep alive.
TEST(RouterConnections, KeepAliveAndHttp10) {
  RouterApp app;
  ASSERT_TRUE(app.up);
  Connection c(app.port);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.send("GET /headers HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto r = c.read_response();
    ASSERT_TRUE(r) << "request " << i;
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->header("connection"), "keep-alive");
  }
  Connection old(app.port);
  ASSERT_TRUE(old.send("GET /chunked HTTP/1.0\r\nHost: x\r\n\r\n"));
  auto r = old.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->version, "HTTP/1.1");
  EXPECT_EQ(r->body, "hello world");  // de-chunked for the 1.0 client
  EXPECT_FALSE(r->has("transfer-encoding"));
  EXPECT_TRUE(old.closed_by_peer());
  // RSP-5: only chunked is taken off; the dyno's other codings are still the client's to undo.
  Connection coded(app.port);
  ASSERT_TRUE(coded.send("GET /chunked?coding=gzip HTTP/1.0\r\nHost: x\r\n\r\n"));
  r = coded.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "hello world");
  EXPECT_EQ(r->header("transfer-encoding"), "gzip");
  EXPECT_TRUE(coded.closed_by_peer());
}

// RSP-9, HDR-9: chunked bodies pass both ways for HTTP/1.1 clients, and the connection stays
// usable: exactly one last-chunk per message (a node/express app answers this way).
TEST(RouterConnections, ChunkedBodiesBothWaysKeepTheConnectionInStep) {
  RouterApp app;
  ASSERT_TRUE(app.up);
  Connection c(app.port);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.send("GET /chunked HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto r = c.read_response();
    ASSERT_TRUE(r) << "response " << i;
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->header("transfer-encoding"), "chunked");
    EXPECT_EQ(r->body, "hello world") << "response " << i;
    EXPECT_EQ(c.pending(), "") << "response " << i;  // nothing after its last chunk
  }
  ASSERT_TRUE(
      c.send("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
             "5\r\nhello\r\n"));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(c.send("6\r\n world\r\n0\r\n\r\n"));
  auto up = c.read_response();
  ASSERT_TRUE(up);
  EXPECT_EQ(up->status, 200);
  EXPECT_EQ(up->body, "11");  // the dyno read all 11 bytes of the body
  ASSERT_TRUE(c.send("GET /chunked HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto after = c.read_response();
  ASSERT_TRUE(after);
  EXPECT_EQ(after->body, "hello world");
}

// RSP-4: other HTTP versions get 505; HOST-2: Host rules; T-7: no router line for them.
TEST(RouterConnections, VersionAndHostValidation) {
  RouterApp app;
  ASSERT_TRUE(app.up);
  EXPECT_EQ(status_of(app.port, "GET / HTTP/1.2\r\nHost: x\r\n\r\n"), 505);
  EXPECT_EQ(status_of(app.port, "GET / HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(status_of(app.port, "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400);
  EXPECT_EQ(status_of(app.port, "GET / HTTP/1.1\r\nHost: \r\n\r\n"), 400);
  EXPECT_EQ(status_of(app.port, "GARBAGE\r\n\r\n"), 400);
  // L-5: single spaces and CRLF line endings only.
  EXPECT_EQ(status_of(app.port, "GET  / HTTP/1.1\r\nHost: x\r\n\r\n"), 400);
  EXPECT_EQ(status_of(app.port, "GET / HTTP/1.1\nHost: x\n\n"), 400);
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(app.lokku->count(R"(heroku\[router\])"), 0u);
}

// §5 L-1..L-4 (T-7: a bare answer, no router line): request line over 8192 bytes is 414
// (cowboyku's code), an oversized header name or line, or over 1000 headers, is 400.
TEST(RouterConnections, RequestLimits) {
  RouterApp app;
  ASSERT_TRUE(app.up);
  EXPECT_EQ(status_of(app.port, "GET /" + std::string(8200, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n"),
            414);
  EXPECT_EQ(status_of(app.port, "GET /" + std::string(8000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n"),
            404);
  EXPECT_EQ(
      status_of(app.port, "GET / HTTP/1.1\r\nHost: x\r\n" + std::string(1001, 'n') + ": v\r\n\r\n"),
      400);
  EXPECT_EQ(status_of(app.port,
                      "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(8200, 'v') + "\r\n\r\n"),
            400);
  std::string many;
  for (int i = 0; i < 1001; ++i) {
    many += "X-H" + std::to_string(i) + ": v\r\n";
  }
  EXPECT_EQ(status_of(app.port, "GET / HTTP/1.1\r\nHost: x\r\n" + many + "\r\n"), 400);
  EXPECT_EQ(status_of(app.port, "GET /headers HTTP/1.1\r\nHost: x\r\nX-Ok: " +
                                    std::string(8000, 'v') + "\r\nConnection: close\r\n\r\n"),
            200);
  EXPECT_EQ(app.lokku->count(R"(heroku\[router\].*status=4(00|14) )"), 0u);
}

// RSP-7: R2 reuses pooled dyno connections; legacy opens one per request.
TEST(RouterConnections, DynoConnectionsPooledUnderR2) {
  for (bool legacy : {false, true}) {
    RouterApp app(legacy ? std::vector<std::string>{"--router", "legacy"}
                         : std::vector<std::string>{});
    ASSERT_TRUE(app.up);
    std::set<std::string> client_ports;
    for (int i = 0; i < 4; ++i) {
      auto r = http_request(app.port, "GET", "/headers");
      ASSERT_TRUE(r);
      std::smatch m;
      ASSERT_TRUE(std::regex_search(r->body, m, std::regex("\"client_port\": (\\d+)")));
      client_ports.insert(m[1]);
    }
    if (legacy) {
      EXPECT_EQ(client_ports.size(), 4u) << "legacy: a new dyno connection per request";
    } else {
      EXPECT_EQ(client_ports.size(), 1u) << "R2: one pooled dyno connection reused";
    }
  }
}

// Every router thread serves: connections are dealt to the threads in turn, so six fresh
// connections reach each of three threads twice, a thread that has had none yet included.
TEST(RouterConnections, EveryRouterThreadServesItsConnections) {
  RouterApp app({"--router-threads", "3"});
  ASSERT_TRUE(app.up);
  for (int i = 0; i < 6; ++i) {
    auto r = http_request(app.port, "GET", "/headers");
    ASSERT_TRUE(r) << "connection " << i;
    EXPECT_EQ(r->status, 200) << "connection " << i;
  }
}

// RSP-7 R2: a dyno that closes its kept-alive connection right after answering (without
// saying `Connection: close`) costs the client nothing: its next requests on the same client
// connection, with a body or without, are answered by the dyno on a new connection.
TEST(RouterConnections, ADynoClosingAKeptConnectionAtOnceIsNoError) {
  RouterApp app;
  ASSERT_TRUE(app.up);
  Connection c(app.port);
  auto send = [&](const std::string& request) {
    EXPECT_TRUE(c.send(request));
    auto r = c.read_response();
    return r ? r->status : -1;
  };
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(send("GET /closeafter HTTP/1.1\r\nHost: x\r\n\r\n"), 200) << i;
    std::this_thread::sleep_for(50ms);  // the dyno's FIN arrives
    EXPECT_EQ(send("GET /headers HTTP/1.1\r\nHost: x\r\n\r\n"), 200) << i;
    EXPECT_EQ(send("GET /closeafter HTTP/1.1\r\nHost: x\r\n\r\n"), 200) << i;
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"), 200) << i;
  }
  // Every request of the loop was logged as served, none as an error.
  EXPECT_TRUE(app.lokku->wait_for_count(R"(heroku\[router\]: at=info .*status=200)", 12));
  EXPECT_EQ(app.lokku->count(R"(heroku\[router\]: at=error)"), 0u);
}

// Stopping lokku with requests in flight on every router thread: the router goes down
// cleanly (under the sanitizers, a use of a thread's timer after its event loop was gone
// would show here) and lokku exits 0.
TEST(RouterConnections, StopsCleanlyWithRequestsInFlightOnEveryThread) {
  RouterApp app({"--router-threads", "3"});
  ASSERT_TRUE(app.up);
  std::vector<std::unique_ptr<Connection>> clients;
  for (int i = 0; i < 6; ++i) {
    clients.push_back(std::make_unique<Connection>(app.port));
    ASSERT_TRUE(clients.back()->send("GET /sleep?s=30 HTTP/1.1\r\nHost: x\r\n\r\n"));
  }
  std::this_thread::sleep_for(300ms);
  app.lokku->signal(SIGINT);
  EXPECT_EQ(app.lokku->wait_exit(20s), 0) << app.lokku->stderr_text();
}

// RSP-9: Upgrade tunnelled both ways.
TEST(RouterConnections, UpgradeIsTunnelled) {
  RouterApp app;
  ASSERT_TRUE(app.up);
  Connection c(app.port);
  ASSERT_TRUE(
      c.send("GET /upgrade HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n"));
  auto r = c.read_response(true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 101);
  EXPECT_EQ(r->header("upgrade"), "echo");
  ASSERT_TRUE(c.send("hello tunnel"));
  EXPECT_EQ(c.read_bytes(12), "HELLO TUNNEL");
  ASSERT_TRUE(c.send("again"));
  EXPECT_EQ(c.read_bytes(5), "AGAIN");
  // Connection: upgrade without Upgrade is a bad request (H26).
  auto bad = http_request(app.port, "GET", "/", "Connection: upgrade\r\n");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
}

// T-3 in a tunnel (RSP-9): the 55 s idle window (1 s here) is reset by every byte in either
// direction. A dyno that keeps talking to a silent client keeps the tunnel open past the
// window; silence both ways closes it once the window has passed.
TEST(RouterConnections, TunnelIdleWindowCountsBytesEitherWay) {
  RouterApp app({"--time-scale", "55"});
  ASSERT_TRUE(app.up);
  Connection c(app.port);
  ASSERT_TRUE(
      c.send("GET /upgrade?ticks=8&every=0.25 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
             "Upgrade: echo\r\n\r\n"));
  auto r = c.read_response(true);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 101);
  // Two seconds of dots, the client silent all along: twice the window.
  EXPECT_EQ(c.read_bytes(8), "........");
  ASSERT_TRUE(c.send("still there"));
  EXPECT_EQ(c.read_bytes(11), "STILL THERE");
  const auto quiet_since = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.closed_by_peer());
  const auto quiet = std::chrono::steady_clock::now() - quiet_since;
  EXPECT_GE(quiet, 900ms);
  EXPECT_LT(quiet, 5s);
}

// RSP-10: a 1 GiB download and a 1 GiB upload stream through with the router's memory
// bounded.
TEST(RouterConnections, GigabyteBodiesStreamWithBoundedMemory) {
  // ASan's quarantine would count freed buffers as resident: keep it small.
  const char* asan = std::getenv("ASAN_OPTIONS");
  RouterApp app({}, "", 1, "",
                {{"ASAN_OPTIONS", std::string(asan ? asan : "") + ":quarantine_size_mb=4"}});
  ASSERT_TRUE(app.up);
  // What lokku holds before the bodies pass (its own code and ASan's shadow memory).
  const long base_kb = peak_rss_kb(app.lokku->pid());
  const std::size_t gib = 1ull << 30;
  {
    Connection c(app.port, 120s);
    ASSERT_TRUE(c.send("GET /download?n=" + std::to_string(gib) + " HTTP/1.1\r\nHost: x\r\n\r\n"));
    std::string head;
    // Read and discard, counting.
    std::size_t got = 0;
    auto r = c.read_bytes(64);
    ASSERT_NE(r.find("200 OK"), std::string::npos);
    auto body_start = r.find("\r\n\r\n");
    std::string rest = c.read_bytes(0);
    got = r.size() - (body_start == std::string::npos ? r.size() : body_start + 4);
    while (got < gib) {
      auto chunk = c.read_bytes(std::min<std::size_t>(1 << 20, gib - got));
      if (chunk.empty()) {
        break;
      }
      got += chunk.size();
    }
    EXPECT_EQ(got, gib);
  }
  {
    Connection c(app.port, 120s);
    ASSERT_TRUE(c.send(
        "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(gib) + "\r\n\r\n"));
    std::string block(1 << 20, 'u');
    for (std::size_t sent = 0; sent < gib; sent += block.size()) {
      ASSERT_TRUE(c.send(block));
    }
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, std::to_string(gib));
  }
  long hwm_kb = peak_rss_kb(app.lokku->pid());
  EXPECT_GT(base_kb, 0);
  EXPECT_LT(hwm_kb - base_kb, 48 * 1024) << "the router must stream, not buffer a whole body";
}

// PAGE-1: router errors serve the Application Error page; the cause is only in the log.
void expect_error_page(
    const std::optional<Response>& r, int status,
    const std::string& url = "//www.herokucdn.com/error-pages/application-error.html") {
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, status);
  EXPECT_EQ(r->header("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(r->header("cache-control"), "no-cache, no-store");
  EXPECT_NE(r->body.find("<title>Application Error</title>"), std::string::npos);
  EXPECT_NE(r->body.find("<iframe src=\"" + url + "\">"), std::string::npos) << r->body;
}

// T-2: no first byte within 30 s (1 s here) is H12; LOG-4.
TEST(RouterErrors, H12RequestTimeout) {
  RouterApp app({"--time-scale", "30"});
  ASSERT_TRUE(app.up);
  auto r = http_request(app.port, "GET", "/sleep?s=3");
  expect_error_page(r, 503);
  EXPECT_TRUE(app.lokku->wait_for(
      R"(heroku\[router\]: at=error code=H12 desc="Request timeout" method=GET path="/sleep\?s=3" host=localhost request_id=\S+ fwd="127\.0\.0\.1" dyno=web\.1 connect=\d+ms service=\d+ms status=503 bytes=0 protocol=http$)"));
}

// §6: H13 (closed with no response), H17 (garbage, or no reason phrase), H25 (L-7, L-8),
// H18 (partial).
TEST(RouterErrors, DynoMisbehaviourCodes) {
  RouterApp app;
  ASSERT_TRUE(app.up);
  expect_error_page(http_request(app.port, "GET", "/close"), 503);
  EXPECT_TRUE(app.lokku->wait_for(
      R"(at=error code=H13 desc="Connection closed without response" method=GET path="/close")"));
  expect_error_page(http_request(app.port, "GET", "/garbage"), 503);
  EXPECT_TRUE(app.lokku->wait_for(
      R"(at=error code=H17 desc="Poorly formatted HTTP response" method=GET path="/garbage")"));
  expect_error_page(http_request(app.port, "GET", "/noreason"), 503);
  EXPECT_TRUE(app.lokku->wait_for(
      R"(at=error code=H17 desc="Poorly formatted HTTP response" method=GET path="/noreason")"));
  // §5 L-7, L-8: H25 with the restriction named, 502.
  expect_error_page(http_request(app.port, "GET", "/bigcookie"), 502);
  EXPECT_TRUE(app.lokku->wait_for(
      R"(at=error code=H25 desc="HTTP restriction: oversized cookie" method=GET path="/bigcookie")"));
  expect_error_page(http_request(app.port, "GET", "/bigstatus"), 502);
  EXPECT_TRUE(app.lokku->wait_for(
      R"(at=error code=H25 desc="HTTP restriction: oversized status line" method=GET path="/bigstatus")"));
  // H18: the client already has the head, so it just sees the connection close early.
  auto r = http_request(app.port, "GET", "/partial");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_LT(r->body.size(), 100u);
  EXPECT_TRUE(app.lokku->wait_for(
      R"(sock=backend at=error code=H18 desc="Server Request Interrupted" method=GET path="/partial")"));
  // The router keeps serving.
  r = http_request(app.port, "GET", "/headers");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

// T-3: a dyno silent for 55 s (1 s here) mid-response is H15.
TEST(RouterErrors, H15IdleConnection) {
  RouterApp app({"--time-scale", "55"});
  ASSERT_TRUE(app.up);
  auto r = http_request(app.port, "GET", "/stall");
  ASSERT_TRUE(r);
  EXPECT_LT(r->body.size(), 100u);
  EXPECT_TRUE(
      app.lokku->wait_for(R"(at=error code=H15 desc="Idle connection" method=GET path="/stall")"));
}

// H27: the client goes away before the response is done (499, logged only).
TEST(RouterErrors, H27ClientInterrupted) {
  RouterApp app;
  ASSERT_TRUE(app.up);
  {
    Connection c(app.port);
    ASSERT_TRUE(c.send("GET /download?n=500000000 HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_FALSE(c.read_bytes(1000).empty());
  }  // closed mid-body
  EXPECT_TRUE(app.lokku->wait_for(
      R"(sock=client at=warning code=H27 desc="Client Request Interrupted" method=GET path="/download\?n=500000000" .* status=499 )"));
}

// LB-5 / CRASH-7: every web dyno crashed is H10; PAGE-2: ERROR_PAGE_URL replaces the page.
TEST(RouterErrors, H10AppCrashedWithCustomErrorPage) {
  TempDir dir;
  dir.write("Procfile", "web: exit 1\n");
  dir.write(".env", "ERROR_PAGE_URL=https://example.com/oops.html\n");
  unsigned port = free_port();
  LokkuProcess lokku({"start", "-p", std::to_string(port)}, dir.path());
  ASSERT_TRUE(lokku.wait_for_count(
      R"(heroku\[web\.1\]: State changed from up to crashed|heroku\[web\.1\]: State changed from starting to crashed)",
      2));
  expect_error_page(http_request(port, "GET", "/"), 503, "https://example.com/oops.html");
  EXPECT_TRUE(lokku.wait_for(
      R"(heroku\[router\]: at=error code=H10 desc="App crashed" method=GET path="/" host=localhost request_id=\S+ fwd="127\.0\.0\.1" dyno= connect= service= status=503 bytes= protocol=http$)"));
  lokku.signal(SIGINT);
  EXPECT_EQ(lokku.wait_exit(20s), 0);
}

// LB-5: web scaled to 0 is H14.
TEST(RouterErrors, H14NoWebProcesses) {
  TempDir dir;
  dir.write("Procfile", "web: sleep 60\nworker: sleep 60\n");
  unsigned port = free_port();
  LokkuProcess lokku({"start", "-p", std::to_string(port), "-m", "worker=1"}, dir.path());
  ASSERT_TRUE(lokku.wait_for(R"(heroku\[worker\.1\]: State changed from starting to up)"));
  expect_error_page(http_request(port, "GET", "/x"), 503);
  EXPECT_TRUE(lokku.wait_for(
      R"(heroku\[router\]: at=error code=H14 desc="No web processes running" method=GET path="/x")"));
  lokku.signal(SIGINT);
  EXPECT_EQ(lokku.wait_exit(20s), 0);
}

// LB-5, T-6: a request waits for a booting dyno; past 75 s (5 s here) it is H20.
TEST(RouterErrors, RequestsWaitForBootThenH20) {
  TempDir dir;
  fs::copy_file(fs::path(LOKKU_TEST_HELPERS_DIR) / "backend.py", dir.path() / "backend.py");
  dir.write("Procfile", "web: sleep 1; exec python3 -u backend.py\n");
  unsigned port = free_port();
  {
    LokkuProcess lokku({"start", "-p", std::to_string(port)}, dir.path());
    ASSERT_TRUE(lokku.wait_for(R"(heroku\[web\.1\]: Starting process)"));
    auto r = http_request(port, "GET", "/headers");  // sent while web.1 is still booting
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    lokku.signal(SIGINT);
    EXPECT_EQ(lokku.wait_exit(20s), 0);
  }
  dir.write("Procfile", "web: sleep 600\n");
  LokkuProcess lokku({"start", "-p", std::to_string(port), "--time-scale", "15"}, dir.path());
  ASSERT_TRUE(lokku.wait_for(R"(heroku\[web\.1\]: Starting process)"));
  auto start = std::chrono::steady_clock::now();
  expect_error_page(http_request(port, "GET", "/"), 503);
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, 4500ms);
  EXPECT_TRUE(lokku.wait_for(R"(heroku\[router\]: at=error code=H20 desc="App boot timeout")"));
  lokku.signal(SIGINT);
  EXPECT_EQ(lokku.wait_exit(20s), 0);
}

// LB-1: random among up dynos (both get traffic); LB-2: a dyno refusing connections is
// quarantined and the request retried on another, with no error to the client.
TEST(RouterBalancing, RandomAmongUpDynosAndRetryOnRefusal) {
  RouterApp app({"-m", "web=3"}, "REFUSE_DYNO=web.3\n", 3);
  ASSERT_TRUE(app.up);
  ASSERT_TRUE(app.lokku->wait_for(R"(app\[web\.3\]: stopped listening)"));
  std::map<std::string, int> served;
  for (int i = 0; i < 40; ++i) {
    auto r = http_request(app.port, "GET", "/headers");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << "request " << i;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(r->body, m, std::regex("\"dyno\": \"(web\\.\\d)\"")));
    served[m[1]]++;
  }
  EXPECT_GT(served["web.1"], 5);
  EXPECT_GT(served["web.2"], 5);
  EXPECT_EQ(served.count("web.3"), 0u);
}

// T-1, LB-2: a dyno that never completes a connect (its accept queue is full) is H19 after
// the connect timeout (5 s, 1 s here), with the dyno and connect time in the log line.
TEST(RouterBalancing, H19BackendConnectionTimeout) {
  TempDir dir;
  dir.write("stuck.py",
            "import os, socket, time\n"
            "s = socket.socket()\n"
            "s.bind(('0.0.0.0', int(os.environ['PORT'])))\n"
            "s.listen(0)\n"
            "fillers = []\n"
            "for _ in range(3):  # fill the accept queue; never accept\n"
            "    c = socket.socket(); c.setblocking(False)\n"
            "    try: c.connect(('127.0.0.1', int(os.environ['PORT'])))\n"
            "    except BlockingIOError: pass\n"
            "    fillers.append(c)\n"
            "time.sleep(600)\n");
  dir.write("Procfile", "web: python3 -u stuck.py\n");
  unsigned port = free_port();
  LokkuProcess lokku({"start", "-p", std::to_string(port), "--time-scale", "5"}, dir.path());
  ASSERT_TRUE(lokku.wait_for(R"(heroku\[web\.1\]: State changed from starting to up$)"));
  auto r = http_request(port, "GET", "/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_TRUE(lokku.wait_for(
      R"(heroku\[router\]: at=error code=H19 desc="Backend connection timeout" method=GET path="/" host=localhost request_id=\S+ fwd="127\.0\.0\.1" dyno=web\.1 connect=1000ms service= status=503 bytes= protocol=http$)"));
  lokku.signal(SIGINT);
  lokku.wait_exit(30s);
}

// LB-2: when every dyno refuses, H21.
TEST(RouterBalancing, H21WhenEveryDynoRefuses) {
  RouterApp app({}, "REFUSE_DYNO=web.1\n");
  ASSERT_TRUE(app.up);
  ASSERT_TRUE(app.lokku->wait_for(R"(app\[web\.1\]: stopped listening)"));
  expect_error_page(http_request(app.port, "GET", "/"), 503);
  EXPECT_TRUE(app.lokku->wait_for(
      R"(heroku\[router\]: at=error code=H21 desc="Backend connection refused")"));
}

// Bad input never stalls other clients: a client trickling its head is cut off by the head
// deadline (30 s, 1 s here) with 408 while others are served.
TEST(RouterRobustness, SlowHeadersDoNotBlockOthers) {
  RouterApp app({"--time-scale", "30"});
  ASSERT_TRUE(app.up);
  Connection slow(app.port);
  ASSERT_TRUE(slow.send("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: "));
  for (int i = 0; i < 5; ++i) {
    auto r = http_request(app.port, "GET", "/headers");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  std::this_thread::sleep_for(300ms);
  slow.send("a");
  auto r = slow.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 408);
}

// 5 000 idle client connections do not stop the router from serving (lokku raises its
// open-file limit as far as allowed).
TEST(RouterRobustness, FiveThousandIdleConnections) {
  rlimit lim{};
  ::getrlimit(RLIMIT_NOFILE, &lim);
  if (lim.rlim_max < 5200) {
    GTEST_SKIP() << "the hard open-file limit here is " << lim.rlim_max;
  }
  rlimit raised{lim.rlim_max, lim.rlim_max};
  ::setrlimit(RLIMIT_NOFILE, &raised);
  RouterApp app;
  ASSERT_TRUE(app.up);
  std::vector<std::unique_ptr<Connection>> idle;
  for (int i = 0; i < 5000; ++i) {
    idle.push_back(std::make_unique<Connection>(app.port));
    ASSERT_TRUE(idle.back()->ok()) << "connection " << i;
  }
  // Half of them have sent a partial request head, too.
  for (int i = 0; i < 5000; i += 2) {
    idle[static_cast<std::size_t>(i)]->send("GET / HTTP/1.1\r\n");
  }
  auto r = http_request(app.port, "GET", "/headers");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  long rss_kb = -1;
  {
    std::ifstream status("/proc/" + std::to_string(app.lokku->pid()) + "/status");
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind("VmRSS:", 0) == 0) {
        rss_kb = std::stol(line.substr(6));
      }
    }
  }
  RecordProperty("router_rss_kb_with_5000_connections", std::to_string(rss_kb));
  idle.clear();
  r = http_request(app.port, "GET", "/headers");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  ::setrlimit(RLIMIT_NOFILE, &lim);
}

// HDR-11: request smuggling attempts are refused (400) and do not disturb other clients.
TEST(RouterRobustness, SmugglingAttemptsAreRefused) {
  RouterApp app;
  ASSERT_TRUE(app.up);
  EXPECT_EQ(status_of(app.port,
                      "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                      "Content-Length: 5\r\n\r\nhello"),
            400);
  EXPECT_EQ(
      status_of(app.port, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 15,24\r\n\r\nhello"),
      400);
  EXPECT_EQ(status_of(app.port, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"),
            400);
  EXPECT_EQ(status_of(app.port, "GET / HTTP/1.1\r\nHost: x\r\nBad Header: x\r\n\r\n"), 400);
  EXPECT_EQ(status_of(app.port, "GET / HTTP/1.1\r\nHost: x\r\nX: \x01\x02\r\n\r\n"), 400);
  // A chunked body that is not chunked: 400 and H26 (HDR-11).
  EXPECT_EQ(status_of(app.port,
                      "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "zz\r\nhello\r\n0\r\n\r\n"),
            400);
  EXPECT_TRUE(app.lokku->wait_for(
      R"(heroku\[router\]: at=error code=H26 desc="Request Error" cause="bad chunk" method=POST path="/upload")"));
  auto r = http_request(app.port, "POST", "/upload", "", "12345");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "5");
}

}  // namespace
}  // namespace lokku::test
