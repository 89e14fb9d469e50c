// The drains' one translation unit that includes Beast (its headers are heavy).
#include "drains/drain.hpp"

#include "common/app_log.hpp"
#include "common/ids.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fmt/format.h>
#include <spdlog/details/log_msg.h>

#include <atomic>
#include <deque>
#include <mutex>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <optional>
#include <pthread.h>
#include <thread>

namespace lokku::drains {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

/// Logplex-Frame-Id: 32 upper-case hex digits (an MD5), one per batch, the same on every try
/// of it. The digest is of the drain's token, a salt and the batch's number and size, not of the
/// body: hashing every 100 KB body cost the drain's thread more than its sending did
/// (bench/router_observed.py).
std::string frame_id(const std::string& token, const std::string& salt, std::uint64_t batch,
                     std::size_t bytes) {
  const auto seed = fmt::format("{}:{}:{}:{}", token, salt, batch, bytes);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(seed.data(), seed.size(), digest, &size, EVP_md5(), nullptr);
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out += fmt::format("{:02X}", digest[i]);
  }
  return out;
}

auto use_ec(boost::system::error_code& ec) {
  return net::redirect_error(net::use_awaitable, ec);
}

bool certificate_refused(const boost::system::error_code& ec) {
  return ec.category() == net::error::get_ssl_category() &&
         ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED;
}

enum class Outcome { delivered, refused, failed };

}  // namespace

struct DrainHub::Impl {
  Impl(std::string ca, DrainTiming t) : ca_file(std::move(ca)), timing(t) {
    tls.set_default_verify_paths();
    if (!ca_file.empty()) {
      boost::system::error_code ignored;  // no CA yet: the system's are trusted still
      tls.load_verify_file(ca_file, ignored);
    }
    tls.set_verify_mode(net::ssl::verify_peer);
    thread = std::thread([this] {
      ::pthread_setname_np(::pthread_self(), "lokku-drains");
      ioc.run();
    });
  }
  ~Impl() {
    work.reset();
    ioc.stop();
    thread.join();
  }

  std::string ca_file;
  DrainTiming timing;
  net::io_context ioc;
  net::executor_work_guard<net::io_context::executor_type> work{ioc.get_executor()};
  net::ssl::context tls{net::ssl::context::tls_client};
  std::thread thread;  ///< last member: runs until the rest is gone
};

struct Drain::State {
  State(DrainHub::Impl& h, DrainUrl u, std::string t, Reporter r)
      : hub(h)
      , url(std::move(u))
      , token(std::move(t))
      , report(std::move(r))
      , framing(url.kind == DrainUrl::Kind::http ? Framing{"host", false} : Framing{token, true})
      , wake(h.ioc)
      , pause(h.ioc) {
    wake.expires_at(net::steady_timer::time_point::max());
  }

  DrainHub::Impl& hub;
  const DrainUrl url;
  const std::string token;
  const Reporter report;
  const Framing framing;

  /// Framed messages (octet-counted, back to back) waiting to be sent, at most kBatchBytes
  /// each but for a single longer message: each is the body of one batch.
  struct Chunk {
    std::string bytes;
    std::size_t count = 0;
  };
  mutable std::mutex mu;
  std::deque<Chunk> chunks;          ///< mu
  std::size_t buffered = 0;          ///< mu: messages in `chunks`
  std::size_t dropped = 0;           ///< mu: lost and not yet reported by an L10
  common::SystemTime dropped_since;  ///< mu
  DrainStats stats;                  ///< mu
  std::atomic<bool> stopped{false};
  std::atomic<bool> wake_posted{false};

  // The hub's thread only:
  net::steady_timer wake;     ///< cancelled when lines arrive
  net::steady_timer pause;    ///< between tries
  std::uint64_t batches = 0;  ///< taken so far: each batch's number in its Frame-Id
  /// Makes this drain's Frame-Ids its own (a restarted lokku numbers batches from 1 again).
  const std::string salt = common::random_hex(8);
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  std::chrono::steady_clock::time_point last_used;
  bool told_certificate = false;  ///< L14 said once per streak of refusals

  void nudge(const std::shared_ptr<State>& self) {
    if (!wake_posted.exchange(true)) {
      net::post(hub.ioc, [self] {
        self->wake_posted = false;
        self->wake.cancel();
        if (self->stopped) {
          self->pause.cancel();
        }
      });
    }
  }

  beast::tcp_stream& lowest() { return secure ? beast::get_lowest_layer(*secure) : *plain; }
  bool connected() const { return plain || secure; }
  void disconnect() {
    plain.reset();
    secure.reset();
  }

  /// The next batch: an L10 first when lines were lost (`reported` of them), then the oldest
  /// chunk of framed messages.
  std::string take(std::size_t& count, std::size_t& reported) {
    std::lock_guard lock(mu);
    std::string body;
    count = 0;
    reported = dropped;
    if (dropped > 0) {
      append_octet_counted(body, overflow_message(std::chrono::system_clock::now(), dropped,
                                                  dropped_since, framing));
      ++count;
    }
    if (chunks.empty()) {
      return body;
    }
    auto& front = chunks.front();
    if (body.empty()) {
      body = std::move(front.bytes);
    } else {
      body += front.bytes;
    }
    count += front.count;
    buffered -= front.count;
    chunks.pop_front();
    return body;
  }

  /// Counts a batch's fate. Lines of a batch that was not delivered are lost, and the next
  /// batch that is says how many (L10), as does Logplex.
  void settle(Outcome outcome, std::size_t count, std::size_t reported) {
    std::lock_guard lock(mu);
    if (outcome == Outcome::delivered) {
      stats.delivered += count;
      dropped -= reported;
      return;
    }
    const std::size_t lost = count - (reported > 0 ? 1 : 0);
    (outcome == Outcome::refused ? stats.refused : stats.failed) += lost;
    if (lost > 0 && dropped == 0) {
      dropped_since = std::chrono::system_clock::now();
    }
    dropped += lost;
  }

  net::awaitable<boost::system::error_code> connect() {
    boost::system::error_code ec;
    tcp::resolver resolver(hub.ioc);
    auto endpoints = co_await resolver.async_resolve(url.host, url.port, use_ec(ec));
    if (ec) {
      co_return ec;
    }
    beast::tcp_stream stream(hub.ioc);
    stream.expires_after(hub.timing.connect);
    co_await stream.async_connect(endpoints, use_ec(ec));
    if (ec) {
      co_return ec;
    }
    // Beast writes a request's head and body apart: without this, Nagle's algorithm and the
    // receiver's delayed ACK hold every POST's body back ~40 ms.
    stream.socket().set_option(tcp::no_delay(true), ec);
    if (!url.tls) {
      plain.emplace(std::move(stream));
      co_return ec;
    }
    secure.emplace(std::move(stream), hub.tls);
    boost::system::error_code not_ip;
    net::ip::make_address(url.host, not_ip);
    if (not_ip) {
      // SNI; SSL_set_tlsext_host_name is a macro with a C cast.
      SSL_ctrl(secure->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               const_cast<char*>(url.host.c_str()));
    }
    secure->set_verify_callback(net::ssl::host_name_verification(url.host));
    beast::get_lowest_layer(*secure).expires_after(hub.timing.connect);
    co_await secure->async_handshake(net::ssl::stream_base::client, use_ec(ec));
    if (ec) {
      secure.reset();
    }
    co_return ec;
  }

  template <typename Stream>
  net::awaitable<std::pair<boost::system::error_code, unsigned>> exchange(
      Stream& stream, const http::request<http::string_body>& req) {
    boost::system::error_code ec;
    co_await http::async_write(stream, req, use_ec(ec));
    if (ec) {
      co_return std::pair{ec, 0u};
    }
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    co_await http::async_read(stream, buffer, res, use_ec(ec));
    if (!ec && !res.keep_alive()) {
      disconnect();
    }
    co_return std::pair{ec, res.result_int()};
  }

  /// One try of a batch.
  /// `body` is lent to the request (not copied) and is back when this returns.
  net::awaitable<Outcome> send(std::string& body, std::size_t count, const std::string& id) {
    const auto now = std::chrono::steady_clock::now();
    if (connected() && now - last_used > hub.timing.idle) {
      disconnect();  // Logplex closes idle connections: a receiver may have forgotten it
    }
    boost::system::error_code ec;
    if (!connected()) {
      ec = co_await connect();
      if (ec) {
        disconnect();
        if (certificate_refused(ec)) {
          if (!told_certificate && report) {
            report(
                fmt::format("Error L14 (certificate validation): error=\"bad certificate\" "
                            "uri=\"{}\"",
                            url.text));
          }
          told_certificate = true;
        }
        co_return Outcome::failed;
      }
      told_certificate = false;
    }
    lowest().expires_after(hub.timing.request);
    last_used = now;
    if (url.kind == DrainUrl::Kind::syslog) {
      if (secure) {
        co_await net::async_write(*secure, net::buffer(body), use_ec(ec));
      } else {
        co_await net::async_write(*plain, net::buffer(body), use_ec(ec));
      }
      if (ec) {
        disconnect();
        co_return Outcome::failed;
      }
      co_return Outcome::delivered;
    }
    http::request<http::string_body> req{http::verb::post, url.target, 11};
    req.set(http::field::host, url.host);
    req.set(http::field::content_type, "application/logplex-1");
    req.set(http::field::user_agent, "Logplex/v49 (lokku)");
    req.set("Logplex-Msg-Count", std::to_string(count));
    req.set("Logplex-Frame-Id", id);
    req.set("Logplex-Drain-Token", token);
    if (!url.authorization.empty()) {
      req.set(http::field::authorization, url.authorization);
    }
    req.keep_alive(true);
    req.body() = std::move(body);
    req.prepare_payload();
    auto [error, status] =
        secure ? co_await exchange(*secure, req) : co_await exchange(*plain, req);
    body = std::move(req.body());
    if (error) {
      disconnect();
      co_return Outcome::failed;
    }
    if (status >= 200 && status < 300) {
      co_return Outcome::delivered;
    }
    if (status == 429 || status >= 500) {
      co_return Outcome::failed;
    }
    co_return Outcome::refused;  // Logplex drops a batch the receiver refuses (4xx)
  }

  static net::awaitable<void> deliver(std::shared_ptr<State> self) {
    while (!self->stopped) {
      std::size_t count = 0;
      std::size_t reported = 0;
      std::string body = self->take(count, reported);
      if (count == 0) {
        boost::system::error_code ec;
        co_await self->wake.async_wait(use_ec(ec));
        continue;
      }
      const std::string id = frame_id(self->token, self->salt, ++self->batches, body.size());
      Outcome outcome = Outcome::failed;
      for (int attempt = 0; attempt < kTries && !self->stopped; ++attempt) {
        if (attempt > 0) {
          self->pause.expires_after(self->hub.timing.retry * attempt);
          boost::system::error_code ec;
          co_await self->pause.async_wait(use_ec(ec));
        }
        outcome = co_await self->send(body, count, id);
        if (outcome != Outcome::failed) {
          break;
        }
      }
      self->settle(outcome, count, reported);
    }
    self->disconnect();
  }
};

DrainHub::DrainHub(std::string ca_file, DrainTiming timing)
    : impl_(std::make_unique<Impl>(std::move(ca_file), timing)) {}

DrainHub::~DrainHub() = default;

std::shared_ptr<Drain> DrainHub::start(DrainUrl url, std::string token, Reporter report) {
  auto state =
      std::make_shared<Drain::State>(*impl_, std::move(url), std::move(token), std::move(report));
  net::co_spawn(impl_->ioc, Drain::State::deliver(state), net::detached);
  return std::make_shared<Drain>(std::move(state));
}

Drain::Drain(std::shared_ptr<State> state) : state_(std::move(state)) {}

Drain::~Drain() {
  stop();
}

void Drain::log(const spdlog::details::log_msg& msg) {
  if (state_->stopped) {
    return;
  }
  auto& st = *state_;
  {
    // Framed straight into the batch being filled: no string per message.
    std::lock_guard lock(st.mu);
    common::for_each_line(std::string_view(msg.payload.data(), msg.payload.size()),
                          [&](const common::LogLine& line) {
                            if (st.chunks.empty() || st.chunks.back().bytes.size() >= kBatchBytes) {
                              st.chunks.emplace_back().bytes.reserve(kBatchBytes + 1024);
                            }
                            auto* back = &st.chunks.back();
                            const std::size_t before = back->bytes.size();
                            append_syslog_frame(back->bytes, line, st.framing);
                            if (back->bytes.size() > kBatchBytes && back->count > 0) {
                              // It starts the next batch.
                              State::Chunk next;
                              next.bytes.reserve(kBatchBytes + 1024);
                              next.bytes.assign(back->bytes, before);
                              back->bytes.resize(before);
                              st.chunks.push_back(std::move(next));
                              back = &st.chunks.back();
                            }
                            ++back->count;
                            ++st.buffered;
                          });
    // Logplex keeps the newest: past the bound, the oldest batches go (counted for L10).
    while (st.buffered > kBufferMessages && st.chunks.size() > 1) {
      const auto lost = st.chunks.front().count;
      st.chunks.pop_front();
      st.buffered -= lost;
      if (st.dropped == 0) {
        st.dropped_since = std::chrono::system_clock::now();
      }
      st.dropped += lost;
      st.stats.overflowed += lost;
    }
  }
  st.nudge(state_);
}

void Drain::stop() {
  if (!state_->stopped.exchange(true)) {
    {
      std::lock_guard lock(state_->mu);
      state_->chunks.clear();
      state_->buffered = 0;
    }
    state_->nudge(state_);
  }
}

const DrainUrl& Drain::url() const {
  return state_->url;
}

const std::string& Drain::token() const {
  return state_->token;
}

DrainStats Drain::stats() const {
  std::lock_guard lock(state_->mu);
  return state_->stats;
}

}  // namespace lokku::drains
