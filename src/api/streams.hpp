#pragma once
// The streams an API answer hands out by URL (`/streams/<capability>`): a log session's lines
// (`heroku logs`) or a build's output (`heroku builds:output`). The capability is random,
// good for one stream and until it expires; fetching it needs no token, as Heroku's
// logplex_url and output_stream_url do not.

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace lokku::api {

/// A log session (POST /apps/{app}/log-sessions): what to stream, for whom, until when.
struct LogSession {
  std::string app;
  int lines = 100;
  bool tail = false;
  std::string source;
  std::string dyno;
  std::string build_id;  ///< set: the output of this build (plain text, until it ends)
  /// Set: the output of this release's release phase (its dyno `dyno`), plain text, until
  /// the release is no longer pending.
  int release_version = 0;
  std::chrono::steady_clock::time_point expires;
};

/// Thread-safe: the API serves on several threads.
class Streams {
 public:
  Streams();
  /// A new capability for `s` (expired ones are forgotten meanwhile).
  std::string add(LogSession s);
  /// The session a stream path names, if valid and unexpired; it is used up.
  std::optional<LogSession> take(const std::string& path);
  /// The stream path of a release phase's output: valid while this API runs and as often as
  /// asked (a release list names one for each release), signed instead of stored.
  std::string release_path(const std::string& app, int version) const;

 private:
  std::mutex mu_;
  std::map<std::string, LogSession> sessions_;
  std::string secret_;
  std::string sign(const std::string& what) const;
};

}  // namespace lokku::api
