#include "router/h2_front.hpp"

// GCC 12 at -O2 inlines Asio's coroutine frame allocation (aligned_alloc) and then takes the
// frame's sized operator delete for a mismatch: a false positive (GCC bug 109224).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <array>
#include <cctype>
#include <cstring>
#include <map>
#include <memory>
#include <nghttp2/nghttp2.h>
#include <vector>

namespace lokku::router {

namespace http = boost::beast::http;
using boost::system::error_code;

namespace {

constexpr std::uint32_t kMaxStreams = 100;
constexpr std::size_t kMaxHeaderBytes = 64 * 1024;
constexpr std::size_t kMaxBodyBytes = 64 * 1024 * 1024;
/// A response's bytes waiting for the client's window; the dyno is read no further ahead.
constexpr std::size_t kResponseAhead = 256 * 1024;
constexpr std::size_t kIdleInner = 16;  ///< inner connections kept alive per connection

auto use_ec(error_code& ec) {
  return net::redirect_error(use_task, ec);
}

/// The connection-specific fields HTTP/2 forbids (RFC 9113 §8.2.2).
bool hop_by_hop(std::string_view name) {
  for (std::string_view h :
       {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te"}) {
    if (name.size() == h.size() &&
        std::equal(name.begin(), name.end(), h.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == b;
        })) {
      return true;
    }
  }
  return false;
}

struct H2Stream {
  std::int32_t id = 0;
  std::string method, scheme, authority, path;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string cookies;  ///< `cookie` fields, joined with "; " (RFC 9113 §8.2.3)
  std::size_t header_bytes = 0;
  bool too_large = false;  ///< its fields passed kMaxHeaderBytes: answered 400, not forwarded
  std::string body;
  bool closed = false;  ///< nghttp2 closed it (done, or reset by the client)
  // The response on its way to the client.
  std::string out;
  std::size_t out_at = 0;
  bool eof = false;
  bool deferred = false;
  std::optional<Timer> space;  ///< waited on while `out` is full
  Socket* inner = nullptr;     ///< the request's inner connection while it runs
};

class H2Connection : public std::enable_shared_from_this<H2Connection> {
 public:
  H2Connection(net::ssl::stream<Socket>& tls, H2Options o) : tls_(tls), o_(std::move(o)) {}
  ~H2Connection() {
    if (session_) {
      nghttp2_session_del(session_);
    }
  }

  Task<> run();

 private:
  static H2Connection& self(void* p) { return *static_cast<H2Connection*>(p); }

  void start_session();
  Task<> flush();
  void wake_writer() {
    if (!writing_) {
      net::co_spawn(tls_.get_executor(), flush_keep(shared_from_this()), net::detached);
    }
  }
  static Task<> flush_keep(std::shared_ptr<H2Connection> c) { co_await c->flush(); }
  Task<> forward(std::shared_ptr<H2Stream> s);
  Task<> watch_idle();
  void refuse(std::int32_t id, std::uint32_t code) {
    nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, id, code);
  }
  /// An inner connection: one kept alive, else a new one (its first line sent).
  Task<std::unique_ptr<Socket>> inner(bool& reused, error_code& ec);

  // nghttp2's callbacks.
  static int on_begin_headers(nghttp2_session*, const nghttp2_frame* f, void* user);
  static int on_header(nghttp2_session*, const nghttp2_frame* f, const std::uint8_t* name,
                       std::size_t namelen, const std::uint8_t* value, std::size_t valuelen,
                       std::uint8_t, void* user);
  static int on_data(nghttp2_session*, std::uint8_t, std::int32_t id, const std::uint8_t* data,
                     std::size_t len, void* user);
  static int on_frame(nghttp2_session*, const nghttp2_frame* f, void* user);
  static int on_close(nghttp2_session*, std::int32_t id, std::uint32_t code, void* user);
  static ssize_t read_body(nghttp2_session*, std::int32_t id, std::uint8_t* buf, std::size_t length,
                           std::uint32_t* flags, nghttp2_data_source*, void* user);

  net::ssl::stream<Socket>& tls_;
  H2Options o_;
  nghttp2_session* session_ = nullptr;
  std::map<std::int32_t, std::shared_ptr<H2Stream>> streams_;
  std::size_t in_flight_ = 0;  ///< requests running, reset streams' included
  std::vector<std::unique_ptr<Socket>> idle_;
  bool writing_ = false;
  bool ended_ = false;
  std::optional<Timer> idle_timer_;
  Clock::time_point last_active_ = Clock::now();
};

int H2Connection::on_begin_headers(nghttp2_session*, const nghttp2_frame* f, void* user) {
  auto& c = self(user);
  if (f->hd.type != NGHTTP2_HEADERS || f->headers.cat != NGHTTP2_HCAT_REQUEST) {
    return 0;
  }
  if (c.in_flight_ >= kMaxStreams) {
    // Streams the client reset still have their requests running: no more until they end.
    c.refuse(f->hd.stream_id, NGHTTP2_REFUSED_STREAM);
    return 0;
  }
  auto s = std::make_shared<H2Stream>();
  s->id = f->hd.stream_id;
  c.streams_[s->id] = std::move(s);
  return 0;
}

int H2Connection::on_header(nghttp2_session*, const nghttp2_frame* f, const std::uint8_t* name,
                            std::size_t namelen, const std::uint8_t* value, std::size_t valuelen,
                            std::uint8_t, void* user) {
  auto& c = self(user);
  auto it = c.streams_.find(f->hd.stream_id);
  if (it == c.streams_.end() || f->hd.type != NGHTTP2_HEADERS) {
    return 0;  // trailers and refused streams' fields are not kept
  }
  auto& s = *it->second;
  s.header_bytes += namelen + valuelen + 32;  // RFC 9113 §6.5.2's accounting
  if (s.header_bytes > kMaxHeaderBytes) {
    s.too_large = true;  // answered 400, as Router 2.0 answers a request past its limits
    return 0;
  }
  std::string_view n(reinterpret_cast<const char*>(name), namelen);
  std::string_view v(reinterpret_cast<const char*>(value), valuelen);
  if (n == ":method") {
    s.method = v;
  } else if (n == ":scheme") {
    s.scheme = v;
  } else if (n == ":authority") {
    s.authority = v;
  } else if (n == ":path") {
    s.path = v;
  } else if (n == "cookie") {
    s.cookies += (s.cookies.empty() ? "" : "; ") + std::string(v);
  } else if (n == "host") {
    if (s.authority.empty()) {
      s.authority = v;
    }
  } else if (!n.starts_with(':')) {
    s.headers.emplace_back(n, v);
  }
  return 0;
}

int H2Connection::on_data(nghttp2_session*, std::uint8_t, std::int32_t id, const std::uint8_t* data,
                          std::size_t len, void* user) {
  auto& c = self(user);
  auto it = c.streams_.find(id);
  if (it == c.streams_.end()) {
    return 0;
  }
  auto& s = *it->second;
  if (s.body.size() + len > kMaxBodyBytes) {
    c.refuse(id, NGHTTP2_REFUSED_STREAM);
    c.streams_.erase(it);
    return 0;
  }
  s.body.append(reinterpret_cast<const char*>(data), len);
  return 0;
}

int H2Connection::on_frame(nghttp2_session*, const nghttp2_frame* f, void* user) {
  auto& c = self(user);
  if ((f->hd.type != NGHTTP2_HEADERS && f->hd.type != NGHTTP2_DATA) ||
      !(f->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
    return 0;
  }
  auto it = c.streams_.find(f->hd.stream_id);
  if (it == c.streams_.end()) {
    return 0;
  }
  ++c.in_flight_;
  net::co_spawn(
      c.tls_.get_executor(),
      [](std::shared_ptr<H2Connection> conn, std::shared_ptr<H2Stream> s) -> Task<> {
        co_await conn->forward(s);
        --conn->in_flight_;
      }(c.shared_from_this(), it->second),
      net::detached);
  return 0;
}

int H2Connection::on_close(nghttp2_session*, std::int32_t id, std::uint32_t, void* user) {
  auto& c = self(user);
  auto it = c.streams_.find(id);
  if (it == c.streams_.end()) {
    return 0;
  }
  auto& s = *it->second;
  s.closed = true;
  if (s.inner) {
    // Reset while its request runs: abandoned, with a reset the router meets when it answers
    // (a close would let its answer be written, and logged as delivered): H33.
    error_code ignored;
    s.inner->set_option(net::socket_base::linger(true, 0), ignored);
    s.inner->close(ignored);
  }
  if (s.space) {
    s.space->cancel();
  }
  c.streams_.erase(it);
  return 0;
}

ssize_t H2Connection::read_body(nghttp2_session*, std::int32_t id, std::uint8_t* buf,
                                std::size_t length, std::uint32_t* flags, nghttp2_data_source*,
                                void* user) {
  auto& c = self(user);
  auto it = c.streams_.find(id);
  if (it == c.streams_.end()) {
    return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
  }
  auto& s = *it->second;
  const std::size_t n = std::min(length, s.out.size() - s.out_at);
  std::memcpy(buf, s.out.data() + s.out_at, n);
  s.out_at += n;
  if (s.out_at == s.out.size()) {
    s.out.clear();
    s.out_at = 0;
    if (s.space) {
      s.space->cancel();  // the dyno may be read again
    }
  }
  if (n == 0 && !s.eof) {
    s.deferred = true;
    return NGHTTP2_ERR_DEFERRED;
  }
  if (s.eof && s.out.empty()) {
    *flags |= NGHTTP2_DATA_FLAG_EOF;
  }
  return static_cast<ssize_t>(n);
}

void H2Connection::start_session() {
  nghttp2_session_callbacks* cb = nullptr;
  nghttp2_session_callbacks_new(&cb);
  nghttp2_session_callbacks_set_on_begin_headers_callback(cb, on_begin_headers);
  nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame);
  nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_close);
  nghttp2_option* opt = nullptr;
  nghttp2_option_new(&opt);
  // CVE-2023-44487: at most 1000 resets at once, refilled at 33 a second (nghttp2's own
  // figures), then GOAWAY; CONTINUATION floods are bounded too.
  nghttp2_option_set_stream_reset_rate_limit(opt, 1000, 33);
  nghttp2_option_set_max_continuations(opt, 8);
  nghttp2_session_server_new2(&session_, cb, this, opt);
  nghttp2_option_del(opt);
  nghttp2_session_callbacks_del(cb);
  const std::array<nghttp2_settings_entry, 2> settings{{
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, kMaxStreams},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, static_cast<std::uint32_t>(kMaxHeaderBytes)},
  }};
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings.data(), settings.size());
}

Task<> H2Connection::flush() {
  if (writing_ || ended_) {
    co_return;  // the writer that runs sends this too: it writes until nghttp2 has nothing
  }
  writing_ = true;
  for (;;) {
    const std::uint8_t* data = nullptr;
    const ssize_t n = nghttp2_session_mem_send(session_, &data);
    if (n <= 0) {
      break;
    }
    error_code ec;
    co_await net::async_write(tls_, net::buffer(data, static_cast<std::size_t>(n)), use_ec(ec));
    if (ec) {
      ended_ = true;
      error_code ignored;
      tls_.lowest_layer().close(ignored);
      break;
    }
  }
  writing_ = false;
}

Task<std::unique_ptr<Socket>> H2Connection::inner(bool& reused, error_code& ec) {
  if (!idle_.empty()) {
    auto s = std::move(idle_.back());
    idle_.pop_back();
    reused = true;
    co_return s;
  }
  reused = false;
  auto s = std::make_unique<Socket>(tls_.get_executor());
  co_await s->async_connect(o_.inner, use_ec(ec));
  if (!ec) {
    s->set_option(tcp::no_delay(true), ec);
    co_await net::async_write(*s, net::buffer(o_.first_line), use_ec(ec));
  }
  co_return s;
}

Task<> H2Connection::forward(std::shared_ptr<H2Stream> s) {
  if (s->too_large) {
    static const std::string k400 = "400";
    const std::array<nghttp2_nv, 1> head{
        {{reinterpret_cast<std::uint8_t*>(const_cast<char*>(":status")),
          reinterpret_cast<std::uint8_t*>(const_cast<char*>(k400.data())), 7, 3,
          NGHTTP2_NV_FLAG_NONE}}};
    nghttp2_submit_response(session_, s->id, head.data(), head.size(), nullptr);
    wake_writer();
    co_return;
  }
  http::request<http::string_body> req;
  req.method_string(s->method);
  req.target(s->path.empty() ? "/" : s->path);
  req.version(11);
  req.set(http::field::host, s->authority);
  bool has_length = false;
  for (const auto& [n, v] : s->headers) {
    if (hop_by_hop(n)) {
      continue;
    }
    has_length = has_length || n == "content-length";
    req.insert(n, v);
  }
  if (!s->cookies.empty()) {
    req.set(http::field::cookie, s->cookies);
  }
  req.body() = std::move(s->body);
  if (!req.body().empty() || has_length || (s->method != "GET" && s->method != "HEAD")) {
    req.prepare_payload();
  }

  // A kept-alive inner connection the router has since closed fails before any answer: the
  // request is sent again, once, on a new one.
  std::unique_ptr<Socket> conn;
  boost::beast::flat_buffer buf;
  std::optional<http::response_parser<http::buffer_body>> fresh;
  auto new_parser = [&]() -> http::response_parser<http::buffer_body>& {
    fresh.emplace();
    fresh->body_limit(boost::none);
    fresh->skip(s->method == "HEAD");
    return *fresh;
  };
  new_parser();
  for (int attempt = 0; attempt < 2; ++attempt) {
    error_code ec;
    bool reused = false;
    conn = co_await inner(reused, ec);
    if (s->closed) {
      co_return;
    }
    s->inner = conn.get();
    if (!ec) {
      co_await http::async_write(*conn, req, use_ec(ec));
    }
    if (!ec) {
      co_await http::async_read_header(*conn, buf, *fresh, use_ec(ec));
      while (!ec && fresh->get().result_int() / 100 == 1 && fresh->get().result_int() != 101) {
        // An interim answer (100 Continue is the router's own): the final one follows.
        co_await http::async_read_header(*conn, buf, new_parser(), use_ec(ec));
      }
    }
    s->inner = nullptr;
    if (s->closed) {
      co_return;
    }
    if (!ec) {
      break;
    }
    if (!reused || attempt == 1) {
      refuse(s->id, NGHTTP2_INTERNAL_ERROR);
      wake_writer();
      co_return;
    }
    new_parser();
    buf.clear();
  }
  auto& parser = *fresh;

  // The head, as HTTP/2 fields: lower-case names, no connection-specific ones.
  const auto& res = parser.get();
  const std::string status = std::to_string(res.result_int());
  std::vector<std::string> names;
  names.reserve(std::distance(res.begin(), res.end()));
  std::vector<nghttp2_nv> nva;
  auto field = [&](std::string_view n, std::string_view v) {
    nva.push_back({reinterpret_cast<std::uint8_t*>(const_cast<char*>(n.data())),
                   reinterpret_cast<std::uint8_t*>(const_cast<char*>(v.data())), n.size(), v.size(),
                   NGHTTP2_NV_FLAG_NONE});
  };
  field(":status", status);
  for (const auto& f : res) {
    if (hop_by_hop(f.name_string())) {
      continue;
    }
    std::string& n = names.emplace_back(f.name_string());
    for (auto& ch : n) {
      ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
    field(n, f.value());
  }
  const bool body = !parser.is_done();
  nghttp2_data_provider provider{};
  provider.read_callback = read_body;
  if (nghttp2_submit_response(session_, s->id, nva.data(), nva.size(),
                              body ? &provider : nullptr) != 0) {
    co_return;
  }
  wake_writer();

  // The body, as the dyno sends it, no further ahead of the client than kResponseAhead.
  std::array<char, 16384> chunk{};
  error_code ec;
  while (!parser.is_done() && !s->closed) {
    parser.get().body().data = chunk.data();
    parser.get().body().size = chunk.size();
    s->inner = conn.get();
    co_await http::async_read(*conn, buf, parser, use_ec(ec));
    s->inner = nullptr;
    if (ec == http::error::need_buffer) {
      ec = {};
    }
    if (ec || s->closed) {
      break;
    }
    s->out.append(chunk.data(), chunk.size() - parser.get().body().size);
    if (s->deferred) {
      s->deferred = false;
      nghttp2_session_resume_data(session_, s->id);
    }
    wake_writer();
    while (s->out.size() - s->out_at > kResponseAhead && !s->closed) {
      s->space.emplace(tls_.get_executor());
      s->space->expires_at(Clock::time_point::max());
      error_code ignored;
      co_await s->space->async_wait(use_ec(ignored));
      s->space.reset();
    }
  }
  if (s->closed) {
    co_return;
  }
  if (ec) {
    refuse(s->id, NGHTTP2_INTERNAL_ERROR);  // the router cut the answer short
    wake_writer();
    co_return;
  }
  s->eof = true;
  if (s->deferred) {
    s->deferred = false;
    nghttp2_session_resume_data(session_, s->id);
  }
  wake_writer();
  if (parser.keep_alive() && idle_.size() < kIdleInner) {
    idle_.push_back(std::move(conn));
  }
}

Task<> H2Connection::watch_idle() {
  auto keep = shared_from_this();
  idle_timer_.emplace(tls_.get_executor());
  Timer& t = *idle_timer_;
  while (!ended_) {
    t.expires_after(std::max<std::chrono::nanoseconds>(o_.idle / 4, std::chrono::milliseconds(10)));
    error_code ec;
    co_await t.async_wait(use_ec(ec));
    if (!ended_ && streams_.empty() && in_flight_ == 0 && Clock::now() - last_active_ > o_.idle) {
      nghttp2_session_terminate_session(session_, NGHTTP2_NO_ERROR);  // GOAWAY, then close
      co_await flush();
      ended_ = true;
      error_code ignored;
      tls_.lowest_layer().close(ignored);
    }
  }
}

Task<> H2Connection::run() {
  start_session();
  net::co_spawn(tls_.get_executor(), watch_idle(), net::detached);
  co_await flush();
  std::array<std::uint8_t, 16384> buf{};
  while (!ended_) {
    error_code ec;
    const std::size_t n = co_await tls_.async_read_some(net::buffer(buf), use_ec(ec));
    if (ec) {
      break;
    }
    last_active_ = Clock::now();
    // A malformed preface or frame: nghttp2 queues GOAWAY (PROTOCOL_ERROR) and says so.
    const ssize_t used = nghttp2_session_mem_recv(session_, buf.data(), n);
    if (used < 0) {
      nghttp2_session_terminate_session(session_, NGHTTP2_PROTOCOL_ERROR);  // GOAWAY says why
    }
    co_await flush();
    if (used < 0 ||
        (!nghttp2_session_want_read(session_) && !nghttp2_session_want_write(session_))) {
      break;
    }
  }
  ended_ = true;
  if (idle_timer_) {
    idle_timer_->cancel();
  }
  // A write under way ends (the socket closed cancels it) before the TLS stream may go.
  if (writing_) {
    error_code ignored;
    tls_.lowest_layer().close(ignored);
    Timer wait(tls_.get_executor());
    while (writing_) {
      wait.expires_after(std::chrono::milliseconds(1));
      co_await wait.async_wait(use_ec(ignored));
    }
  }
  // The requests still running end with their inner connections.
  for (auto& [id, s] : streams_) {
    s->closed = true;
    if (s->inner) {
      error_code ignored;
      s->inner->close(ignored);
    }
    if (s->space) {
      s->space->cancel();
    }
  }
  streams_.clear();
  for (auto& i : idle_) {
    error_code ignored;
    i->close(ignored);
  }
  idle_.clear();
}

}  // namespace

Task<> serve_h2(net::ssl::stream<Socket>& tls, H2Options options) {
  auto c = std::make_shared<H2Connection>(tls, std::move(options));
  co_await c->run();
  // Requests still running hold the connection and write no more to the TLS stream, which
  // ends with this coroutine's caller.
}

}  // namespace lokku::router
