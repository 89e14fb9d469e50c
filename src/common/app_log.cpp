#include "common/app_log.hpp"

#include <spdlog/async_logger.h>
#include <spdlog/details/thread_pool.h>
#include <spdlog/formatter.h>
#include <spdlog/sinks/base_sink.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <fcntl.h>
#include <mutex>
#include <pthread.h>
#include <stop_token>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace lokku::common {

namespace {

/// Formatted bytes past which a sink writes before the next flush.
constexpr std::size_t kWriteAt = 64 * 1024;

/// spdlog's record carries no field of ours, so a line's colour key (the index of its
/// process type) travels as the record's source line, which nothing else here reads; 0 is
/// spdlog's "no source", hence the + 1.
spdlog::source_loc colour_mark(std::size_t colour_key) {
  return spdlog::source_loc{"", static_cast<int>(colour_key % 1024) + 1, ""};
}
std::size_t colour_key(const spdlog::details::log_msg& msg) {
  return msg.source.line > 0 ? static_cast<std::size_t>(msg.source.line - 1) : 0;
}

/// A record's payload is Heroku's frame without its timestamp: `source[dyno]: message`.
struct Frame {
  std::string_view source;
  std::string_view dyno;
  std::string_view message;
  std::size_t label_end;  ///< just past the `:` that ends `source[dyno]:`
};
Frame frame_of(spdlog::string_view_t payload) {
  const std::string_view text(payload.data(), payload.size());
  Frame f{};
  const auto colon = text.find(": ");
  const auto label = text.substr(0, colon == std::string_view::npos ? text.size() : colon);
  f.label_end = label.size() + 1;
  f.message = colon == std::string_view::npos ? std::string_view{} : text.substr(colon + 2);
  const auto open = label.find('[');
  f.source = label.substr(0, open);
  if (open != std::string_view::npos && label.back() == ']') {
    f.dyno = label.substr(open + 1, label.size() - open - 2);
  }
  return f;
}

/// Heroku's line: `<RFC 3339 timestamp, µs> source[dyno]: message`, newline included; the
/// colour range covers `source[dyno]:`, as foreman colours it.
class HerokuFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    thread_local std::string stamp;
    stamp.clear();
    append_timestamp(stamp, msg.time);
    dest.append(stamp.data(), stamp.data() + stamp.size());
    dest.push_back(' ');
    msg.color_range_start = dest.size();
    msg.color_range_end = dest.size() + frame_of(msg.payload).label_end;
    dest.append(msg.payload.begin(), msg.payload.end());
    dest.push_back('\n');
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<HerokuFormatter>();
  }
};

void write_all(int fd, std::string& data) {
  std::size_t off = 0;
  while (fd >= 0 && off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      break;  // the output is gone (EPIPE); nothing sensible to do but drop it.
    }
    off += static_cast<std::size_t>(n);
  }
  data.clear();
}

/// The terminal (or whatever stdout is): a prefix per line, colour per process type, or in
/// messages-only mode just what the dynos print. Called from the queue's worker only.
class TerminalSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  TerminalSink(int fd, bool colour, std::string prefix)
      : fd_(fd), colour_(colour), prefix_(std::move(prefix)) {}
  void messages_only(bool on) {
    std::lock_guard lock(mutex_);
    messages_only_ = on;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    if (messages_only_) {
      const Frame f = frame_of(msg.payload);
      if (f.source != "app" || f.dyno == "api") {
        return;
      }
      batch_ += f.message;
      batch_ += '\n';
    } else {
      formatted_.clear();
      formatter_->format(msg, formatted_);
      const std::string_view line(formatted_.data(), formatted_.size());
      batch_ += prefix_;
      if (colour_ && msg.color_range_end > msg.color_range_start) {
        batch_ += line.substr(0, msg.color_range_start);
        batch_ += colour_for_index(colour_key(msg));
        batch_ += line.substr(msg.color_range_start, msg.color_range_end - msg.color_range_start);
        batch_ += "\x1b[0m";
        batch_ += line.substr(msg.color_range_end);
      } else {
        batch_ += line;
      }
    }
    if (batch_.size() >= kWriteAt) {
      write_all(fd_, batch_);
    }
  }
  void flush_() override { write_all(fd_, batch_); }

 private:
  const int fd_;
  const bool colour_;
  const std::string prefix_;
  bool messages_only_ = false;
  std::string batch_;
  spdlog::memory_buf_t formatted_;
};

/// The app's log file: every line whole, no colour, no prefix; rotated once past its limit.
class FileSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit FileSink(int fd) : fd_(fd) {}
  ~FileSink() override {
    if (owned_ && fd_ >= 0) {
      ::close(fd_);
    }
  }
  FileSink(const FileSink&) = delete;
  FileSink& operator=(const FileSink&) = delete;
  void rotate_at(std::string path, std::uintmax_t max_bytes) {
    std::lock_guard lock(mutex_);
    path_ = std::move(path);
    max_bytes_ = max_bytes;
    owned_ = true;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    formatted_.clear();
    formatter_->format(msg, formatted_);
    batch_.append(formatted_.data(), formatted_.size());
    if (batch_.size() >= kWriteAt) {
      write_out();
    }
  }
  void flush_() override { write_out(); }

 private:
  void write_out() {
    write_all(fd_, batch_);
    rotate_if_due();
  }
  void rotate_if_due() {
    struct stat own {};
    if (path_.empty() || fd_ < 0 || ::fstat(fd_, &own) != 0 ||
        static_cast<std::uintmax_t>(own.st_size) <= max_bytes_) {
      return;
    }
    struct stat named {};
    if (::stat(path_.c_str(), &named) == 0 && named.st_ino == own.st_ino &&
        named.st_dev == own.st_dev) {
      ::rename(path_.c_str(), (path_ + ".1").c_str());
    }
    int fresh = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fresh >= 0) {
      ::close(fd_);
      fd_ = fresh;
    }  // else (the app's directory is gone): keep writing where we were
  }

  int fd_;
  bool owned_ = false;
  std::string path_;
  std::uintmax_t max_bytes_ = 0;
  std::string batch_;
  spdlog::memory_buf_t formatted_;
};

/// The last sink of a stream: counts the flushes the worker has done, so that a producer
/// can wait for the one it asked for (spdlog 1.10's flush of an async logger only queues).
class FlushMark final : public spdlog::sinks::sink {
 public:
  void log(const spdlog::details::log_msg&) override {}
  void flush() override {
    {
      std::lock_guard lock(mu_);
      ++done_;
    }
    cv_.notify_all();
  }
  void set_pattern(const std::string&) override {}
  void set_formatter(std::unique_ptr<spdlog::formatter>) override {}
  void wait(std::uint64_t n) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return done_ >= n; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::uint64_t done_ = 0;
};

/// One queue and one worker for every stream of the process: lines of several apps reach a
/// shared terminal in the order they were logged, and memory is bounded once, not per app.
std::shared_ptr<spdlog::details::thread_pool> shared_queue() {
  static auto pool = std::make_shared<spdlog::details::thread_pool>(
      AppLog::kQueueLines, 1, [] { ::pthread_setname_np(::pthread_self(), "lokku-log"); });
  return pool;
}

}  // namespace

struct AppLog::Impl {
  Impl(int fd, bool colour, int file_fd, std::string prefix) {
    std::vector<spdlog::sink_ptr> sinks;
    if (fd >= 0) {
      terminal = std::make_shared<TerminalSink>(fd, colour, std::move(prefix));
      sinks.push_back(terminal);
    }
    if (file_fd >= 0) {
      file = std::make_shared<FileSink>(file_fd);
      sinks.push_back(file);
    }
    sinks.push_back(mark);
    logger = std::make_shared<spdlog::async_logger>(
        "app", sinks.begin(), sinks.end(), shared_queue(), spdlog::async_overflow_policy::block);
    logger->set_formatter(std::make_unique<HerokuFormatter>());
    logger->set_level(spdlog::level::info);
    logger->flush_on(spdlog::level::off);
    flusher = std::jthread([this](std::stop_token stop) {
      std::mutex m;
      std::condition_variable_any cv;
      std::unique_lock lock(m);
      while (!stop.stop_requested()) {
        cv.wait_for(lock, stop, kFlushEvery, [] { return false; });
        if (dirty.exchange(false, std::memory_order_relaxed)) {
          request_flush();
        }
      }
    });
  }

  /// Queues a flush behind every line queued so far; the number to wait for.
  std::uint64_t request_flush() {
    std::lock_guard lock(flush_mu);
    logger->flush();
    return ++requested;
  }

  std::shared_ptr<TerminalSink> terminal;
  std::shared_ptr<FileSink> file;
  std::shared_ptr<FlushMark> mark = std::make_shared<FlushMark>();
  std::shared_ptr<spdlog::async_logger> logger;
  std::mutex flush_mu;
  std::uint64_t requested = 0;  ///< flush_mu: flushes queued, in queue order
  std::atomic<bool> dirty{false};
  std::jthread flusher;  ///< last member: stops first
};

AppLog::AppLog(int fd, bool colour) : AppLog(fd, colour, -1, std::string()) {}

AppLog::AppLog(int fd, bool colour, int file_fd, std::string prefix)
    : colour_(colour)
    , clock_([] { return std::chrono::system_clock::now(); })
    , impl_(std::make_unique<Impl>(fd, colour, file_fd, std::move(prefix))) {}

AppLog::~AppLog() {
  impl_->flusher.request_stop();
  impl_->flusher.join();
  flush();
}

void AppLog::add(std::string_view source, std::string_view dyno, std::string_view message,
                 std::size_t colour_key) {
  thread_local std::string payload;
  payload.clear();
  append_source(payload, source, dyno);
  payload += ": ";
  payload += message;
  impl_->logger->log(clock_(), colour_mark(colour_key), spdlog::level::info,
                     spdlog::string_view_t(payload.data(), payload.size()));
  impl_->dirty.store(true, std::memory_order_relaxed);
}

void AppLog::flush() {
  impl_->mark->wait(impl_->request_flush());
}

void AppLog::push() {
  impl_->request_flush();
}

void AppLog::line(std::string_view source, std::string_view dyno, std::string_view message,
                  std::size_t colour_key) {
  add(source, dyno, message, colour_key);
  flush();
}

void AppLog::messages_only(bool on) {
  if (impl_->terminal) {
    impl_->terminal->messages_only(on);
  }
}

void AppLog::rotate_at(std::string path, std::uintmax_t max_bytes) {
  if (impl_->file) {
    impl_->file->rotate_at(std::move(path), max_bytes);
  }
}

}  // namespace lokku::common
