// The second translation unit that includes Beast (the router's is the first).
#include "api/server.hpp"

#include "platform/runtime.hpp"
#include "store/files.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include <atomic>
#include <cctype>
#include <fcntl.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace lokku::api {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

namespace {

constexpr std::size_t kBodyLimit = 1 << 20;

auto use_ec(error_code& ec) {
  return net::redirect_error(net::use_awaitable, ec);
}

}  // namespace

struct Server::State : std::enable_shared_from_this<Server::State> {
  State(net::io_context& ioc_, Api& api_, store::Store& store_)
      : ioc(ioc_), api(api_), store(store_), acceptor(net::make_strand(ioc_)) {}

  net::io_context& ioc;
  Api& api;
  store::Store& store;
  tcp::acceptor acceptor;
  std::atomic<bool> stopping{false};

  net::awaitable<void> accept_loop();
  net::awaitable<void> serve(tcp::socket socket);
  net::awaitable<void> stream(beast::tcp_stream& client, LogSession session);
  net::awaitable<void> build_output(beast::tcp_stream& client, const LogSession& session);
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
    net::co_spawn(ex, serve(std::move(socket)), net::detached);
  }
}

net::awaitable<void> Server::State::serve(tcp::socket socket) {
  auto self = shared_from_this();
  beast::tcp_stream client(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(kBodyLimit);
    parser.header_limit(64 * 1024);
    client.expires_after(std::chrono::seconds(60));
    error_code ec;
    co_await http::async_read(client, buffer, parser, use_ec(ec));
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
    auto& req = parser.get();
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
    client.expires_after(std::chrono::seconds(60));
    co_await http::async_write(client, res, use_ec(ec));
    if (ec || !keep_alive || stopping) {
      co_return;
    }
  }
}

net::awaitable<void> Server::State::stream(beast::tcp_stream& client, LogSession s) {
  error_code ec;
  client.expires_never();
  if (!s.build_id.empty()) {
    co_await build_output(client, s);
    co_return;
  }
  std::string head =
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
      "Connection: close\r\n\r\n";
  co_await net::async_write(client.socket(), net::buffer(head), use_ec(ec));
  if (ec) {
    co_return;
  }
  platform::LogFollower follower(store.log_file(s.app), s.source, s.dyno);
  std::string chunk;
  for (const auto& line : follower.read_new(static_cast<std::size_t>(s.lines))) {
    chunk += "data: " + line + "\n\n";
  }
  if (!chunk.empty()) {
    co_await net::async_write(client.socket(), net::buffer(chunk), use_ec(ec));
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
      co_await net::async_write(client.socket(), net::buffer(chunk), use_ec(ec));
    }
  }
  client.socket().shutdown(tcp::socket::shutdown_both, ec);
}

net::awaitable<void> Server::State::build_output(beast::tcp_stream& client, const LogSession& s) {
  // A build's output as plain text, as it is produced, until the build has ended (BP-8).
  error_code ec;
  std::string head =
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nCache-Control: "
      "no-cache\r\nConnection: close\r\n\r\n";
  co_await net::async_write(client.socket(), net::buffer(head), use_ec(ec));
  auto dir = store.app_dir(s.app) / "builds";
  auto ended = [&] {
    auto text = store::read_file(dir / (s.build_id + ".yaml")).value_or("");
    return text.find("status: pending") == std::string::npos;
  };
  int fd = -1;
  net::steady_timer timer(co_await net::this_coro::executor);
  bool last_round = false;
  while (!ec && !stopping) {
    if (fd < 0) {
      fd = ::open((dir / (s.build_id + ".log")).c_str(), O_RDONLY | O_CLOEXEC);
    }
    bool finished = ended();  // before reading: what follows the end is read too
    std::string chunk;
    char buf[65536];
    for (ssize_t n; fd >= 0 && (n = ::read(fd, buf, sizeof buf)) > 0;) {
      chunk.append(buf, static_cast<std::size_t>(n));
    }
    if (!chunk.empty()) {
      co_await net::async_write(client.socket(), net::buffer(chunk), use_ec(ec));
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
  if (fd >= 0) {
    ::close(fd);
  }
  client.socket().shutdown(tcp::socket::shutdown_both, ec);
}

Server::Server(Api& api, store::Store& store, unsigned port, unsigned threads)
    : ioc_(std::make_unique<net::io_context>(static_cast<int>(threads)))
    , state_(std::make_shared<State>(*ioc_, api, store))
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
