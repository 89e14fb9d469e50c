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
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

// No stdio and no C++ containers: this program is linked statically and runs once per
// dyno, so what it does not use it should not carry (a few hundred kB of resident memory
// per dyno otherwise).

namespace {

constexpr int kForwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

void write_all(const char* s) {
  size_t n = strlen(s);
  while (n > 0) {
    ssize_t w = write(2, s, n);
    if (w <= 0) {
      return;
    }
    s += w;
    n -= static_cast<size_t>(w);
  }
}

void write_err(const char* a, const char* b = "", const char* c = "") {
  write_all(a);
  write_all(b);
  write_all(c);
}

/// Parses a non-negative decimal; -1 if `s` is not one (up to `end`, or NUL).
long parse_long(const char* s, const char* end = nullptr) {
  if (s == end || *s == '\0') {
    return -1;
  }
  long v = 0;
  for (; s != end && *s != '\0'; ++s) {
    if (*s < '0' || *s > '9') {
      return -1;
    }
    v = v * 10 + (*s - '0');
  }
  return v;
}

/// The ppid of `pid` from /proc/PID/stat (after the last ')': state, then ppid).
pid_t read_ppid(const char* pid_text) {
  char path[64] = "/proc/";
  size_t len = strlen(pid_text);
  if (len > 20) {
    return -1;
  }
  memcpy(path + 6, pid_text, len);
  memcpy(path + 6 + len, "/stat", 6);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return -1;
  }
  char buf[1024];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) {
    return -1;
  }
  buf[n] = '\0';
  char* p = strrchr(buf, ')');
  if (p == nullptr || p[1] != ' ' || p[2] == '\0' || p[3] != ' ') {
    return -1;
  }
  char* start = p + 4;
  char* end = strchr(start, ' ');
  return static_cast<pid_t>(parse_long(start, end));
}

/// Growable array of (pid, ppid) pairs, on malloc.
struct Links {
  pid_t* pid = nullptr;
  pid_t* ppid = nullptr;
  size_t size = 0;
  size_t capacity = 0;
  ~Links() {
    free(pid);
    free(ppid);
  }
  bool push(pid_t a, pid_t b) {
    if (size == capacity) {
      size_t cap = capacity == 0 ? 512 : capacity * 2;
      auto* np = static_cast<pid_t*>(realloc(pid, cap * sizeof(pid_t)));
      if (np == nullptr) {
        return false;
      }
      pid = np;
      auto* npp = static_cast<pid_t*>(realloc(ppid, cap * sizeof(pid_t)));
      if (npp == nullptr) {
        return false;
      }
      ppid = npp;
      capacity = cap;
    }
    pid[size] = a;
    ppid[size] = b;
    ++size;
    return true;
  }
};

/// Sends `sig` to every process below this one, found by walking /proc's ppid links. As
/// the subreaper, every process the dyno started and that is still alive is below us.
void signal_all(int sig) {
  Links links;
  DIR* dir = opendir("/proc");
  if (dir == nullptr) {
    return;
  }
  while (dirent* e = readdir(dir)) {
    long pid = parse_long(e->d_name);
    if (pid <= 0) {
      continue;
    }
    pid_t ppid = read_ppid(e->d_name);
    if (ppid > 0 && !links.push(static_cast<pid_t>(pid), ppid)) {
      break;
    }
  }
  closedir(dir);
  // Breadth-first from ourselves: descendants are moved to the front, [0, done).
  size_t done = 0;
  auto take = [&](size_t i) {
    pid_t tp = links.pid[i], tpp = links.ppid[i];
    links.pid[i] = links.pid[done];
    links.ppid[i] = links.ppid[done];
    links.pid[done] = tp;
    links.ppid[done] = tpp;
    ++done;
  };
  const pid_t self = getpid();
  for (size_t i = 0; i < links.size; ++i) {
    if (links.ppid[i] == self) {
      take(i);
    }
  }
  for (size_t head = 0; head < done; ++head) {
    for (size_t i = done; i < links.size; ++i) {
      if (links.ppid[i] == links.pid[head]) {
        take(i);
      }
    }
  }
  for (size_t i = 0; i < done; ++i) {
    kill(links.pid[i], sig);
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
    write_err("usage: lokku-init PARENT_PID -- PROGRAM [ARGS...]\n");
    return 2;
  }
  const pid_t parent = static_cast<pid_t>(parse_long(argv[1]));
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
    write_err("lokku-init: fork: ", strerror(errno), "\n");
    return 126;
  }
  if (g_main == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    if (isatty(0)) {
      // An attached one-off dyno (RUN-1): the terminal is the command's own, in a session
      // of its own, so its Ctrl-C and hangup reach the command's process group only.
      setsid();
      ioctl(0, TIOCSCTTY, 0);
    }
    execv(argv[3], argv + 3);
    int err = errno;
    write_err("lokku-init: cannot run ", argv[3], ": ");
    write_err(strerror(err), "\n");
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
