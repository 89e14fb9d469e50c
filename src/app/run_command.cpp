// One-off dynos (dynos.md RUN-1..5): `lokku run` attached to the terminal, `run:detached`
// in the background, both from the current release with its config, with or without `up`.

#include "addons/addons.hpp"
#include "app/commands.hpp"
#include "common/app_log.hpp"
#include "common/asio.hpp"
#include "common/ids.hpp"
#include "common/ports.hpp"
#include "common/subprocess.hpp"
#include "dyno/dyno.hpp"
#include "dyno/dyno_env.hpp"
#include "platform/platform_file.hpp"
#include "platform/runtime.hpp"
#include "release/dyno_size.hpp"
#include "release/error.hpp"
#include "store/app_name.hpp"
#include "store/store.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <fmt/format.h>

#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <iostream>
#include <optional>
#include <unistd.h>

namespace lokku::app {

namespace fs = std::filesystem;

namespace {

struct OneOff {
  std::string app;
  store::App record;
  store::Release release;
  std::string command;
  std::string size_display;
};

OneOff prepare(const CommandOptions& o, store::Store& st) {
  OneOff r;
  r.app = store::resolve_app(o.app, fs::current_path());
  r.record = st.load(r.app);
  const auto* cur = r.record.current();
  if (!cur) {
    throw release::InputError(
        fmt::format("{} has no release with a slug yet; deploy it first (lokku deploy)", r.app));
  }
  r.release = *cur;
  if (o.args.empty()) {
    throw release::InputError("run needs a command: lokku run -- COMMAND [ARGS...]");
  }
  // RUN-1: a first word that names a process type runs its command, with the rest appended.
  std::vector<std::string> words = o.args;
  if (auto it = r.release.process_types.find(words[0]); it != r.release.process_types.end()) {
    words[0] = it->second;
  }
  r.command = fmt::format("{}", fmt::join(words, " "));
  auto size = release::find_dyno_size(o.size.value_or("standard-1x"));
  if (!size) {
    throw release::InputError(fmt::format("--size: no such dyno size '{}' (sizes: {})",
                                          o.size.value_or(""), release::dyno_size_names()));
  }
  r.size_display = size->display;
  return r;
}

}  // namespace

int run_run(const CommandOptions& o) {
  store::Store st(store::Store::default_home());
  auto one = prepare(o, st);
  const std::string dyno = fmt::format("run.{}", platform::one_off_number());
  int log_fd = platform::open_app_log(st, one.app);
  common::AppLog log(-1, false, log_fd, "");
  std::cerr << fmt::format("Running `{}` on ⬢ {}... ", one.command, one.app) << std::flush;
  auto prepared = platform::prepare_dyno_dir(st, one.app, one.release.slug_id, dyno);
  const fs::path dir = prepared.dir;
  auto vars = one.release.config;
  for (const auto& [k, v] : platform::dyno_metadata(one.record, one.release)) {
    vars[k] = v;
  }
  vars["HEROKU_DYNO_ID"] = common::random_uuid();
  auto port = common::pick_free_port();
  auto env = dyno::dyno_environment(vars, {dyno, port ? *port : 0u, dir.string()});
  if (::isatty(0) == 1) {
    if (const char* term = std::getenv("TERM")) {
      env["TERM"] = term;  // CONVENTIONS.md, Processes: TERM when attached
    }
  }
  log.line("app", "api",
           fmt::format("Starting process with command `{}` by user {}", one.command,
                       store::local_user()));
  log.line("heroku", dyno,
           fmt::format("Starting process with command `{}`",
                       dyno::expand_for_display(one.command, env)));
  // The command sees the app's add-ons (RUN with DATABASE_URL): their servers must answer.
  addons::ServerScope servers(st.home(), one.record, platform::find_init(),
                              platform::running_platform(st).has_value());
  log.line("heroku", dyno, "State changed from starting to up");
  std::cerr << "up, " << dyno << " (" << one.size_display << ")" << std::endl;

  net::io_context ioc;
  common::SpawnOptions so;
  so.argv = prepared.wrapper;
  so.argv.insert(so.argv.end(), {"/bin/bash", "-c", dyno::launch_script(one.command)});
  so.env = dyno::to_envp(env);
  so.cwd = dir.string();
  so.capture_output = false;
  so.inherit_stdin = true;
  // The terminal's Ctrl-C reaches the command (same process group); lokku waits it out.
  struct sigaction ignore {
  }, old_int{}, old_quit{};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGINT, &ignore, &old_int);
  ::sigaction(SIGQUIT, &ignore, &old_quit);
  int status = 127;
  try {
    common::Subprocess child(ioc.get_executor(), so);
    net::co_spawn(
        ioc, [&]() -> net::awaitable<void> { status = co_await child.wait(); }, net::detached);
    ioc.run();
  } catch (const std::exception& e) {
    std::cerr << "lokku: error: " << e.what() << '\n';
  }
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGQUIT, &old_quit, nullptr);
  log.line("heroku", dyno, fmt::format("Process exited with status {}", status));
  log.line("heroku", dyno, "State changed from up to complete");
  std::error_code ec;
  for (const auto& path : prepared.remove) {
    fs::remove_all(path, ec);
  }
  if (log_fd >= 0) {
    ::close(log_fd);
  }
  return status;  // RUN: the command's exit code passes through
}

namespace {

/// run:detached's part in the background: runs the one-off `dyno` to its end, its output in
/// the app's log (RUN-4: no client).
int run_in_background(const CommandOptions& o, const std::string& dyno) {
  store::Store st(store::Store::default_home());
  auto one = prepare(o, st);
  platform::Runtime rt{platform::find_init(), platform::resolve_time_scale(o.time_scale)};
  int log_fd = platform::open_app_log(st, one.app);
  int code = 0;
  common::AppLog log(-1, false, log_fd, "");
  log.line("app", "api",
           fmt::format("Starting process with command `{}` by user {}", one.command,
                       store::local_user()));
  std::optional<addons::ServerScope> servers;
  try {
    servers.emplace(st.home(), one.record, rt.init_path,
                    platform::running_platform(st).has_value());
  } catch (const std::exception& e) {
    log.line("heroku", dyno, fmt::format("Error R99 (Platform error) -> {}", e.what()));
  }
  net::io_context ioc;
  auto settings = platform::release_settings(st, one.record, one.release, rt);
  dyno::PortAllocator ports;
  dyno::DynoSpec spec;
  spec.name = dyno;
  spec.type = "run";
  spec.command = one.command;
  spec.size = *release::find_dyno_size(o.size.value_or("standard-1x"));
  spec.one_off = true;
  auto d = std::make_shared<dyno::Dyno>(ioc.get_executor(), log, settings, ports, spec);
  d->set_on_exit([&](int s) { code = s; });
  d->start();
  ioc.run();
  return code;
}

}  // namespace

int run_run_detached(const CommandOptions& o) {
  if (!o.background_dyno.empty()) {
    return run_in_background(o, o.background_dyno);
  }
  store::Store st(store::Store::default_home());
  auto one = prepare(o, st);
  const std::string dyno = fmt::format("run.{}", platform::one_off_number());
  // The one-off runs in lokku started again in the background, told its dyno's name.
  std::vector<std::string> args = o.command_line;
  args.insert(args.begin() + 1, {"--background-dyno", dyno});
  common::start_self_in_background(args, "/dev/null");
  std::cout << fmt::format("Running `{}` on ⬢ {}... done, {} ({})\n", one.command, one.app, dyno,
                           one.size_display)
            << fmt::format("Run lokku logs -a {} --dyno {} to view the output.\n", one.app, dyno);
  return 0;
}

}  // namespace lokku::app
