#pragma once
// Test support: runs the real lokku binary as a child and reads what a user would see.

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <sys/types.h>
#include <thread>
#include <vector>

namespace lokku::test {

using namespace std::chrono_literals;

/// A temporary directory, removed with everything in it.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  /// Writes `content` to `relative` (creating directories); returns the full path.
  std::filesystem::path write(const std::string& relative, const std::string& content) const;

 private:
  std::filesystem::path path_;
};

/// `lokku ARGS...` in `cwd`, with stdout and stderr captured line by line. Killed with
/// SIGKILL at destruction if still running.
class LokkuProcess {
 public:
  /// `stdin_path`: a file to read stdin from (default: the test's own stdin).
  LokkuProcess(std::vector<std::string> args, const std::filesystem::path& cwd,
               std::map<std::string, std::string> extra_env = {},
               const std::filesystem::path& stdin_path = {});
  ~LokkuProcess();
  LokkuProcess(const LokkuProcess&) = delete;
  LokkuProcess& operator=(const LokkuProcess&) = delete;

  pid_t pid() const { return pid_; }

  /// Waits until a stdout line matches; the line is stored in `*matched`.
  ::testing::AssertionResult wait_for(const std::string& pattern,
                                      std::chrono::milliseconds timeout = 20s,
                                      std::string* matched = nullptr);
  /// Waits until stderr (lokku's own diagnostics) matches.
  ::testing::AssertionResult wait_for_diagnostic(const std::string& pattern,
                                                 std::chrono::milliseconds timeout = 20s);
  /// Waits until `n` stdout lines match.
  ::testing::AssertionResult wait_for_count(const std::string& pattern, std::size_t n,
                                            std::chrono::milliseconds timeout = 20s);
  std::size_t count(const std::string& pattern) const;
  std::vector<std::string> matching(const std::string& pattern) const;
  std::vector<std::string> stdout_lines() const;
  std::string stderr_text() const;
  std::size_t stdout_line_count() const;

  void signal(int sig) const;
  /// Exit code once exited (128+signal when signalled); nullopt on timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout = 20s);

  /// Keep stdout lines only when `keep` says so (for floods of output); all are counted.
  void keep_only(std::function<bool(const std::string&)> keep);

 private:
  void read_loop(int fd, bool is_stdout);
  /// The last stdout lines and stderr, for failure messages; mu_ held.
  std::string tail_locked() const;

  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> out_;
  std::size_t out_total_ = 0;
  std::string err_;
  std::function<bool(const std::string&)> keep_;
  std::thread out_reader_;
  std::thread err_reader_;
};

/// Runs lokku to completion (for commands that exit): exit code, stdout, stderr.
struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
RunResult run_lokku(const std::vector<std::string>& args, const std::filesystem::path& cwd,
                    std::chrono::milliseconds timeout = 20s,
                    const std::map<std::string, std::string>& env = {},
                    const std::filesystem::path& stdin_path = {});

/// Live (non-zombie) processes whose environment holds `NAME=VALUE`.
std::vector<pid_t> processes_with_env(const std::string& name, const std::string& value);

/// A TCP port that was free a moment ago (the kernel's pick for port 0).
unsigned free_port();

/// A socket of the test process itself listening on 0.0.0.0:port; closed at destruction.
class Listener {
 public:
  explicit Listener(unsigned port);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  bool ok() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

/// VmHWM of a live process, in kB (-1 when it cannot be read).
long peak_rss_kb(pid_t pid);

/// A GET / over a fresh TCP connection to 127.0.0.1:port; the whole response, or "" on error.
std::string http_get(unsigned port, const std::string& path = "/");

/// Waits until `pred` holds, polling.
template <class Pred>
::testing::AssertionResult wait_until(Pred pred, std::chrono::milliseconds timeout,
                                      const std::string& what) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) {
      return ::testing::AssertionSuccess();
    }
    std::this_thread::sleep_for(20ms);
  }
  return ::testing::AssertionFailure() << "timed out waiting for " << what;
}

/// The port in a `Starting process`/app line is not printed; tests read $PORT from the app.
std::optional<unsigned> port_from_line(const std::string& line);

/// A random marker for processes_with_env.
std::string random_marker();

/// Timestamp of a log line as seconds since the epoch.
double line_time(const std::string& line);

}  // namespace lokku::test
