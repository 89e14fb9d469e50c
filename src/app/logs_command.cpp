// `lokku logs`: the app's log (every line its dynos, router, release phase and one-off dynos
// wrote), with Heroku's filters: -n, --tail, --source, --dyno.

#include "app/commands.hpp"
#include "platform/runtime.hpp"
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
        if (platform::log_line_matches(line, o.source, o.dyno)) {
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
