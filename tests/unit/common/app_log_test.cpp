#include "common/app_log.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <fcntl.h>
#include <future>
#include <memory>
#include <poll.h>
#include <string>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

namespace lokku::common {
namespace {

using namespace std::chrono_literals;

/// A pipe whose read end is drained into `text` by a thread, once start() is called.
class PipeReader {
 public:
  PipeReader() {
    EXPECT_EQ(::pipe2(fds_, O_CLOEXEC), 0);
    ::fcntl(fds_[1], F_SETPIPE_SZ, 4096);  // the smallest: a stalled reader blocks writes at once
  }
  ~PipeReader() {
    close_write();
    start();
    if (thread_.joinable()) {
      thread_.join();
    }
    ::close(fds_[0]);
  }
  int write_end() const { return fds_[1]; }
  void start() {
    if (!thread_.joinable()) {
      thread_ = std::thread([this] {
        char buf[65536];
        for (;;) {
          ssize_t n = ::read(fds_[0], buf, sizeof buf);
          if (n < 0 && errno == EINTR) {
            continue;
          }
          if (n <= 0) {
            return;
          }
          text_.append(buf, static_cast<std::size_t>(n));
        }
      });
    }
  }
  void close_write() {
    if (fds_[1] >= 0) {
      ::close(fds_[1]);
      fds_[1] = -1;
    }
  }
  /// Everything written, once the write end is closed.
  const std::string& finish() {
    close_write();
    start();
    thread_.join();
    return text_;
  }

 private:
  int fds_[2] = {-1, -1};
  std::thread thread_;
  std::string text_;
};

/// Lines of `text` whose message starts with `tag` followed by their sequence number, in the
/// order they came: true when they are exactly 0..count-1 and every line is whole.
::testing::AssertionResult all_in_order(const std::string& text, const std::string& tag,
                                        int count) {
  int next = 0;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = text.find('\n', at);
    if (end == std::string::npos) {
      return ::testing::AssertionFailure() << "a line without its newline at byte " << at;
    }
    std::string_view line(text.data() + at, end - at);
    at = end + 1;
    std::size_t m = line.find("]: ");
    if (m == std::string_view::npos || line.size() < 33 || line[4] != '-' || line[26] != '+') {
      return ::testing::AssertionFailure() << "not a whole log line: " << line;
    }
    std::string_view message = line.substr(m + 3);
    if (message.substr(0, tag.size()) != tag) {
      continue;
    }
    std::string_view number =
        message.substr(tag.size(), message.find(' ', tag.size()) - tag.size());
    if (number != std::to_string(next)) {
      return ::testing::AssertionFailure() << tag << next << " expected, got: " << line;
    }
    ++next;
  }
  if (next != count) {
    return ::testing::AssertionFailure() << tag << ": " << next << " lines of " << count;
  }
  return ::testing::AssertionSuccess();
}

// dynos.md STATE-6 and router.md LOG-1: every line leaves whole, none lost, each source's
// lines in the order they were logged, while the router's threads and the dyno manager log
// at once.
TEST(AppLog, LinesOfManyThreadsLeaveWholeAndInOrder) {
  PipeReader out;
  out.start();
  constexpr int kThreads = 4;
  constexpr int kLines = 20000;
  {
    AppLog sink(out.write_end());
    std::vector<std::thread> producers;
    for (int t = 0; t < kThreads; ++t) {
      producers.emplace_back([&sink, t] {
        const std::string dyno = "web." + std::to_string(t + 1);
        const std::string padding(80 + 40 * t, 'x');
        for (int i = 0; i < kLines; ++i) {
          sink.add("app", dyno, "t" + std::to_string(t) + "n" + std::to_string(i) + " " + padding);
        }
      });
    }
    for (auto& p : producers) {
      p.join();
    }
  }  // the sink writes what is left as it goes
  const std::string& text = out.finish();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_TRUE(all_in_order(text, "t" + std::to_string(t) + "n", kLines));
  }
}

// A router thread that logs a request does not wait for the output while the queue has
// room (the queue's worker writes), and once the output is kQueueRecords batches behind, the
// producer waits for it instead of dropping lines or queueing without end.
TEST(AppLog, AProducerWaitsForAStalledOutputOnlyOnceTheQueueIsFull) {
  PipeReader out;  // not reading yet: every write to it blocks
  const std::string padding(200, 'y');
  constexpr int kBelow = 2000;
  // More lines than the queue's records, the record being written and the staging batch
  // hold, however they are cut into batches.
  constexpr int kBeyond =
      static_cast<int>((AppLog::kQueueRecords + 2) * AppLog::kBatchBytes / 200) + 2000;
  auto sink = std::make_unique<AppLog>(out.write_end());

  auto below = std::async(std::launch::async, [&] {
    for (int i = 0; i < kBelow; ++i) {
      sink->add("heroku", "router", "r" + std::to_string(i) + " " + padding);
    }
  });
  const bool below_returned = below.wait_for(10s) == std::future_status::ready;
  if (!below_returned) {
    out.start();  // lets the blocked producer finish, so that the test ends
  }
  ASSERT_TRUE(below_returned) << "add() waited for a stalled output with the queue far from full";

  auto beyond = std::async(std::launch::async, [&] {
    for (int i = kBelow; i < kBelow + kBeyond; ++i) {
      sink->add("heroku", "router", "r" + std::to_string(i) + " " + padding);
    }
  });
  EXPECT_EQ(beyond.wait_for(300ms), std::future_status::timeout)
      << "more lines than the queue holds for a stalled output, and add() did not wait";

  out.start();
  ASSERT_EQ(beyond.wait_for(10s), std::future_status::ready);
  sink.reset();
  EXPECT_TRUE(all_in_order(out.finish(), "r", kBelow + kBeyond));
}

// A line that is only added (no push, no flush: a router's request line on a quiet app)
// still leaves within the flush period, while the stream lives.
TEST(AppLog, AnAddedLineLeavesWithinTheFlushPeriodWithoutAFlush) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  auto log = std::make_unique<AppLog>(fds[1]);
  const auto added = std::chrono::steady_clock::now();
  log->add("heroku", "router", "at=info method=GET path=\"/quiet\"");
  pollfd readable{fds[0], POLLIN, 0};
  ASSERT_EQ(::poll(&readable, 1, 5000), 1) << "the line did not leave without a flush";
  const auto waited = std::chrono::steady_clock::now() - added;
  EXPECT_GE(waited, AppLog::kFlushEvery / 2) << "it should gather lines for a while first";
  char buf[512];
  const ssize_t n = ::read(fds[0], buf, sizeof buf);
  ASSERT_GT(n, 0);
  EXPECT_NE(std::string_view(buf, static_cast<std::size_t>(n))
                .find(" heroku[router]: at=info method=GET path=\"/quiet\"\n"),
            std::string_view::npos);
  log.reset();
  ::close(fds[0]);
  ::close(fds[1]);
}

/// Reads a whole file.
std::string slurp(const std::string& path) {
  std::string text;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return text;
  }
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) {
    text.append(buf, static_cast<std::size_t>(n));
  }
  return text;
}

/// An app's log file in a fresh temporary directory, open for appending as the platform
/// opens it; removed with the directory.
struct TempFile {
  TempFile() {
    char tmpl[] = "/tmp/lokku-app-log-XXXXXX";
    dir = ::mkdtemp(tmpl);
    path = dir + "/log";
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    EXPECT_GE(fd, 0) << path;
  }
  ~TempFile() {
    if (fd >= 0) {
      ::close(fd);
    }
    ::unlink(path.c_str());
    ::unlink((path + ".1").c_str());
    ::rmdir(dir.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  /// Hands the descriptor over (to a stream that rotates the file).
  int release() { return std::exchange(fd, -1); }
  std::string dir;
  std::string path;
  int fd = -1;
};

SystemTime at_noon() {
  return std::chrono::sys_days{std::chrono::year{2026} / 1 / 2} + std::chrono::hours{12} +
         std::chrono::microseconds{1500};
}

// dynos.md STATE-6 and LOCAL-5: the terminal gets the app's prefix and Heroku's frame with
// `source[dyno]:` in its process type's colour; the file gets the same lines bare.
TEST(AppLog, TheTerminalGetsPrefixAndColourTheFileTheBareLine) {
  PipeReader out;
  out.start();
  TempFile file;
  {
    AppLog log(out.write_end(), true, file.fd, "hc | ");
    log.set_clock(at_noon);
    log.add("app", "worker.1", "working: 3 jobs", 1);
    log.line("heroku", "router", "at=info method=GET path=\"/\"");
  }
  EXPECT_EQ(out.finish(),
            "hc | 2026-01-02T12:00:00.001500+00:00 \x1b[33mapp[worker.1]:\x1b[0m working: 3 jobs\n"
            "hc | 2026-01-02T12:00:00.001500+00:00 \x1b[36mheroku[router]:\x1b[0m at=info "
            "method=GET path=\"/\"\n");
  EXPECT_EQ(slurp(file.path),
            "2026-01-02T12:00:00.001500+00:00 app[worker.1]: working: 3 jobs\n"
            "2026-01-02T12:00:00.001500+00:00 heroku[router]: at=info method=GET path=\"/\"\n");
}

// git-and-ci.md §1.3: a push shows only what the release command prints, bare; the app's
// log file still gets every line.
TEST(AppLog, MessagesOnlyShowsWhatDynosPrintAndTheFileKeepsEverything) {
  PipeReader out;
  out.start();
  TempFile file;
  {
    AppLog log(out.write_end(), false, file.fd, "");
    log.messages_only(true);
    log.line("heroku", "release.1", "Starting process with command `./migrate`");
    log.line("app", "release.1", "migrating: done");
    log.line("app", "api", "Release v2 created by user dev@lokku.local");
  }
  EXPECT_EQ(out.finish(), "migrating: done\n");
  const std::string kept = slurp(file.path);
  EXPECT_NE(kept.find(" heroku[release.1]: Starting process with command `./migrate`\n"),
            std::string::npos)
      << kept;
  EXPECT_NE(kept.find(" app[api]: Release v2 created by user dev@lokku.local\n"), std::string::npos)
      << kept;
}

// An app's log file becomes `log.1` once past its limit and a new `log` is started; no line
// is lost or split across the two.
TEST(AppLog, TheFileRotatesPastItsLimitWithoutLosingALine) {
  TempFile file;
  constexpr int kLines = 400;
  {
    AppLog log(-1, false, file.release(), "");
    log.rotate_at(file.path, 16 * 1024);
    for (int i = 0; i < kLines; ++i) {
      log.line("app", "web.1", "n" + std::to_string(i) + " " + std::string(80, 'z'));
    }
  }  // the stream owns the descriptor since rotate_at()
  const std::string older = slurp(file.path + ".1");
  const std::string newer = slurp(file.path);
  EXPECT_FALSE(older.empty());
  EXPECT_LE(newer.size(), 16 * 1024 + 200u);
  // log.1 was replaced by each later rotation: what is left ends where `log` begins.
  const std::string both = older + newer;
  const std::size_t first = both.find("]: n");
  ASSERT_NE(first, std::string::npos);
  const int from = std::stoi(both.substr(first + 4));
  EXPECT_GT(from, 0) << "nothing rotated away";
  int next = from;
  std::size_t at = 0;
  while ((at = both.find("]: n", at)) != std::string::npos) {
    at += 4;
    EXPECT_EQ(std::stoi(both.substr(at)), next++);
  }
  EXPECT_EQ(next, kLines);
}

}  // namespace
}  // namespace lokku::common
