#include "common/subprocess.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <csignal>
#include <stdexcept>

namespace lokku::common {

namespace {

ChildSpec child_spec(const SpawnOptions& o) {
  if (o.argv.empty()) {
    throw std::invalid_argument("Subprocess: empty argv");
  }
  ChildSpec spec;
  spec.argv = o.argv;
  spec.env = o.env;
  spec.cwd = o.cwd;
  spec.group = ChildGroup::terminal;
  return spec;
}

}  // namespace

Subprocess::Subprocess(net::any_io_executor ex, const SpawnOptions& options)
    : out_(ex), err_(ex), process_(ex) {
  const auto spec = child_spec(options);
  if (options.stdio_fd >= 0) {
    bp2::process_stdio stdio{options.stdio_fd, options.stdio_fd, options.stdio_fd};
    process_ = start_child(ex, spec, stdio);
  } else if (options.capture_output && options.inherit_stdin) {
    bp2::process_stdio stdio{{}, out_, err_};
    process_ = start_child(ex, spec, stdio);
  } else if (options.capture_output) {
    bp2::process_stdio stdio{nullptr, out_, err_};
    process_ = start_child(ex, spec, stdio);
  } else if (options.inherit_stdin) {
    bp2::process_stdio stdio{};
    process_ = start_child(ex, spec, stdio);
  } else {
    bp2::process_stdio stdio{nullptr, {}, {}};
    process_ = start_child(ex, spec, stdio);
  }
  pid_ = process_.id();
}

Subprocess::~Subprocess() = default;  // bp2::process kills and reaps a child still running

net::awaitable<int> Subprocess::wait() {
  if (!status_) {
    boost::system::error_code ec;
    co_await process_.async_wait(net::redirect_error(net::use_awaitable, ec));
    status_ = ec ? 255 : heroku_status(process_.native_exit_code());
  }
  co_return *status_;
}

void Subprocess::signal(int sig) const {
  if (!status_ && pid_ > 0) {
    ::kill(pid_, sig);
  }
}

}  // namespace lokku::common
