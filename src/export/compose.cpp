#include "export/compose.hpp"

#include "export/yaml_out.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

namespace lokku::exports {

namespace json = boost::json;

namespace {

/// Compose interpolates `$NAME` in compose.yaml; `$$` is a `$` for the container.
std::string literal(const std::string& s) {
  std::string out;
  for (char c : s) {
    out += c;
    if (c == '$') {
      out += '$';
    }
  }
  return out;
}

}  // namespace

std::string env_file_line(const std::string& name, const std::string& value) {
  if (value.find('\'') == std::string::npos && value.find('\n') == std::string::npos) {
    return name + "='" + value + "'\n";
  }
  std::string q;
  for (char c : value) {
    switch (c) {
      case '\\':
        q += "\\\\";
        break;
      case '"':
        q += "\\\"";
        break;
      case '\n':
        q += "\\n";
        break;
      case '$':
        q += "$$";
        break;
      default:
        q += c;
    }
  }
  return name + "=\"" + q + "\"\n";
}

Written export_compose(const ExportInput& in, const ExportOptions& o) {
  Written w{o.out, {}};
  const std::string image = image_name(in, o);

  std::string env;
  for (const auto& [k, v] : in.config) {
    env += env_file_line(k, v);
  }
  w.file("config.env", env, 0600);

  json::object services;
  json::object volumes;
  json::object addon_env;  // the add-ons' URLs, on the services below
  json::object wait_for;   // depends_on of every app service
  for (const auto& a : in.addons) {
    const std::string name = dns_label(a.name);
    const std::string password = new_password();
    json::object s;
    if (a.postgres()) {
      s = {{"image", "postgres:16"},
           {"environment",
            {{"POSTGRES_USER", "app"}, {"POSTGRES_DB", "app"}, {"POSTGRES_PASSWORD", password}}},
           {"volumes", json::array{name + "-data:/var/lib/postgresql/data"}},
           {"healthcheck",
            {{"test", json::array{"CMD", "pg_isready", "-U", "app"}},
             {"interval", "5s"},
             {"retries", 12}}}};
      addon_env[a.config_var] = fmt::format("postgres://app:{}@{}:5432/app", password, name);
    } else {
      s = {{"image", "redis:7"},
           {"command", json::array{"redis-server", "--requirepass", password, "--dir", "/data"}},
           {"volumes", json::array{name + "-data:/data"}},
           {"healthcheck",
            {{"test", json::array{"CMD", "redis-cli", "-a", password, "ping"}},
             {"interval", "5s"},
             {"retries", 12}}}};
      addon_env[a.config_var] = fmt::format("redis://default:{}@{}:6379", password, name);
    }
    services[name] = std::move(s);
    volumes[name + "-data"] = json::object{};
    wait_for[name] = json::object{{"condition", "service_healthy"}};
  }

  auto app_service = [&](const std::string& dyno, const std::string& command) {
    json::object environment{{"PORT", "5000"}, {"DYNO", dyno}};
    for (const auto& [k, v] : addon_env) {
      environment[k] = v;
    }
    json::object s{{"image", image},
                   {"build", {{"context", "./image"}}},
                   {"working_dir", "/app"},
                   {"command", json::array{"/bin/bash", "-c", literal(command)}},
                   {"env_file", json::array{"config.env"}},
                   {"environment", std::move(environment)},
                   {"stop_signal", "SIGTERM"},
                   {"stop_grace_period", "30s"}};
    if (!wait_for.empty()) {
      s["depends_on"] = wait_for;
    }
    return s;
  };
  if (!in.release_command.empty()) {
    auto s = app_service("release.1", in.release_command);
    s["restart"] = "no";
    services["release"] = std::move(s);
    wait_for["release"] = json::object{{"condition", "service_completed_successfully"}};
  }
  for (const auto& p : in.processes) {
    auto s = app_service(p.name + ".1", p.command);
    s["restart"] = "always";
    s["deploy"] = {{"replicas", p.quantity},
                   {"resources", {{"limits", {{"memory", fmt::format("{}M", p.size.quota_mb)}}}}}};
    if (p.name == "web") {
      s["ports"] = json::array{"5000"};  // a host port of Docker's choosing per replica
      s["healthcheck"] = {
          {"test", json::array{"CMD", "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/5000"}},
          {"interval", "10s"},
          {"timeout", "3s"},
          {"retries", 3}};
    }
    services[dns_label(p.name)] = std::move(s);
  }
  // No top-level `name` (older Compose files have none): the project is named with -p.
  json::object file{{"services", std::move(services)}};
  if (!volumes.empty()) {
    file["volumes"] = std::move(volumes);
  }
  w.file("compose.yaml", to_yaml(file), 0600);  // the add-ons' passwords are in it

  write_build_context(in, o, w);

  if (!in.jobs.empty()) {
    std::string tab = fmt::format(
        "# {} v{}: Heroku Scheduler's jobs, for the host's crontab (`crontab crontab` in this "
        "folder, or append it), in UTC. Each runs as a one-off container of the image.\n"
        "CRON_TZ=UTC\n",
        in.app, in.version);
    const std::string first =
        in.processes.empty() ? std::string("release") : dns_label(in.processes.front().name);
    for (const auto& j : in.jobs) {
      std::string quoted;
      for (char c : j.command) {
        quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
      }
      tab += fmt::format(
          "{} cd {} && docker compose -p {} run --rm --no-deps {} /bin/bash -c '{}'\n",
          cron_schedule(j.frequency), fs::absolute(o.out).string(), dns_label(in.app), first,
          quoted);  // cron's % would end the command: none in Procfile lines
    }
    w.file("crontab", tab);
  }

  const std::string how = fmt::format(
      "## Use\n\n```sh\ndocker compose -p {} up -d --build\n```\n\n"
      "builds the image `{}` from `image/` (the slug over the stack's image), starts the "
      "add-ons, runs the release phase once, then the process types with their formation's "
      "replicas. Web's port 5000 is published on a host port Docker picks for each replica "
      "(`docker compose port web 5000`). `config.env` holds the config vars and "
      "`compose.yaml` the add-ons' passwords: both are mode 0600.{}\n",
      dns_label(in.app), image,
      in.jobs.empty() ? "" : " Scheduler jobs are in `crontab`, for the host's cron.");
  write_readme(
      in, "Docker Compose", how,
      {"The router: Heroku's headers, session affinity, timeouts and H-codes; put a proxy in "
       "front of web's replicas.",
       "The crash schedule: `restart: always` restarts a crashed container with Docker's own "
       "back-off; Heroku restarts at once, then after cool-offs of up to 20 minutes.",
       "Memory: the limit is the quota and a container over it is killed; Heroku lets a dyno "
       "run over it (R14) until R15.",
       "DYNO is `web.1` on every replica; daily cycling, preboot, maintenance mode, log drains, "
       "metrics, alerts, autoscaling and webhooks have no counterpart.",
       "Add-on data: the postgres and redis services start empty (pg_dump, `redis-cli --rdb`)."},
      w);
  return w;
}

}  // namespace lokku::exports
