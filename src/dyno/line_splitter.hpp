#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace lokku::dyno {

/// Turns a dyno's byte stream into whole log lines (dynos.md STATE-6): a line longer than
/// `max_line` bytes leaves as `max_line`-byte chunks, so memory per stream stays bounded
/// whatever the dyno writes; a last line without newline leaves at finish(). A trailing
/// "\r" before the newline is dropped.
class LineSplitter {
 public:
  using Emit = std::function<void(std::string_view)>;
  static constexpr std::size_t kHerokuMaxLine = 10000;

  explicit LineSplitter(std::size_t max_line = kHerokuMaxLine) : max_line_(max_line) {}

  void feed(std::string_view bytes, const Emit& emit);
  void finish(const Emit& emit);

 private:
  std::size_t max_line_;
  std::string partial_;
};

}  // namespace lokku::dyno
