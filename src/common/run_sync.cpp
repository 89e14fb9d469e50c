#include "common/run_sync.hpp"

#include "common/subprocess.hpp"

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <stdexcept>
#include <sys/wait.h>
#include <system_error>
#include <unistd.h>

extern char** environ;

namespace lokku::common {

namespace {

std::string find_program(const std::string& name, const std::vector<std::string>& env) {
  if (name.find('/') != std::string::npos) {
    return name;
  }
  std::string path = "/usr/local/bin:/usr/bin:/bin";
  for (const auto& kv : env) {
    if (kv.rfind("PATH=", 0) == 0) {
      path = kv.substr(5);
    }
  }
  std::size_t i = 0;
  while (i <= path.size()) {
    std::size_t j = path.find(':', i);
    if (j == std::string::npos) {
      j = path.size();
    }
    std::string dir = path.substr(i, j - i);
    if (!dir.empty()) {
      std::string candidate = dir + "/" + name;
      if (::access(candidate.c_str(), X_OK) == 0) {
        return candidate;
      }
    }
    i = j + 1;
  }
  return name;
}

}  // namespace

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
  int out_pipe[2] = {-1, -1};
  int err_pipe[2] = {-1, -1};
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || (split && ::pipe2(err_pipe, O_CLOEXEC) != 0)) {
    throw std::system_error(errno, std::generic_category(), "pipe");
  }
  std::string program = find_program(o.argv[0], o.env);
  std::vector<char*> argv;
  for (const auto& a : o.argv) {
    argv.push_back(const_cast<char*>(a.c_str()));
  }
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : o.env) {
    envp.push_back(const_cast<char*>(e.c_str()));
  }
  envp.push_back(nullptr);
  int exec_pipe[2];
  if (::pipe2(exec_pipe, O_CLOEXEC) != 0) {
    throw std::system_error(errno, std::generic_category(), "pipe");
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    throw std::system_error(errno, std::generic_category(), "fork");
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int s = 1; s < NSIG; ++s) {
      ::signal(s, SIG_DFL);
    }
    int in = o.stdin_fd >= 0 ? o.stdin_fd : ::open("/dev/null", O_RDONLY);
    ::dup2(in, 0);
    ::dup2(out_pipe[1], 1);
    ::dup2(split ? err_pipe[1] : out_pipe[1], 2);
    if (!o.cwd.empty() && ::chdir(o.cwd.c_str()) != 0) {
      int e = errno;
      (void)!::write(exec_pipe[1], &e, sizeof e);
      ::_exit(127);
    }
    ::execve(program.c_str(), argv.data(), envp.data());
    int e = errno;
    (void)!::write(exec_pipe[1], &e, sizeof e);
    ::_exit(127);
  }
  ::close(out_pipe[1]);
  if (split) {
    ::close(err_pipe[1]);
  }
  ::close(exec_pipe[1]);
  int child_errno = 0;
  ssize_t got = ::read(exec_pipe[0], &child_errno, sizeof child_errno);
  ::close(exec_pipe[0]);
  if (got == static_cast<ssize_t>(sizeof child_errno)) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    ::close(out_pipe[0]);
    if (split) {
      ::close(err_pipe[0]);
    }
    throw std::system_error(child_errno, std::generic_category(),
                            "cannot run " + o.argv[0] + (o.cwd.empty() ? "" : " in " + o.cwd));
  }

  RunResult result;
  const auto deadline = o.timeout ? std::chrono::steady_clock::now() + *o.timeout
                                  : std::chrono::steady_clock::time_point::max();
  std::array<pollfd, 2> fds{{{out_pipe[0], POLLIN, 0}, {split ? err_pipe[0] : -1, POLLIN, 0}}};
  std::array<char, 65536> buf;
  int open = split ? 2 : 1;
  while (open > 0) {
    int wait_ms = -1;
    if (o.timeout) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        ::kill(-pid, SIGKILL);
        result.timed_out = true;
        break;
      }
      wait_ms = static_cast<int>(std::min<long long>(left.count(), 1000));
    }
    int n = ::poll(fds.data(), 2, wait_ms);
    if (n < 0 && errno != EINTR) {
      break;
    }
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) {
        continue;
      }
      ssize_t r = ::read(fds[i].fd, buf.data(), buf.size());
      if (r > 0) {
        std::string_view chunk(buf.data(), static_cast<std::size_t>(r));
        auto& cb = i == 0 ? o.on_stdout : o.on_stderr;
        if (cb) {
          cb(chunk);
        }
      } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open;
      }
    }
  }
  for (auto& f : fds) {
    if (f.fd >= 0) {
      ::close(f.fd);
    }
  }
  // Wait without reaping, so the pid (and its process group id) stays ours; then anything
  // the command left behind in its process group goes with it.
  siginfo_t info{};
  while (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR) {
  }
  ::kill(-pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.status = heroku_status(status);
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
