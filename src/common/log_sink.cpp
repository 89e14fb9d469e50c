#include "common/log_sink.hpp"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace lokku::common {

namespace {
/// Queued bytes past which the flusher is woken before its next round.
constexpr std::size_t kFlushAt = 64 * 1024;
/// Queued bytes past which a producer writes them itself and waits for that: the output
/// cannot keep up (a paused pipe, a slow terminal), and lines are not dropped.
constexpr std::size_t kWriteNowAt = 16 * kFlushAt;
}  // namespace

LogSink::LogSink(int fd, bool colour) : LogSink(fd, colour, -1, std::string()) {}

LogSink::LogSink(int fd, bool colour, int file_fd, std::string prefix)
    : fd_(fd)
    , colour_(colour)
    , has_file_(file_fd >= 0)
    , file_fd_(file_fd)
    , prefix_(std::move(prefix))
    , clock_([] { return std::chrono::system_clock::now(); }) {
  flusher_ = std::jthread([this](std::stop_token stop) {
    std::unique_lock lock(mu_);
    while (!stop.stop_requested()) {
      wake_.wait_for(lock, stop, kFlushEvery, [this] { return wake_requested_; });
      lock.unlock();
      flush();
      lock.lock();
    }
  });
}

LogSink::~LogSink() {
  flusher_.request_stop();
  if (flusher_.joinable()) {
    flusher_.join();
  }
  flush();
  if (!rotate_path_.empty() && file_fd_ >= 0) {
    ::close(file_fd_);  // ours since rotate_at()
  }
}

void LogSink::append(std::string_view source, std::string_view dyno, std::string_view message,
                     std::size_t colour_key, bool flush_now) {
  auto now = clock_();
  bool due = flush_now;
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    if (fd_ >= 0 && !messages_only_) {
      pending_ += prefix_;
      append_log_line(pending_, now, source, dyno, message,
                      colour_ ? colour_for_index(colour_key) : std::string_view{});
    } else if (fd_ >= 0 && source == "app" && dyno != "api") {
      pending_ += message;
      pending_ += '\n';
    }
    if (has_file_) {
      append_log_line(pending_file_, now, source, dyno, message);
    }
    const std::size_t queued = std::max(pending_.size(), pending_file_.size());
    due = due || queued >= kWriteNowAt;
    if (!due && queued >= kFlushAt && !wake_requested_) {
      wake_requested_ = true;
      wake = true;
    }
  }
  if (wake) {
    wake_.notify_one();
  }
  if (due) {
    flush();
  }
}

void LogSink::add(std::string_view source, std::string_view dyno, std::string_view message,
                  std::size_t colour_key) {
  append(source, dyno, message, colour_key, false);
}

namespace {

void write_all(int fd, std::string& data) {
  std::size_t off = 0;
  while (fd >= 0 && off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      break;  // stdout is gone (EPIPE); nothing sensible to do but drop it.
    }
    off += static_cast<std::size_t>(n);
  }
  data.clear();
}

}  // namespace

void LogSink::flush() {
  std::lock_guard writer(write_mu_);
  {
    std::lock_guard lock(mu_);
    writing_.swap(pending_);
    writing_file_.swap(pending_file_);
    wake_requested_ = false;
  }
  write_all(fd_, writing_);
  write_all(file_fd_, writing_file_);
  rotate_if_due();
}

void LogSink::rotate_if_due() {
  struct stat own {};
  if (rotate_path_.empty() || file_fd_ < 0 || ::fstat(file_fd_, &own) != 0 ||
      static_cast<std::uintmax_t>(own.st_size) <= rotate_bytes_) {
    return;
  }
  struct stat named {};
  if (::stat(rotate_path_.c_str(), &named) == 0 && named.st_ino == own.st_ino &&
      named.st_dev == own.st_dev) {
    ::rename(rotate_path_.c_str(), (rotate_path_ + ".1").c_str());
  }
  int fresh = ::open(rotate_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fresh >= 0) {
    ::close(file_fd_);
    file_fd_ = fresh;
  }  // else (the app's directory is gone): keep writing where we were
}

void LogSink::rotate_at(std::string path, std::uintmax_t max_bytes) {
  std::lock_guard writer(write_mu_);
  rotate_path_ = std::move(path);
  rotate_bytes_ = max_bytes;
}

void LogSink::line(std::string_view source, std::string_view dyno, std::string_view message,
                   std::size_t colour_key) {
  append(source, dyno, message, colour_key, true);
}

}  // namespace lokku::common
