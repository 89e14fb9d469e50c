#pragma once
// Writing the store's YAML records.

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <string>

namespace lokku::store {

/// yaml-cpp's emitter, except that a string it would write plain but that would not read
/// back the same (a control character such as a trailing `\r`, a leading or trailing blank)
/// is written double-quoted, escapes and all: a record always survives its own round trip
/// (tests/fuzz/app_yaml.cpp found `user: u\r` coming back as `u`).
class Emitter {
 public:
  template <class T>
  Emitter& operator<<(const T& v) {
    out_ << v;
    return *this;
  }
  Emitter& operator<<(const std::string& s) {
    const bool plain_loses =
        !s.empty() &&
        (s.front() == ' ' || s.back() == ' ' || std::any_of(s.begin(), s.end(), [](char c) {
           return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
         }));
    if (plain_loses) {
      out_ << YAML::DoubleQuoted;
    }
    out_ << s;
    return *this;
  }
  const char* c_str() const { return out_.c_str(); }

 private:
  YAML::Emitter out_;
};

}  // namespace lokku::store
