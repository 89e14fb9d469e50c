#pragma once
// The seam between the dyno manager and the router (STYLE.md §1): the manager publishes an
// immutable table of web dynos; the router takes one snapshot per request and keeps it.

#include "common/asio.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace lokku::common {

enum class WebDynoState { starting, up, crashed };

struct WebDyno {
  std::string name;  ///< web.1
  WebDynoState state = WebDynoState::starting;
  std::uint16_t port = 0;  ///< on 127.0.0.1; 0 while no process runs
};

struct WebDynoTable {
  std::uint64_t generation = 0;
  bool has_release = true;           ///< false: H81 (blank app)
  bool maintenance = false;          ///< H80
  std::string error_page_url;        ///< ERROR_PAGE_URL config var (PAGE-2)
  std::string maintenance_page_url;  ///< MAINTENANCE_PAGE_URL config var
  std::vector<WebDyno> dynos;        ///< empty: web scaled to 0 (H14)
};

/// Thread-safe holder of the current table. The publisher (dyno manager) swaps in a new
/// table; readers take a shared_ptr and keep it for the life of a request. Waiters (requests
/// held for a booting dyno, LB-5) register a timer that every publish cancels.
class WebDynoFeed {
 public:
  WebDynoFeed();

  std::shared_ptr<const WebDynoTable> current() const;
  void publish(WebDynoTable table);

  /// Cancels `timer` (through its executor) at the next publish. The timer must outlive
  /// the wait or be owned by a shared_ptr; an expired weak_ptr is skipped.
  void notify_on_publish(std::weak_ptr<net::steady_timer> timer);

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const WebDynoTable> table_;
  std::vector<std::weak_ptr<net::steady_timer>> waiters_;
};

}  // namespace lokku::common
