// The second translation unit that includes Beast (the router's is the first).
#include "api/server.hpp"

#include "api/local_proxy.hpp"
#include "buildpack/build_record.hpp"
#include "common/child_process.hpp"
#include "common/log.hpp"
#include "common/log_line.hpp"
#include "common/procfs.hpp"
#include "platform/local_ca.hpp"
#include "platform/runtime.hpp"
#include "store/files.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/readable_pipe.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/writable_pipe.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/core/detect_ssl.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fmt/format.h>

#include <array>
#include <atomic>
#include <cctype>
#include <fcntl.h>
#include <functional>
#include <optional>
#include <sys/stat.h>
#include <system_error>
#include <type_traits>
#include <unistd.h>

namespace lokku::api {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
using namespace net::experimental::awaitable_operators;

namespace {

constexpr std::size_t kBodyLimit = 1 << 20;
/// Every read and write of a client gets this long (a git push's pack arrives in many).
constexpr auto kIoLimit = std::chrono::seconds(60);

auto use_ec(error_code& ec) {
  return net::redirect_error(net::use_awaitable, ec);
}

}  // namespace

struct Server::State : std::enable_shared_from_this<Server::State> {
  State(net::io_context& ioc_, Api& api_, store::Store& store_, const GitBackend* git_)
      : ioc(ioc_)
      , api(api_)
      , store(store_)
      , git(git_)
      , acceptor(net::make_strand(ioc_))
      , tls(net::ssl::context::tls_server) {}

  net::io_context& ioc;
  Api& api;
  store::Store& store;
  const GitBackend* git;
  tcp::acceptor acceptor;
  /// One port for plain HTTP and TLS (git-and-ci.md §1.1: the CLI's git remote is https):
  /// the first byte of a connection tells which.
  net::ssl::context tls;
  std::atomic<bool> stopping{false};
  unsigned port = 0;  ///< the bound port (the proxy sends Heroku's hard-coded hosts here)

  net::awaitable<void> accept_loop();
  net::awaitable<void> detect(tcp::socket socket);
  template <class Stream>
  net::awaitable<void> serve(Stream& client, beast::flat_buffer& buffer);
  template <class Stream>
  net::awaitable<void> stream(Stream& client, LogSession session);
  /// A proxy request (CONNECT, or an absolute-form target): local_proxy.hpp.
  net::awaitable<void> proxy(beast::tcp_stream& client, beast::flat_buffer& buffer,
                             http::request_parser<http::empty_body>& head);
  template <class Stream>
  net::awaitable<void> build_output(Stream& client, const LogSession& session);
  template <class Stream>
  net::awaitable<void> release_output(Stream& client, const LogSession& session);
  template <class Stream>
  net::awaitable<void> follow_text(Stream& client, std::function<bool()> ended,
                                   std::function<std::string()> read_new);
  /// One request for an app's git repository, answered by `git http-backend`. Whether the
  /// connection can serve another request.
  template <class Stream>
  net::awaitable<bool> git_exchange(Stream& client, beast::flat_buffer& buffer,
                                    http::request_parser<http::empty_body>& head,
                                    const GitTarget& target);
};

namespace {

http::response<http::string_body> to_http(const Response& r, unsigned version, bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(r.status), version};
  res.set(http::field::server, "lokku-api");
  res.set(http::field::content_type, "application/json");
  for (const auto& [k, v] : r.headers) {
    res.set(k, v);
  }
  res.body() = r.body;
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

}  // namespace

net::awaitable<void> Server::State::accept_loop() {
  auto self = shared_from_this();
  for (;;) {
    error_code ec;
    tcp::socket socket = co_await acceptor.async_accept(net::make_strand(ioc), use_ec(ec));
    if (ec) {
      if (stopping) {
        co_return;
      }
      continue;
    }
    auto ex = socket.get_executor();
    net::co_spawn(ex, detect(std::move(socket)), net::detached);
  }
}

namespace {

void shut(beast::tcp_stream& client) {
  error_code ec;
  client.socket().shutdown(tcp::socket::shutdown_both, ec);
}

net::awaitable<void> shut(TlsStream& client) {
  error_code ec;
  beast::get_lowest_layer(client).expires_after(std::chrono::seconds(2));
  co_await client.async_shutdown(use_ec(ec));
  shut(beast::get_lowest_layer(client));
}

template <class Stream>
net::awaitable<void> close(Stream& client) {
  if constexpr (std::is_same_v<Stream, TlsStream>) {
    co_await shut(client);
  } else {
    shut(client);
  }
}

}  // namespace

net::awaitable<void> Server::State::detect(tcp::socket socket) {
  auto self = shared_from_this();
  beast::tcp_stream client(std::move(socket));
  beast::flat_buffer buffer;
  error_code ec;
  client.expires_after(kIoLimit);
  // A TLS ClientHello starts with 0x16 (a handshake record); HTTP with a method's letter.
  bool is_tls = co_await beast::async_detect_ssl(client, buffer, use_ec(ec));
  if (ec) {
    co_return;
  }
  if (!is_tls) {
    co_await serve(client, buffer);
    co_return;
  }
  TlsStream secure(std::move(client), tls);
  beast::get_lowest_layer(secure).expires_after(std::chrono::seconds(10));
  auto used =
      co_await secure.async_handshake(net::ssl::stream_base::server, buffer.data(), use_ec(ec));
  if (ec) {
    log::api().debug("TLS handshake failed: {}", ec.message());
    co_return;
  }
  buffer.consume(used);
  co_await serve(secure, buffer);
}

template <class Stream>
net::awaitable<void> Server::State::serve(Stream& client, beast::flat_buffer& buffer) {
  auto self = shared_from_this();
  for (;;) {
    http::request_parser<http::empty_body> head;
    head.header_limit(64 * 1024);
    beast::get_lowest_layer(client).expires_after(kIoLimit);
    error_code ec;
    co_await http::async_read_header(client, buffer, head, use_ec(ec));
    if (!ec &&
        (head.get().method() == http::verb::connect || is_absolute_form(head.get().target()))) {
      if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
        co_await proxy(client, buffer, head);
      } else {
        Response bad{400,
                     R"({"id":"bad_request","message":"lokku's proxy takes plain HTTP: )"
                     R"(HTTPS_PROXY=http://127.0.0.1:<api port>."})",
                     {}};
        auto res = to_http(bad, 11, false);
        co_await http::async_write(client, res, use_ec(ec));
        co_await close(client);
      }
      co_return;
    }
    if (!ec && git) {
      std::string target(head.get().target());
      if (auto t = git_target(target.substr(0, target.find('?')))) {
        bool again = co_await git_exchange(client, buffer, head, *t);
        if (!again || stopping) {
          co_await close(client);
          co_return;
        }
        continue;
      }
    }
    std::optional<http::request_parser<http::string_body>> body;
    if (!ec) {
      body.emplace(std::move(head));
      body->body_limit(kBodyLimit);
      co_await http::async_read(client, buffer, *body, use_ec(ec));
    }
    if (ec == http::error::body_limit) {
      Response too_big{
          413,
          R"({"id":"request_entity_too_large","message":"Request bodies are limited to 1 MB."})",
          {}};
      auto res = to_http(too_big, 11, false);
      co_await http::async_write(client, res, use_ec(ec));
      co_return;
    }
    if (ec) {
      if (ec != http::error::end_of_stream && ec != beast::error::timeout &&
          ec != net::error::eof && ec != net::error::connection_reset) {
        Response bad{400, R"({"id":"bad_request","message":"Malformed HTTP request."})", {}};
        auto res = to_http(bad, 11, false);
        co_await http::async_write(client, res, use_ec(ec));
      }
      co_return;
    }
    auto& req = body->get();
    Request r;
    r.method = std::string(req.method_string());
    std::string target(req.target());
    auto q = target.find('?');
    r.path = target.substr(0, q);
    r.query = q == std::string::npos ? "" : target.substr(q + 1);
    for (const auto& f : req) {
      std::string name(f.name_string());
      for (auto& ch : name) {
        ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      }
      r.headers[name] = std::string(f.value());
    }
    r.body = std::move(req.body());
    const bool keep_alive = req.keep_alive();
    const unsigned version = req.version();

    // Stream URLs carry their capability and need no token (platform-api.md, logs).
    if (r.method == "GET" && r.path.rfind("/streams/", 0) == 0) {
      auto session = api.take_stream(r.path);
      if (!session) {
        Response gone{404, R"({"id":"not_found","message":"No such stream, or it expired."})", {}};
        auto res = to_http(gone, version, false);
        co_await http::async_write(client, res, use_ec(ec));
        co_return;
      }
      co_await stream(client, *session);
      co_return;
    }
    // Handlers may block (a release phase): run them off the connection's strand would need
    // a pool; the io_context has several threads, so one blocked handler stalls only itself.
    Response out = api.handle(r);
    auto res = to_http(out, version, keep_alive);
    beast::get_lowest_layer(client).expires_after(kIoLimit);
    co_await http::async_write(client, res, use_ec(ec));
    if (ec || !keep_alive || stopping) {
      if (!ec) {
        co_await close(client);
      }
      co_return;
    }
  }
}

net::awaitable<void> Server::State::proxy(beast::tcp_stream& client, beast::flat_buffer& buffer,
                                          http::request_parser<http::empty_body>& head) {
  auto self = shared_from_this();
  const bool tunnel = head.get().method() == http::verb::connect;
  const std::string asked(head.get().target());
  ProxyTarget target = tunnel ? connect_target(asked, port) : absolute_target(asked, port);
  error_code ec;
  tcp::socket upstream(client.get_executor());
  if (target.allowed) {
    co_await upstream.async_connect(
        tcp::endpoint(net::ip::make_address(target.address, ec), target.port), use_ec(ec));
    if (ec) {
      target.allowed = false;
      target.status = 502;
      target.reason = fmt::format("lokku's proxy cannot reach {}:{}: {}", target.address,
                                  target.port, ec.message());
    }
  }
  if (!target.allowed) {
    log::api().info("proxy refused {} {}: {}", head.get().method_string(), asked, target.reason);
    http::response<http::string_body> res{static_cast<http::status>(target.status), 11};
    res.set(http::field::server, "lokku-api");
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.body() = target.reason + "\n";
    res.keep_alive(false);
    res.prepare_payload();
    co_await http::async_write(client, res, use_ec(ec));
    shut(client);
    co_return;
  }
  log::api().debug("proxy {} {} -> {}:{}", head.get().method_string(), asked, target.address,
                   target.port);
  client.expires_never();
  if (tunnel) {
    // A 2xx answer to CONNECT has no Content-Length: the tunnel starts after the blank line.
    http::response<http::empty_body> ok{http::status::ok, 11};
    ok.reason("Connection Established");
    http::response_serializer<http::empty_body> sr(ok);
    co_await http::async_write_header(client, sr, use_ec(ec));
  } else {
    // The request goes on in origin-form, for this one exchange: the client's next request
    // may be for another host.
    auto req = head.release();
    req.target(target.origin_form);
    req.erase("Proxy-Connection");
    req.erase(http::field::proxy_authorization);
    req.set(http::field::connection, "close");
    http::request_serializer<http::empty_body> sr(req);
    co_await http::async_write_header(upstream, sr, use_ec(ec));
  }
  if (!ec && buffer.size() != 0) {
    co_await net::async_write(upstream, buffer.data(), use_ec(ec));
    buffer.consume(buffer.size());
  }
  if (!ec) {
    co_await splice(client.socket(), upstream);
  }
}

template <class Stream>
net::awaitable<void> Server::State::stream(Stream& client, LogSession s) {
  error_code ec;
  beast::get_lowest_layer(client).expires_never();
  if (!s.build_id.empty()) {
    co_await build_output(client, s);
    co_return;
  }
  if (s.release_version != 0) {
    co_await release_output(client, s);
    co_return;
  }
  std::string head =
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
      "Connection: close\r\n\r\n";
  co_await net::async_write(client, net::buffer(head), use_ec(ec));
  if (ec) {
    co_return;
  }
  platform::LogFollower follower(store.log_file(s.app), s.source, s.dyno);
  std::string chunk;
  for (const auto& line : follower.read_new(static_cast<std::size_t>(s.lines))) {
    chunk += "data: " + line + "\n\n";
  }
  if (!chunk.empty()) {
    co_await net::async_write(client, net::buffer(chunk), use_ec(ec));
  }
  net::steady_timer timer(co_await net::this_coro::executor);
  int idle_polls = 0;
  while (!ec && s.tail && !stopping) {
    timer.expires_after(std::chrono::milliseconds(100));
    co_await timer.async_wait(use_ec(ec));
    ec = {};
    chunk.clear();
    for (const auto& l : follower.read_new()) {
      chunk += "data: " + l + "\n\n";
    }
    if (chunk.empty() && ++idle_polls >= 100) {
      chunk = ":\n\n";  // a comment every 10 s: finds clients that left
    }
    if (!chunk.empty()) {
      idle_polls = 0;
      co_await net::async_write(client, net::buffer(chunk), use_ec(ec));
    }
  }
  co_await close(client);
}

template <class Stream>
net::awaitable<void> Server::State::follow_text(Stream& client, std::function<bool()> ended,
                                                std::function<std::string()> read_new) {
  // Plain text as it is produced, polled every 100 ms, until `ended` says so (and one more
  // read after that: what was written before the end is sent too).
  error_code ec;
  std::string head =
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nCache-Control: "
      "no-cache\r\nConnection: close\r\n\r\n";
  co_await net::async_write(client, net::buffer(head), use_ec(ec));
  net::steady_timer timer(co_await net::this_coro::executor);
  bool last_round = false;
  while (!ec && !stopping) {
    bool finished = ended();  // before reading: what precedes the end is read too
    std::string chunk = read_new();
    if (!chunk.empty()) {
      co_await net::async_write(client, net::buffer(chunk), use_ec(ec));
    }
    if (finished) {
      if (last_round) {
        break;
      }
      last_round = true;
      continue;
    }
    timer.expires_after(std::chrono::milliseconds(100));
    co_await timer.async_wait(use_ec(ec));
    ec = {};
  }
  co_await close(client);
}

template <class Stream>
net::awaitable<void> Server::State::build_output(Stream& client, const LogSession& s) {
  // A build's output, until the build has ended (BP-8), or its building process is gone.
  auto dir = buildpack::builds_dir(store, s.app);
  int fd = -1;
  co_await follow_text(
      client,
      [&] {
        auto record = buildpack::read_build_record(dir, s.build_id);
        return !record || record->status != "pending" ||
               (record->pid != 0 && !common::procfs::alive(record->pid));
      },
      [&] {
        if (fd < 0) {
          fd = ::open((dir / (s.build_id + ".log")).c_str(), O_RDONLY | O_CLOEXEC);
        }
        std::string chunk;
        char buf[65536];
        for (ssize_t n; fd >= 0 && (n = ::read(fd, buf, sizeof buf)) > 0;) {
          chunk.append(buf, static_cast<std::size_t>(n));
        }
        return chunk;
      });
  if (fd >= 0) {
    ::close(fd);
  }
}

template <class Stream>
net::awaitable<void> Server::State::release_output(Stream& client, const LogSession& s) {
  // A release phase's output (`heroku releases:output`): what its dyno printed, until the
  // release is no longer pending (RPH-1..3).
  std::string dyno;
  if (auto app = store.try_load(s.app)) {
    if (const auto* r = app->find(s.release_version)) {
      dyno = r->release_dyno;
    }
  }
  platform::LogFollower follower(store.log_file(s.app), "app", dyno.empty() ? "-" : dyno);
  co_await follow_text(
      client,
      [&] {
        auto app = store.try_load(s.app);
        const auto* r = app ? app->find(s.release_version) : nullptr;
        return r == nullptr || r->status != "pending";
      },
      [&] {
        std::string chunk;
        for (const auto& line : follower.read_new()) {
          chunk += std::string(common::log_message(line)) + "\n";
        }
        return chunk;
      });
}

namespace {

/// A short answer of the git endpoint itself (not of git http-backend), as plain text: git
/// prints it after `remote: ` or in its error.
template <class Stream>
net::awaitable<void> git_answer(Stream& client, unsigned version, http::status status,
                                std::string text, bool ask_credentials = false) {
  http::response<http::string_body> res{status, version};
  res.set(http::field::server, "lokku-api");
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  if (ask_credentials) {
    res.set(http::field::www_authenticate, R"(Basic realm="lokku")");
  }
  res.body() = std::move(text);
  res.keep_alive(false);
  res.prepare_payload();
  error_code ec;
  beast::get_lowest_layer(client).expires_after(kIoLimit);
  co_await http::async_write(client, res, use_ec(ec));
}

}  // namespace

template <class Stream>
net::awaitable<bool> Server::State::git_exchange(Stream& client, beast::flat_buffer& buffer,
                                                 http::request_parser<http::empty_body>& head,
                                                 const GitTarget& target) {
  const auto& req = head.get();
  const unsigned version = req.version();
  if (!git->authorized(req[http::field::authorization])) {
    // git asks its credential helper (`heroku git:credentials`) and tries again.
    co_await git_answer(client, version, http::status::unauthorized,
                        "Invalid credentials: the password is your API token "
                        "(heroku auth:token; any user name).\n",
                        true);
    co_return false;
  }
  if (!git->app_exists(target.app)) {
    co_await git_answer(client, version, http::status::not_found,
                        fmt::format("No such app as {}.\n", target.app));
    co_return false;
  }
  GitRequest r;
  r.method = std::string(req.method_string());
  std::string t(req.target());
  r.query = t.find('?') == std::string::npos ? "" : t.substr(t.find('?') + 1);
  r.content_type = std::string(req[http::field::content_type]);
  r.content_encoding = std::string(req[http::field::content_encoding]);
  r.git_protocol = std::string(req["Git-Protocol"]);
  if (auto len = head.content_length()) {
    r.content_length = *len;
  }
  error_code ec;
  auto remote = beast::get_lowest_layer(client).socket().remote_endpoint(ec);
  r.remote_addr = ec ? "127.0.0.1" : remote.address().to_string();
  const bool keep_alive = req.keep_alive();

  auto ex = co_await net::this_coro::executor;
  net::writable_pipe to_cgi(ex);
  net::readable_pipe from_cgi(ex);
  net::readable_pipe cgi_errors(ex);
  std::optional<bp2::process> cgi;
  std::string failed;
  try {
    git->ensure_repository(target.app);
    common::ChildSpec spec;
    spec.argv = {"git", "http-backend"};
    spec.env = git->cgi_environment(target, r);
    spec.cwd = store.home().string();
    bp2::process_stdio stdio{to_cgi, from_cgi, cgi_errors};
    cgi.emplace(common::start_child(ex, spec, stdio));
  } catch (const std::exception& e) {
    failed = e.what();
  }
  if (!cgi) {
    log::api().error("git for {}: {}", target.app, failed);
    co_await git_answer(client, version, http::status::internal_server_error,
                        fmt::format("lokku: {}\n", failed));
    co_return false;
  }

  // The request's body goes to the CGI's stdin as it arrives; its end (or the client's
  // going) closes the pipe, so git sees where the body ends either way.
  bool client_gone = false;
  auto feed = [&]() -> net::awaitable<void> {
    http::request_parser<http::buffer_body> body(std::move(head));
    body.body_limit(boost::none);  // a push is as large as the app (git-and-ci.md: 200 MB)
    std::vector<char> chunk(64 * 1024);
    bool cgi_reads = true;
    while (!body.is_done()) {
      body.get().body().data = chunk.data();
      body.get().body().size = chunk.size();
      beast::get_lowest_layer(client).expires_after(kIoLimit);
      error_code rec;
      co_await http::async_read(client, buffer, body, use_ec(rec));
      if (rec == http::error::need_buffer) {
        rec = {};
      }
      if (rec) {
        client_gone = true;
        break;
      }
      std::size_t n = chunk.size() - body.get().body().size;
      if (n != 0 && cgi_reads) {
        error_code wec;
        co_await net::async_write(to_cgi, net::buffer(chunk.data(), n), use_ec(wec));
        cgi_reads = !wec;  // it stopped reading: the rest of the body is read and dropped
      }
    }
    error_code ignored;
    to_cgi.close(ignored);
  };
  std::string errors;
  auto collect_errors = [&]() -> net::awaitable<void> {
    std::array<char, 4096> b;
    for (;;) {
      error_code rec;
      std::size_t n = co_await cgi_errors.async_read_some(net::buffer(b), use_ec(rec));
      if (errors.size() < 64 * 1024) {
        errors.append(b.data(), n);
      }
      if (rec) {
        break;
      }
    }
  };
  // The CGI's answer: its head becomes the response's, its body is relayed as it comes
  // (the build's `remote:` lines, live). A client that left is not written to, and the CGI
  // is still read to its end: a push whose client left mid-build finishes that build.
  bool relayed_whole = false;
  auto relay = [&]() -> net::awaitable<void> {
    std::string pending;
    std::array<char, 64 * 1024> b;
    std::optional<CgiHead> cgi_head;
    error_code rec;
    while (!cgi_head) {
      std::size_t n = co_await from_cgi.async_read_some(net::buffer(b), use_ec(rec));
      pending.append(b.data(), n);
      try {
        cgi_head = parse_cgi_head(pending);
      } catch (const std::exception& e) {
        log::api().error("git http-backend for {}: {}", target.app, e.what());
        break;
      }
      if (rec) {
        break;
      }
    }
    if (!cgi_head) {
      if (!client_gone) {
        co_await git_answer(client, version, http::status::bad_gateway,
                            "lokku: git http-backend gave no answer\n");
      }
      co_return;
    }
    http::response<http::buffer_body> res{static_cast<http::status>(cgi_head->status), version};
    res.set(http::field::server, "lokku-api");
    bool has_length = false;
    for (const auto& [name, value] : cgi_head->fields) {
      has_length = has_length || beast::iequals(name, "Content-Length");
      res.set(name, value);
    }
    if (!has_length) {
      res.chunked(true);
    }
    res.keep_alive(keep_alive);
    http::response_serializer<http::buffer_body> sr{res};
    error_code wec;
    auto send = [&](const char* data, std::size_t n, bool more) -> net::awaitable<void> {
      if (client_gone || wec) {
        co_return;
      }
      res.body().data = const_cast<char*>(data);
      res.body().size = n;
      res.body().more = more;
      beast::get_lowest_layer(client).expires_after(kIoLimit);
      co_await http::async_write(client, sr, use_ec(wec));
      if (wec == http::error::need_buffer) {
        wec = {};
      }
    };
    beast::get_lowest_layer(client).expires_after(kIoLimit);
    co_await http::async_write_header(client, sr, use_ec(wec));
    pending.erase(0, cgi_head->length);
    if (!pending.empty()) {
      co_await send(pending.data(), pending.size(), true);
    }
    while (!rec) {
      std::size_t n = co_await from_cgi.async_read_some(net::buffer(b), use_ec(rec));
      if (n != 0) {
        co_await send(b.data(), n, true);
      }
    }
    co_await send(nullptr, 0, false);
    relayed_whole = !wec && !client_gone;
  };
  co_await (feed() && relay() && collect_errors());
  error_code wait_ec;
  int status = co_await cgi->async_wait(use_ec(wait_ec));
  if (status != 0 || !errors.empty()) {
    log::api().warn("git http-backend for {} {}{} exited {}: {}", target.app, r.method,
                    target.path_info, status, errors);
  }
  co_return relayed_whole&& keep_alive;
}

Server::Server(Api& api, store::Store& store, unsigned port, unsigned threads,
               const GitBackend* git)
    : ioc_(std::make_unique<net::io_context>(static_cast<int>(threads)))
    , state_(std::make_shared<State>(*ioc_, api, store, git))
    , threads_wanted_(threads)
    , port_(port) {}

Server::~Server() {
  stop();
  ioc_->stop();
  for (auto& t : threads_) {
    t.join();
  }
  state_.reset();
  ioc_.reset();
}

void Server::start() {
  auto& s = *state_;
  // TLS on the same port, with a certificate of lokku's local CA (tls/ca.crt to trust).
  // The names of the hosts the proxy answers too (local_proxy.hpp).
  auto cert = platform::ensure_certificate(
      s.store.home(), "api", std::string(platform::kLoopbackNames) + "," + proxied_host_names());
  s.tls.set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                    net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                    net::ssl::context::no_tlsv1_1);
  s.tls.use_certificate_chain_file(cert.cert.string());
  s.tls.use_private_key_file(cert.key.string(), net::ssl::context::pem);
  tcp::endpoint ep(net::ip::make_address_v4("127.0.0.1"), static_cast<unsigned short>(port_));
  error_code ec;
  s.acceptor.open(ep.protocol(), ec);
  if (!ec) {
    s.acceptor.set_option(net::socket_base::reuse_address(true), ec);
    s.acceptor.bind(ep, ec);
  }
  if (!ec) {
    s.acceptor.listen(net::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    throw std::system_error(ec, fmt::format("cannot listen on 127.0.0.1:{} (the API)", port_));
  }
  port_ = s.acceptor.local_endpoint().port();
  s.port = port_;
  net::co_spawn(s.acceptor.get_executor(), s.accept_loop(), net::detached);
  for (unsigned i = 0; i < threads_wanted_; ++i) {
    threads_.emplace_back([this] { ioc_->run(); });
  }
}

void Server::stop() {
  if (!state_ || state_->stopping.exchange(true)) {
    return;
  }
  net::post(state_->acceptor.get_executor(), [st = state_] {
    error_code ec;
    st->acceptor.close(ec);
  });
}

}  // namespace lokku::api
