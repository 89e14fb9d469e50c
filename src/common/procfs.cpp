#include "common/procfs.hpp"

#include <cerrno>
#include <charconv>
#include <csignal>
#include <dirent.h>
#include <fcntl.h>
#include <map>
#include <unistd.h>

namespace lokku::common::procfs {

namespace {

std::vector<std::string_view> split_ws(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) {
      ++i;
    }
    std::size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t') {
      ++j;
    }
    if (j > i) {
      out.push_back(line.substr(i, j - i));
    }
    i = j;
  }
  return out;
}

template <class T>
std::optional<T> to_number(std::string_view s, int base = 10) {
  T value{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), value, base);
  if (ec != std::errc{} || p != s.data() + s.size()) {
    return std::nullopt;
  }
  return value;
}

std::vector<pid_t> all_pids() {
  std::vector<pid_t> pids;
  DIR* dir = ::opendir("/proc");
  if (dir == nullptr) {
    return pids;
  }
  while (dirent* e = ::readdir(dir)) {
    if (auto pid = to_number<pid_t>(e->d_name)) {
      pids.push_back(*pid);
    }
  }
  ::closedir(dir);
  return pids;
}

}  // namespace

std::optional<std::string> read_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return std::nullopt;
  }
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) {
      break;
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

namespace {
/// The fields after the command name (which may hold spaces and ')'): state, ppid, ...
std::vector<std::string_view> stat_fields(std::string_view stat) {
  auto close = stat.rfind(')');
  if (close == std::string_view::npos) {
    return {};
  }
  return split_ws(stat.substr(close + 1));
}
}  // namespace

std::optional<pid_t> parse_stat_ppid(std::string_view stat) {
  auto fields = stat_fields(stat);
  if (fields.size() < 2) {
    return std::nullopt;
  }
  return to_number<pid_t>(fields[1]);
}

std::optional<char> parse_stat_state(std::string_view stat) {
  auto fields = stat_fields(stat);
  if (fields.empty() || fields[0].size() != 1) {
    return std::nullopt;
  }
  return fields[0][0];
}

MemoryKb parse_status_memory(std::string_view status) {
  MemoryKb mem;
  std::size_t pos = 0;
  while (pos < status.size()) {
    auto end = status.find('\n', pos);
    if (end == std::string_view::npos) {
      end = status.size();
    }
    auto line = status.substr(pos, end - pos);
    pos = end + 1;
    auto take = [&](std::string_view key, std::uint64_t& out) {
      if (line.substr(0, key.size()) == key) {
        auto fields = split_ws(line.substr(key.size()));
        if (!fields.empty()) {
          out = to_number<std::uint64_t>(fields[0]).value_or(0);
        }
      }
    };
    take("VmRSS:", mem.rss);
    take("VmSwap:", mem.swap);
  }
  return mem;
}

std::vector<ListenSocket> parse_listen_sockets(std::string_view net_tcp) {
  std::vector<ListenSocket> out;
  std::size_t pos = net_tcp.find('\n');  // skip the header
  while (pos != std::string_view::npos && pos < net_tcp.size()) {
    auto end = net_tcp.find('\n', pos + 1);
    auto line = net_tcp.substr(
        pos + 1, end == std::string_view::npos ? std::string_view::npos : end - pos - 1);
    pos = end;
    auto f = split_ws(line);
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
    if (f.size() < 10 || f[3] != "0A") {
      continue;
    }
    auto colon = f[1].rfind(':');
    if (colon == std::string_view::npos) {
      continue;
    }
    auto port = to_number<std::uint16_t>(f[1].substr(colon + 1), 16);
    auto inode = to_number<std::uint64_t>(f[9]);
    if (port && inode) {
      out.push_back({*port, *inode});
    }
  }
  return out;
}

std::vector<pid_t> descendants(pid_t root) {
  std::multimap<pid_t, pid_t> children;
  for (pid_t pid : all_pids()) {
    auto stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    if (!stat) {
      continue;
    }
    if (auto ppid = parse_stat_ppid(*stat)) {
      children.emplace(*ppid, pid);
    }
  }
  std::vector<pid_t> out;
  std::vector<pid_t> frontier{root};
  while (!frontier.empty()) {
    pid_t p = frontier.back();
    frontier.pop_back();
    auto [b, e] = children.equal_range(p);
    for (auto it = b; it != e; ++it) {
      out.push_back(it->second);
      frontier.push_back(it->second);
    }
  }
  return out;
}

MemoryKb memory_of(const std::vector<pid_t>& pids) {
  MemoryKb total;
  for (pid_t pid : pids) {
    if (auto status = read_file("/proc/" + std::to_string(pid) + "/status")) {
      auto m = parse_status_memory(*status);
      total.rss += m.rss;
      total.swap += m.swap;
    }
  }
  return total;
}

std::set<std::uint64_t> socket_inodes_of(pid_t pid) {
  std::set<std::uint64_t> out;
  std::string dir_path = "/proc/" + std::to_string(pid) + "/fd";
  DIR* dir = ::opendir(dir_path.c_str());
  if (dir == nullptr) {
    return out;
  }
  char target[128];
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] == '.') {
      continue;
    }
    std::string link = dir_path + "/" + e->d_name;
    ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
    if (n <= 0) {
      continue;
    }
    std::string_view t(target, static_cast<std::size_t>(n));
    constexpr std::string_view kPrefix = "socket:[";
    if (t.substr(0, kPrefix.size()) == kPrefix && t.back() == ']') {
      if (auto inode =
              to_number<std::uint64_t>(t.substr(kPrefix.size(), t.size() - kPrefix.size() - 1))) {
        out.insert(*inode);
      }
    }
  }
  ::closedir(dir);
  return out;
}

bool listens_on(const std::vector<pid_t>& pids, std::uint16_t port) {
  std::set<std::uint64_t> wanted;
  for (const char* path : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    if (auto text = read_file(path)) {
      for (const auto& s : parse_listen_sockets(*text)) {
        if (s.port == port) {
          wanted.insert(s.inode);
        }
      }
    }
  }
  if (wanted.empty()) {
    return false;
  }
  for (pid_t pid : pids) {
    for (auto inode : socket_inodes_of(pid)) {
      if (wanted.count(inode) != 0) {
        return true;
      }
    }
  }
  return false;
}

bool alive(pid_t pid) {
  return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM);
}

}  // namespace lokku::common::procfs
