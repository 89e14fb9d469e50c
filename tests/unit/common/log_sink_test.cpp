#include "common/log_sink.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <fcntl.h>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <unistd.h>
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
TEST(LogSink, LinesOfManyThreadsLeaveWholeAndInOrder) {
  PipeReader out;
  out.start();
  constexpr int kThreads = 4;
  constexpr int kLines = 20000;
  {
    LogSink sink(out.write_end());
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

// A router thread that logs a request does not wait for the output while less than a
// megabyte is queued (the sink's thread writes), and once the output is that far behind,
// the producer waits for it instead of dropping lines or queueing without end.
TEST(LogSink, AProducerWaitsForAStalledOutputOnlyOnceItIsAMegabyteBehind) {
  PipeReader out;  // not reading yet: every write to it blocks
  const std::string padding(200, 'y');
  constexpr int kBelow = 2000;   // ~500 KB of lines
  constexpr int kBeyond = 6000;  // ~1.5 MB more
  auto sink = std::make_unique<LogSink>(out.write_end());

  auto below = std::async(std::launch::async, [&] {
    for (int i = 0; i < kBelow; ++i) {
      sink->add("heroku", "router", "r" + std::to_string(i) + " " + padding);
    }
  });
  const bool below_returned = below.wait_for(10s) == std::future_status::ready;
  if (!below_returned) {
    out.start();  // lets the blocked producer finish, so that the test ends
  }
  ASSERT_TRUE(below_returned) << "add() waited for a stalled output with only ~500 KB queued";

  auto beyond = std::async(std::launch::async, [&] {
    for (int i = kBelow; i < kBelow + kBeyond; ++i) {
      sink->add("heroku", "router", "r" + std::to_string(i) + " " + padding);
    }
  });
  EXPECT_EQ(beyond.wait_for(300ms), std::future_status::timeout)
      << "~2 MB queued for a stalled output, and add() did not wait";

  out.start();
  ASSERT_EQ(beyond.wait_for(10s), std::future_status::ready);
  sink.reset();
  EXPECT_TRUE(all_in_order(out.finish(), "r", kBelow + kBeyond));
}

}  // namespace
}  // namespace lokku::common
