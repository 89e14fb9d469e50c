#pragma once
// A log drain's receiver on 127.0.0.1 for tests (drains-webhooks-metrics.md §2.2, §2.3): an
// HTTP(S) endpoint that records each POST and answers the statuses a test scripts, or a
// syslog endpoint (TCP or TLS) that splits its stream into octet-counted messages.

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace lokku::test {

class DrainReceiver {
 public:
  enum class Protocol { http, syslog };
  /// TLS when `cert` and `key` (PEM files) are given.
  explicit DrainReceiver(Protocol protocol, const std::filesystem::path& cert = {},
                         const std::filesystem::path& key = {});
  ~DrainReceiver();
  DrainReceiver(const DrainReceiver&) = delete;
  DrainReceiver& operator=(const DrainReceiver&) = delete;

  unsigned port() const;

  /// The statuses the next POSTs get, in order; `then` once they are used up.
  void answer(std::vector<int> statuses, int then = 200);
  /// While on, a POST is read and never answered (a receiver that hangs).
  void hang(bool on);

  struct Post {
    std::map<std::string, std::string> headers;  ///< names lower-case
    std::string body;
    int status = 0;  ///< what it was answered (0: not answered)
  };
  /// Decides the status of each POST not scripted by `answer` (a receiver that checks what
  /// it gets: a webhook's signature).
  void judge(std::function<int(const Post&)> decide);
  /// Waits until `n` POSTs have come.
  bool wait_for_posts(std::size_t n,
                      std::chrono::milliseconds timeout = std::chrono::seconds(20)) const;
  std::vector<Post> posts() const;
  /// Every message received whole (octet counting undone), in arrival order; for HTTP, those
  /// of POSTs answered 2xx only.
  std::vector<std::string> messages() const;
  /// Waits until a message contains `needle`.
  bool wait_for(const std::string& needle,
                std::chrono::milliseconds timeout = std::chrono::seconds(20)) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

/// Splits octet-counted messages (`<LEN> <msg>`...) off the front of `data`; what is left is
/// an incomplete one. Returns false when the framing is broken.
bool split_octet_counted(std::string& data, std::vector<std::string>& out);

}  // namespace lokku::test
