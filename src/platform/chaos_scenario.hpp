#pragma once
// A chaos scenario (issue #25 point 1): a YAML file of timed steps that add faults to one app
// and clear them, and the bound within which the app must have recovered once they are done.
// `lokku chaos:run FILE` plays it. The file:
//
//   app: shop                # the app (or -a APP)
//   recover_within: 60s      # after the last step, on the platform's clock
//   check: /health           # the path the router must answer below 500 (default /)
//   steps:
//     - at: 0s               # from the start, on the platform's clock
//       fault: crash         # a kind, with chaos:add's options as keys:
//       type: web            #   type, dyno, addon, for, rate, delay, after_head
//     - at: 10s
//       fault: slow
//       delay: 2s
//       rate: 0.5
//     - at: 40s
//       clear: true          # ends every fault this scenario added that still holds

#include "platform/chaos.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace lokku::platform {

struct ScenarioStep {
  std::chrono::milliseconds at{0};
  int line = 0;        ///< in the file, for messages
  FaultRequest fault;  ///< when `fault.kind` is set (its app: the scenario's)
  bool clear = false;
};

struct Scenario {
  std::string app;
  std::chrono::milliseconds recover_within{0};
  std::string check = "/";
  std::vector<ScenarioStep> steps;  ///< by `at`, in the file's order for equal times
};

/// Parses a scenario; `file` names it in errors. Throws InputError naming the file, the line
/// and the key at fault: a missing or bad `recover_within`, a step without `at` or with neither
/// `fault` nor `clear`, a key chaos:add does not take, a fault that holds with neither `for`
/// nor a later `clear` (the app could never recover).
Scenario parse_scenario(const std::string& text, const std::string& file);

}  // namespace lokku::platform
