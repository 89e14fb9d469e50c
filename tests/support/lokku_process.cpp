#include "support/lokku_process.hpp"

#include "common/ports.hpp"
#include "support/http_client.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <limits>
#include <netinet/in.h>
#include <random>
#include <signal.h>
#include <sstream>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace lokku::test {

namespace fs = std::filesystem;

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "lokku-test-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

fs::path TempDir::write(const std::string& relative, const std::string& content) const {
  fs::path p = path_ / relative;
  fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out << content;
  return p;
}

LokkuProcess::LokkuProcess(std::vector<std::string> args, const fs::path& cwd,
                           std::map<std::string, std::string> extra_env,
                           const fs::path& stdin_path) {
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  args.insert(args.begin(), LOKKU_BIN);
  std::vector<char*> argv;
  for (auto& a : args) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv(*e);
    auto name = kv.substr(0, kv.find('='));
    if (extra_env.count(name) == 0 && name != "LOKKU_TIME_SCALE" && name != "PORT") {
      env_strings.push_back(kv);
    }
  }
  for (const auto& [k, v] : extra_env) {
    env_strings.push_back(k + "=" + v);
  }
  // `lokku start` without -p listens on $PORT, else 5000: tests run in parallel, so each
  // gets a free port of its own rather than the shared default.
  if (args.size() > 1 && args[1] == "start" && extra_env.count("PORT") == 0 &&
      std::none_of(args.begin(), args.end(), [](const std::string& a) {
        return a == "-p" || a == "--port" || a.rfind("--port=", 0) == 0;
      })) {
    env_strings.push_back("PORT=" + std::to_string(free_port()));
  }
  std::vector<char*> envp;
  for (auto& e : env_strings) {
    envp.push_back(e.data());
  }
  envp.push_back(nullptr);

  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(out_pipe[1], 1);
    ::dup2(err_pipe[1], 2);
    if (!stdin_path.empty()) {
      int in = ::open(stdin_path.c_str(), O_RDONLY);
      if (in < 0) {
        ::_exit(125);
      }
      ::dup2(in, 0);
    }
    if (::chdir(cwd.c_str()) != 0) {
      ::_exit(126);
    }
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  out_reader_ = std::thread([this, fd = out_pipe[0]] { read_loop(fd, true); });
  err_reader_ = std::thread([this, fd = err_pipe[0]] { read_loop(fd, false); });
}

LokkuProcess::~LokkuProcess() {
  if (!exit_code_) {
    ::kill(pid_, SIGKILL);
    wait_exit(10s);
  }
  if (out_reader_.joinable()) {
    out_reader_.join();
  }
  if (err_reader_.joinable()) {
    err_reader_.join();
  }
}

void LokkuProcess::read_loop(int fd, bool is_stdout) {
  std::string partial;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) {
      break;
    }
    std::lock_guard lock(mu_);
    if (!is_stdout) {
      err_.append(buf, static_cast<std::size_t>(n));
      cv_.notify_all();
      continue;
    }
    partial.append(buf, static_cast<std::size_t>(n));
    std::size_t start = 0;
    for (;;) {
      auto nl = partial.find('\n', start);
      if (nl == std::string::npos) {
        break;
      }
      std::string line = partial.substr(start, nl - start);
      ++out_total_;
      if (!keep_ || keep_(line)) {
        out_.push_back(std::move(line));
      }
      start = nl + 1;
    }
    partial.erase(0, start);
    cv_.notify_all();
  }
  ::close(fd);
  std::lock_guard lock(mu_);
  if (is_stdout && !partial.empty()) {
    out_.push_back(partial);
    ++out_total_;
  }
  cv_.notify_all();
}

std::string LokkuProcess::tail_locked() const {
  std::string tail = "last lines:\n";
  for (std::size_t i = out_.size() > 40 ? out_.size() - 40 : 0; i < out_.size(); ++i) {
    tail += "  " + out_[i].substr(0, 300) + "\n";
  }
  return tail + "stderr:\n" + err_;
}

::testing::AssertionResult LokkuProcess::wait_for(const std::string& pattern,
                                                  std::chrono::milliseconds timeout,
                                                  std::string* matched) {
  std::regex re(pattern);
  std::unique_lock lock(mu_);
  std::size_t seen = 0;
  bool ok = cv_.wait_for(lock, timeout, [&] {
    for (; seen < out_.size(); ++seen) {
      if (std::regex_search(out_[seen], re)) {
        if (matched != nullptr) {
          *matched = out_[seen];
        }
        return true;
      }
    }
    return false;
  });
  if (ok) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "no line matched /" << pattern << "/ within "
                                       << timeout.count() << " ms; " << tail_locked();
}

::testing::AssertionResult LokkuProcess::wait_for_diagnostic(const std::string& pattern,
                                                             std::chrono::milliseconds timeout) {
  std::regex re(pattern);
  std::unique_lock lock(mu_);
  bool ok = cv_.wait_for(lock, timeout, [&] { return std::regex_search(err_, re); });
  if (ok) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "nothing on stderr matched /" << pattern << "/ within "
                                       << timeout.count() << " ms; " << tail_locked();
}

::testing::AssertionResult LokkuProcess::wait_for_count(const std::string& pattern, std::size_t n,
                                                        std::chrono::milliseconds timeout) {
  std::regex re(pattern);
  std::unique_lock lock(mu_);
  std::size_t found = 0;
  std::size_t seen = 0;
  bool ok = cv_.wait_for(lock, timeout, [&] {
    for (; seen < out_.size(); ++seen) {
      if (std::regex_search(out_[seen], re)) {
        ++found;
      }
    }
    return found >= n;
  });
  if (ok) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "only " << found << " of " << n << " lines matched /"
                                       << pattern << "/; " << tail_locked();
}

std::size_t LokkuProcess::count(const std::string& pattern) const {
  return matching(pattern).size();
}

std::vector<std::string> LokkuProcess::matching(const std::string& pattern) const {
  std::regex re(pattern);
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& l : out_) {
    if (std::regex_search(l, re)) {
      out.push_back(l);
    }
  }
  return out;
}

std::vector<std::string> LokkuProcess::stdout_lines() const {
  std::lock_guard lock(mu_);
  return out_;
}

std::size_t LokkuProcess::stdout_line_count() const {
  std::lock_guard lock(mu_);
  return out_total_;
}

std::string LokkuProcess::stderr_text() const {
  std::lock_guard lock(mu_);
  return err_;
}

void LokkuProcess::keep_only(std::function<bool(const std::string&)> keep) {
  std::lock_guard lock(mu_);
  keep_ = std::move(keep);
}

void LokkuProcess::signal(int sig) const {
  if (!exit_code_) {
    ::kill(pid_, sig);
  }
}

std::optional<int> LokkuProcess::wait_exit(std::chrono::milliseconds timeout) {
  if (exit_code_) {
    return exit_code_;
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return std::nullopt;
    }
    std::this_thread::sleep_for(10ms);
  }
  if (out_reader_.joinable()) {
    out_reader_.join();
  }
  if (err_reader_.joinable()) {
    err_reader_.join();
  }
  return exit_code_;
}

RunResult run_lokku(const std::vector<std::string>& args, const fs::path& cwd,
                    std::chrono::milliseconds timeout,
                    const std::map<std::string, std::string>& env, const fs::path& stdin_path) {
  LokkuProcess p(args, cwd, env, stdin_path);
  RunResult r;
  auto code = p.wait_exit(timeout);
  r.exit_code = code ? *code : -1;
  for (const auto& l : p.stdout_lines()) {
    r.out += l + "\n";
  }
  r.err = p.stderr_text();
  return r;
}

std::vector<pid_t> processes_with_env(const std::string& name, const std::string& value) {
  std::vector<pid_t> out;
  std::string needle = name + "=" + value;
  DIR* dir = ::opendir("/proc");
  if (dir == nullptr) {
    return out;
  }
  while (dirent* e = ::readdir(dir)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0') {
      continue;
    }
    std::string base = std::string("/proc/") + e->d_name;
    std::ifstream stat(base + "/stat");
    std::string stat_text((std::istreambuf_iterator<char>(stat)), {});
    auto close = stat_text.rfind(')');
    if (close == std::string::npos || close + 2 >= stat_text.size() ||
        stat_text[close + 2] == 'Z') {
      continue;
    }
    std::ifstream env(base + "/environ", std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(env)), {});
    std::size_t pos = 0;
    while (pos < text.size()) {
      auto nul = text.find('\0', pos);
      if (nul == std::string::npos) {
        nul = text.size();
      }
      if (text.compare(pos, nul - pos, needle) == 0) {
        out.push_back(static_cast<pid_t>(pid));
        break;
      }
      pos = nul + 1;
    }
  }
  ::closedir(dir);
  return out;
}

unsigned free_port() {
  auto port = common::pick_free_port();
  if (!port) {
    throw std::runtime_error("no free port");
  }
  return *port;
}

Listener::Listener(unsigned port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 8) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

Listener::~Listener() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

std::string http_get(unsigned port, const std::string& path) {
  Connection c(port, 5s);
  if (!c.ok() || !c.send("GET " + path + " HTTP/1.0\r\nHost: localhost\r\n\r\n")) {
    return {};
  }
  return c.read_bytes(std::numeric_limits<std::size_t>::max());
}

long peak_rss_kb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      return std::stol(line.substr(6));
    }
  }
  return -1;
}

std::optional<unsigned> port_from_line(const std::string& line) {
  std::smatch m;
  static const std::regex re("PORT=(\\d+)");
  if (std::regex_search(line, m, re)) {
    return static_cast<unsigned>(std::stoul(m[1]));
  }
  return std::nullopt;
}

std::string random_marker() {
  std::random_device rd;
  std::ostringstream s;
  s << std::hex << rd() << rd();
  return s.str();
}

double line_time(const std::string& line) {
  std::tm tm{};
  int micros = 0;
  if (::sscanf(line.c_str(), "%d-%d-%dT%d:%d:%d.%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
               &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &micros) != 7) {
    return -1;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<double>(::timegm(&tm)) + micros / 1e6;
}

}  // namespace lokku::test
