#include "common/subprocess.hpp"

#include <boost/asio/use_awaitable.hpp>

#include <cerrno>
#include <fcntl.h>
#include <signal.h>
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

[[noreturn]] void throw_errno(const std::string& what, int err) {
  throw std::system_error(err, std::generic_category(), what);
}

struct Pipe {
  int read = -1;
  int write = -1;
  Pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      throw_errno("pipe2", errno);
    }
    read = fds[0];
    write = fds[1];
  }
};

std::vector<char*> c_array(const std::vector<std::string>& v) {
  std::vector<char*> out;
  out.reserve(v.size() + 1);
  for (const auto& s : v) {
    out.push_back(const_cast<char*>(s.c_str()));
  }
  out.push_back(nullptr);
  return out;
}

}  // namespace

Subprocess::Subprocess(net::any_io_executor ex, const SpawnOptions& options)
    : pidfd_(ex), out_(ex), err_(ex) {
  if (options.argv.empty()) {
    throw std::invalid_argument("Subprocess: empty argv");
  }
  auto argv = c_array(options.argv);
  auto envp = c_array(options.env);
  std::optional<Pipe> out, err;
  if (options.capture_output && options.stdio_fd < 0) {
    out.emplace();
    err.emplace();
  }
  Pipe exec_error;  // CLOEXEC: closes on a successful exec, carries errno otherwise

  pid_t pid = ::fork();
  if (pid < 0) {
    int e = errno;
    throw_errno("fork", e);
  }
  if (pid == 0) {
    // Child: async-signal-safe calls only.
    sigset_t none;
    sigemptyset(&none);
    for (int sig = 1; sig < NSIG; ++sig) {
      if (sig != SIGKILL && sig != SIGSTOP) {
        ::signal(sig, SIG_DFL);
      }
    }
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (g_nofile_raised) {
      ::setrlimit(RLIMIT_NOFILE, &g_original_nofile);
    }
    if (options.stdio_fd >= 0) {
      ::dup2(options.stdio_fd, 0);
      ::dup2(options.stdio_fd, 1);
      ::dup2(options.stdio_fd, 2);
    } else if (!options.inherit_stdin) {
      int null = ::open("/dev/null", O_RDONLY);
      if (null >= 0) {
        ::dup2(null, 0);
        ::close(null);
      }
    }
    if (out) {
      ::dup2(out->write, 1);
      ::dup2(err->write, 2);
    }
    if (!options.cwd.empty() && ::chdir(options.cwd.c_str()) != 0) {
      int e = errno;
      [[maybe_unused]] auto n = ::write(exec_error.write, &e, sizeof e);
      ::_exit(127);
    }
    ::execve(argv[0], argv.data(), envp.data());
    int e = errno;
    [[maybe_unused]] auto n = ::write(exec_error.write, &e, sizeof e);
    ::_exit(127);
  }

  pid_ = pid;
  ::close(exec_error.write);
  if (out) {
    ::close(out->write);
    ::close(err->write);
  }
  int child_errno = 0;
  ssize_t n;
  do {
    n = ::read(exec_error.read, &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  ::close(exec_error.read);
  if (n > 0) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    status_ = heroku_status(status);
    if (out) {
      ::close(out->read);
      ::close(err->read);
    }
    throw_errno("cannot start " + options.argv[0], child_errno);
  }
  if (out) {
    out_.assign(out->read);
    err_.assign(err->read);
  }
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    int e = errno;
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    status_ = heroku_status(status);
    throw_errno("pidfd_open", e);
  }
  pidfd_.assign(pidfd);
}

void detach_session(int out_fd) {
  ::setsid();
  int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null >= 0) {
    ::dup2(null, 0);
    ::close(null);
  }
  if (out_fd >= 0) {
    ::dup2(out_fd, 1);
    ::dup2(out_fd, 2);
  }
}

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

Subprocess::~Subprocess() {
  if (!status_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
}

net::awaitable<int> Subprocess::wait() {
  while (!status_) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      status_ = heroku_status(status);
      break;
    }
    if (r < 0 && errno != EINTR) {
      status_ = 255;
      break;
    }
    co_await pidfd_.async_wait(net::posix::stream_descriptor::wait_read, net::use_awaitable);
  }
  co_return *status_;
}

void Subprocess::signal(int sig) const {
  if (!status_ && pid_ > 0) {
    ::kill(pid_, sig);
  }
}

}  // namespace lokku::common
