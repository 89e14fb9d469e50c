#include "export/systemd.hpp"

#include "slug/slug.hpp"

#include <fmt/format.h>

namespace lokku::exports {

std::string exec_start(const std::string& command) {
  std::string q;
  for (char c : command) {
    switch (c) {
      case '\\':
      case '"':
        q += '\\';
        q += c;
        break;
      case '$':
        q += "$$";  // systemd would expand $NAME itself
        break;
      case '%':
        q += "%%";  // a specifier otherwise
        break;
      default:
        q += c;
    }
  }
  return "/bin/bash -c \"" + q + "\"";
}

std::string environment_line(const std::string& name, const std::string& value) {
  std::string q;
  for (char c : value) {
    if (c == '\\' || c == '"' || c == '$' || c == '`') {
      q += '\\';
    }
    q += c;  // a newline stays inside the quotes
  }
  return name + "=\"" + q + "\"\n";
}

namespace {

std::string on_calendar(const release::Frequency& f) {
  using K = release::Frequency::Kind;
  switch (f.kind) {
    case K::ten_minutes:
      return "*-*-* *:00/10:00 UTC";
    case K::hourly:
      return fmt::format("*-*-* *:{:02}:00 UTC", f.minute);
    case K::daily:
      break;
  }
  return fmt::format("*-*-* {:02}:{:02}:00 UTC", f.hour, f.minute);
}

}  // namespace

Written export_systemd(const ExportInput& in, const ExportOptions& o) {
  Written w{o.out, {}};
  const fs::path prefix = o.prefix.empty() ? fs::absolute(o.out) : o.prefix;
  const std::string app = dns_label(in.app);

  // The slug, as a dyno has it: ./app.
  fs::remove_all(o.out / "app");
  slug::ExtractOptions unpack;
  unpack.app_prefix = true;
  unpack.allow_outside_links = true;  // lokku's own slug, its checksum verified
  slug::extract(in.slug, o.out / "app", unpack);
  w.files.emplace_back("app/");

  std::string env;
  for (const auto& [k, v] : in.config) {
    env += environment_line(k, v);
  }
  for (const auto& a : in.addons) {
    env += environment_line(a.config_var, "");
  }
  w.file(app + ".env", env, 0600);

  const std::string release_unit = app + "-release.service";
  auto service = [&](const std::string& description, const std::string& command,
                     const std::string& env_extra, const std::string& more) {
    return fmt::format(
        "[Unit]\nDescription={}\nPartOf={}.target\nAfter=network.target{}\n{}\n"
        "[Service]\nWorkingDirectory={}\nEnvironmentFile={}\n{}ExecStart={}\n{}",
        description, app, in.release_command.empty() ? "" : " " + release_unit,
        in.release_command.empty() ? "" : "Requires=" + release_unit + "\n",
        (prefix / "app").string(), (prefix / (app + ".env")).string(), env_extra,
        exec_start(command), more);
  };

  std::vector<std::string> wants;
  if (!in.release_command.empty()) {
    w.file(release_unit,
           fmt::format("[Unit]\nDescription={} v{}: the release phase\nPartOf={}.target\n"
                       "After=network.target\n\n"
                       "[Service]\nType=oneshot\nRemainAfterExit=yes\nWorkingDirectory={}\n"
                       "EnvironmentFile={}\nEnvironment=DYNO=release.1 PORT={}\nExecStart={}\n",
                       in.app, in.version, app, (prefix / "app").string(),
                       (prefix / (app + ".env")).string(), o.port, exec_start(in.release_command)));
    wants.push_back(release_unit);
  }
  unsigned port = o.port;
  for (const auto& p : in.processes) {
    for (int i = 1; i <= p.quantity; ++i) {
      const std::string dyno = fmt::format("{}.{}", p.name, i);
      const std::string unit = fmt::format("{}-{}-{}.service", app, dns_label(p.name), i);
      w.file(unit,
             service(fmt::format("{} {} (v{})", in.app, dyno, in.version), p.command,
                     fmt::format("Environment=DYNO={} PORT={}\n", dyno, port++),
                     fmt::format("Restart=always\nRestartSec=1\n"
                                 "# Heroku's stop: SIGTERM to every process, SIGKILL after 30 s\n"
                                 "KillMode=mixed\nKillSignal=SIGTERM\nTimeoutStopSec=30\n"
                                 "# The dyno size's quota (R14) and the R15 threshold\n"
                                 "MemoryHigh={}M\nMemoryMax={}M\n\n"
                                 "[Install]\nWantedBy={}.target\n",
                                 p.size.quota_mb, p.size.r15_mb, app)));
      wants.push_back(unit);
    }
  }
  for (const auto& j : in.jobs) {
    const std::string name = fmt::format("{}-scheduler-{}", app, j.id);
    const auto limit =
        std::chrono::duration_cast<std::chrono::seconds>(j.frequency.interval()).count();
    w.file(name + ".service",
           service(fmt::format("{} scheduler job {} ({})", in.app, j.id, j.frequency.text()),
                   j.command, fmt::format("Environment=DYNO=scheduler.{} PORT={}\n", j.id, o.port),
                   fmt::format("Type=oneshot\n# SCHED-3: a run ends when the next is due\n"
                               "TimeoutStartSec={}\n",
                               limit)));
    w.file(name + ".timer",
           fmt::format("[Unit]\nDescription={} scheduler job {}: {}\nPartOf={}.target\n\n"
                       "[Timer]\nOnCalendar={}\nUnit={}.service\n\n"
                       "[Install]\nWantedBy={}.target\n",
                       in.app, j.id, j.frequency.text(), app, on_calendar(j.frequency), name, app));
    wants.push_back(name + ".timer");
  }
  std::string target =
      fmt::format("[Unit]\nDescription={} v{} (exported by lokku)\n", in.app, in.version);
  for (const auto& u : wants) {
    target += "Wants=" + u + "\n";
  }
  target += "\n[Install]\nWantedBy=multi-user.target\n";
  w.file(app + ".target", target);

  const std::string how = fmt::format(
      "## Use\n\n"
      "The units expect this folder at `{prefix}` (export again with `--prefix` for another "
      "place). As root:\n\n"
      "```sh\ncp {app}.target {app}-*.service {app}-*.timer /etc/systemd/system/ 2>/dev/null\n"
      "systemctl daemon-reload\nsystemctl enable --now {app}.target\n```\n\n"
      "Each dyno is a unit of its own (`{app}-web-1.service`) with `DYNO` and a `PORT` of its "
      "own from {port} up: put your own reverse proxy in front of the web dynos. "
      "`{app}.env` holds the config vars (mode 0600){addons}. The units run as root unless "
      "you add `User=`.\n",
      fmt::arg("prefix", prefix.string()), fmt::arg("app", app), fmt::arg("port", o.port),
      fmt::arg("addons", in.addons.empty() ? ""
                                           : "; fill in the add-ons' URLs (empty there) with "
                                             "your own Postgres and Redis servers'"));
  write_readme(
      in, "systemd", how,
      {"The router: there is none; each web dyno listens on its own PORT, and Heroku's "
       "headers, session affinity, timeouts and H-codes are your proxy's.",
       "The crash schedule: `Restart=always` restarts a crashed dyno after a second, every "
       "time; Heroku restarts at once, then after cool-offs of up to 20 minutes.",
       "Memory: MemoryHigh= (the quota) throttles and reclaims rather than logging R14; "
       "MemoryMax= (the R15 threshold) kills.",
       "Daily cycling, preboot, maintenance mode, one-off dynos (`heroku run`: run the command "
       "in `app/` with the environment file), log drains (journald has the logs), metrics, "
       "alerts, autoscaling and webhooks.",
       "Add-ons: not run; their data is not exported (pg_dump, `redis-cli --rdb`)."},
      w);
  return w;
}

}  // namespace lokku::exports
