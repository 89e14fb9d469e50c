#pragma once
// The Platform API's HTTP server: loopback only, plain HTTP and TLS on one port, its own
// io_context and threads (handlers may block on the store or a release phase), a body limit,
// the log streams (SSE) the CLI fetches without a token, and the apps' git repositories.

#include "api/api.hpp"
#include "api/git_backend.hpp"
#include "common/asio.hpp"

#include <memory>
#include <thread>
#include <vector>

namespace lokku::api {

class Server {
 public:
  /// `port` 0: any free port. Never binds beyond 127.0.0.1 (issue: the API stays local).
  /// `git`: serves the apps' git repositories (`/<app>.git/...`) when given; outlives the
  /// server. The port speaks TLS too (a certificate of lokku's CA, platform/local_ca.hpp).
  Server(Api& api, store::Store& store, unsigned port, unsigned threads = 4,
         const GitBackend* git = nullptr);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds and starts serving; throws std::system_error naming the port.
  void start();
  void stop();
  unsigned port() const { return port_; }

  struct State;

 private:
  std::unique_ptr<net::io_context> ioc_;
  std::shared_ptr<State> state_;
  std::vector<std::thread> threads_;
  unsigned threads_wanted_;
  unsigned port_;
};

}  // namespace lokku::api
