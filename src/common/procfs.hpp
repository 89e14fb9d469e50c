#pragma once
// Reading /proc: process trees, memory use and listening sockets. Parsers are pure and
// unit-tested; the readers around them tolerate processes vanishing mid-read.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace lokku::common::procfs {

/// The ppid field of a /proc/PID/stat text (the command name may contain spaces and ')').
std::optional<pid_t> parse_stat_ppid(std::string_view stat);

struct MemoryKb {
  std::uint64_t rss = 0;
  std::uint64_t swap = 0;
};
/// The state letter (R, S, D, Z, ...) of a /proc/PID/stat text.
std::optional<char> parse_stat_state(std::string_view stat);

/// VmRSS and VmSwap of a /proc/PID/status text, in kB.
MemoryKb parse_status_memory(std::string_view status);

struct ListenSocket {
  std::uint16_t port = 0;
  std::uint64_t inode = 0;
};
/// Sockets in LISTEN state (0A) of a /proc/net/tcp or tcp6 text.
std::vector<ListenSocket> parse_listen_sockets(std::string_view net_tcp);

/// Every process below `root` (not `root` itself), found by walking /proc's ppid links.
std::vector<pid_t> descendants(pid_t root);

/// Summed VmRSS+VmSwap of `pids`; processes that vanished count as zero.
MemoryKb memory_of(const std::vector<pid_t>& pids);

/// Socket inodes (`socket:[N]`) held open by `pid`.
std::set<std::uint64_t> socket_inodes_of(pid_t pid);

/// True when one of `pids` holds a socket listening on TCP `port` (IPv4 or IPv6, any
/// address: dynos.md BOOT-5, lenient form).
bool listens_on(const std::vector<pid_t>& pids, std::uint16_t port);

/// Whether process `pid` exists (a zombie counts; one of another user too).
bool alive(pid_t pid);

/// Reads a whole small file (/proc files report size 0); nullopt when it cannot be opened.
std::optional<std::string> read_file(const std::string& path);

}  // namespace lokku::common::procfs
