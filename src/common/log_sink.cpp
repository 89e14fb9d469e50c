#include "common/log_sink.hpp"

#include <cerrno>
#include <unistd.h>

namespace lokku::common {

namespace {
constexpr std::size_t kFlushAt = 64 * 1024;
}

LogSink::LogSink(int fd, bool colour) : LogSink(fd, colour, -1, std::string()) {}

LogSink::LogSink(int fd, bool colour, int file_fd, std::string prefix)
    : fd_(fd), colour_(colour), file_fd_(file_fd), prefix_(std::move(prefix)), clock_([] {
      return std::chrono::system_clock::now();
    }) {
  flusher_ = std::jthread([this](std::stop_token stop) {
    std::unique_lock lock(mu_);
    while (!stop.stop_requested()) {
      wake_.wait_for(lock, stop, kFlushEvery, [] { return false; });
      flush_locked();
    }
  });
}

LogSink::~LogSink() {
  flusher_.request_stop();
  if (flusher_.joinable()) {
    flusher_.join();
  }
  flush();
}

void LogSink::append(std::string_view source, std::string_view dyno, std::string_view message,
                     std::size_t colour_key, bool flush_now) {
  auto now = clock_();
  auto text = format_log_line(now, source, dyno, message,
                              colour_ ? colour_for_index(colour_key) : std::string_view{});
  std::string plain;
  if (file_fd_ >= 0) {
    plain = colour_ ? format_log_line(now, source, dyno, message, std::string_view{}) : text;
  }
  std::lock_guard lock(mu_);
  if (fd_ >= 0) {
    pending_ += prefix_;
    pending_ += text;
  }
  pending_file_ += plain;
  if (flush_now || pending_.size() >= kFlushAt || pending_file_.size() >= kFlushAt) {
    flush_locked();
  }
}

void LogSink::add(std::string_view source, std::string_view dyno, std::string_view message,
                  std::size_t colour_key) {
  append(source, dyno, message, colour_key, false);
}

void LogSink::flush() {
  std::lock_guard lock(mu_);
  flush_locked();
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

void LogSink::flush_locked() {
  write_all(fd_, pending_);
  write_all(file_fd_, pending_file_);
}

void LogSink::line(std::string_view source, std::string_view dyno, std::string_view message,
                   std::size_t colour_key) {
  append(source, dyno, message, colour_key, true);
}

}  // namespace lokku::common
