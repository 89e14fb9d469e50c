#include "platform/chaos.hpp"

#include "common/ids.hpp"
#include "common/log_line.hpp"
#include "metrics/report.hpp"
#include "release/error.hpp"
#include "store/files.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace lokku::platform {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

fs::path faults_file(const store::Store& store) {
  return store.home() / "chaos.json";
}

Fault fault_from_json(const json::object& o) {
  auto text = [&](const char* key) {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  Fault f;
  f.id = static_cast<int>(o.at("id").to_number<std::int64_t>());
  f.kind = text("kind");
  f.app = text("app");
  f.type = text("type");
  f.dyno = text("dyno");
  f.addon = text("addon");
  if (const auto* r = o.if_contains("rate"); r && r->is_number()) {
    f.rate = r->to_number<double>();
  }
  if (const auto* d = o.if_contains("delay_ms"); d && d->is_number()) {
    f.delay_ms = static_cast<long>(d->to_number<std::int64_t>());
  }
  if (const auto* a = o.if_contains("after_head"); a && a->is_bool()) {
    f.after_head = a->as_bool();
  }
  f.until = text("until");
  f.created_at = text("created_at");
  return f;
}

/// The faults in force, and the last ID given (IDs are never given twice, even once the
/// faults that had them are over).
struct Recorded {
  std::vector<Fault> faults;
  int last_id = 0;
};

Recorded read_recorded(const store::Store& store) {
  Recorded out;
  auto text = store::read_file(faults_file(store));
  if (!text) {
    return out;
  }
  try {
    const auto parsed = json::parse(*text);
    const auto& o = parsed.as_object();
    out.last_id = static_cast<int>(o.at("last_id").to_number<std::int64_t>());
    for (const auto& v : o.at("faults").as_array()) {
      out.faults.push_back(fault_from_json(v.as_object()));
      out.last_id = std::max(out.last_id, out.faults.back().id);
    }
  } catch (const std::exception& e) {
    throw release::InputError(
        fmt::format("{}: not lokku's list of faults ({}); remove it to "
                    "start again",
                    faults_file(store).string(), e.what()));
  }
  return out;
}

std::vector<Fault> read_all(const store::Store& store) {
  return read_recorded(store).faults;
}

void write_recorded(const store::Store& store, const Recorded& r) {
  json::array a;
  for (const auto& f : r.faults) {
    a.push_back(to_json(f));
  }
  json::object o;
  o["last_id"] = r.last_id;
  o["faults"] = std::move(a);
  store::write_file_atomic(faults_file(store), json::serialize(o) + "\n", 0600);
}

store::FileLock lock(const store::Store& store) {
  return store::FileLock(store.home() / "chaos.lock");
}

}  // namespace

const std::vector<std::string>& fault_kinds() {
  static const std::vector<std::string> kinds = {"crash",       "slow", "refuse", "reset",
                                                 "garbage",     "drop", "memory", "addon-stop",
                                                 "addon-pause", "cycle"};
  return kinds;
}

bool Fault::in_router() const {
  return kind == "slow" || kind == "refuse" || kind == "reset" || kind == "garbage" ||
         kind == "drop";
}

common::RouterFault Fault::router_fault() const {
  using K = common::RouterFaultKind;
  common::RouterFault r;
  r.kind = kind == "slow"      ? K::slow
           : kind == "refuse"  ? K::refuse
           : kind == "reset"   ? K::reset
           : kind == "garbage" ? K::garbage
                               : K::drop;
  r.dyno = dyno;
  r.rate = rate > 0 ? rate : 1;
  r.delay = std::chrono::milliseconds(delay_ms);
  r.after_head = after_head;
  return r;
}

Fault add_fault(const store::Store& store, const FaultRequest& r,
                std::chrono::system_clock::time_point now) {
  const auto& kinds = fault_kinds();
  if (std::find(kinds.begin(), kinds.end(), r.kind) == kinds.end()) {
    throw release::InputError(
        fmt::format("kind '{}' is not one of: {}", r.kind, fmt::join(kinds, ", ")));
  }
  const auto app = store.load(r.app);
  const bool on_addons = r.kind.rfind("addon-", 0) == 0;
  if (!r.type.empty() && !r.dyno.empty()) {
    throw release::InputError("give --type or --dyno, not both");
  }
  if (on_addons && (!r.type.empty() || !r.dyno.empty())) {
    throw release::InputError(fmt::format("{} acts on add-ons: name one with --addon", r.kind));
  }
  if (!on_addons && !r.addon.empty()) {
    throw release::InputError(
        fmt::format("--addon is for addon-stop and addon-pause, not {}", r.kind));
  }
  if (on_addons && app.addons.empty()) {
    throw release::InputError(fmt::format("{} has no add-ons", r.app));
  }
  if (!r.addon.empty() && app.find_addon(r.addon) == nullptr) {
    throw release::InputError(fmt::format("--addon {}: not an add-on of {}", r.addon, r.app));
  }
  const auto* cur = app.current();
  auto has_type = [&](const std::string& type) {
    return cur != nullptr && cur->process_types.count(type) > 0;
  };
  if (!r.type.empty() && !has_type(r.type)) {
    throw release::InputError(fmt::format("--type {}: {} has no such process type", r.type, r.app));
  }
  if (!r.dyno.empty()) {
    const auto dot = r.dyno.rfind('.');
    if (dot == std::string::npos || !has_type(r.dyno.substr(0, dot)) ||
        r.dyno.find_first_not_of("0123456789", dot + 1) != std::string::npos ||
        dot + 1 == r.dyno.size()) {
      throw release::InputError(
          fmt::format("--dyno {}: not a dyno of {} (web.1, worker.2)", r.dyno, r.app));
    }
  }
  Fault f;
  f.kind = r.kind;
  if (f.in_router()) {
    // The router meets web dynos only.
    if (!r.type.empty() && r.type != "web") {
      throw release::InputError(
          fmt::format("--type {}: {} acts in the router, on web dynos (--type web or --dyno web.N)",
                      r.type, r.kind));
    }
    if (!r.dyno.empty() && r.dyno.rfind("web.", 0) != 0) {
      throw release::InputError(fmt::format(
          "--dyno {}: {} acts in the router, on web dynos (--dyno web.N)", r.dyno, r.kind));
    }
  }
  f.app = r.app;
  f.type = r.type;
  f.dyno = r.dyno;
  f.addon = r.addon.empty() ? std::string() : app.find_addon(r.addon)->name;  // DATABASE → its name
  if (r.kind == "memory") {
    f.rate = r.rate.value_or(1.5);
    if (f.rate <= 0 || f.rate > 100) {
      throw release::InputError(fmt::format(
          "--rate {}: the share of the quota held, such as 1.5 (R14) or 2.5 (R15)", f.rate));
    }
  } else if (f.in_router()) {
    f.rate = r.rate.value_or(1);
    if (!(f.rate > 0 && f.rate <= 1)) {
      throw release::InputError(fmt::format(
          "--rate {}: the share of requests the fault meets, above 0 and at most 1 (0.25)",
          f.rate));
    }
  } else if (r.rate) {
    throw release::InputError(
        fmt::format("--rate is for memory and the router's faults, not {}", r.kind));
  }
  if (!r.delay.empty()) {
    if (r.kind != "slow") {
      throw release::InputError(fmt::format("--delay is for slow, not {}", r.kind));
    }
    const auto d = parse_duration(r.delay);
    if (!d) {
      throw release::InputError(fmt::format(
          "--delay {}: not a duration (a whole number and ms, s, m or h: 500ms, 40s)", r.delay));
    }
    f.delay_ms = static_cast<long>(d->count());
  }
  if (r.after_head) {
    if (r.kind != "slow" && r.kind != "reset") {
      throw release::InputError(fmt::format("--after-head is for slow and reset, not {}", r.kind));
    }
    f.after_head = true;
  }
  if (!r.duration.empty()) {
    if (f.once()) {
      throw release::InputError(fmt::format("{} happens once: --for does not apply", r.kind));
    }
    auto d = parse_duration(r.duration);
    if (!d) {
      throw release::InputError(fmt::format(
          "--for {}: not a duration (a whole number and ms, s, m or h: 30s, 5m)", r.duration));
    }
    f.until = common::iso8601(now + *d);
  }
  f.created_at = common::iso8601(now);
  auto held = lock(store);
  auto recorded = read_recorded(store);
  f.id = ++recorded.last_id;
  recorded.faults.push_back(f);
  write_recorded(store, recorded);
  return f;
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  if (text.ends_with("ms")) {
    long ms = 0;
    const char* end = text.data() + text.size() - 2;
    auto [stop, ec] = std::from_chars(text.data(), end, ms);
    if (ec == std::errc() && stop == end && ms > 0) {
      return std::chrono::milliseconds(ms);
    }
    return std::nullopt;
  }
  if (auto p = metrics::parse_period(text)) {
    return std::chrono::milliseconds(*p);
  }
  return std::nullopt;
}

std::optional<int> parse_fault_id(std::string_view text) {
  int id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return id;
}

std::vector<Fault> read_faults(const store::Store& store, const std::string& app) {
  auto all = read_all(store);
  if (!app.empty()) {
    std::erase_if(all, [&](const Fault& f) { return f.app != app; });
  }
  return all;
}

std::vector<Fault> clear_faults(const store::Store& store, const std::string& app,
                                std::optional<int> id) {
  auto held = lock(store);
  auto recorded = read_recorded(store);
  std::vector<Fault> kept, gone;
  for (auto& f : recorded.faults) {
    const bool matches = (app.empty() || f.app == app) && (!id || f.id == *id);
    (matches ? gone : kept).push_back(std::move(f));
  }
  if (id && gone.empty()) {
    throw release::InputError(fmt::format("no fault {}{}; see lokku chaos:list", *id,
                                          app.empty() ? std::string() : " on " + app));
  }
  if (!gone.empty()) {
    recorded.faults = std::move(kept);
    write_recorded(store, recorded);
  }
  return gone;
}

json::object to_json(const Fault& f) {
  json::object o;
  o["id"] = f.id;
  o["kind"] = f.kind;
  o["app"] = f.app;
  o["type"] = f.type;
  o["dyno"] = f.dyno;
  o["addon"] = f.addon;
  if (f.kind == "memory" || f.in_router()) {
    o["rate"] = f.rate;
  }
  if (f.kind == "slow") {
    o["delay_ms"] = f.delay_ms;
  }
  if (f.kind == "slow" || f.kind == "reset") {
    o["after_head"] = f.after_head;
  }
  o["until"] = f.until.empty() ? json::value(nullptr) : json::value(f.until);
  o["created_at"] = f.created_at;
  return o;
}

std::string describe(const Fault& f) {
  std::string what = f.kind;
  if (!f.dyno.empty()) {
    what += " " + f.dyno;
  } else if (!f.type.empty()) {
    what += " " + f.type + " (every dyno)";
  } else if (!f.addon.empty()) {
    what += " " + f.addon;
  } else {
    what += f.kind.rfind("addon-", 0) == 0 ? " (every add-on)" : " (every dyno)";
  }
  if (f.kind == "memory") {
    what += fmt::format(" at {:.0f}% of its quota", f.rate * 100);
  }
  if (f.kind == "slow") {
    what += f.delay_ms > 0 ? fmt::format(" by {}s", f.delay_ms / 1000.0)
                           : std::string(" (never answers in time)");
  }
  if (f.after_head) {
    what += " after the head";
  }
  if (f.in_router() && f.rate < 1) {
    what += fmt::format(" on {:.0f}% of requests", f.rate * 100);
  }
  if (f.once()) {
    what += ", once";
  } else {
    what += f.until.empty() ? ", until cleared" : ", until " + f.until;
  }
  return what;
}

}  // namespace lokku::platform
