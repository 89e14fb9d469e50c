#include "common/subprocess.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <csignal>
#include <stdexcept>
#include <unistd.h>

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
  // stdout and stderr: the attached descriptor, pipes read here, or lokku's own; stdin
  // (`in`): the attached descriptor, lokku's own, or /dev/null (nullptr).
  auto start = [&](auto in) {
    if (options.stdio_fd >= 0) {
      bp2::process_stdio stdio{in, options.stdio_fd, options.stdio_fd};
      return start_child(ex, spec, stdio);
    }
    if (options.capture_output) {
      bp2::process_stdio stdio{in, out_, err_};
      return start_child(ex, spec, stdio);
    }
    bp2::process_stdio stdio{in, {}, {}};
    return start_child(ex, spec, stdio);
  };
  if (options.stdio_fd >= 0) {
    process_ = start(options.stdio_fd);
  } else if (options.inherit_stdin) {
    process_ = start(STDIN_FILENO);
  } else {
    process_ = start(nullptr);
  }
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
  if (!status_ && pid() > 0) {
    ::kill(pid(), sig);
  }
}

}  // namespace lokku::common
