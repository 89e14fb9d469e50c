#include "dyno/line_splitter.hpp"

namespace lokku::dyno {

namespace {
std::string_view trim_cr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  return line;
}
}  // namespace

void LineSplitter::feed(std::string_view bytes, const Emit& emit) {
  while (!bytes.empty()) {
    auto nl = bytes.find('\n');
    std::string_view piece = nl == std::string_view::npos ? bytes : bytes.substr(0, nl);
    // partial_ never holds more than max_line_ bytes: past that, whole chunks leave.
    while (partial_.size() + piece.size() > max_line_) {
      std::size_t take = max_line_ - partial_.size();
      if (partial_.empty()) {
        emit(piece.substr(0, take));
      } else {
        partial_.append(piece.substr(0, take));
        emit(partial_);
        partial_.clear();
      }
      piece.remove_prefix(take);
    }
    if (nl == std::string_view::npos) {
      partial_.append(piece);
      return;
    }
    if (partial_.empty()) {
      emit(trim_cr(piece));
    } else {
      partial_.append(piece);
      emit(trim_cr(partial_));
      partial_.clear();
    }
    bytes.remove_prefix(nl + 1);
  }
}

void LineSplitter::finish(const Emit& emit) {
  if (!partial_.empty()) {
    emit(trim_cr(partial_));
    partial_.clear();
  }
}

}  // namespace lokku::dyno
