#include "platform/runtime.hpp"

#include "addons/addons.hpp"
#include "common/ids.hpp"
#include "common/run_sync.hpp"
#include "platform/platform_file.hpp"
#include "release/error.hpp"
#include "slug/slug.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <deque>
#include <fcntl.h>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace lokku::platform {

std::string find_init() {
  std::error_code ec;
  auto self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) {
    throw std::runtime_error("cannot locate the lokku executable: " + ec.message());
  }
  auto init = self.parent_path() / "lokku-init";
  if (::access(init.c_str(), X_OK) != 0) {
    throw std::runtime_error(fmt::format(
        "{}: missing or not executable; lokku-init must be installed beside lokku", init.string()));
  }
  return init.string();
}

common::TimeScale resolve_time_scale(std::optional<double> flag) {
  if (flag) {
    if (!(*flag > 0)) {
      throw release::InputError("--time-scale: must be a positive number");
    }
    return common::TimeScale(*flag);
  }
  if (const char* s = std::getenv("LOKKU_TIME_SCALE"); s && *s) {
    auto scale = common::TimeScale::parse(s);
    if (!scale) {
      throw release::InputError(fmt::format("LOKKU_TIME_SCALE: '{}' is not a positive number", s));
    }
    return *scale;
  }
  return common::TimeScale();
}

release::ConfigVars dyno_metadata(const store::App& app, const store::Release& r) {
  release::ConfigVars m;
  m["HEROKU_APP_ID"] = app.id;
  m["HEROKU_APP_NAME"] = app.name;
  m["HEROKU_APP_DEFAULT_DOMAIN_NAME"] = app.name + ".localhost";
  m["HEROKU_RELEASE_VERSION"] = fmt::format("v{}", r.version);
  m["HEROKU_RELEASE_CREATED_AT"] = r.created_at;
  m["HEROKU_SLUG_COMMIT"] = r.commit;
  m["HEROKU_SLUG_DESCRIPTION"] = r.description;
  return m;
}

namespace {

std::mutex slug_mu;  // guards the two sets below and the extraction of pristine copies

/// SLUG-5 [emu]: the slug's checksum, once per process and slug (under slug_mu).
fs::path verified_slug(const store::Store& store, const std::string& app,
                       const std::string& slug_id) {
  static std::set<std::string> verified;
  fs::path slug_path = store.slug_file(app, slug_id);
  if (verified.count(slug_path.string()) == 0) {
    auto meta = store.load_slug(app, slug_id);
    auto actual = slug::sha256_file(slug_path);
    if (actual != meta.checksum) {
      throw std::runtime_error(fmt::format("R17 Checksum error: slug {} is {}, expected {}",
                                           slug_id, actual, meta.checksum));
    }
    verified.insert(slug_path.string());
  }
  return slug_path;
}

void extract_slug(const fs::path& slug_path, const fs::path& dir) {
  slug::ExtractOptions opts;
  opts.app_prefix = true;
  opts.allow_outside_links = true;  // our own slug, checksum verified
  slug::extract(slug_path, dir, opts);
}

/// The command prefix that mounts `lower` (read-only), `upper` and `work` as an overlay on
/// `target` in a new mount namespace, then runs the rest of its arguments in `target`.
std::vector<std::string> overlay_wrapper(const fs::path& lower, const fs::path& upper,
                                         const fs::path& work, const fs::path& target) {
  return {
      "/usr/bin/unshare",
      "--mount",
      "--propagation",
      "private",
      "--",
      "/bin/sh",
      "-c",
      "/bin/mount -t overlay lokku-dyno -o \"$1\" \"$2\" && cd \"$2\" && shift 2 && exec \"$@\"",
      "lokku-dyno-fs",
      fmt::format("lowerdir={},upperdir={},workdir={}", lower.string(), upper.string(),
                  work.string()),
      target.string()};
}

/// Pristine copies of an app's slugs beyond the few used last are removed (a life of an
/// older slug still running keeps its files open; none starts from it any more in practice).
constexpr std::size_t kPristineKept = 4;

fs::path pristine_slug(const store::Store& store, const std::string& app,
                       const std::string& slug_id) {
  fs::path root = store.dynos_dir(app) / ".slugs";
  fs::path dir = root / slug_id;
  std::error_code ec;
  if (fs::is_directory(dir)) {
    fs::last_write_time(dir, fs::file_time_type::clock::now(), ec);  // used last: kept
    return dir;
  }
  fs::path slug_path = verified_slug(store, app, slug_id);
  // Another process (a command's release phase, the platform) may extract the same slug at
  // the same time: each into a directory of its own, renamed into place; the loser's goes.
  fs::path tmp = root / (".tmp-" + slug_id + "-" + common::random_hex(4));
  extract_slug(slug_path, tmp);
  fs::last_write_time(tmp, fs::file_time_type::clock::now(), ec);  // not the archive's time
  fs::rename(tmp, dir, ec);
  if (ec) {
    fs::remove_all(tmp, ec);
    if (!fs::is_directory(dir)) {
      throw std::runtime_error(fmt::format("cannot place the slug's files in {}", dir.string()));
    }
  }
  std::vector<std::pair<fs::file_time_type, fs::path>> all;
  for (const auto& e : fs::directory_iterator(root, ec)) {
    if (e.is_directory() && e.path().filename().string()[0] != '.') {
      all.emplace_back(fs::last_write_time(e.path(), ec), e.path());
    }
  }
  std::sort(all.begin(), all.end(), std::greater<>());
  for (std::size_t i = kPristineKept; i < all.size(); ++i) {
    if (all[i].second != dir) {
      fs::remove_all(all[i].second, ec);
    }
  }
  return dir;
}

}  // namespace

fs::path prepare_slug_dir(const store::Store& store, const std::string& app,
                          const std::string& slug_id, const std::string& dyno) {
  fs::path slug_path;
  {
    std::lock_guard lock(slug_mu);
    slug_path = verified_slug(store, app, slug_id);
  }
  fs::path dir = store.dynos_dir(app) / (dyno + "." + common::random_hex(4));
  extract_slug(slug_path, dir);
  return dir;
}

bool overlay_dyno_dirs(const store::Store& store) {
  static std::once_flag once;
  static bool usable = false;
  std::call_once(once, [&] {
    if (const char* mode = std::getenv("LOKKU_DYNO_FS"); mode && std::string(mode) == "copy") {
      return;
    }
    if (::geteuid() != 0 || ::access("/usr/bin/unshare", X_OK) != 0) {
      return;
    }
    // The very mount a life would make, on the lokku home's file system.
    std::error_code ec;
    fs::path probe = store.home() / "tmp" / ("overlay-probe-" + common::random_hex(4));
    for (const char* sub : {"lower", "upper", "work", "merged"}) {
      fs::create_directories(probe / sub, ec);
    }
    std::ofstream(probe / "lower" / "seen") << "yes\n";
    common::RunOptions r;
    r.argv = overlay_wrapper(probe / "lower", probe / "upper", probe / "work", probe / "merged");
    r.argv.insert(r.argv.end(), {"/bin/sh", "-c", "test -f seen && echo written > mine"});
    r.env = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin"};
    r.timeout = std::chrono::seconds(10);
    try {
      usable = common::run_sync(r).status == 0 && fs::exists(probe / "upper" / "mine") &&
               !fs::exists(probe / "lower" / "mine") && !fs::exists(probe / "merged" / "mine");
    } catch (const std::exception&) {
      usable = false;  // no unshare after all
    }
    fs::remove_all(probe, ec);
  });
  return usable;
}

dyno::PreparedDir prepare_dyno_dir(const store::Store& store, const std::string& app,
                                   const std::string& slug_id, const std::string& dyno) {
  dyno::PreparedDir p;
  if (!overlay_dyno_dirs(store)) {
    p.dir = prepare_slug_dir(store, app, slug_id, dyno).string();
    p.remove = {p.dir};
    return p;
  }
  fs::path lower;
  {
    std::lock_guard lock(slug_mu);
    lower = pristine_slug(store, app, slug_id);
  }
  const std::string life = dyno + "." + common::random_hex(4);
  fs::path dir = store.dynos_dir(app) / life;
  fs::path layers = store.dynos_dir(app) / ".layers" / life;
  fs::create_directories(dir);
  fs::create_directories(layers / "upper");
  fs::create_directories(layers / "work");
  p.dir = dir.string();
  p.wrapper = overlay_wrapper(lower, layers / "upper", layers / "work", dir);
  p.remove = {dir.string(), layers.string()};
  return p;
}

dyno::DynoSettings release_settings(const store::Store& store, const store::App& app,
                                    const store::Release& r, const Runtime& rt) {
  dyno::DynoSettings s;
  s.scale = rt.scale;
  s.init_path = rt.init_path;
  s.config = r.config;
  s.platform_env = dyno_metadata(app, r);
  s.dyno_id_var = true;
  // MEM-5: the app's log-runtime-metrics feature (`heroku labs:enable log-runtime-metrics`).
  s.runtime_metrics = std::find(app.features.begin(), app.features.end(), "log-runtime-metrics") !=
                      app.features.end();
  s.app_number = static_cast<unsigned>(std::hash<std::string>{}(app.id) % 100000000);
  const store::Store* st = &store;
  std::string name = app.name, slug_id = r.slug_id;
  s.prepare_dir = [st, name, slug_id](const std::string& dyno) {
    return prepare_dyno_dir(*st, name, slug_id, dyno);
  };
  return s;
}

int open_app_log(const store::Store& store, const std::string& app) {
  std::error_code ec;
  fs::create_directories(store.app_dir(app), ec);
  return ::open(store.log_file(app).c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
}

ApiLog::ApiLog(const store::Store& st, const std::string& app)
    : fd(open_app_log(st, app)), sink(-1, false, fd, "") {}

ApiLog::~ApiLog() {
  sink.flush();
  if (fd >= 0) {
    ::close(fd);
  }
}

bool log_line_matches(std::string_view line, const std::string& source, const std::string& dyno) {
  if (source.empty() && dyno.empty()) {
    return true;
  }
  auto sp = line.find(' ');
  auto open = line.find('[', sp);
  auto close = line.find("]:", open);
  if (sp == std::string_view::npos || open == std::string_view::npos ||
      close == std::string_view::npos) {
    return false;
  }
  auto src = line.substr(sp + 1, open - sp - 1);
  auto name = line.substr(open + 1, close - open - 1);
  if (!source.empty() && src != source) {
    return false;
  }
  if (!dyno.empty()) {
    bool exact = name == dyno;
    bool type = dyno.find('.') == std::string::npos && name.size() > dyno.size() &&
                name.substr(0, dyno.size()) == dyno && name[dyno.size()] == '.';
    if (!exact && !type) {
      return false;
    }
  }
  return true;
}

LogFollower::LogFollower(fs::path file, std::string source, std::string dyno)
    : file_(std::move(file)), source_(std::move(source)), dyno_(std::move(dyno)) {}

LogFollower::~LogFollower() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

void LogFollower::read_to_end(int fd, const Each& each) {
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) {
      break;
    }
    offset_ += n;
    partial_.append(buf, static_cast<std::size_t>(n));
    // Whole lines out of the buffer as they come, so memory stays bounded by keep_last.
    std::size_t start = 0;
    for (;;) {
      auto nl = partial_.find('\n', start);
      if (nl == std::string::npos) {
        break;
      }
      std::string_view line(partial_.data() + start, nl - start);
      if (log_line_matches(line, source_, dyno_)) {
        each(line);
      }
      start = nl + 1;
    }
    partial_.erase(0, start);
  }
}

void LogFollower::read_rotated(const Each& each, std::optional<FileId> seen) {
  // A line cut by a rotation is not put together with another.
  offset_ = 0;
  partial_.clear();
  const fs::path older = file_.string() + ".1";
  int fd = ::open(older.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return;
  }
  struct stat st {};
  if (!seen || (::fstat(fd, &st) == 0 && FileId{st.st_dev, st.st_ino} != *seen)) {
    read_to_end(fd, each);
  }
  ::close(fd);
  offset_ = 0;
  partial_.clear();
}

void LogFollower::start_at_end() {
  started_ = true;
  if (fd_ < 0) {
    fd_ = ::open(file_.c_str(), O_RDONLY | O_CLOEXEC);
  }
  partial_.clear();
  offset_ = fd_ >= 0 ? ::lseek(fd_, 0, SEEK_END) : 0;
  offset_ = std::max<long long>(offset_, 0);
}

std::vector<std::string> LogFollower::read_new(std::size_t keep_last) {
  std::deque<std::string> lines;
  read_new_each([&](std::string_view line) {
    lines.emplace_back(line);
    if (lines.size() > keep_last) {
      lines.pop_front();
    }
  });
  return {std::make_move_iterator(lines.begin()), std::make_move_iterator(lines.end())};
}

void LogFollower::read_new_each(const Each& each) {
  if (!std::exchange(started_, true)) {
    read_rotated(each, std::nullopt);  // the backlog starts in the older file
  }
  if (fd_ < 0) {
    fd_ = ::open(file_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
      return;
    }
  }
  struct stat st {};
  if (::fstat(fd_, &st) == 0 && st.st_size < offset_) {
    offset_ = 0;  // truncated: start over
    partial_.clear();
    ::lseek(fd_, 0, SEEK_SET);
  }
  read_to_end(fd_, each);
  // Rotated meanwhile (the name is another file now): the rest of the old one is read
  // above; go on with the new one from its start.
  struct stat named {};
  if (::stat(file_.c_str(), &named) == 0 && ::fstat(fd_, &st) == 0 &&
      (named.st_ino != st.st_ino || named.st_dev != st.st_dev)) {
    read_to_end(fd_, each);  // what was written before the rename
    ::close(fd_);
    // Rotated twice since the last read: `log.1` is then a file not read yet.
    read_rotated(each, FileId{st.st_dev, st.st_ino});
    fd_ = ::open(file_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ >= 0) {
      read_to_end(fd_, each);
    }
  }
}

std::uintmax_t app_log_limit() {
  if (const char* v = std::getenv("LOKKU_LOG_MAX_BYTES"); v && *v) {
    const std::string_view text(v);
    std::uintmax_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end != text.data() + text.size() || n == 0) {
      throw release::InputError(fmt::format(
          "LOKKU_LOG_MAX_BYTES: '{}' is not a number of bytes (a whole number above 0)", text));
    }
    return n;
  }
  return kDefaultAppLogLimit;
}

int run_one_off_dyno(const store::Store& store, const store::App& app, const store::Release& r,
                     const Runtime& rt, common::AppLog& sink, const std::string& type,
                     const std::string& command, std::chrono::nanoseconds limit,
                     const std::string& name) {
  // The command sees the app's add-ons (migrations, seeds): their servers must answer.
  std::optional<addons::ServerScope> servers;
  try {
    servers.emplace(store.home(), app, rt.init_path, running_platform(store).has_value());
  } catch (const std::exception& e) {
    sink.line("heroku", type, fmt::format("Error R99 (Platform error) -> {}", e.what()));
    return -1;
  }
  net::io_context ioc;
  auto settings = release_settings(store, app, r, rt);
  dyno::PortAllocator ports;
  dyno::DynoSpec spec;
  spec.name = name.empty() ? fmt::format("{}.{}", type, one_off_number()) : name;
  spec.type = type;
  spec.command = command;
  spec.one_off = true;
  auto d = std::make_shared<dyno::Dyno>(ioc.get_executor(), sink, settings, ports, spec);
  int status = -1;
  net::steady_timer timer(ioc);
  d->set_on_exit([&](int s) {
    status = s;
    timer.cancel();
  });
  timer.expires_after(rt.scale(limit));
  timer.async_wait([&](boost::system::error_code ec) {
    if (!ec) {
      d->kill();  // RPH-2: a kill by the dyno manager fails the release
      status = -1;
    }
  });
  d->start();
  ioc.run();
  return status;
}

int one_off_number() {
  static std::mt19937 rng{std::random_device{}()};
  return std::uniform_int_distribution<int>(1000, 9999)(rng);
}

namespace {

/// RPH-2: runs the release command once; true on exit 0 within the hour.
bool release_phase(const store::Store& store, const store::App& app, const store::Release& r,
                   const Runtime& rt, common::AppLog& sink) {
  return run_one_off_dyno(store, app, r, rt, sink, "release", r.process_types.at("release"),
                          std::chrono::hours(1), r.release_dyno) == 0;
}

}  // namespace

store::Release make_release(store::Store& store, const std::string& app,
                            const std::function<void(store::App&)>& change,
                            const std::function<std::string(const store::App&)>& describe,
                            const std::function<std::string(const store::App&)>& slug_of,
                            const Runtime& rt, common::AppLog& sink, bool run_release_phase,
                            const std::function<void(const store::Release&)>& created) {
  store::Release made;
  store::App snapshot = store.update(app, [&](store::App& a) {
    change(a);
    const store::Release* base = a.current();
    std::string slug_id = slug_of ? slug_of(a) : (base ? base->slug_id : std::string());
    store::ProcessTypes types;
    std::string commit;
    if (!slug_id.empty()) {
      auto slug = store.load_slug(app, slug_id);
      types = slug.process_types;
      commit = slug.commit;
    }
    auto& r = store::add_release(a, describe(a), slug_id, types, commit);
    if (run_release_phase && !r.slug_id.empty() && r.process_types.count("release") != 0) {
      r.status = "pending";
      r.runner_pid = static_cast<int>(::getpid());
      r.release_dyno = fmt::format("release.{}", one_off_number());
    }
    made = r;
  });
  sink.line("app", "api", fmt::format("{} by user {}", made.description, made.user));
  if (created) {
    created(made);
  }
  if (made.status == "pending") {
    sink.line("app", "api",
              fmt::format("Running release v{} commands by user {}", made.version, made.user));
    bool ok = release_phase(store, snapshot, made, rt, sink);
    store.update(app, [&](store::App& a) {
      if (auto* r = a.find(made.version)) {
        r->status = ok ? "succeeded" : "failed";
        r->runner_pid = 0;
        made = *r;
      }
    });
    if (!ok) {
      sink.line("app", "api",
                fmt::format("Release v{} command failed by user {}", made.version, made.user));
      return made;
    }
  }
  sink.line("app", "api", fmt::format("Release v{} created by user {}", made.version, made.user));
  return made;
}

}  // namespace lokku::platform
