#pragma once

#include "common/log_line.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace lokku::common {

/// The app log stream (the `logplex` of one lokku process): every `app[...]` and `heroku[...]`
/// line goes through here, as an spdlog async logger whose records are Heroku's lines
/// (dynos.md STATE-6), formatted by a formatter of ours and written by sinks of ours: the
/// terminal (colour per process type, a prefix per app) and the app's log file (rotated),
/// which `heroku logs --tail` and the API's log sessions read.
///
/// Lines queue in spdlog's bounded queue and leave from its worker thread, batched into one
/// write(2) per 64 KB or per kFlushEvery, so a router thread that logs a request does not
/// wait for the disk or the terminal. When the output falls kQueueLines lines behind, the
/// queue's blocking overflow policy makes producers wait: lines are never dropped, and
/// memory stays bounded. Lines of two dynos never interleave mid-line. Thread-safe: the dyno
/// manager's thread and the router's threads share one stream.
class AppLog {
 public:
  /// Writes to `fd` (stdout by default). Colours only when `colour` is set, which the CLI
  /// decides (a TTY and no NO_COLOR).
  explicit AppLog(int fd = 1, bool colour = false);
  /// Also appends every line, without colour or prefix, to `file_fd` (an app's log file,
  /// opened O_APPEND; the caller keeps it open, unless rotate_at() hands it over); `fd` -1
  /// writes the file only. `prefix` goes before each line on `fd` (the app's name when one
  /// stream carries several apps).
  AppLog(int fd, bool colour, int file_fd, std::string prefix);
  /// Writes every queued line first.
  ~AppLog();
  AppLog(const AppLog&) = delete;
  AppLog& operator=(const AppLog&) = delete;

  /// How many lines of all streams may wait in the queue before producers wait: at most
  /// 20 MB of 10 000-byte lines (STATE-6's longest), 0.9 MB of queue when idle.
  static constexpr std::size_t kQueueLines = 2048;
  /// Queued lines leave within this, sooner once 64 KB are formatted, or with the next flush.
  static constexpr std::chrono::milliseconds kFlushEvery{20};

  /// The clock used to stamp lines; tests of pure formatting inject their own.
  void set_clock(std::function<SystemTime()> clock) { clock_ = std::move(clock); }

  /// Queues one line. `colour_key` picks the dyno's colour (index of its process type).
  void add(std::string_view source, std::string_view dyno, std::string_view message,
           std::size_t colour_key = 0);
  /// Returns once every line queued before it is written (backpressure on dynos instead of
  /// unbounded memory).
  void flush();
  /// Asks for every queued line to be written now, without waiting for it (a dyno's reader
  /// after each read: its lines show at once, and its thread goes on reading).
  void push();
  /// add() then flush().
  void line(std::string_view source, std::string_view dyno, std::string_view message,
            std::size_t colour_key = 0);

  bool colour() const { return colour_; }

  /// On `fd`, only what the dynos print (`app[...]` lines but `app[api]`), each message bare:
  /// how a git push shows a release command's output (git-and-ci.md §1.3). The file still
  /// gets every line whole. Set before the first line.
  void messages_only(bool on);

  /// Keeps the file behind `file_fd` (which the stream then owns) from growing without end:
  /// once it is past `max_bytes` it becomes `<path>.1` (replacing the one before) and a new
  /// `<path>` is started. Only when `path` is still that file: another writer that rotated
  /// it first is followed, not rotated again.
  void rotate_at(std::string path, std::uintmax_t max_bytes);

 private:
  struct Impl;
  bool colour_;
  std::function<SystemTime()> clock_;
  std::unique_ptr<Impl> impl_;  ///< last member: its flusher stops before the rest goes
};

}  // namespace lokku::common
