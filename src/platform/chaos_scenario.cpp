#include "platform/chaos_scenario.hpp"

#include "release/error.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>

namespace lokku::platform {

namespace {

[[noreturn]] void fail(const std::string& file, const YAML::Node& at, const std::string& what) {
  const auto mark = at.Mark();
  throw release::InputError(
      fmt::format("{}:{}: {}", file, mark.is_null() ? 0 : mark.line + 1, what));
}

std::string scalar(const std::string& file, const YAML::Node& n, const std::string& key) {
  if (!n.IsScalar()) {
    fail(file, n, fmt::format("{}: must be a single value", key));
  }
  return n.Scalar();
}

std::chrono::milliseconds duration(const std::string& file, const YAML::Node& n,
                                   const std::string& key, bool zero_ok) {
  const auto text = scalar(file, n, key);
  if (zero_ok && (text == "0" || text == "0s")) {
    return std::chrono::milliseconds(0);
  }
  auto d = parse_duration(text);
  if (!d) {
    fail(file, n,
         fmt::format("{}: '{}' is not a duration (a whole number and ms, s, m or h: 30s)", key,
                     text));
  }
  return *d;
}

}  // namespace

Scenario parse_scenario(const std::string& text, const std::string& file) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw release::InputError(
        fmt::format("{}:{}: {}", file, e.mark.is_null() ? 0 : e.mark.line + 1, e.msg));
  }
  if (!root.IsMap()) {
    throw release::InputError(fmt::format(
        "{}:1: a scenario is a map with recover_within and steps (see lokku chaos:run --help)",
        file));
  }
  Scenario s;
  for (const auto& kv : root) {
    const auto key = kv.first.as<std::string>();
    if (key == "app") {
      s.app = scalar(file, kv.second, key);
    } else if (key == "recover_within") {
      s.recover_within = duration(file, kv.second, key, false);
    } else if (key == "check") {
      s.check = scalar(file, kv.second, key);
      if (s.check.empty() || s.check[0] != '/') {
        fail(file, kv.second, fmt::format("check: '{}' is not a path (/health)", s.check));
      }
    } else if (key != "steps") {
      fail(file, kv.first,
           fmt::format("{}: not a scenario key (app, recover_within, check, steps)", key));
    }
  }
  if (s.recover_within.count() == 0) {
    throw release::InputError(fmt::format(
        "{}:1: recover_within: missing (how long the app may take to recover: 60s)", file));
  }
  const auto steps = root["steps"];
  if (!steps || !steps.IsSequence() || steps.size() == 0) {
    fail(file, steps ? steps : root, "steps: give a list of steps (- at: 0s, fault: crash)");
  }
  static const std::set<std::string> fault_keys = {"at",  "fault", "type",  "dyno",      "addon",
                                                   "for", "rate",  "delay", "after_head"};
  for (const auto& n : steps) {
    if (!n.IsMap()) {
      fail(file, n, "a step is a map (at, and fault or clear)");
    }
    ScenarioStep step;
    step.line = n.Mark().is_null() ? 0 : n.Mark().line + 1;
    if (!n["at"]) {
      fail(file, n, "at: missing (when the step runs, from the start: 0s, 30s)");
    }
    step.at = duration(file, n["at"], "at", true);
    if (n["clear"]) {
      if (n.size() != 2 || !n["clear"].IsScalar() || n["clear"].Scalar() != "true") {
        fail(file, n["clear"], "clear: a clear step is `at` and `clear: true`, nothing else");
      }
      step.clear = true;
    } else if (n["fault"]) {
      auto& f = step.fault;
      for (const auto& kv : n) {
        const auto key = kv.first.as<std::string>();
        if (!fault_keys.contains(key)) {
          fail(file, kv.first,
               fmt::format("{}: not a key of a fault step (at, fault, type, dyno, addon, for, "
                           "rate, delay, after_head)",
                           key));
        }
        const auto value = scalar(file, kv.second, key);
        if (key == "fault") {
          f.kind = value;
        } else if (key == "type") {
          f.type = value;
        } else if (key == "dyno") {
          f.dyno = value;
        } else if (key == "addon") {
          f.addon = value;
        } else if (key == "for") {
          (void)duration(file, kv.second, key, false);
          f.duration = value;
        } else if (key == "delay") {
          (void)duration(file, kv.second, key, false);
          f.delay = value;
        } else if (key == "rate") {
          try {
            f.rate = kv.second.as<double>();
          } catch (const YAML::Exception&) {
            fail(file, kv.second, fmt::format("rate: '{}' is not a number", value));
          }
        } else if (key == "after_head") {
          if (value != "true" && value != "false") {
            fail(file, kv.second, "after_head: true or false");
          }
          f.after_head = value == "true";
        }
      }
      const auto& kinds = fault_kinds();
      if (std::find(kinds.begin(), kinds.end(), f.kind) == kinds.end()) {
        fail(file, n["fault"],
             fmt::format("fault: '{}' is not one of: {}", f.kind, fmt::join(kinds, ", ")));
      }
    } else {
      fail(file, n, "a step needs `fault: KIND` or `clear: true`");
    }
    s.steps.push_back(std::move(step));
  }
  std::stable_sort(s.steps.begin(), s.steps.end(),
                   [](const ScenarioStep& a, const ScenarioStep& b) { return a.at < b.at; });
  // A fault that holds must end: by its `for`, or by a clear step after it.
  for (std::size_t i = 0; i < s.steps.size(); ++i) {
    const auto& st = s.steps[i];
    if (st.clear || st.fault.kind == "crash" || st.fault.kind == "cycle" ||
        !st.fault.duration.empty()) {
      continue;
    }
    const bool cleared = std::any_of(s.steps.begin() + static_cast<long>(i) + 1, s.steps.end(),
                                     [](const ScenarioStep& x) { return x.clear; });
    if (!cleared) {
      throw release::InputError(fmt::format(
          "{}:{}: {} holds until cleared: give it `for: 30s` or add a later `clear: true` step "
          "(the app could never recover)",
          file, st.line, st.fault.kind));
    }
  }
  return s;
}

}  // namespace lokku::platform
