#pragma once

#include "common/log_line.hpp"

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace lokku::common {

/// The app log stream (the `logplex` of one lokku process): every `app[...]` and
/// `heroku[...]` line goes through here and leaves as whole lines, so lines of two dynos
/// never interleave mid-line. Lines are batched and written with one write(2) per batch, by
/// the sink's own thread: a router thread that logs a request does not wait for the disk or
/// the terminal (perf trace saw 64 KB writes to a file take 0.3-2.4 ms on a busy host, with
/// that thread's connections waiting meanwhile). Only when the output falls 1 MB behind do
/// producers write themselves, and wait: lines are never dropped, and memory stays bounded.
/// Thread-safe: the dyno manager's thread and the router's threads share one sink.
class LogSink {
 public:
  /// Writes to `fd` (stdout by default). Colours only when `colour` is set, which the CLI
  /// decides (a TTY and no NO_COLOR).
  explicit LogSink(int fd = 1, bool colour = false);
  /// Also appends every line, without colour or prefix, to `file_fd` (an app's log file,
  /// opened O_APPEND); `fd` -1 writes the file only. `prefix` goes before each line on `fd`
  /// (the app's name when one stream carries several apps).
  LogSink(int fd, bool colour, int file_fd, std::string prefix);
  ~LogSink();
  LogSink(const LogSink&) = delete;
  LogSink& operator=(const LogSink&) = delete;

  /// The clock used to stamp lines; tests of pure formatting inject their own.
  void set_clock(std::function<SystemTime()> clock) { clock_ = std::move(clock); }

  /// Queues one line. `colour_key` picks the dyno's colour (index of its process type).
  /// Queued lines leave within kFlushEvery, sooner once 64 KB are queued, or with the next
  /// flush.
  void add(std::string_view source, std::string_view dyno, std::string_view message,
           std::size_t colour_key = 0);
  static constexpr std::chrono::milliseconds kFlushEvery{20};
  /// Writes what was queued. Blocks until the bytes are written (backpressure on dynos
  /// instead of unbounded memory).
  void flush();
  /// add() then flush().
  void line(std::string_view source, std::string_view dyno, std::string_view message,
            std::size_t colour_key = 0);

  bool colour() const { return colour_; }

  /// On `fd`, only what the dynos print (`app[...]` lines but `app[api]`), each message bare:
  /// how a git push shows a release command's output (git-and-ci.md §1.3). The file still
  /// gets every line whole. Set before the first line.
  void messages_only(bool on) { messages_only_ = on; }

  /// Keeps the file behind `file_fd` (which the sink then owns) from growing without end:
  /// once it is past `max_bytes` it becomes `<path>.1` (replacing the one before) and a new
  /// `<path>` is started. Only when `path` is still that file: another writer that rotated
  /// it first is followed, not rotated again.
  void rotate_at(std::string path, std::uintmax_t max_bytes);

 private:
  void append(std::string_view source, std::string_view dyno, std::string_view message,
              std::size_t colour_key, bool flush_now);
  void rotate_if_due();

  // Two locks, taken in this order when both are: the writer's, held while batches are
  // written (so lines leave in order, and a producer that finds the output 1 MB behind
  // waits for the write: backpressure), and the queue's, held only to append or take a
  // batch (so the router's threads do not wait for writes).
  std::mutex write_mu_;
  std::mutex mu_;
  std::condition_variable_any wake_;
  int fd_;
  bool colour_;
  const bool has_file_;          ///< whether there is a file to write (its descriptor may change)
  std::string pending_;          ///< mu_
  std::string pending_file_;     ///< mu_
  bool wake_requested_ = false;  ///< mu_: a batch is due and the flusher was told
  int file_fd_ = -1;             ///< write_mu_
  std::string prefix_;
  bool messages_only_ = false;
  std::string writing_;              ///< write_mu_: the batch being written (kept for its capacity)
  std::string writing_file_;         ///< write_mu_
  std::string rotate_path_;          ///< write_mu_
  std::uintmax_t rotate_bytes_ = 0;  ///< write_mu_
  std::function<SystemTime()> clock_;
  std::jthread flusher_;  ///< writes queued lines every kFlushEvery; last member: stops first
};

}  // namespace lokku::common
