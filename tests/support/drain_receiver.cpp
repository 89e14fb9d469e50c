#include "support/drain_receiver.hpp"

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

#include <cctype>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

namespace lokku::test {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

bool split_octet_counted(std::string& data, std::vector<std::string>& out) {
  for (;;) {
    const auto space = data.find(' ');
    if (space == std::string::npos) {
      return data.size() < 12;
    }
    std::size_t len = 0;
    for (std::size_t i = 0; i < space; ++i) {
      if (data[i] < '0' || data[i] > '9') {
        return false;
      }
      len = len * 10 + static_cast<std::size_t>(data[i] - '0');
    }
    if (space == 0 || data.size() < space + 1 + len) {
      return true;
    }
    out.push_back(data.substr(space + 1, len));
    data.erase(0, space + 1 + len);
  }
}

struct DrainReceiver::Impl {
  Impl(Protocol p, const std::filesystem::path& cert, const std::filesystem::path& key)
      : protocol(p), tls(!cert.empty()) {
    if (tls) {
      ssl.use_certificate_chain_file(cert.string());
      ssl.use_private_key_file(key.string(), net::ssl::context::pem);
    }
    acceptor.open(tcp::v4());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.bind({net::ip::make_address("127.0.0.1"), 0});
    acceptor.listen();
  }

  template <typename Stream>
  net::awaitable<void> serve(Impl* self, Stream& stream) {
    boost::system::error_code ec;
    auto use_ec = net::redirect_error(net::use_awaitable, ec);
    if (self->protocol == Protocol::syslog) {
      std::string pending;
      char buf[8192];
      for (;;) {
        std::size_t n = co_await stream.async_read_some(net::buffer(buf), use_ec);
        if (ec) {
          co_return;
        }
        pending.append(buf, n);
        std::vector<std::string> arrived;
        const bool ok = split_octet_counted(pending, arrived);
        self->record(std::move(arrived), !ok);
        if (!ok) {
          co_return;
        }
      }
    }
    beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> req;
      co_await http::async_read(stream, buffer, req, use_ec);
      if (ec) {
        co_return;
      }
      Post post;
      for (const auto& f : req) {
        std::string name(f.name_string());
        for (auto& ch : name) {
          ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        }
        post.headers[name] = std::string(f.value());
      }
      post.body = req.body();
      int status = 0;
      bool hold = false;
      {
        std::lock_guard lock(self->mu);
        hold = self->hanging;
        status = self->then;
        if (!hold && !self->statuses.empty()) {
          status = self->statuses.front();
          self->statuses.pop_front();
        } else if (!hold && self->decide) {
          status = self->decide(post);
        }
        post.status = hold ? 0 : status;
        if (!hold && status >= 200 && status < 300) {
          std::string body = post.body;
          split_octet_counted(body, self->received);
        }
        self->got.push_back(post);
      }
      self->cv.notify_all();
      if (hold) {
        net::steady_timer forever(co_await net::this_coro::executor);
        forever.expires_after(std::chrono::hours(1));
        co_await forever.async_wait(use_ec);
        co_return;
      }
      http::response<http::string_body> res{static_cast<http::status>(status), req.version()};
      res.keep_alive(req.keep_alive());
      res.body() = "";
      res.prepare_payload();
      co_await http::async_write(stream, res, use_ec);
      if (ec || !req.keep_alive()) {
        co_return;
      }
    }
  }

  void record(std::vector<std::string> messages, bool broken) {
    {
      std::lock_guard lock(mu);
      for (auto& m : messages) {
        received.push_back(std::move(m));
      }
      if (broken) {
        received.push_back("<broken framing>");
      }
    }
    cv.notify_all();
  }

  static net::awaitable<void> accept(Impl* self) {
    for (;;) {
      boost::system::error_code ec;
      tcp::socket socket =
          co_await self->acceptor.async_accept(net::redirect_error(net::use_awaitable, ec));
      if (ec) {
        co_return;
      }
      net::co_spawn(self->ioc, connection(self, std::move(socket)), net::detached);
    }
  }

  static net::awaitable<void> connection(Impl* self, tcp::socket socket) {
    if (!self->tls) {
      co_await self->serve(self, socket);
      co_return;
    }
    net::ssl::stream<tcp::socket> stream(std::move(socket), self->ssl);
    boost::system::error_code ec;
    co_await stream.async_handshake(net::ssl::stream_base::server,
                                    net::redirect_error(net::use_awaitable, ec));
    if (!ec) {
      co_await self->serve(self, stream);
    }
  }

  const Protocol protocol;
  const bool tls;
  net::io_context ioc;
  net::ssl::context ssl{net::ssl::context::tls_server};
  tcp::acceptor acceptor{ioc};
  mutable std::mutex mu;
  mutable std::condition_variable cv;
  std::deque<int> statuses;
  int then = 200;
  std::function<int(const Post&)> decide;
  bool hanging = false;
  std::vector<Post> got;
  std::vector<std::string> received;
  std::thread thread;
};

DrainReceiver::DrainReceiver(Protocol protocol, const std::filesystem::path& cert,
                             const std::filesystem::path& key)
    : impl_(std::make_unique<Impl>(protocol, cert, key)) {
  net::co_spawn(impl_->ioc, Impl::accept(impl_.get()), net::detached);
  impl_->thread = std::thread([impl = impl_.get()] { impl->ioc.run(); });
}

DrainReceiver::~DrainReceiver() {
  impl_->ioc.stop();
  impl_->thread.join();
}

unsigned DrainReceiver::port() const {
  return impl_->acceptor.local_endpoint().port();
}

void DrainReceiver::answer(std::vector<int> statuses, int then) {
  std::lock_guard lock(impl_->mu);
  impl_->statuses.assign(statuses.begin(), statuses.end());
  impl_->then = then;
}

void DrainReceiver::judge(std::function<int(const Post&)> decide) {
  std::lock_guard lock(impl_->mu);
  impl_->decide = std::move(decide);
}

bool DrainReceiver::wait_for_posts(std::size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->mu);
  return impl_->cv.wait_for(lock, timeout, [&] { return impl_->got.size() >= n; });
}

void DrainReceiver::hang(bool on) {
  std::lock_guard lock(impl_->mu);
  impl_->hanging = on;
}

std::vector<DrainReceiver::Post> DrainReceiver::posts() const {
  std::lock_guard lock(impl_->mu);
  return impl_->got;
}

std::vector<std::string> DrainReceiver::messages() const {
  std::lock_guard lock(impl_->mu);
  return impl_->received;
}

bool DrainReceiver::wait_for(const std::string& needle, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->mu);
  return impl_->cv.wait_for(lock, timeout, [&] {
    for (const auto& m : impl_->received) {
      if (m.find(needle) != std::string::npos) {
        return true;
      }
    }
    return false;
  });
}

}  // namespace lokku::test
