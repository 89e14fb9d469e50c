#include "common/app_log.hpp"

#include <spdlog/async_logger.h>
#include <spdlog/details/thread_pool.h>
#include <spdlog/formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/dist_sink.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <fcntl.h>
#include <limits>
#include <mutex>
#include <pthread.h>
#include <stop_token>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace lokku::common {

namespace {

// A record's payload is a batch of entries, each a fixed header then its three strings.
struct EntryHeader {
  std::int64_t time_ns;  ///< since the epoch
  std::uint32_t colour_key;
  std::uint16_t source_size;
  std::uint16_t dyno_size;
  std::uint32_t message_size;
};

void append_entry(std::string& batch, SystemTime time, std::size_t colour_key,
                  std::string_view source, std::string_view dyno, std::string_view message) {
  constexpr std::size_t kShort = std::numeric_limits<std::uint16_t>::max();
  source = source.substr(0, kShort);  // `app`, `heroku`: never near it
  dyno = dyno.substr(0, kShort);
  message = message.substr(0, std::numeric_limits<std::uint32_t>::max());
  const EntryHeader h{
      std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count(),
      static_cast<std::uint32_t>(colour_key), static_cast<std::uint16_t>(source.size()),
      static_cast<std::uint16_t>(dyno.size()), static_cast<std::uint32_t>(message.size())};
  const std::size_t at = batch.size();
  batch.resize(at + sizeof h + source.size() + dyno.size() + message.size());
  char* out = batch.data() + at;
  std::memcpy(out, &h, sizeof h);
  out += sizeof h;
  out = std::copy(source.begin(), source.end(), out);
  out = std::copy(dyno.begin(), dyno.end(), out);
  std::copy(message.begin(), message.end(), out);
}

using Entry = LogLine;

/// Calls `f` with each entry of a batch, in the order they were added.
template <typename F>
void for_each_entry(std::string_view batch, F&& f) {
  while (batch.size() >= sizeof(EntryHeader)) {
    EntryHeader h;
    std::memcpy(&h, batch.data(), sizeof h);
    batch.remove_prefix(sizeof h);
    Entry e{SystemTime(std::chrono::duration_cast<SystemTime::duration>(
                std::chrono::nanoseconds(h.time_ns))),
            h.colour_key, batch.substr(0, h.source_size), batch.substr(h.source_size, h.dyno_size),
            batch.substr(std::size_t{h.source_size} + h.dyno_size, h.message_size)};
    batch.remove_prefix(std::min(
        batch.size(), std::size_t{h.source_size} + h.dyno_size + std::size_t{h.message_size}));
    f(e);
  }
}

/// How one output shows the stream.
struct Style {
  std::string prefix;          ///< before each line (the app's name on a shared terminal)
  bool colour = false;         ///< `source[dyno]:` in its process type's colour
  bool messages_only = false;  ///< only what the dynos print, bare (a push's release output)
};

/// Heroku's lines (dynos.md STATE-6), `<RFC 3339 timestamp, µs> source[dyno]: message` with
/// a newline, from a record's batch, in one output's style.
class HerokuFormatter final : public spdlog::formatter {
 public:
  explicit HerokuFormatter(Style style) : style_(std::move(style)) {}
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    thread_local std::string lines;
    lines.clear();
    for_each_entry(std::string_view(msg.payload.data(), msg.payload.size()), [&](const Entry& e) {
      if (style_.messages_only) {
        if (e.source == "app" && e.dyno != "api") {
          lines += e.message;
          lines += '\n';
        }
        return;
      }
      lines += style_.prefix;
      append_log_line(lines, e.time, e.source, e.dyno, e.message,
                      style_.colour ? colour_for_index(e.colour_key) : std::string_view{});
    });
    dest.append(lines.data(), lines.data() + lines.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<HerokuFormatter>(style_);
  }

 private:
  const Style style_;
};

void write_all(int fd, const spdlog::memory_buf_t& data) {
  std::size_t off = 0;
  while (fd >= 0 && off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return;  // the output is gone (EPIPE); nothing sensible to do but drop it.
    }
    off += static_cast<std::size_t>(n);
  }
}

/// The terminal (or whatever stdout is): each record with one write(2).
class TerminalSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  TerminalSink(int fd, Style style)
      : base_sink(std::make_unique<HerokuFormatter>(style)), fd_(fd), style_(std::move(style)) {}
  void messages_only(bool on) {
    std::lock_guard lock(mutex_);
    style_.messages_only = on;
    set_formatter_(std::make_unique<HerokuFormatter>(style_));
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    formatted_.clear();
    formatter_->format(msg, formatted_);
    write_all(fd_, formatted_);
  }
  void flush_() override {}

 private:
  const int fd_;
  Style style_;
  spdlog::memory_buf_t formatted_;
};

/// The app's log file: every line whole, no colour, no prefix, each record with one
/// write(2) (O_APPEND: whole lines even with other lokku processes appending); rotated once
/// past its limit.
class FileSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit FileSink(int fd) : base_sink(std::make_unique<HerokuFormatter>(Style{})), fd_(fd) {}
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
    write_all(fd_, formatted_);
    rotate_if_due();
  }
  void flush_() override {}

 private:
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
/// shared terminal in the order they were handed over, and memory is bounded once, not per
/// app.
std::shared_ptr<spdlog::details::thread_pool> shared_queue() {
  static auto pool = std::make_shared<spdlog::details::thread_pool>(
      AppLog::kQueueRecords, 1, [] { ::pthread_setname_np(::pthread_self(), "lokku-log"); });
  return pool;
}

}  // namespace

struct AppLog::Impl {
  Impl(int fd, bool colour, int file_fd, std::string prefix) {
    std::vector<spdlog::sink_ptr> sinks;
    if (fd >= 0) {
      terminal = std::make_shared<TerminalSink>(fd, Style{std::move(prefix), colour, false});
      sinks.push_back(terminal);
    }
    if (file_fd >= 0) {
      file = std::make_shared<FileSink>(file_fd);
      sinks.push_back(file);
    }
    sinks.push_back(drains);
    sinks.push_back(mark);
    logger = std::make_shared<spdlog::async_logger>("logplex", sinks.begin(), sinks.end(),
                                                    shared_queue(),
                                                    spdlog::async_overflow_policy::block);
    logger->set_level(spdlog::level::info);
    logger->flush_on(spdlog::level::off);
    staging.reserve(kBatchBytes + 1024);
    handing.reserve(kBatchBytes + 1024);
    flusher = std::jthread([this](std::stop_token stop) {
      std::unique_lock lock(mu);
      while (!stop.stop_requested()) {
        staged.wait(lock, stop, [this] { return !staging.empty(); });
        // Lines gather for kFlushEvery after the first, then leave as one record.
        staged.wait_for(lock, stop, kFlushEvery, [] { return false; });
        lock.unlock();
        hand_over(false);
        lock.lock();
      }
    });
  }

  /// Appends one line to the staging batch; true when the batch is full.
  bool stage(SystemTime time, std::size_t colour_key, std::string_view source,
             std::string_view dyno, std::string_view message) {
    bool first = false;
    bool full = false;
    {
      std::lock_guard lock(mu);
      first = staging.empty();
      append_entry(staging, time, colour_key, source, dyno, message);
      full = staging.size() >= kBatchBytes;
    }
    if (first && !full) {
      staged.notify_one();
    }
    return full;
  }

  /// Makes the staging batch a record of the logger (waiting while the queue is full) and,
  /// with `flush`, queues a flush behind it; the number of that flush, to wait for.
  std::uint64_t hand_over(bool flush) {
    std::lock_guard order(hand_mu);  // records enter the queue in the order they were staged
    {
      std::lock_guard lock(mu);
      handing.swap(staging);
    }
    if (!handing.empty()) {
      logger->log(spdlog::source_loc{}, spdlog::level::info,
                  spdlog::string_view_t(handing.data(), handing.size()));
      handing.clear();
    }
    if (!flush) {
      return 0;
    }
    logger->flush();
    return ++flushes;
  }

  std::shared_ptr<TerminalSink> terminal;
  std::shared_ptr<FileSink> file;
  std::shared_ptr<spdlog::sinks::dist_sink_mt> drains =
      std::make_shared<spdlog::sinks::dist_sink_mt>();
  std::shared_ptr<FlushMark> mark = std::make_shared<FlushMark>();
  std::shared_ptr<spdlog::async_logger> logger;
  std::mutex hand_mu;         ///< taken before mu when both are
  std::string handing;        ///< hand_mu: the batch being queued (kept for its capacity)
  std::uint64_t flushes = 0;  ///< hand_mu: flushes queued, in queue order
  std::mutex mu;
  std::string staging;  ///< mu
  std::condition_variable_any staged;
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
  if (impl_->stage(clock_(), colour_key, source, dyno, message)) {
    impl_->hand_over(false);
  }
}

void AppLog::add(const LogLine& line) {
  if (impl_->stage(line.time, line.colour_key, line.source, line.dyno, line.message)) {
    impl_->hand_over(false);
  }
}

void AppLog::flush() {
  impl_->mark->wait(impl_->hand_over(true));
}

void AppLog::push() {
  impl_->hand_over(false);
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

void AppLog::add_drain(std::shared_ptr<spdlog::sinks::sink> drain) {
  impl_->drains->add_sink(std::move(drain));
}

void AppLog::remove_drain(const std::shared_ptr<spdlog::sinks::sink>& drain) {
  impl_->drains->remove_sink(drain);
}

void for_each_line(std::string_view record, const std::function<void(const LogLine&)>& f) {
  for_each_entry(record, f);
}

void AppLog::rotate_at(std::string path, std::uintmax_t max_bytes) {
  if (impl_->file) {
    impl_->file->rotate_at(std::move(path), max_bytes);
  }
}

}  // namespace lokku::common
