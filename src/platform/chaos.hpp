#pragma once
// Faults on purpose (issue #25 point 1): `lokku chaos:*` and `/lokku/chaos` write the faults a
// test asks for to `$LOKKU_HOME/chaos.json`; the running platform applies them to the app's
// dynos and add-on servers, and takes them back when they end (`--for`, on the platform's
// clock) or are cleared. What a fault does shows as Heroku would log it: a crash is a
// `Process exited with status 137` and Heroku's back-off, held memory is R14 (R15 when it is
// twice the quota), a stopped database refuses its connections, and what the router meets
// (slow, refuse, reset, garbage, drop) is its H-code: H12, H15, H19, H13, H18, H17.

#include "common/router_faults.hpp"
#include "store/store.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lokku::platform {

struct Fault {
  int id = 0;
  std::string kind;  ///< one of fault_kinds()
  std::string app;
  std::string type;   ///< a process type (the dynos it applies to), or empty
  std::string dyno;   ///< one dyno (`web.1`), or empty
  std::string addon;  ///< addon-*: the add-on (name or attachment); empty: every one
  /// memory: how much of the quota is held (default 1.5: R14); the router's kinds: the share
  /// of requests met (default 1: every one).
  double rate = 0;
  long delay_ms = 0;        ///< slow: how late the answer comes (0: never, the router times out)
  bool after_head = false;  ///< slow, reset: once the client has the head (H15, H18)
  /// When it ends on the platform's clock; empty: until cleared (or, for crash and cycle,
  /// once done).
  std::string until;
  std::string created_at;

  /// crash and cycle happen once; the others hold.
  bool once() const { return kind == "crash" || kind == "cycle"; }
  /// slow, refuse, reset, garbage and drop act in the router, on web dynos.
  bool in_router() const;
  /// What the router is to meet, for one of the router's kinds.
  common::RouterFault router_fault() const;
  /// Whether it is for the dyno `name` of process type `of_type` (--dyno, else --type, else
  /// every dyno).
  bool applies_to(const std::string& name, const std::string& of_type) const {
    return dyno.empty() ? (type.empty() || of_type == type) : name == dyno;
  }
};

/// A duration as `--delay` and scenario files give them: a whole number and ms, s, m or h.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

/// A fault's ID as `chaos:clear ID` and `DELETE /lokku/chaos/{id}` take it; nullopt when
/// `text` is not a whole number.
std::optional<int> parse_fault_id(std::string_view text);

/// The kinds, as `chaos:add --help` lists them.
const std::vector<std::string>& fault_kinds();

/// What `chaos:add` and `POST /lokku/chaos` are given.
struct FaultRequest {
  std::string kind;
  std::string app;
  std::string type;
  std::string dyno;
  std::string addon;
  std::string duration;  ///< `--for`: 30s, 5m, 1h; empty: until cleared
  std::optional<double> rate;
  std::string delay;  ///< slow: `--delay` (2s, 40s); empty: never answers in time
  bool after_head = false;
};

/// Checks the request against the app (it exists; the type, dyno or add-on is its) and
/// records the fault, numbered after the last; `now` is the platform's clock. Throws
/// InputError naming the field at fault.
Fault add_fault(const store::Store& store, const FaultRequest& request,
                std::chrono::system_clock::time_point now);
/// The faults recorded (an app's only, when given), oldest first.
std::vector<Fault> read_faults(const store::Store& store, const std::string& app = "");
/// Removes the app's faults (every app's when empty), or only fault `id`; returns those
/// removed. Throws InputError when `id` is not one.
std::vector<Fault> clear_faults(const store::Store& store, const std::string& app,
                                std::optional<int> id = std::nullopt);

boost::json::object to_json(const Fault& f);
/// `crash web (every dyno), once`, `memory web.1 at 150% of its quota for 5m` ...
std::string describe(const Fault& f);

}  // namespace lokku::platform
