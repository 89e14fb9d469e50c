// scheduler, scheduler:add, scheduler:remove: Heroku Scheduler's jobs (dynos.md SCHED-1..4).
// The store keeps them; a running platform runs each as a `scheduler.N` one-off dyno.

#include "app/command_support.hpp"
#include "app/commands.hpp"
#include "app/platform_clock.hpp"
#include "common/ids.hpp"
#include "release/error.hpp"
#include "release/schedule.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <iostream>

namespace lokku::app {

int run_scheduler_add(const CommandOptions& o) {
  if (o.args.size() < 2) {
    throw release::InputError(
        "scheduler:add needs a frequency and a command: lokku scheduler:add \"every 10 "
        "minutes\" -- COMMAND");
  }
  auto frequency = release::parse_frequency(o.args[0]);
  std::string command = fmt::format("{}", fmt::join(o.args.begin() + 1, o.args.end(), " "));
  auto st = open_store();
  const std::string name = app_of(o);
  store::SchedulerJob job;
  st.update(name, [&](store::App& a) {
    int id = 1;
    for (const auto& j : a.scheduler) {
      id = std::max(id, j.id + 1);
    }
    job = {id, frequency.text(), command, common::iso8601_now()};
    a.scheduler.push_back(job);
  });
  std::cout << fmt::format("Added job {} to ⬢ {}: {}: {}\n", job.id, name, job.frequency,
                           job.command);
  return 0;
}

int run_scheduler(const CommandOptions& o) {
  auto st = open_store();
  auto app = st.load(app_of(o));
  if (app.scheduler.empty()) {
    std::cout << "No scheduled jobs on " << app.name
              << ". Add one with lokku scheduler:add \"every 10 minutes\" -- COMMAND\n";
    return 0;
  }
  std::cout << "=== ⬢ " << app.name << " Scheduler (UTC)\n";
  const auto now = platform_now(st);  // the platform runs its jobs on its clock
  for (const auto& j : app.scheduler) {
    auto next = release::next_run(release::parse_frequency(j.frequency), now);
    std::cout << fmt::format("{:<4} {:<21} next {}  {}\n", j.id, j.frequency, common::iso8601(next),
                             j.command);
  }
  return 0;
}

int run_scheduler_remove(const CommandOptions& o) {
  if (o.args.empty()) {
    throw release::InputError("scheduler:remove needs a job id (see lokku scheduler)");
  }
  int id = 0;
  try {
    id = std::stoi(o.args[0]);
  } catch (const std::exception&) {
    throw release::InputError(fmt::format("'{}' is not a job id (see lokku scheduler)", o.args[0]));
  }
  auto st = open_store();
  const std::string name = app_of(o);
  st.update(name, [&](store::App& a) {
    auto before = a.scheduler.size();
    std::erase_if(a.scheduler, [&](const store::SchedulerJob& j) { return j.id == id; });
    if (a.scheduler.size() == before) {
      throw release::InputError(fmt::format("{} has no job {} (see lokku scheduler)", name, id));
    }
  });
  std::cout << fmt::format("Removed job {} from ⬢ {}\n", id, name);
  return 0;
}

}  // namespace lokku::app
