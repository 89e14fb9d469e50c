#include "common/run_sync.hpp"

#include "common/child_process.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/readable_pipe.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <cerrno>
#include <csignal>
#include <functional>
#include <optional>
#include <stdexcept>
#include <sys/wait.h>
#include <system_error>
#include <unistd.h>

extern char** environ;

namespace lokku::common {

using error_code = boost::system::error_code;

std::vector<std::string> own_environment() {
  std::vector<std::string> out;
  for (char** e = environ; e && *e; ++e) {
    out.emplace_back(*e);
  }
  return out;
}

RunResult run_sync(const RunOptions& o) {
  if (o.argv.empty()) {
    throw std::invalid_argument("run_sync: empty argv");
  }
  const bool split = static_cast<bool>(o.on_stderr);
  net::io_context ctx;
  net::readable_pipe out(ctx), err(ctx);
  ChildSpec spec;
  spec.argv = o.argv;
  spec.env = o.env;
  spec.cwd = o.cwd;
  spec.group = ChildGroup::own;
  // stdin: the caller's descriptor, or /dev/null (nullptr). Without `on_stderr`, one pipe
  // for both streams, so their order is kept: the stdout binding's, given to stderr too.
  auto launch = [&](auto in) {
    if (split) {
      bp2::process_stdio stdio{in, out, err};
      return start_child(ctx.get_executor(), spec, stdio);
    }
    bp2::process_stdio stdio{in, out, {}};
    stdio.err.fd = stdio.out.fd;
    return start_child(ctx.get_executor(), spec, stdio);
  };
  std::optional<bp2::process> child;
  if (o.stdin_fd >= 0) {
    child.emplace(launch(o.stdin_fd));
  } else {
    child.emplace(launch(nullptr));
  }
  const pid_t pid = child->id();

  RunResult result;
  net::steady_timer timer(ctx);
  std::array<char, 65536> out_buf, err_buf;
  // Reads `pipe` to its end, handing each chunk to `cb`; the timer goes once both have ended.
  std::function<void(net::readable_pipe&, std::array<char, 65536>&,
                     const std::function<void(std::string_view)>&)>
      read_all = [&](net::readable_pipe& pipe, std::array<char, 65536>& buf,
                     const std::function<void(std::string_view)>& cb) {
        pipe.async_read_some(net::buffer(buf), [&](error_code ec, std::size_t n) {
          if (n != 0 && cb) {
            cb(std::string_view(buf.data(), n));
          }
          if (ec) {
            error_code ignored;
            pipe.close(ignored);
            if (!out.is_open() && !err.is_open()) {
              timer.cancel();
            }
            return;
          }
          read_all(pipe, buf, cb);
        });
      };
  read_all(out, out_buf, o.on_stdout);
  if (split) {
    read_all(err, err_buf, o.on_stderr);
  }
  if (o.timeout) {
    timer.expires_after(*o.timeout);
    timer.async_wait([&](error_code ec) {
      if (!ec) {
        ::kill(-pid, SIGKILL);
        result.timed_out = true;
        // Done reading, even if something outside the group still holds the pipes.
        error_code ignored;
        out.close(ignored);
        err.close(ignored);
      }
    });
  }
  ctx.run();
  // Waited for without reaping, so the pid (and its process group's id) stays ours while
  // anything the command left behind in its group is killed; then reaped. Boost.Process
  // has no wait that leaves the child unreaped.
  siginfo_t info{};
  while (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR) {
  }
  ::kill(-pid, SIGKILL);
  result.status = wait_child(*child);
  return result;
}

std::optional<std::string> capture(const std::vector<std::string>& argv, const std::string& cwd,
                                   const std::vector<std::string>& env) {
  RunOptions o;
  o.argv = argv;
  o.cwd = cwd;
  o.env = env;
  std::string out;
  o.on_stdout = [&](std::string_view d) { out.append(d); };
  o.on_stderr = [](std::string_view) {};
  try {
    auto r = run_sync(o);
    if (r.status != 0) {
      return std::nullopt;
    }
  } catch (const std::system_error&) {
    return std::nullopt;
  }
  return out;
}

std::optional<std::string> capture_trimmed(const std::vector<std::string>& argv,
                                           const std::string& cwd,
                                           const std::vector<std::string>& env) {
  auto out = capture(argv, cwd, env);
  while (out && !out->empty() && (out->back() == '\n' || out->back() == '\r')) {
    out->pop_back();
  }
  return out;
}

}  // namespace lokku::common
