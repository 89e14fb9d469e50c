// lokku-init: the first process of every dyno (CONVENTIONS.md, Processes), in the spirit of
// tini and dumb-init.
//
//   lokku-init PARENT_PID -- PROGRAM ARGS...
//
// It starts a new session (so it leads the dyno's process group and no terminal signal
// reaches the dyno directly), becomes the child subreaper of everything the dyno starts (so
// daemons that double-fork and setsid stay below it), and
// - forwards SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 and SIGWINCH to every
//   process of the dyno (dynos.md STOP-1);
// - on the kill-tree signal (lokku's SIGKILL step, R10, R12, R15), or when lokku dies
//   (PR_SET_PDEATHSIG, even after `kill -9`), SIGKILLs every process of the dyno, reaps
//   them and exits;
// - when the main process exits on its own, SIGKILLs what it left behind (the dyno is
//   over, as a container would be), and after a SIGTERM waits for every process to exit;
// - exits with the main process's status, 128+signal for a signalled one.
// It uses nothing but libc so that it stays small: one runs per dyno.

#include "dyno/init/kill_tree_signal.hpp"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace {

constexpr int kForwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

pid_t read_ppid(pid_t pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE* f = fopen(path, "re");
  if (f == nullptr) {
    return -1;
  }
  char buf[1024];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  char* close = strrchr(buf, ')');
  if (close == nullptr) {
    return -1;
  }
  char state = 0;
  int ppid = -1;
  if (sscanf(close + 1, " %c %d", &state, &ppid) != 2) {
    return -1;
  }
  return ppid;
}

/// Every process below this one, by walking /proc's ppid links. As the subreaper, every
/// process the dyno started and that is still alive is below us.
std::vector<pid_t> descendants() {
  std::vector<std::pair<pid_t, pid_t>> links;  // (pid, ppid)
  DIR* dir = opendir("/proc");
  if (dir == nullptr) {
    return {};
  }
  while (dirent* e = readdir(dir)) {
    char* end = nullptr;
    long pid = strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0' || pid <= 0) {
      continue;
    }
    pid_t ppid = read_ppid(static_cast<pid_t>(pid));
    if (ppid > 0) {
      links.emplace_back(static_cast<pid_t>(pid), ppid);
    }
  }
  closedir(dir);
  std::vector<pid_t> out;
  std::vector<pid_t> frontier{getpid()};
  while (!frontier.empty()) {
    pid_t p = frontier.back();
    frontier.pop_back();
    for (const auto& [child, parent] : links) {
      if (parent == p) {
        out.push_back(child);
        frontier.push_back(child);
      }
    }
  }
  return out;
}

void signal_all(int sig) {
  for (pid_t pid : descendants()) {
    kill(pid, sig);
  }
}

int status_code(int wait_status) {
  if (WIFEXITED(wait_status)) {
    return WEXITSTATUS(wait_status);
  }
  if (WIFSIGNALED(wait_status)) {
    return 128 + WTERMSIG(wait_status);
  }
  return 255;
}

pid_t g_main = -1;
bool g_main_done = false;
int g_main_status = 0;

/// Reaps every exited child; notes the main process's status.
void reap() {
  for (;;) {
    int status = 0;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) {
      return;
    }
    if (pid == g_main) {
      g_main_done = true;
      g_main_status = status_code(status);
    }
  }
}

bool any_children() {
  siginfo_t info{};
  // WNOWAIT: look without reaping. ECHILD: nothing left.
  return waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) == 0;
}

/// SIGKILLs the whole dyno until nothing is left, then exits.
[[noreturn]] void kill_everything_and_exit() {
  for (;;) {
    signal_all(SIGKILL);
    reap();
    if (!any_children()) {
      break;
    }
    usleep(2000);
  }
  _exit(g_main_done ? g_main_status : 128 + SIGKILL);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4 || strcmp(argv[2], "--") != 0) {
    fprintf(stderr, "usage: lokku-init PARENT_PID -- PROGRAM [ARGS...]\n");
    return 2;
  }
  const pid_t parent = static_cast<pid_t>(atoi(argv[1]));
  const int kill_tree = lokku::dyno::kill_tree_signal();

  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, nullptr);

  setsid();
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  prctl(PR_SET_PDEATHSIG, kill_tree);
  if (getppid() != parent) {
    return 128 + SIGKILL;  // lokku died before we could arm the death signal
  }

  g_main = fork();
  if (g_main < 0) {
    fprintf(stderr, "lokku-init: fork: %s\n", strerror(errno));
    return 126;
  }
  if (g_main == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execv(argv[3], argv + 3);
    fprintf(stderr, "lokku-init: cannot run %s: %s\n", argv[3], strerror(errno));
    _exit(127);
  }

  bool stopping = false;
  for (;;) {
    siginfo_t info{};
    int sig = sigwaitinfo(&all, &info);
    if (sig < 0) {
      continue;
    }
    if (sig == kill_tree) {
      kill_everything_and_exit();
    }
    if (sig == SIGCHLD) {
      reap();
      if (g_main_done && !stopping) {
        kill_everything_and_exit();  // leftovers die with the dyno
      }
      if (g_main_done && !any_children()) {
        _exit(g_main_status);
      }
      continue;
    }
    for (int f : kForwarded) {
      if (sig == f) {
        if (sig == SIGTERM) {
          stopping = true;
        }
        signal_all(sig);
      }
    }
  }
}
