#pragma once
// One webhook delivery's POST (drains-webhooks-metrics.md §3.4), over HTTP or HTTPS (the
// system's certificate authorities and lokku's local one trusted), each try with a time limit.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace lokku::webhooks {

struct SendResult {
  std::optional<int> code;  ///< the receiver's status, when it answered
  std::string error_class;  ///< else why not: Timeout, ConnectionRefused, TlsError, ...
  std::string body;         ///< the answer's body (up to 1 MiB)
};

struct SendTiming {
  std::chrono::milliseconds connect{5000};   ///< connect and TLS handshake
  std::chrono::milliseconds request{20000};  ///< the whole POST and its answer
};

class Sender {
 public:
  /// `ca_file`: lokku's local CA (a receiver on this machine), trusted beside the system's.
  explicit Sender(const std::string& ca_file, SendTiming timing = {});
  ~Sender();
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;

  /// POSTs `body` (application/json) with `headers`; never throws.
  SendResult post(const std::string& url,
                  const std::vector<std::pair<std::string, std::string>>& headers,
                  const std::string& body);
  /// The same with another method (GET: `body` empty).
  SendResult send(const std::string& method, const std::string& url,
                  const std::vector<std::pair<std::string, std::string>>& headers,
                  const std::string& body);

  /// Ends the send under way at once ("Cancelled") and refuses later ones: any thread.
  void cancel();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace lokku::webhooks
