#pragma once

#include "common/log_line.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace spdlog::sinks {
class sink;
}

namespace lokku::common {

/// Calls `f` with each line of one record of an AppLog (the payload an spdlog sink of the
/// stream is given), in the order they were logged.
void for_each_line(std::string_view record, const std::function<void(const LogLine&)>& f);

/// The app log stream (the `logplex` of one lokku process): every `app[...]` and `heroku[...]`
/// line goes through here, as an spdlog async logger with the blocking overflow policy,
/// written by sinks of ours that each format with a formatter of ours: the terminal (Heroku's
/// frame, colour per process type, a prefix per app, or the dynos' bare messages) and the
/// app's log file (Heroku's frame, rotated), which `heroku logs --tail` and the API's log
/// sessions read, since one-offs and builds in other lokku processes append to it too.
///
/// A record of the logger is a batch of lines, not one line: add() appends the line's time,
/// colour key, source, dyno and message to a staging batch under a short lock, and the batch
/// becomes one record once it holds kBatchBytes, once kFlushEvery has passed since its first
/// line, or on push()/flush(). The worker formats a record into Heroku's lines and writes it
/// with one write(2) per sink. So a router thread that logs a request neither formats a
/// timestamp nor wakes the worker nor allocates (one record per line measured 0.75x the
/// router's requests/s: a queue wake-up and an allocation per line), and does not wait for
/// the disk or the terminal. When the output falls kQueueRecords records behind, the queue's
/// blocking overflow policy makes producers wait: lines are never dropped, and memory stays
/// bounded (about kQueueRecords × kBatchBytes). Lines of two dynos never interleave
/// mid-line; each source's lines leave in the order they were logged. Thread-safe: the dyno
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

  /// A staging batch becomes a record of the logger once it holds this many bytes.
  static constexpr std::size_t kBatchBytes = 64 * 1024;
  /// How many records (batches, flush marks) of all streams may wait in the shared queue
  /// before producers wait: about 4 MB of lines.
  static constexpr std::size_t kQueueRecords = 64;
  /// A line leaves within this, sooner once its batch is full, or with the next push/flush.
  static constexpr std::chrono::milliseconds kFlushEvery{20};

  /// The clock used to stamp lines; tests of pure formatting inject their own.
  void set_clock(std::function<SystemTime()> clock) { clock_ = std::move(clock); }

  /// Queues one line. `colour_key` picks the dyno's colour (index of its process type).
  void add(std::string_view source, std::string_view dyno, std::string_view message,
           std::size_t colour_key = 0);
  /// Queues one line that was stamped already (a line read back from an app's log file).
  void add(const LogLine& line);
  /// Returns once every line queued before it is written (backpressure on dynos instead of
  /// unbounded memory).
  void flush();
  /// Hands every staged line to the worker now, without waiting for it to be written (a
  /// dyno's reader after each read: its lines show at once, and its thread goes on reading;
  /// it waits only when the queue is full).
  void push();
  /// add() then flush().
  void line(std::string_view source, std::string_view dyno, std::string_view message,
            std::size_t colour_key = 0);

  bool colour() const { return colour_; }

  /// On `fd`, only what the dynos print (`app[...]` lines but `app[api]`), each message bare:
  /// how a git push shows a release command's output (git-and-ci.md §1.3). The file still
  /// gets every line whole. Set before the first line.
  void messages_only(bool on);

  /// Adds a sink that gets every record after the terminal and the file (a log drain). It
  /// is called on the stream's worker thread and must not block: a slow drain must not slow
  /// the router or a dyno. Lines queued before a flush() have reached it when flush returns.
  void add_drain(std::shared_ptr<spdlog::sinks::sink> drain);
  void remove_drain(const std::shared_ptr<spdlog::sinks::sink>& drain);

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
