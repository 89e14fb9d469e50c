// `lokku logs`: the app's log (every line its dynos, router, release phase and one-off dynos
// wrote), with Heroku's filters: -n, --tail, --source, --dyno.

#include "app/commands.hpp"
#include "release/error.hpp"
#include "store/app_name.hpp"
#include "store/store.hpp"

#include <chrono>
#include <csignal>
#include <deque>
#include <fcntl.h>
#include <filesystem>
#include <iostream>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace lokku::app {

namespace fs = std::filesystem;

namespace {

/// `source[dyno]` of a log line, after the timestamp.
bool matches(std::string_view line, const CommandOptions& o) {
  if (o.source.empty() && o.dyno.empty()) {
    return true;
  }
  auto sp = line.find(' ');
  auto open = line.find('[', sp);
  auto close = line.find("]:", open);
  if (sp == std::string_view::npos || open == std::string_view::npos ||
      close == std::string_view::npos) {
    return false;
  }
  auto source = line.substr(sp + 1, open - sp - 1);
  auto dyno = line.substr(open + 1, close - open - 1);
  if (!o.source.empty() && source != o.source) {
    return false;
  }
  if (!o.dyno.empty()) {
    // `--dyno web` takes every web dyno; `--dyno web.1` just that one.
    bool exact = dyno == o.dyno;
    bool type = o.dyno.find('.') == std::string::npos && dyno.size() > o.dyno.size() &&
                dyno.substr(0, o.dyno.size()) == o.dyno && dyno[o.dyno.size()] == '.';
    if (!exact && !type) {
      return false;
    }
  }
  return true;
}

}  // namespace

int run_logs(const CommandOptions& o) {
  store::Store st(store::Store::default_home());
  std::string name = store::resolve_app(o.app, fs::current_path());
  st.load(name);
  const auto path = st.log_file(name);
  const std::size_t limit = o.num > 0 ? static_cast<std::size_t>(o.num) : 100;
  std::deque<std::string> last;
  std::string partial;
  off_t offset = 0;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  auto pump = [&](bool initial) {
    if (fd < 0) {
      fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        return;
      }
    }
    struct stat stbuf {};
    if (::fstat(fd, &stbuf) == 0 && stbuf.st_size < offset) {
      offset = 0;  // truncated: start over
      ::lseek(fd, 0, SEEK_SET);
    }
    char buf[65536];
    for (;;) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) {
        break;
      }
      offset += n;
      partial.append(buf, static_cast<std::size_t>(n));
      std::size_t start = 0;
      for (;;) {
        auto nl = partial.find('\n', start);
        if (nl == std::string::npos) {
          break;
        }
        std::string_view line(partial.data() + start, nl - start);
        if (matches(line, o)) {
          if (initial) {
            last.emplace_back(line);
            if (last.size() > limit) {
              last.pop_front();
            }
          } else {
            std::cout << line << '\n';
          }
        }
        start = nl + 1;
      }
      partial.erase(0, start);
    }
    if (!initial) {
      std::cout.flush();
    }
  };
  pump(true);
  for (const auto& l : last) {
    std::cout << l << '\n';
  }
  std::cout.flush();
  if (!o.tail) {
    return 0;
  }
  ::signal(SIGPIPE, SIG_DFL);
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    pump(false);
    if (!std::cout) {
      return 0;
    }
  }
}

}  // namespace lokku::app
