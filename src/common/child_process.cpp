#include "common/child_process.hpp"

#include "common/run_sync.hpp"

#include <boost/asio/io_context.hpp>

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <system_error>
#include <unistd.h>

namespace lokku::common {

int heroku_status(int wait_status) {
  if (WIFEXITED(wait_status)) {
    return WEXITSTATUS(wait_status);
  }
  if (WIFSIGNALED(wait_status)) {
    return 128 + WTERMSIG(wait_status);
  }
  return 255;
}

namespace {

/// The soft RLIMIT_NOFILE lokku started with; restored in every child.
rlimit g_original_nofile{RLIM_INFINITY, RLIM_INFINITY};
bool g_nofile_raised = false;

}  // namespace

unsigned long raise_open_file_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) {
    return 0;
  }
  if (!g_nofile_raised) {
    g_original_nofile = lim;
  }
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit raised = lim;
    raised.rlim_cur = lim.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) {
      g_nofile_raised = true;
      lim = raised;
    }
  }
  return static_cast<unsigned long>(lim.rlim_cur);
}

namespace {

/// What every child gets beyond Boost.Process's defaults, as an initializer (the last, so
/// after the stdio and start-directory ones). In the child, between fork and exec, with
/// async-signal-safe calls only: the process group of `group`, every signal at its default
/// disposition and none blocked (lokku's handlers and ignored signals are not a child's
/// business), and lokku's original open-file limit.
struct ChildSetup {
  ChildGroup group = ChildGroup::own;

  template <class Launcher, class... Rest>
  bp2::error_code on_exec_setup(Launcher&, Rest&&...) const {
    if (group == ChildGroup::own && ::setpgid(0, 0) != 0) {
      return {errno, boost::system::system_category()};
    }
    if (group == ChildGroup::session && ::setsid() < 0) {
      return {errno, boost::system::system_category()};
    }
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int s = 1; s < NSIG; ++s) {
      ::signal(s, SIG_DFL);
    }
    if (g_nofile_raised) {
      ::setrlimit(RLIMIT_NOFILE, &g_original_nofile);
    }
    return {};
  }
};

/// Boost.Process v2's default launcher, with the fork and exec done here: Boost 1.81's own
/// (posix/default_launcher.hpp) cannot be used in a threaded program. In the child it calls
/// the io_context's notify_fork(), which allocates, and takes the locks of descriptors that
/// other threads may hold: a child of `lokku up` hung there before its exec (ASan's
/// allocator lock, seen in Api.ParallelClientsLeaveTheStoreConsistent). Its close_all()
/// compares each kept descriptor with itself instead of the next one, so descriptors below
/// its error pipe reached the program; a failed exec ends the child with exit(), which runs
/// lokku's atexit handlers in the copy; and the child of a failed exec is never reaped.
/// Everything else is the library's: the initializers' hooks, the stdio, environment and
/// start-directory initializers, and the process handle returned.
struct Launcher : bp2::posix::default_launcher {
  template <class Executor, class... Inits>
  bp2::basic_process<Executor> operator()(Executor exec, bp2::error_code& ec,
                                          const bp2::filesystem::path& executable,
                                          const std::vector<std::string>& args, Inits&&... inits) {
    namespace detail = bp2::posix::detail;
    const char* const* argv = build_argv_(executable, args);
    int report[2];  // the child's errno when it cannot exec; closed by a successful exec
    if (::pipe2(report, O_CLOEXEC) != 0) {
      ec.assign(errno, boost::system::system_category());
      return bp2::basic_process<Executor>{exec};
    }
    ec = detail::on_setup(*this, executable, argv, inits...);
    if (ec) {
      detail::on_error(*this, executable, argv, ec, inits...);
      ::close(report[0]);
      ::close(report[1]);
      return bp2::basic_process<Executor>{exec};
    }
    pid = ::fork();
    if (pid == 0) {
      ec = detail::on_exec_setup(*this, executable, argv, inits...);
      if (!ec) {
        close_all_but_stdio(report[1]);
        ::execve(executable.c_str(), const_cast<char* const*>(argv), const_cast<char* const*>(env));
      }
      const int err = ec ? ec.value() : errno;
      [[maybe_unused]] auto n = ::write(report[1], &err, sizeof err);
      ::_exit(127);
    }
    const int fork_errno = errno;
    ::close(report[1]);
    int child_errno = 0;
    ssize_t n = -1;
    if (pid > 0) {
      while ((n = ::read(report[0], &child_errno, sizeof child_errno)) < 0 && errno == EINTR) {
      }
    }
    ::close(report[0]);
    if (pid < 0 || n > 0) {
      ec.assign(pid < 0 ? fork_errno : child_errno, boost::system::system_category());
      if (pid > 0) {
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
      }
      detail::on_error(*this, executable, argv, ec, inits...);
      return bp2::basic_process<Executor>{exec};
    }
    bp2::basic_process<Executor> proc(exec, pid);
    detail::on_success(*this, executable, argv, ec, inits...);
    return proc;
  }

 private:
  /// Closes every descriptor but 0-2 and `keep` (async-signal-safe: close_range(2)).
  static void close_all_but_stdio(int keep) {
    if (keep > 3) {
      ::syscall(SYS_close_range, 3U, static_cast<unsigned>(keep - 1), 0U);
    }
    ::syscall(SYS_close_range, static_cast<unsigned>(keep + 1), ~0U, 0U);
  }
};

std::string program_path(const ChildSpec& spec) {
  const std::string& name = spec.argv.front();
  if (name.find('/') != std::string::npos) {
    return name;
  }
  // Looked up in the child's PATH; without one, in the shell's default.
  std::vector<bp2::environment::key_value_pair> env;
  bool has_path = false;
  for (const auto& kv : spec.env) {
    env.emplace_back(kv);
    has_path = has_path || kv.rfind("PATH=", 0) == 0;
  }
  if (!has_path) {
    env.emplace_back("PATH=/usr/local/bin:/usr/bin:/bin");
  }
  auto found = bp2::environment::find_executable(name, env);
  return found.empty() ? name : found.string();
}

/// Closes the child's end of a pipe a stdio binding made for it.
template <class Binding>
void close_child_end(Binding& b) {
  if (b.fd_needs_closing) {
    ::close(b.fd);
    b.fd_needs_closing = false;
    b.fd = -1;
  }
}

}  // namespace

bp2::process start_child(net::any_io_executor ex, const ChildSpec& spec,
                         bp2::process_stdio& stdio) {
  if (spec.argv.empty()) {
    throw std::invalid_argument("start_child: empty argv");
  }
  const std::string program = program_path(spec);
  const std::vector<std::string> args(spec.argv.begin() + 1, spec.argv.end());
  bp2::error_code ec;
  auto started =
      Launcher{}(std::move(ex), ec, program, args, stdio, bp2::process_environment(spec.env),
                 bp2::process_start_dir(spec.cwd.empty() ? std::string(".") : spec.cwd),
                 ChildSetup{spec.group});
  // The child's ends of the pipes the bindings made are the child's now: closed here, so
  // the parent's reads see the end of the output once the child's is gone.
  close_child_end(stdio.in);
  close_child_end(stdio.out);
  close_child_end(stdio.err);
  if (ec) {
    throw std::system_error(
        ec.value(), std::generic_category(),
        "cannot run " + spec.argv.front() + (spec.cwd.empty() ? "" : " in " + spec.cwd));
  }
  return started;
}

int wait_child(bp2::process& child) {
  child.wait();
  return heroku_status(child.native_exit_code());
}

pid_t start_self_in_background(const std::vector<std::string>& args, const std::string& output) {
  ChildSpec spec;
  spec.argv.push_back(std::filesystem::read_symlink("/proc/self/exe").string());
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.env = own_environment();
  spec.group = ChildGroup::session;
  const int out_fd = ::open(output.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (out_fd < 0) {
    throw std::system_error(errno, std::generic_category(), "cannot write " + output);
  }
  net::io_context ctx;
  bp2::process_stdio stdio{nullptr, out_fd, out_fd};
  std::optional<bp2::process> child;
  try {
    child.emplace(start_child(ctx.get_executor(), spec, stdio));
  } catch (...) {
    ::close(out_fd);
    throw;
  }
  ::close(out_fd);
  const pid_t pid = child->id();
  child->detach();
  return pid;
}

}  // namespace lokku::common
