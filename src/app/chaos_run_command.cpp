// lokku chaos:run SCENARIO.yaml (issue #25 point 1): plays a scenario's steps on the platform's
// clock (platform/chaos_scenario.hpp), then waits, within the bound the file states, until the
// app has recovered: none of the scenario's faults holds any more, every dyno of its formation
// is up (lokku wait's readiness) and the router answers the check path below 500. Exits 0 when
// it has, 1 when it has not (saying what is still wrong; the scenario's faults are cleared
// then, so that the platform is left as it was found).
#include "app/command_support.hpp"
#include "app/commands.hpp"
#include "app/platform_clock.hpp"
#include "common/log_line.hpp"
#include "metrics/report.hpp"
#include "platform/chaos_scenario.hpp"
#include "platform/platform_file.hpp"
#include "platform/readiness.hpp"
#include "release/error.hpp"
#include "store/files.hpp"
#include "webhooks/sender.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <set>
#include <thread>

namespace lokku::app {

namespace {

using std::chrono::milliseconds;
using Time = std::chrono::system_clock::time_point;

std::string offset(milliseconds at) {
  if (at.count() == 0) {
    return "+0s";
  }
  if (at.count() % 1000 != 0) {
    return fmt::format("+{}ms", at.count());
  }
  return "+" + metrics::format_period(std::chrono::duration_cast<std::chrono::seconds>(at));
}

/// What keeps the app from having recovered; empty when nothing does.
std::vector<std::string> not_recovered(const store::Store& st, const std::string& app,
                                       const platform::Scenario& sc, const std::set<int>& ours) {
  std::vector<std::string> why;
  for (const auto& f : platform::read_faults(st, app)) {
    if (ours.contains(f.id)) {
      why.push_back(fmt::format("fault {} still holds ({})", f.id, platform::describe(f)));
    }
  }
  const auto r = platform::readiness(st, app);
  for (const auto* parts : {&r.pending, &r.failed}) {
    if (auto it = parts->find(app); it != parts->end()) {
      for (const auto& [part, state] : it->second) {
        why.push_back(fmt::format("{}: {}", part, state));
      }
    }
  }
  const auto running = platform::running_platform(st);
  if (!running) {
    why.emplace_back("the platform stopped");
    return why;
  }
  webhooks::Sender sender("", webhooks::SendTiming{milliseconds(2000), milliseconds(5000)});
  const auto answer =
      sender.send("GET", fmt::format("http://127.0.0.1:{}{}", running->router_port, sc.check),
                  {{"Host", app + ".localhost"}}, "");
  if (!answer.code) {
    why.push_back(fmt::format("GET {}: {}", sc.check, answer.error_class));
  } else if (*answer.code >= 500) {
    why.push_back(fmt::format("GET {} answered {}", sc.check, *answer.code));
  }
  return why;
}

}  // namespace

int run_chaos_run(const CommandOptions& o) {
  if (o.args.size() != 1) {
    throw release::InputError("lokku chaos:run: give one SCENARIO.yaml");
  }
  const auto& file = o.args[0];
  const auto text = store::read_file(file);
  if (!text) {
    throw release::InputError(fmt::format("{}: cannot read it", file));
  }
  const auto sc = platform::parse_scenario(*text, file);
  std::string app = o.app ? *o.app : sc.app;
  if (app.empty()) {
    try {
      app = app_of(o);  // $LOKKU_APP (lokku exec), or the directory's git remote
    } catch (const release::InputError&) {
      throw release::InputError(
          fmt::format("{}: which app? give `app:` in the file or -a APP", file));
    }
  }
  auto st = open_store();
  (void)st.load(app);  // an unknown app is refused before anything starts
  if (!platform::running_platform(st)) {
    throw release::InputError(
        "no platform is running here: a scenario acts on lokku up's dynos (start it)");
  }
  const double rate = [&] {
    const auto c = platform_clock(st, "GET");
    const auto* r = c.if_contains("rate");
    return r && r->is_number() ? std::max(r->to_number<double>(), 1e-3) : 1.0;
  }();
  // Waits until the platform's clock reads `due`, asking it a few times a second.
  auto wait_for_clock = [&](Time due) {
    for (auto now = platform_now(st); now < due; now = platform_now(st)) {
      const auto left = std::chrono::duration_cast<milliseconds>(due - now);
      std::this_thread::sleep_for(std::clamp(milliseconds(static_cast<long>(left.count() / rate)),
                                             milliseconds(1), milliseconds(200)));
    }
  };

  std::cout << fmt::format("Scenario {} on ⬢ {}: {} step{}, then recovery within {}\n", file, app,
                           sc.steps.size(), sc.steps.size() == 1 ? "" : "s",
                           offset(sc.recover_within).substr(1));
  std::set<int> ours;  // the faults this scenario added
  // Clears the scenario's faults; returns those that were in force (not those whose `for` is
  // over, which the platform has not yet taken off the list).
  auto clear_ours = [&]() {
    std::vector<int> gone;
    const auto now = platform_now(st);
    for (int id : ours) {
      try {
        for (const auto& f : platform::clear_faults(st, app, id)) {
          if (auto until = common::parse_timestamp(f.until); !until || *until > now) {
            gone.push_back(f.id);
          }
        }
      } catch (const release::InputError&) {
        // over already
      }
    }
    return gone;
  };
  const Time start = platform_now(st);
  try {
    for (const auto& step : sc.steps) {
      wait_for_clock(start + step.at);
      if (step.clear) {
        const auto gone = clear_ours();
        std::cout << fmt::format(
            "  {:<7} {}\n", offset(step.at),
            gone.empty() ? std::string("no fault of this scenario holds")
                         : fmt::format("cleared fault{} {}", gone.size() == 1 ? "" : "s",
                                       fmt::join(gone, ", ")));
        continue;
      }
      auto r = step.fault;
      r.app = app;
      try {
        const auto f = platform::add_fault(st, r, platform_now(st));
        ours.insert(f.id);
        std::cout << fmt::format("  {:<7} fault {}: {}\n", offset(step.at), f.id,
                                 platform::describe(f));
      } catch (const release::InputError& e) {
        throw release::InputError(fmt::format("{}:{}: {}", file, step.line, e.what()));
      }
      std::cout.flush();
    }
  } catch (...) {
    clear_ours();
    throw;
  }

  const Time steps_done = platform_now(st);
  const Time deadline = steps_done + sc.recover_within;
  std::cout << fmt::format("Waiting for ⬢ {} to recover (within {})...\n", app,
                           offset(sc.recover_within).substr(1));
  std::cout.flush();
  std::vector<std::string> why;
  for (;;) {
    why = not_recovered(st, app, sc, ours);
    const auto now = platform_now(st);
    if (why.empty()) {
      const auto took = std::chrono::duration_cast<milliseconds>(now - steps_done);
      std::cout << fmt::format(
          "Recovered {} after the last step on the platform's clock: every dyno up, GET {} "
          "answered below 500\n",
          offset(took).substr(1), sc.check);
      return 0;
    }
    if (now >= deadline) {
      break;
    }
    std::this_thread::sleep_for(milliseconds(std::clamp(static_cast<long>(250 / rate), 20L, 250L)));
  }
  const auto gone = clear_ours();
  std::cerr << fmt::format("lokku chaos:run: ⬢ {} did not recover within {}:\n", app,
                           offset(sc.recover_within).substr(1));
  for (const auto& w : why) {
    std::cerr << "  " << w << "\n";
  }
  if (!gone.empty()) {
    std::cerr << fmt::format("(cleared the scenario's fault{} still in force: {})\n",
                             gone.size() == 1 ? "" : "s", fmt::join(gone, ", "));
  }
  return 1;
}

}  // namespace lokku::app
