#include "dyno/line_splitter.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lokku::dyno {
namespace {

struct Collect {
  std::vector<std::string> lines;
  LineSplitter::Emit emit() {
    return [this](std::string_view l) { lines.emplace_back(l); };
  }
};

TEST(LineSplitter, SplitsWholeLinesAcrossReads) {
  Collect c;
  LineSplitter s;
  s.feed("hel", c.emit());
  s.feed("lo\nwor", c.emit());
  s.feed("ld\n\nlast", c.emit());
  EXPECT_EQ(c.lines, (std::vector<std::string>{"hello", "world", ""}));
  s.finish(c.emit());  // a last line without newline is not lost
  EXPECT_EQ(c.lines.back(), "last");
}

TEST(LineSplitter, DropsCarriageReturnBeforeNewline) {
  Collect c;
  LineSplitter s;
  s.feed("a\r\nb\r\n", c.emit());
  EXPECT_EQ(c.lines, (std::vector<std::string>{"a", "b"}));
}

// dynos.md STATE-6: lines over 10000 bytes leave as 10000-byte chunks.
TEST(LineSplitter, LongLinesLeaveInChunks) {
  Collect c;
  LineSplitter s;
  std::string big(25000, 'x');
  s.feed(big.substr(0, 7000), c.emit());
  s.feed(big.substr(7000) + "\n", c.emit());
  ASSERT_EQ(c.lines.size(), 3u);
  EXPECT_EQ(c.lines[0].size(), 10000u);
  EXPECT_EQ(c.lines[1].size(), 10000u);
  EXPECT_EQ(c.lines[2].size(), 5000u);
}

TEST(LineSplitter, ExactlyMaxIsOneLine) {
  Collect c;
  LineSplitter s(4);
  s.feed("abcd\nef", c.emit());
  EXPECT_EQ(c.lines, (std::vector<std::string>{"abcd"}));
}

}  // namespace
}  // namespace lokku::dyno
