#include "common/log_sink.hpp"

#include <cerrno>
#include <unistd.h>

namespace lokku::common {

namespace {
constexpr std::size_t kFlushAt = 64 * 1024;
}

LogSink::LogSink(int fd, bool colour)
    : fd_(fd), colour_(colour), clock_([] { return std::chrono::system_clock::now(); }) {
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
  auto text = format_log_line(clock_(), source, dyno, message,
                              colour_ ? colour_for_index(colour_key) : std::string_view{});
  std::lock_guard lock(mu_);
  pending_ += text;
  if (flush_now || pending_.size() >= kFlushAt) {
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

void LogSink::flush_locked() {
  std::size_t off = 0;
  while (off < pending_.size()) {
    ssize_t n = ::write(fd_, pending_.data() + off, pending_.size() - off);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      break;  // stdout is gone (EPIPE); nothing sensible to do but drop it.
    }
    off += static_cast<std::size_t>(n);
  }
  pending_.clear();
}

void LogSink::line(std::string_view source, std::string_view dyno, std::string_view message,
                   std::size_t colour_key) {
  append(source, dyno, message, colour_key, true);
}

}  // namespace lokku::common
