// The one translation unit of the router that includes Beast (its headers are heavy).
#include "router/router.hpp"

#include "common/app_log.hpp"
#include "common/ids.hpp"
#include "router/affinity.hpp"
#include "router/balancer.hpp"
#include "router/head_parser.hpp"
#include "router/headers.hpp"
#include "router/router_error.hpp"
#include "router/stream.hpp"
#include "router/tls_front.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

namespace lokku::router {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;
using namespace net::experimental::awaitable_operators;

namespace {

constexpr std::size_t kRelayBuffer = 32 * 1024;
constexpr std::size_t kFirstRead = 4 * 1024;       // an idle keep-alive connection holds no more
constexpr std::uint32_t kHeaderLimit = 96 * 1024;  // the whole request head; L-1..L-4 below
constexpr std::uint32_t kResponseHeaderLimit = 512 * 1024;  // L-6
constexpr auto kFreshHeld = std::chrono::seconds(1);        // see the held connection below

auto use_ec(error_code& ec) {
  return net::redirect_error(use_task, ec);
}

long ms_between(Clock::time_point from, Clock::time_point to) {
  return static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count());
}

long ms_since(Clock::time_point t) {
  return ms_between(t, Clock::now());
}

/// A connection to a dyno, kept for reuse (RSP-7 R2). Only the descriptor is kept, so that
/// the next request wraps it in a stream on its own context.
struct Pooled {
  int fd;
  Clock::time_point idle_since;
};

/// True when the buffered request line ends in CRLF (L-5: CRLF line endings only).
bool crlf_request_line(const beast::flat_buffer& b) {
  std::string_view data(static_cast<const char*>(b.data().data()), b.data().size());
  auto nl = data.find('\n');
  return nl != std::string_view::npos && nl > 0 && data[nl - 1] == '\r';
}

/// True when an idle pooled socket is still usable: no EOF and no stray bytes waiting.
bool still_idle(int fd) {
  char byte;
  ssize_t n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

}  // namespace

/// What the router's connections share. Each connection runs on one of the router's
/// io_contexts, one thread each (so it needs no strand); the mutex guards the mutable shared parts
/// (pool, quarantine, rng, idle set). Held by every connection coroutine; destroyed after the last
/// one.
struct Router::State : std::enable_shared_from_this<Router::State> {
  State(std::vector<Executor> executors_, common::RouteTable& routes_, RouterOptions o)
      : executors(std::move(executors_))
      , routes(routes_)
      , opts(std::move(o))
      , acceptor(std::make_shared<Acceptor>(executors.front())) {
    for (const auto& ex : executors) {
      sweepers.push_back(std::make_unique<Sweeper>(ex));
    }
  }

  /// One per router thread; connections are dealt out in turn.
  const std::vector<Executor> executors;
  /// The deadlines and idle clients of each thread's sockets (same order as `executors`).
  std::vector<std::unique_ptr<Sweeper>> sweepers;
  std::atomic<std::size_t> next_executor{0};
  common::RouteTable& routes;
  const RouterOptions opts;
  std::shared_ptr<Acceptor> acceptor;
  /// On 127.0.0.1: what the TLS port has decrypted (tls_front.hpp), each connection after its
  /// first line.
  std::shared_ptr<Acceptor> inner;
  std::atomic<bool> stopping{false};
  std::atomic<bool> quarantined_any{false};  ///< once a dyno was quarantined, pick() locks

  std::mutex mu;  // guards everything below
  Quarantine quarantine;
  std::mt19937_64 rng{std::random_device{}()};
  const AffinitySigner signer{common::random_hex(32)};  ///< AFF-4: per router instance
  std::map<std::uint16_t, std::vector<Pooled>> pool;    ///< by dyno port

  std::chrono::nanoseconds d(std::chrono::nanoseconds nominal) const { return opts.scale(nominal); }

  static void log_to(const common::AppRoute& app, const AccessRecord& r) {
    thread_local std::string line;  // its storage serves every line of this router thread
    line.clear();
    append_access(line, r);
    app.sink.add("heroku", "router", line);
    if (app.observer) {
      app.observer->request(r.status, r.service_ms ? static_cast<double>(*r.service_ms) : -1.0,
                            r.code ? info(*r.code).name : std::string_view{});
    }
  }

  Task<> accept_loop(std::shared_ptr<Acceptor> acc, bool from_tls);
  /// `from_tls`: the connection comes from the TLS port and starts with its first line.
  Task<> serve(Socket socket, Sweeper& sweeper, bool from_tls);

  std::optional<std::size_t> pick(const common::WebDynoTable& table, const Tried& tried) {
    if (!quarantined_any.load(std::memory_order_acquire)) {
      // Nothing was ever quarantined (the usual case): no lock shared by the router's
      // threads, and a random source of this thread's own.
      static const Quarantine kNone;
      thread_local std::mt19937_64 local_rng{std::random_device{}()};
      return pick_dyno(table, kNone, tried, Clock::time_point{}, local_rng);  // needs no time
    }
    std::lock_guard lock(mu);
    return pick_dyno(table, quarantine, tried, Clock::now(), rng);
  }

  /// AFF-6: the client's dyno by its cookie; when none of the cookie's dynos can take the
  /// request, the cookie is updated to the dynos there are now (same seed: as few clients
  /// move as possible) and the choice made again.
  std::optional<std::size_t> pick_for(const common::WebDynoTable& table, AffinityCookie& cookie,
                                      const Tried& tried) {
    std::lock_guard lock(mu);
    auto now = Clock::now();
    if (auto i = pick_affine(table, cookie, quarantine, tried, now)) {
      return i;
    }
    auto fresh = new_affinity_cookie(table, rng);
    fresh.seed = cookie.seed;
    cookie = std::move(fresh);
    return pick_affine(table, cookie, quarantine, tried, now);
  }

  AffinityCookie client_cookie(const common::WebDynoTable& table, const Head& fields) {
    for (const auto& f : fields) {
      if (f.name() == http::field::cookie) {
        if (auto v = find_cookie(f.value(), kAffinityCookie)) {
          if (auto c = signer.decode(*v)) {
            return prune_cookie(*c, table);  // AFF-6: dynos that left are dropped
          }
        }
      }
    }
    std::lock_guard lock(mu);
    return new_affinity_cookie(table, rng);  // AFF-5
  }

  void quarantine_dyno(const common::WebDyno& dyno) {
    std::lock_guard lock(mu);
    quarantine.add(dyno, Clock::now() + d(opts.quarantine));
    quarantined_any.store(true, std::memory_order_release);
  }

  /// RSP-7 R2, T-5: an idle dyno connection is reused only within the pool's idle limit and
  /// while the dyno has neither closed it nor sent stray bytes.
  bool reusable(Clock::time_point idle_since, int fd) const {
    return Clock::now() - idle_since < d(opts.pool_idle) && still_idle(fd);
  }

  /// A pooled connection to `port` wrapped in a stream of `sweeper`'s thread, or nullptr.
  std::unique_ptr<Stream> take_pooled(std::uint16_t port, Sweeper& sweeper, const Executor& ex) {
    std::lock_guard lock(mu);
    auto it = pool.find(port);
    if (it == pool.end()) {
      return nullptr;
    }
    auto& conns = it->second;
    while (!conns.empty()) {
      Pooled p = conns.back();
      conns.pop_back();
      if (reusable(p.idle_since, p.fd)) {
        auto s = std::make_unique<Stream>(sweeper, ex);
        error_code ec;
        s->socket().assign(tcp::v4(), p.fd, ec);
        if (!ec) {
          s->socket().non_blocking(true, ec);
          return s;
        }
      }
      ::close(p.fd);
    }
    return nullptr;
  }

  void give_back(std::uint16_t port, std::unique_ptr<Stream> s) {
    error_code ec;
    s->expires_never();
    int fd = s->socket().release(ec);
    if (ec) {
      return;
    }
    std::lock_guard lock(mu);
    auto& conns = pool[port];
    if (stopping.load() || conns.size() >= 64) {
      ::close(fd);
      return;
    }
    conns.push_back({fd, Clock::now()});
  }

  void close_pool() {
    std::lock_guard lock(mu);
    for (auto& [port, conns] : pool) {
      for (auto& p : conns) {
        ::close(p.fd);
      }
    }
    pool.clear();
  }
};

namespace {

/// Everything about one request the session learns on the way (for the log line).
struct Exchange {
  AccessRecord rec;
  Clock::time_point accepted;
};

template <class Body>
void set_error_headers(http::response<Body>& res, bool legacy) {
  res.set(http::field::content_type, "text/html; charset=utf-8");
  res.set(http::field::cache_control, "no-cache, no-store");
  if (legacy) {
    res.set(http::field::server, "Cowboy");
  }
}

}  // namespace

Router::Router(common::RouteTable& routes, RouterOptions options) {
  unsigned threads = options.threads;
  if (threads == 0) {
    // One per core, as nginx's and haproxy's defaults. Measured on 2 cores (bench/router.py):
    // with a request costing the router about what it costs nginx, two threads serve as many
    // requests as one or more, with a shorter tail.
    threads = std::max(1u, std::thread::hardware_concurrency());
  }
  std::vector<Executor> executors;
  for (unsigned i = 0; i < threads; ++i) {
    iocs_.push_back(std::make_unique<net::io_context>(1));
    executors.push_back(iocs_.back()->get_executor());
  }
  state_ = std::make_shared<State>(std::move(executors), routes, std::move(options));
}

Router::~Router() {
  stop();
  work_.clear();
  for (auto& ioc : iocs_) {
    ioc->stop();
  }
  for (auto& t : threads_) {
    t.join();
  }
  // I/O objects go before their context; the context then destroys what connections were
  // left, and with them the last references to the shared state.
  tls_.reset();
  state_->acceptor.reset();
  state_->inner.reset();
  state_->close_pool();
  // The state may outlive a context (a connection's coroutine on a later one holds it): the
  // sweepers' timers go now, while every context is still there.
  for (auto& sweeper : state_->sweepers) {
    sweeper->release_timer();
  }
  state_.reset();
  iocs_.clear();
}

void Router::start() {
  auto& s = *state_;
  port_ = listen_on(*s.acceptor, s.opts.address, s.opts.port, "router");
  net::co_spawn(s.acceptor->get_executor(), state_->accept_loop(s.acceptor, false), net::detached);
  if (s.opts.tls_port) {
    try {
      start_tls();
    } catch (const std::system_error&) {
      tls_.reset();
      s.inner.reset();
      if (s.opts.tls_required) {
        throw;
      }
    }
  }
  for (auto& ioc : iocs_) {
    work_.push_back(net::make_work_guard(*ioc));
    threads_.emplace_back([ioc = ioc.get()] { ioc->run(); });
  }
}

void Router::start_tls() {
  auto& s = *state_;
  s.inner = std::make_shared<Acceptor>(s.executors.front());
  TlsFrontOptions t;
  t.inner_port = listen_on(*s.inner, "127.0.0.1", 0, "router, for its TLS port");
  t.address = s.opts.address;
  t.port = *s.opts.tls_port;
  t.handshake = s.d(s.opts.request_head);
  t.idle = s.d(s.opts.keepalive);  // T-4, for an HTTP/2 connection with no stream open
  tls_ = std::make_unique<TlsFront>(s.executors, s.opts.certificates, t);
  tls_->start();
  net::co_spawn(s.inner->get_executor(), state_->accept_loop(s.inner, true), net::detached);
}

void Router::stop() {
  auto& s = *state_;
  if (s.stopping.exchange(true)) {
    return;
  }
  if (tls_) {
    tls_->stop();
  }
  if (auto acc = s.inner) {
    net::post(acc->get_executor(), [acc] {
      error_code ec;
      acc->close(ec);
    });
  }
  if (auto acc = s.acceptor) {
    net::post(acc->get_executor(), [acc] {
      error_code ec;
      acc->close(ec);
    });
  }
  // Each thread closes its clients that wait for a request; the others see `stopping` when
  // their response has gone out.
  for (std::size_t i = 0; i < s.executors.size(); ++i) {
    // The sweeper lives as long as the threads (joined before the state goes).
    net::post(s.executors[i], [sweeper = s.sweepers[i].get()] { sweeper->close_idle(); });
  }
  s.close_pool();
}

unsigned Router::port() const {
  return port_;
}

unsigned Router::tls_port() const {
  return tls_ ? tls_->port() : 0;
}

Task<> Router::State::accept_loop(std::shared_ptr<Acceptor> acc, bool from_tls) {
  auto self = shared_from_this();
  for (;;) {
    error_code ec;
    const std::size_t thread = next_executor++ % executors.size();
    Socket socket = co_await acc->async_accept(executors[thread], use_ec(ec));
    if (ec) {
      if (stopping.load() || ec == net::error::operation_aborted || !acc->is_open()) {
        co_return;
      }
      continue;  // EMFILE and friends: keep accepting what we can
    }
    socket.set_option(tcp::no_delay(true), ec);
    socket.non_blocking(true, ec);
    net::co_spawn(executors[thread], serve(std::move(socket), *sweepers[thread], from_tls),
                  net::detached);
  }
}

namespace {

/// One field of a head, as a serializer writes it.
void append_field(std::string& out, std::string_view name, std::string_view value) {
  const std::size_t at = out.size();
  out.resize(at + name.size() + value.size() + 4);  // one capacity check, one copy each
  char* p = out.data() + at;
  p = std::copy(name.begin(), name.end(), p);
  *p++ = ':';
  *p++ = ' ';
  p = std::copy(value.begin(), value.end(), p);
  *p++ = '\r';
  *p = '\n';
}

/// `name: existing, value`, or `name: value` when there is nothing yet (HDR-2, HDR-6).
void append_list_field(std::string& out, std::string_view name, std::string_view existing,
                       std::string_view value) {
  if (existing.empty()) {
    append_field(out, name, value);
  } else {
    append_field(out, name, append_list(existing, value));
  }
}

/// The fields of `fields` in order, but for those `drop` says go: a head is made in one
/// string and leaves in one gathered write with the body's first bytes, with no mutation
/// of the parsed message and none of a serializer's machinery (the router's hot path).
template <class Drop>
void append_fields_except(std::string& out, const Head& fields, Drop drop) {
  for (const auto& f : fields) {
    if (!drop(f)) {
      append_field(out, f.name_string(), f.value());
    }
  }
}

/// Hop-by-hop fields (HDR-10, RSP-1): never forwarded either way.
bool hop_by_hop(http::field name) {
  return name == http::field::connection || name == http::field::keep_alive ||
         name == http::field::te || name == http::field::proxy_authorization;
}

/// What the router reads of a request's fields, gathered in one pass over them (the hot
/// path: a lookup by name would walk the fields each time).
struct RequestScan {
  std::size_t count = 0;
  bool too_big = false;             ///< L-2, L-3: a name or a line over its limit
  int hosts = 0;                    ///< HOST-2
  std::string_view host;            ///< the first Host
  std::string_view request_id;      ///< the first X-Request-ID (HDR-1)
  bool expect = false;              ///< HDR-12
  std::string_view expect_value;    ///< the first Expect
  bool connection_upgrade = false;  ///< RSP-9: `Connection: upgrade`
  bool upgrade = false;             ///< an Upgrade header
  std::string forwarded_for;        ///< every X-Forwarded-For, joined (HDR-2)
  std::string via;                  ///< every Via, joined (HDR-6)
};

/// Appends `value` to the comma-separated `list` (an empty value adds nothing).
void append_to_list(std::string& list, std::string_view value) {
  if (value.empty()) {
    return;
  }
  if (!list.empty()) {
    list += ", ";
  }
  list.append(value);
}

RequestScan scan_request(const Head& fields) {
  RequestScan r;
  for (const auto& f : fields) {
    ++r.count;
    const auto name = f.name_string();
    const auto value = f.value();
    r.too_big = r.too_big || name.size() > 1000 || name.size() + 2 + value.size() > 8192;
    switch (f.name()) {
      case http::field::host:
        if (r.hosts++ == 0) {
          r.host = value;
        }
        break;
      case http::field::expect:
        if (!r.expect) {
          r.expect = true;
          r.expect_value = value;
        }
        break;
      case http::field::connection:
        r.connection_upgrade = r.connection_upgrade || has_token(value, "upgrade");
        break;
      case http::field::upgrade:
        r.upgrade = true;
        break;
      case http::field::via:
        append_to_list(r.via, value);
        break;
      case http::field::unknown:
        if (iequals(name, "X-Forwarded-For")) {
          append_to_list(r.forwarded_for, value);
        } else if (r.request_id.empty() && iequals(name, "X-Request-ID")) {
          r.request_id = value;
        }
        break;
      default:
        break;
    }
  }
  return r;
}

/// One piece of a body on its way out: the head first when it has not gone yet, and under
/// chunked framing the chunk's size line and end, and the last chunk after the last piece.
class Piece {
 public:
  Piece(std::string_view head, const char* data, std::size_t size, bool chunked, bool last) {
    parts_[0] = net::buffer(head.data(), head.size());
    if (chunked && size > 0) {
      auto end = fmt::format_to(size_line_, "{:x}\r\n", size);
      parts_[1] = net::buffer(size_line_, static_cast<std::size_t>(end - size_line_));
    }
    parts_[2] = net::const_buffer(data, size);
    if (chunked) {
      static constexpr std::string_view kTail = "\r\n0\r\n\r\n";
      auto tail = size > 0 ? (last ? kTail : kTail.substr(0, 2))
                           : (last ? kTail.substr(2) : std::string_view());
      parts_[3] = net::buffer(tail.data(), tail.size());
    }
  }
  Piece(const Piece&) = delete;
  Piece& operator=(const Piece&) = delete;

  const std::array<net::const_buffer, 4>& buffers() const { return parts_; }
  bool empty() const { return net::buffer_size(parts_) == 0; }

 private:
  char size_line_[24];
  std::array<net::const_buffer, 4> parts_{};
};

/// Sends what the socket takes of `buffers` now, without waiting: in the usual case (a
/// head, a small body) all of it, with no trip through the event loop. True when nothing is
/// left to send or `ec` says why not; otherwise `sent` says how much went, and send_rest()
/// sends the rest.
template <class ConstBuffers>
bool send_now(Stream& s, const ConstBuffers& buffers, std::size_t& sent, error_code& ec) {
  ec = {};
  sent = 0;
  const std::size_t total = net::buffer_size(buffers);
  if (total == 0) {
    return true;
  }
  sent = s.socket().write_some(buffers, ec);  // the socket is non-blocking
  if (ec && (ec == net::error::would_block || ec == net::error::try_again)) {
    ec = {};
    sent = 0;
  }
  return ec || sent == total;
}

/// Sends `buffers` but their first `sent` bytes, within `timeout`.
template <class ConstBuffers>
Task<> send_rest(Stream& s, const ConstBuffers& buffers, std::size_t sent,
                 std::chrono::nanoseconds timeout, error_code& ec) {
  beast::buffers_suffix<ConstBuffers> rest(buffers);
  rest.consume(sent);
  s.expires_after(timeout);
  co_await net::async_write(s, rest, use_ec(ec));
  ec = s.settle(ec);
}

/// Feeds `parser` what `buffer` holds. True when that got it somewhere (its head is done,
/// some body came, it is done) or it failed; false when it needs more bytes (parse_some).
template <bool isRequest>
bool parse_buffered(beast::flat_buffer& buffer, http::basic_parser<isRequest>& parser,
                    error_code& ec) {
  ec = {};
  if (buffer.size() == 0) {
    return false;
  }
  buffer.consume(parser.put(buffer.data(), ec));
  // `ec &&` first, here and on the router's other hot paths: comparing with an error enum
  // builds an error_code each time, and most calls have no error to compare.
  if (ec && ec == http::error::need_more) {
    ec = {};
    return false;
  }
  return true;
}

/// The read buffer for `buffer`'s next read from a stream.
net::mutable_buffer read_room(beast::flat_buffer& buffer) {
  return buffer.prepare(beast::read_size(buffer, kRelayBuffer));
}

/// Takes in what a read of `s` into read_room(buffer) brought (`n` bytes, or `ec`) and feeds
/// `parser`. True when that got it somewhere or it failed (`ec` says which), false when it
/// needs more bytes. A stream that ends before the first byte is http::error::end_of_stream;
/// after it, whatever the parser makes of the end.
template <bool isRequest>
bool absorb_read(const Stream& s, beast::flat_buffer& buffer, http::basic_parser<isRequest>& parser,
                 std::size_t n, error_code& ec) {
  if (ec && ec == net::error::eof) {
    ec = {};
    if (parser.got_some()) {
      parser.put_eof(ec);
    } else {
      ec = http::error::end_of_stream;
    }
    return true;
  }
  ec = s.settle(ec);
  if (ec) {
    return true;
  }
  buffer.commit(n);
  return parse_buffered(buffer, parser, ec);
}

/// Reads from `s` into `buffer` and feeds `parser` until it gets somewhere or fails (what
/// the buffer held is the caller's to try first, with parse_buffered()). The stream's
/// deadline is the caller's.
template <bool isRequest>
Task<> parse_some(Stream& s, beast::flat_buffer& buffer, http::basic_parser<isRequest>& parser,
                  error_code& ec) {
  for (;;) {
    std::size_t n = co_await s.async_read_some(read_room(buffer), use_ec(ec));
    if (absorb_read(s, buffer, parser, n, ec)) {
      co_return;
    }
  }
}

/// Writes a router-generated response (error page, 4xx).
Task<> send_page(Stream& client, unsigned version, http::status status, std::string body,
                 bool keep_alive, bool legacy, std::chrono::nanoseconds timeout) {
  http::response<http::string_body> res{status, 11};
  set_error_headers(res, legacy);
  res.body() = std::move(body);
  res.keep_alive(keep_alive && version >= 10);
  res.prepare_payload();
  client.expires_after(timeout);
  error_code ec;
  co_await http::async_write(client, res, use_ec(ec));
}

Task<> send_bare(Stream& client, http::status status, std::chrono::nanoseconds timeout) {
  http::response<http::string_body> res{status, 11};
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  res.body() = std::string(http::obsolete_reason(status)) + "\n";
  res.keep_alive(false);
  res.prepare_payload();
  client.expires_after(timeout);
  error_code ec;
  co_await http::async_write(client, res, use_ec(ec));
}

}  // namespace

Task<> Router::State::serve(Socket socket, Sweeper& sweeper, bool from_tls) {
  auto self = shared_from_this();
  auto peer_ip = [&] {
    error_code ec;
    auto ep = socket.remote_endpoint(ec);
    return ec ? std::string("unknown") : ep.address().to_string();
  }();
  std::string listen_port_text = [&] {
    error_code ec;
    auto ep = socket.local_endpoint(ec);
    return std::to_string(ec ? 0u : ep.port());
  }();
  const auto context = co_await net::this_coro::executor;  // this connection's thread
  Stream client(sweeper, std::move(socket));
  beast::flat_buffer buffer;
  std::vector<char> relay;       // allocated on a connection's first request
  beast::flat_buffer up_buffer;  // the dyno's bytes, read ahead of the parser
  Head req_head;                 // the request parsed now (its storage serves them all)
  Head res_head;                 // and its response
  struct {
    std::string host;
    std::uint64_t routes_generation = 0;
    std::shared_ptr<common::AppRoute> route;            // for `host` at `routes_generation`
    std::shared_ptr<const common::WebDynoTable> table;  // `route`'s latest seen
  } cache;
  // RSP-7 R2: the dyno connection this client's last response came over. Its next request
  // takes it again when it goes to the same dyno (no trip through the pool); otherwise, and
  // when the client leaves, it goes back to the pool for everyone.
  struct Held {
    State& state;
    std::unique_ptr<Stream> stream;
    std::uint16_t port = 0;
    Clock::time_point since;
    void release() {
      if (stream) {
        state.give_back(port, std::move(stream));
      }
    }
    ~Held() { release(); }
  } held{*this, nullptr, 0, {}};
  // From the TLS port (tls_front.hpp): its first line names the client, the port it came to
  // and the TLS version (the log line's, Router 2.0's: LOG-3).
  std::string protocol_text;
  Code client_gone = Code::H27;  ///< what a client that goes away mid-request is
  if (from_tls) {
    client.expires_after(d(opts.request_head));
    std::size_t eol = std::string_view::npos;
    while (eol == std::string_view::npos) {
      error_code ec;
      if (buffer.size() > 256) {
        co_return;
      }
      const std::size_t n = co_await client.async_read_some(buffer.prepare(256), use_ec(ec));
      if (ec) {
        co_return;
      }
      buffer.commit(n);
      eol = std::string_view(static_cast<const char*>(buffer.data().data()), buffer.size())
                .find("\r\n");
    }
    const std::string line(static_cast<const char*>(buffer.data().data()), eol);
    buffer.consume(eol + 2);
    std::istringstream words(line);
    std::string tag, version, h2;
    words >> tag >> peer_ip >> listen_port_text >> version >> h2;
    if (tag != "LOKKU-TLS" || version.empty()) {
      co_return;
    }
    // A stream of an HTTP/2 connection (h2_front.hpp): logged as such, and a client that
    // breaks it off is H33, Router 2.0's "HTTP/2 Stream Broken".
    if (h2 == "h2") {
      client_gone = Code::H33;
    }
    protocol_text = opts.legacy ? std::string("https")
                                : (h2 == "h2" ? "http2.0" : "http1.1") +
                                      std::string(" tls=true tls_version=") + version;
  }
  Exchange ex;        // one request's record at a time; its strings' storage serves them all
  std::string added;  // the fields the router adds to a request
  std::string head;   // the head on its way out, to the dyno and then to the client
  Tried tried;        // the dynos a request was offered to (LB-2)

  // When the last request ended, if nothing waited since (one clock read fewer).
  std::optional<Clock::time_point> idle_from;
  for (;;) {
    // T-4: a kept-alive connection may sit idle for 60 s; then the whole request head must
    // arrive within the head deadline (CONVENTIONS.md, Router defaults).
    error_code ec;
    const auto ended = std::exchange(idle_from, std::nullopt);
    if (buffer.size() == 0) {
      if (stopping.load()) {
        co_return;  // shutdown: no further requests on this connection
      }
      client.set_idle(true);  // Router::stop() closes it
      client.expires_at((ended ? *ended : Clock::now()) + d(opts.keepalive));
      // The client sends its next request only once it has this response: reading at once
      // would mostly find nothing, and pay a system call to learn it. The thread's other
      // connections go first (perf's syscall counters: 3.10 -> 2.78 reads per request).
      co_await net::post(context, use_task);
      std::size_t n = co_await client.async_read_some(buffer.prepare(kFirstRead), use_ec(ec));
      client.set_idle(false);
      if (ec) {
        co_return;  // idle timeout, client closed, or shutdown: close silently
      }
      buffer.commit(n);
    }
    HeadParser<true> req_p(req_head);
    req_p.header_limit(kHeaderLimit);
    req_p.body_limit(boost::none);  // L-10
    // The head deadline cancels the read without closing the socket, so that the client can
    // still be told 408 (T-4).
    const auto head_started = Clock::now();
    client.expires_at(head_started + d(opts.request_head));
    bool head_waited = false;
    if (!parse_buffered(buffer, req_p, ec)) {
      co_await parse_some(client, buffer, req_p, ec);
      head_waited = true;
    }
    if (ec) {
      // T-7: client errors before the app is known get a bare 4xx and no log line.
      if (ec == net::error::timed_out) {
        co_await send_bare(client, http::status::request_timeout, d(opts.idle));
      } else if (ec == http::error::bad_version && crlf_request_line(buffer)) {
        // RSP-4: a well-formed request line with another version. (A bare-LF line also
        // fails on its version: that is L-5, 400.)
        co_await send_bare(client, http::status::http_version_not_supported, d(opts.idle));
      } else if (ec != http::error::end_of_stream && ec != net::error::eof &&
                 ec != net::error::connection_reset) {
        co_await send_bare(client, http::status::bad_request, d(opts.idle));
      }
      co_return;
    }
    auto& req = req_p.get();
    ex.rec.clear();
    if (from_tls) {
      ex.rec.protocol = protocol_text;
    }
    ex.accepted = head_waited ? Clock::now() : head_started;  // one clock read when it came whole
    const auto accepted_wall = std::chrono::system_clock::now();
    ex.rec.method.assign(req.method_string());
    ex.rec.path.assign(req.target());

    // §5 L-1..L-4: request line, header name, header line and header count limits.
    const RequestScan scan = scan_request(req);
    if (req.method_string().size() + req.target().size() + 10 > 8192) {
      co_await send_bare(client, http::status::uri_too_long, d(opts.idle));
      co_return;
    }
    if (scan.too_big || scan.count > 1000) {
      co_await send_bare(client, http::status::bad_request, d(opts.idle));
      co_return;
    }
    // RSP-4: HTTP/1.0 and 1.1 only.
    if (req.version() != 10 && req.version() != 11) {
      co_await send_bare(client, http::status::http_version_not_supported, d(opts.idle));
      co_return;
    }
    // HOST-2
    if (scan.hosts > 1 || (req.version() == 11 && scan.hosts == 0)) {
      co_await send_bare(client, http::status::bad_request, d(opts.idle));
      co_return;
    }
    auto host = host_key(scan.host);
    if (scan.hosts == 1 && !host) {
      co_await send_bare(client, http::status::bad_request, d(opts.idle));
      co_return;
    }
    if (host) {
      ex.rec.host.assign(*host);
    }
    // HOST-1, ERR-3: the app, by Host; an unknown one gets "No such app" and no log line.
    // The route and the dyno table are the connection's last ones while neither changed
    // (no lock shared by the router's threads for a kept-alive client's next request).
    if (!cache.route || cache.routes_generation != routes.generation() ||
        cache.host != ex.rec.host) {
      cache.routes_generation = routes.generation();  // before find: a change is seen next time
      cache.route = routes.find(ex.rec.host);
      cache.host = ex.rec.host;
      cache.table.reset();
    }
    const auto& route = cache.route;
    if (!route) {
      co_await send_page(client, req.version(), http::status::not_found, no_such_app_page(), false,
                         opts.legacy, d(opts.idle));
      co_return;
    }
    // The route's deadlines: the time-scaled ones of an app, or real time for lokku's own
    // dashboard, whose pages and live streams a scaled 30 s (H12) or 55 s (T-3) would cut.
    const auto rd = [&](std::chrono::nanoseconds nominal) {
      return route->real_time ? nominal : d(nominal);
    };
    auto& feed = route->feed;
    const bool has_body =
        req_p.chunked() || (req_p.content_length() && *req_p.content_length() > 0);

    // The fields the router sets (HDR-1..6, HDR-10): the dyno gets the client's fields
    // without these, then the router's own, in this order.
    added.clear();
    // HDR-1
    if (valid_request_id(scan.request_id)) {
      ex.rec.request_id.assign(scan.request_id);
    } else {
      new_request_id(ex.rec.request_id);
    }
    append_field(added, "X-Request-ID", ex.rec.request_id);
    // HDR-2
    ex.rec.fwd = append_list(scan.forwarded_for, peer_ip);
    append_field(added, "X-Forwarded-For", ex.rec.fwd);
    // HDR-3, HDR-4, HDR-5
    append_field(added, "X-Forwarded-Proto", from_tls ? "https" : "http");
    append_field(added, "X-Forwarded-Port", listen_port_text);
    const fmt::format_int start_ms(
        std::chrono::duration_cast<std::chrono::milliseconds>(accepted_wall.time_since_epoch())
            .count());
    append_field(added, "X-Request-Start", std::string_view(start_ms.data(), start_ms.size()));
    // HDR-6
    const std::string_view via_token = opts.legacy ? "1.1 vegur" : "1.1 heroku-router";
    append_list_field(added, "Via", scan.via, via_token);

    // HDR-12
    bool send_continue = false;
    if (scan.expect) {
      if (iequals(scan.expect_value, "100-continue")) {
        send_continue = true;
      } else if (!scan.expect_value.empty()) {
        ex.rec.code = Code::H26;
        ex.rec.cause = "unsupported expect header value";
        ex.rec.status = 417;
        log_to(*route, ex.rec);
        co_await send_page(client, req.version(), http::status::expectation_failed,
                           error_page(kApplicationErrorUrl), false, opts.legacy, rd(opts.idle));
        co_return;
      }
    }
    // RSP-9: Connection: upgrade needs an Upgrade header.
    if (scan.connection_upgrade && !scan.upgrade) {
      ex.rec.code = Code::H26;
      ex.rec.cause = "bad header";
      ex.rec.status = 400;
      log_to(*route, ex.rec);
      co_await send_page(client, req.version(), http::status::bad_request,
                         error_page(kApplicationErrorUrl), false, opts.legacy, rd(opts.idle));
      co_return;
    }
    const bool is_upgrade = scan.connection_upgrade;
    // The client's wish for this connection (its version and Connection header).
    const bool client_keep_alive = req_p.keep_alive();
    // HDR-10
    append_field(added, "Connection",
                 is_upgrade ? "Upgrade" : (opts.legacy ? "close" : "keep-alive"));

    // A request without a body that a dyno closed before answering a single byte is sent
    // once more (below), when that dyno has since left the table (it was being stopped:
    // a restart or a scale-down raced with the choice) or the connection came from the pool.
    int resends = 0;
  choose:
    // --- choose a dyno (LB-1..5) and connect (T-1) ---------------------------------
    feed.refresh(cache.table);
    auto& table = cache.table;
    std::optional<Code> failure;
    std::unique_ptr<Stream> upstream;
    bool pooled = false;
    common::WebDyno chosen;
    std::optional<common::RouterFault> fault;  // one a test asked for (lokku chaos:add)
    std::optional<AffinityCookie> affinity;    // AFF-1: when the app has the feature
    if (table->maintenance) {
      failure = Code::H80;
    } else if (!table->has_release) {
      failure = Code::H81;
    } else if (table->dynos.empty()) {
      failure = Code::H14;
    } else {
      tried.clear();
      const auto hold_deadline = ex.accepted + rd(opts.boot_hold);
      const auto connect_deadline = ex.accepted + rd(opts.connect_total);
      int attempts = 0;
      int table_refreshes = 0;
      std::optional<Code> last_connect_failure;
      auto backoff = std::chrono::milliseconds(50);
      if (table->session_affinity) {
        affinity = client_cookie(*table, req);
      }
      for (;;) {
        auto pick = affinity ? pick_for(*table, *affinity, tried) : this->pick(*table, tried);
        if (!pick) {
          bool any_up = false, any_starting = false;
          for (const auto& dy : table->dynos) {
            any_up = any_up || dy.state == common::WebDynoState::up;
            any_starting = any_starting || dy.state == common::WebDynoState::starting;
          }
          if (last_connect_failure && (static_cast<std::size_t>(attempts) >= table->dynos.size() ||
                                       attempts >= opts.max_attempts)) {
            failure = last_connect_failure;  // LB-2: use the last failure
            break;
          }
          if (any_up && !last_connect_failure) {
            // LB-3: every up dyno is quarantined: back off and retry, up to 75 s.
            if (Clock::now() + backoff >= connect_deadline) {
              failure = Code::H99;
              break;
            }
            Timer t(context);
            t.expires_after(backoff);
            co_await t.async_wait(use_ec(ec));
            backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
            table = feed.current();
            continue;
          }
          if (!any_up && !any_starting) {
            failure = last_connect_failure ? *last_connect_failure : Code::H10;  // CRASH-7
            break;
          }
          // LB-5: hold the request until a dyno is up, at most 75 s (T-6).
          if (Clock::now() >= hold_deadline) {
            failure = Code::H20;
            break;
          }
          auto timer = std::make_shared<net::steady_timer>(context);
          timer->expires_at(hold_deadline);
          feed.notify_on_publish(timer);
          if (feed.current()->generation == table->generation) {
            co_await timer->async_wait(use_ec(ec));
          }
          table = feed.current();
          tried.clear();
          continue;
        }
        chosen = table->dynos[*pick];
        tried.push_back(chosen.name);
        fault = route->faults.draw(chosen.name);
        if (fault && fault->kind == common::RouterFaultKind::refuse) {
          // The dyno takes no connection (its backlog full): the attempt times out (T-1).
          ++attempts;
          Timer t(context);
          t.expires_after(rd(opts.connect_timeout));
          co_await t.async_wait(use_ec(ec));
          last_connect_failure = Code::H19;
          quarantine_dyno(chosen);
          if (attempts >= opts.max_attempts) {
            failure = last_connect_failure;
            break;
          }
          continue;
        }
        // For a request without a body, the client's own dyno connection used within the
        // last second goes without the check for a close: few dyno servers close a kept-alive
        // connection that soon (Node's default is 5 s), and the check is a system call per
        // request. Should one have closed it all the same, the request is sent again (below);
        // a request with a body could not be, so it is always checked.
        if (!opts.legacy && held.stream && held.port == chosen.port &&
            ((!has_body && Clock::now() - held.since < kFreshHeld) ||
             reusable(held.since, held.stream->socket().native_handle()))) {
          upstream = std::move(held.stream);
          pooled = true;
          break;
        }
        if (!opts.legacy) {
          upstream = take_pooled(chosen.port, sweeper, context);
          if (upstream) {
            pooled = true;
            break;
          }
        }
        ++attempts;
        upstream = std::make_unique<Stream>(sweeper, context);
        upstream->expires_after(rd(opts.connect_timeout));
        auto connect_started = Clock::now();
        co_await upstream->socket().async_connect(
            tcp::endpoint(net::ip::make_address_v4("127.0.0.1"), chosen.port), use_ec(ec));
        ec = upstream->settle(ec);
        if (!ec) {
          ex.rec.connect_ms = ms_since(connect_started);
          upstream->socket().set_option(tcp::no_delay(true), ec);
          upstream->socket().non_blocking(true, ec);
          ec = {};
          break;
        }
        upstream.reset();
        if (auto now = feed.current();
            now->generation != table->generation && ++table_refreshes <= opts.max_attempts) {
          // The dyno left the table while we connected (a restart or scale-down): choose
          // again among the dynos as they are now.
          table = now;
          tried.clear();
          --attempts;
          continue;
        }
        // LB-2: quarantine this dyno and try another.
        last_connect_failure = ec == net::error::timed_out ? Code::H19 : Code::H21;
        quarantine_dyno(chosen);
        if (attempts >= opts.max_attempts) {
          failure = last_connect_failure;
          break;
        }
      }
    }
    if (failure) {
      ex.rec.code = failure;
      ex.rec.status = info(*failure).status;
      if (*failure == Code::H19) {
        ex.rec.connect_ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(rd(opts.connect_timeout)).count();
        ex.rec.dyno = chosen.name;
      }
      log_to(*route, ex.rec);
      std::string url(
          *failure == Code::H80
              ? (table->maintenance_page_url.empty() ? kMaintenanceUrl
                                                     : table->maintenance_page_url)
              : (table->error_page_url.empty() ? kApplicationErrorUrl : table->error_page_url));
      // A request body we never read makes the connection unusable for another request.
      bool keep = client_keep_alive && !has_body && !is_upgrade;
      co_await send_page(client, req.version(), static_cast<http::status>(ex.rec.status),
                         error_page(url), keep, opts.legacy, rd(opts.idle));
      if (!keep) {
        co_return;
      }
      continue;
    }
    ex.rec.dyno = chosen.name;
    if (!ex.rec.connect_ms) {
      ex.rec.connect_ms = 0;
    }
    const auto service_started = Clock::now();
    relay.resize(kRelayBuffer);
    if (has_body) {
      buffer.reserve(kRelayBuffer);
    }

    // --- forward the request: head, then the body as it arrives (RSP-10) --------------
    head.clear();
    head.reserve(512 + added.size());
    head.append(req.method_string());
    head += ' ';
    head.append(req.target());
    head += req.version() == 10 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n";
    append_fields_except(head, req, [&](const HeadField& f) {
      if (hop_by_hop(f.name()) || f.name() == http::field::expect || f.name() == http::field::via) {
        return true;
      }
      if (f.name() != http::field::unknown) {
        return false;
      }
      auto n = f.name_string();
      return iequals(n, "X-Request-ID") || iequals(n, "X-Forwarded-For") ||
             iequals(n, "X-Forwarded-Proto") || iequals(n, "X-Forwarded-Port") ||
             iequals(n, "X-Request-Start") ||
             (opts.legacy && (iequals(n, "Connect-Time") || iequals(n, "Total-Route-Time")));
    });
    head += added;
    if (opts.legacy) {
      // HDR-7
      append_field(head, "Connect-Time", std::to_string(*ex.rec.connect_ms));
      append_field(head, "Total-Route-Time",
                   std::to_string(ms_since(ex.accepted) - *ex.rec.connect_ms));
    }
    head += "\r\n";
    if (send_continue && has_body) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      if (std::size_t sent = 0;
          !send_now(client, net::buffer(kContinue.data(), kContinue.size()), sent, ec)) {
        co_await send_rest(client, net::buffer(kContinue.data(), kContinue.size()), sent,
                           rd(opts.idle), ec);
      }
    }
    bool upstream_broken = false;
    bool head_sent = false;
    // A request a fault loses on its way never reaches the dyno (H12 below).
    const bool dropped = fault && fault->kind == common::RouterFaultKind::drop;
    if (!dropped && !req_p.is_done() && buffer.size() == 0) {
      // None of the body is here yet: the dyno gets the head now.
      if (std::size_t sent = 0; !send_now(*upstream, net::buffer(head), sent, ec)) {
        co_await send_rest(*upstream, net::buffer(head), sent, rd(opts.idle), ec);
      }
      head_sent = true;
      upstream_broken = static_cast<bool>(ec);
    }
    const bool chunked_request = req_p.chunked();
    while (!upstream_broken && !dropped) {
      std::size_t got = 0;
      if (!req_p.is_done()) {
        req_p.body().data = relay.data();
        req_p.body().size = relay.size();
        if (!parse_buffered(buffer, req_p, ec)) {
          client.expires_after(rd(opts.idle));  // a deadline only for a read that may wait
          co_await parse_some(client, buffer, req_p, ec);
        }
        if (ec && ec == http::error::need_buffer) {
          ec = {};
        }
        if (ec == http::error::bad_chunk || ec == http::error::bad_chunk_extension) {
          // HDR-11: a malformed chunk in the request.
          ex.rec.code = Code::H26;
          ex.rec.cause = "bad chunk";
          ex.rec.status = 400;
          ex.rec.service_ms = ms_since(service_started);
          log_to(*route, ex.rec);
          co_await send_page(client, req.version(), http::status::bad_request,
                             error_page(kApplicationErrorUrl), false, opts.legacy, rd(opts.idle));
          co_return;
        }
        if (ec) {
          // T-3: the client went silent (H28) or away (H27) while sending its body.
          ex.rec.code = ec == net::error::timed_out ? Code::H28 : client_gone;
          ex.rec.status = 499;
          ex.rec.service_ms = ms_since(service_started);
          ex.rec.bytes = 0;
          log_to(*route, ex.rec);
          co_return;
        }
        got = relay.size() - req_p.body().size;
      }
      const bool last = req_p.is_done();
      const Piece piece(head_sent ? std::string_view() : std::string_view(head), relay.data(), got,
                        chunked_request, last);
      if (!piece.empty()) {
        if (std::size_t sent = 0; !send_now(*upstream, piece.buffers(), sent, ec)) {
          co_await send_rest(*upstream, piece.buffers(), sent, rd(opts.idle), ec);
        }
        head_sent = true;
        upstream_broken = static_cast<bool>(ec);
      }
      if (last) {
        break;
      }
    }

    // --- read the response head (T-2) -------------------------------------------------
    up_buffer.clear();
    // Reads take as much as the buffer's spare capacity (at least 512 bytes): without room,
    // bodies would move in tiny reads.
    up_buffer.reserve(kRelayBuffer);
    std::optional<HeadParser<false>> res_parser;
    auto fresh_parser = [&] {
      res_parser.emplace(res_head);
      res_parser->header_limit(kResponseHeaderLimit);
      res_parser->body_limit(boost::none);
      if (req.method() == http::verb::head) {
        res_parser->skip(true);  // RSP-8
      }
    };
    fresh_parser();
    // A fault met before the answer's head: the dyno is late (slow; drop: never answers), it
    // closed the connection (reset) or its answer is not HTTP (garbage).
    bool injected = false;
    auto first_byte = rd(opts.first_byte);
    if (fault && !upstream_broken && !fault->after_head) {
      injected = true;
      if (fault->kind == common::RouterFaultKind::slow || dropped) {
        const auto late = !dropped && fault->delay.count() > 0 ? d(fault->delay) : first_byte;
        Timer t(context);
        t.expires_after(std::min(late, first_byte));
        co_await t.async_wait(use_ec(ec));
        ec = {};
        if (late >= first_byte) {
          ec = net::error::timed_out;  // T-2
        } else {
          first_byte -= late;
          injected = false;  // the answer, late, is read as it comes
        }
      } else if (fault->kind == common::RouterFaultKind::reset) {
        ec = net::error::connection_reset;
      } else {
        ec = http::error::bad_status;
      }
    }
    if (!upstream_broken && !injected) {
      upstream->expires_after(first_byte);
      // The dyno has only just been sent the request: the other connections of this thread
      // go first, and by the time this one reads, the answer is often there (reading at once
      // would mostly find nothing, and pay a system call to learn it).
      co_await net::post(context, use_task);
      if (!parse_buffered(up_buffer, *res_parser, ec)) {
        // The first read here rather than in parse_some(): one coroutine frame fewer for
        // the usual answer, whose head comes whole.
        std::size_t n = co_await upstream->async_read_some(read_room(up_buffer), use_ec(ec));
        if (!absorb_read(*upstream, up_buffer, *res_parser, n, ec)) {
          co_await parse_some(*upstream, up_buffer, *res_parser, ec);
        }
      }
      // A 1xx other than 101 is not relayed: read on to the final response.
      while (!ec && res_parser->get().result_int() / 100 == 1 &&
             res_parser->get().result() != http::status::switching_protocols) {
        fresh_parser();
        if (!parse_buffered(up_buffer, *res_parser, ec)) {
          co_await parse_some(*upstream, up_buffer, *res_parser, ec);
        }
      }
    }
    auto& res_p = *res_parser;
    // §5 L-7, L-8: a Set-Cookie or a status line over 8192 bytes is an HTTP restriction.
    // The Via and Server of the response are read in the same pass (RSP-2).
    std::string restriction;
    std::string response_via;
    bool has_server = false;
    if (!upstream_broken && !ec) {
      const auto& got = res_p.get();
      if (got.reason().size() + 13 > 8192) {
        restriction = "oversized status line";
      }
      for (const auto& f : got) {
        switch (f.name()) {
          case http::field::set_cookie:
            if (f.value().size() > 8192) {
              restriction = "oversized cookie";
            }
            break;
          case http::field::via:
            append_to_list(response_via, f.value());
            break;
          case http::field::server:
            has_server = true;
            break;
          default:
            break;
        }
      }
    }
    const bool closed_unanswered =
        upstream_broken || (ec &&
                            (ec == http::error::end_of_stream || ec == net::error::eof ||
                             ec == net::error::connection_reset) &&
                            up_buffer.size() == 0 && !res_p.got_some());
    if (closed_unanswered && !injected && !has_body && !is_upgrade && resends == 0) {
      const auto now_table = feed.current();
      const bool departed = std::none_of(now_table->dynos.begin(), now_table->dynos.end(),
                                         [&](const common::WebDyno& d) {
                                           return d.name == chosen.name && d.port == chosen.port &&
                                                  d.state == common::WebDynoState::up;
                                         });
      if (departed || pooled) {
        ++resends;
        goto choose;  // a retry loop over the whole choose-send-read sequence above
      }
    }
    if (upstream_broken || ec || res_p.get().reason().empty() || !restriction.empty()) {
      Code code;
      std::string cause;
      if (upstream_broken) {
        code = Code::H13;
      } else if (!restriction.empty()) {
        code = Code::H25;
        cause = restriction;
      } else if (ec == net::error::timed_out) {
        code = Code::H12;  // T-2: the dyno connection is closed, the app is not told
      } else if (ec == http::error::header_limit) {
        code = Code::H25;
        cause = "oversized header";
      } else if (ec == http::error::bad_content_length) {
        code = Code::H25;
        cause = "invalid content length";
      } else if ((ec == http::error::end_of_stream || ec == net::error::eof ||
                  ec == net::error::connection_reset) &&
                 up_buffer.size() == 0 && !res_p.got_some()) {
        code = Code::H13;  // accepted, then closed with no response byte
      } else if (ec == http::error::partial_message || ec == net::error::eof ||
                 ec == http::error::end_of_stream || ec == net::error::connection_reset) {
        code = Code::H18;
      } else {
        code = Code::H17;  // unparseable, or no reason phrase (L-8)
      }
      ex.rec.code = code;
      ex.rec.cause = cause;
      ex.rec.status = info(code).status;
      ex.rec.service_ms = ms_since(service_started);
      ex.rec.bytes = 0;
      log_to(*route, ex.rec);
      bool keep = client_keep_alive && req_p.is_done() && !is_upgrade;
      co_await send_page(
          client, req.version(), static_cast<http::status>(ex.rec.status),
          error_page(table->error_page_url.empty() ? kApplicationErrorUrl : table->error_page_url),
          keep, opts.legacy, rd(opts.idle));
      if (!keep) {
        co_return;
      }
      continue;
    }

    auto& res = res_p.get();
    const bool upstream_keep_alive = res_p.keep_alive();
    const bool switching = res.result() == http::status::switching_protocols && is_upgrade;
    bool keep_client = client_keep_alive && req_p.is_done();
    bool dechunk = false;
    if (!switching) {
      if (req.version() == 10 && res_p.chunked()) {
        // RSP-5: de-chunk for an HTTP/1.0 client; the body ends when the connection does.
        dechunk = true;
        keep_client = false;
      }
      if (!res_p.chunked() && !res_p.content_length() && !res_p.skip() && res.result_int() != 204 &&
          res.result_int() != 304) {
        keep_client = false;  // RSP-8: body delimited by the dyno closing
      }
    }
    // RSP-4: the client gets HTTP/1.1, whatever the dyno spoke.
    head.clear();
    head += "HTTP/1.1 ";
    head += fmt::format_int(res.result_int()).c_str();
    head += ' ';
    head.append(res.reason().empty() ? std::string_view(http::obsolete_reason(res.result()))
                                     : res.reason());
    head += "\r\n";
    // RSP-1, RSP-2
    std::string codings;  // every Transfer-Encoding of a body de-chunked here (RSP-5)
    append_fields_except(head, res, [&](const HeadField& f) {
      if (dechunk && f.name() == http::field::transfer_encoding) {
        append_to_list(codings, f.value());
        return true;
      }
      return hop_by_hop(f.name()) || f.name() == http::field::via;
    });
    if (const auto rest = without_chunked(codings); !rest.empty()) {
      append_field(head, "Transfer-Encoding", rest);  // the codings but chunked
    }
    append_list_field(head, "Via", response_via, via_token);
    if (affinity) {
      // AFF-3, AFF-7: on every response, beside the app's own cookies.
      append_field(head, "Set-Cookie",
                   affinity_set_cookie(signer.encode(*affinity), ex.rec.host,
                                       std::chrono::system_clock::now()));
    }
    if (!has_server) {
      append_field(head, "Server", opts.legacy ? "Cowboy" : "Heroku");
    }
    // RSP-6
    append_field(head, "Connection",
                 switching ? "Upgrade" : (keep_client ? "keep-alive" : "close"));
    head += "\r\n";

    // --- relay the response: head, then the body as it arrives (T-3) -----------------
    unsigned long long bytes = 0;
    std::optional<Code> mid_failure;
    // RSP-7 R2: the dyno connection is free again as soon as its response is read, before
    // the client has it: held for this client's next request, or back in the pool at once
    // when this client is leaving.
    auto pool_if_done = [&] {
      if (upstream && !opts.legacy && !switching && upstream_keep_alive && res_p.is_done() &&
          up_buffer.size() == 0) {
        held.release();
        if (!keep_client) {
          give_back(chosen.port, std::move(upstream));
          return;
        }
        held.stream = std::move(upstream);
        held.stream->expires_never();
        held.port = chosen.port;
        held.since = Clock::now();
      }
    };
    pool_if_done();
    // A chunked body goes to an HTTP/1.1 client chunked again, piece by piece as it comes.
    const bool chunked_response = res_p.chunked() && req.version() != 10;
    bool response_head_sent = false;
    // A fault met once the client has the head: the dyno goes silent (slow, H15) or its
    // connection dies (reset, H18).
    const bool fault_after_head = fault && fault->after_head &&
                                  (fault->kind == common::RouterFaultKind::slow ||
                                   fault->kind == common::RouterFaultKind::reset);
    if (fault_after_head || (!res_p.is_done() && up_buffer.size() == 0)) {
      // Nothing of the body is here yet: the client gets the head now (a dyno that then
      // stalls or dies is H15/H18 to a client that has the head, T-3). Otherwise head and
      // body leave together in one write.
      if (std::size_t sent = 0; !send_now(client, net::buffer(head), sent, ec)) {
        co_await send_rest(client, net::buffer(head), sent, rd(opts.idle), ec);
      }
      response_head_sent = true;
      if (ec) {
        mid_failure = client_gone;
      }
    }
    if (fault_after_head && !mid_failure) {
      if (fault->kind == common::RouterFaultKind::reset) {
        mid_failure = Code::H18;
      } else {
        const auto idle = rd(opts.idle);
        const auto late = fault->delay.count() > 0 ? d(fault->delay) : idle;
        Timer t(context);
        t.expires_after(std::min(late, idle));
        co_await t.async_wait(use_ec(ec));
        ec = {};
        if (late >= idle) {
          mid_failure = Code::H15;  // T-3
        }
      }
    }
    while (!mid_failure) {
      std::size_t got = 0;
      if (!res_p.is_done()) {
        res_p.body().data = relay.data();
        res_p.body().size = relay.size();
        if (!parse_buffered(up_buffer, res_p, ec)) {
          upstream->expires_after(rd(opts.idle));  // a deadline only for a read that may wait
          co_await parse_some(*upstream, up_buffer, res_p, ec);
        }
        if (ec && ec == http::error::need_buffer) {
          ec = {};
        }
        if (ec) {
          mid_failure = ec == net::error::timed_out ? Code::H15 : Code::H18;
          break;
        }
        got = relay.size() - res_p.body().size;
        bytes += got;
        pool_if_done();
      }
      const bool last = res_p.is_done();
      const Piece piece(response_head_sent ? std::string_view() : std::string_view(head),
                        relay.data(), got, chunked_response, last);
      if (!piece.empty()) {
        if (std::size_t sent = 0; !send_now(client, piece.buffers(), sent, ec)) {
          co_await send_rest(client, piece.buffers(), sent, rd(opts.idle), ec);
        }
        response_head_sent = true;
        if (ec) {
          mid_failure = client_gone;
          break;
        }
      }
      if (last) {
        break;
      }
    }
    const auto finished = Clock::now();
    ex.rec.service_ms = ms_between(service_started, finished);
    ex.rec.bytes = bytes;
    if (mid_failure) {
      ex.rec.code = mid_failure;
      ex.rec.status = info(*mid_failure).status;
      log_to(*route, ex.rec);
      co_return;  // the client already has a partial response: close (T-3)
    }
    ex.rec.status = res.result_int();
    log_to(*route, ex.rec);

    if (switching) {
      // RSP-9: a raw byte pipe both ways, closed after 55 s without a byte either way (T-3):
      // each side's deadline moves with its reads and its writes.
      auto pipe = [this](Stream& from, Stream& to, beast::flat_buffer& pending) -> Task<> {
        error_code e;
        if (pending.size() > 0) {
          to.expires_after(d(opts.idle));
          co_await net::async_write(to, pending.data(), use_ec(e));
          pending.consume(pending.size());
          if (e) {
            co_return;
          }
        }
        std::array<char, kRelayBuffer> chunk;
        for (;;) {
          from.expires_after(d(opts.idle));
          std::size_t n = co_await from.async_read_some(net::buffer(chunk), use_ec(e));
          if (e) {
            break;
          }
          to.expires_after(d(opts.idle));
          co_await net::async_write(to, net::buffer(chunk.data(), n), use_ec(e));
          if (e) {
            break;
          }
        }
        error_code ignored;
        to.socket().shutdown(Socket::shutdown_send, ignored);
      };
      co_await (pipe(client, *upstream, buffer) && pipe(*upstream, client, up_buffer));
      co_return;
    }

    if (!keep_client) {
      error_code ignored;
      client.socket().shutdown(Socket::shutdown_send, ignored);
      co_return;
    }
    idle_from = finished;  // nothing waited since
  }
}

}  // namespace lokku::router
