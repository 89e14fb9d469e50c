#include "release/dotenv.hpp"

#include "release/error.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace lokku::release {

namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}
bool is_key_start(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
bool is_key_char(char c) {
  return is_key_start(c) || (c >= '0' && c <= '9');
}

class Parser {
 public:
  Parser(std::string_view text, std::string_view file, ConfigVars& vars, const EnvLookup& outside)
      : text_(text), file_(file), vars_(vars), outside_(outside) {}

  void run() {
    while (pos_ < text_.size()) {
      parse_line();
    }
  }

 private:
  [[noreturn]] void fail(int line, std::string_view why) const {
    throw InputError(fmt::format("{}:{}: {}", file_, line, why));
  }

  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  bool at_end() const { return pos_ >= text_.size(); }
  bool at_eol() const { return at_end() || peek() == '\n' || (peek() == '\r' && next_is_lf()); }
  bool next_is_lf() const { return pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n'; }

  void skip_blanks() {
    while (!at_end() && is_blank(peek())) {
      ++pos_;
    }
  }
  void end_line() {
    if (!at_end() && peek() == '\r') {
      ++pos_;
    }
    if (!at_end() && peek() == '\n') {
      ++pos_;
    }
    ++line_;
  }

  /// After a value: only blanks, then an optional ` #` comment, then the end of the line.
  void expect_line_end(int line) {
    std::size_t before = pos_;
    skip_blanks();
    if (!at_eol() && peek() == '#' && (pos_ > before)) {
      while (!at_eol()) {
        ++pos_;
      }
    }
    if (!at_eol()) {
      fail(line, "unexpected text after the closing quote");
    }
    end_line();
  }

  std::string lookup(const std::string& name) const {
    if (auto it = vars_.find(name); it != vars_.end()) {
      return it->second;
    }
    if (outside_) {
      if (auto v = outside_(name)) {
        return *v;
      }
    }
    return {};
  }

  /// Expands `${NAME}` at pos_ (pointing at '$'); returns false if it is not one.
  bool try_expand(std::string& out, int line) {
    if (pos_ + 1 >= text_.size() || text_[pos_ + 1] != '{') {
      return false;
    }
    std::size_t close = text_.find('}', pos_ + 2);
    std::size_t eol = text_.find('\n', pos_ + 2);
    if (close == std::string_view::npos || (eol != std::string_view::npos && eol < close)) {
      fail(line, "'${' without a closing '}'");
    }
    std::string name(text_.substr(pos_ + 2, close - pos_ - 2));
    if (name.empty() || !is_key_start(name[0]) ||
        name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") !=
            std::string::npos) {
      fail(line, fmt::format("'${{{}}}' is not a variable name", name));
    }
    out += lookup(name);
    pos_ = close + 1;
    return true;
  }

  void parse_line() {
    int line = line_;
    skip_blanks();
    if (at_eol()) {
      end_line();
      return;
    }
    if (peek() == '#') {
      while (!at_eol()) {
        ++pos_;
      }
      end_line();
      return;
    }
    if (text_.substr(pos_, 7) == "export " || text_.substr(pos_, 7) == "export\t") {
      pos_ += 7;
      skip_blanks();
    }
    std::size_t key_start = pos_;
    if (at_end() || !is_key_start(peek())) {
      fail(line,
           "expected KEY=VALUE (a key is letters, digits and '_', not starting with a digit)");
    }
    while (!at_end() && is_key_char(peek())) {
      ++pos_;
    }
    std::string key(text_.substr(key_start, pos_ - key_start));
    if (peek() != '=') {
      fail(line, fmt::format("expected '=' right after '{}'", key));
    }
    ++pos_;
    std::string value;
    if (peek() == '\'') {
      ++pos_;
      std::size_t close = pos_;
      while (close < text_.size() && text_[close] != '\'' && text_[close] != '\n') {
        ++close;
      }
      if (close >= text_.size() || text_[close] != '\'') {
        fail(line, "single quote is never closed on this line");
      }
      value = std::string(text_.substr(pos_, close - pos_));
      pos_ = close + 1;
      expect_line_end(line);
    } else if (peek() == '"') {
      ++pos_;
      for (;;) {
        if (at_end()) {
          fail(line, "double quote is never closed");
        }
        char c = peek();
        if (c == '"') {
          ++pos_;
          break;
        }
        if (c == '\\' && pos_ + 1 < text_.size()) {
          char n = text_[pos_ + 1];
          switch (n) {
            case 'n':
              value += '\n';
              break;
            case 't':
              value += '\t';
              break;
            case '"':
              value += '"';
              break;
            case '\\':
              value += '\\';
              break;
            case '$':
              value += '$';
              break;
            default:
              value += '\\';
              value += n;
              break;
          }
          pos_ += 2;
          continue;
        }
        if (c == '$' && try_expand(value, line)) {
          continue;
        }
        if (c == '\n') {
          ++line_;  // the value spans lines; errors still name where it started
        }
        value += c;
        ++pos_;
      }
      int saved = line_;
      expect_line_end(saved);
    } else {
      while (!at_eol()) {
        char c = peek();
        if (c == '#' && !value.empty() && is_blank(value.back())) {
          while (!at_eol()) {
            ++pos_;
          }
          break;
        }
        if (c == '$' && try_expand(value, line)) {
          continue;
        }
        value += c;
        ++pos_;
      }
      while (!value.empty() && is_blank(value.back())) {
        value.pop_back();
      }
      end_line();
    }
    vars_[key] = std::move(value);
  }

  std::string_view text_;
  std::string_view file_;
  ConfigVars& vars_;
  const EnvLookup& outside_;
  std::size_t pos_ = 0;
  int line_ = 1;
};

}  // namespace

void parse_dotenv(std::string_view text, std::string_view file, ConfigVars& vars,
                  const EnvLookup& outside) {
  if (text.find('\0') != std::string_view::npos) {
    throw InputError(fmt::format("{}: is a binary file, not a .env file", file));
  }
  Parser(text, file, vars, outside).run();
}

void load_dotenv(const std::string& path, ConfigVars& vars, const EnvLookup& outside) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw InputError(fmt::format("{}: cannot read env file: {}", path, std::strerror(errno)));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) {
    throw InputError(fmt::format("{}: cannot read env file", path));
  }
  parse_dotenv(ss.str(), path, vars, outside);
}

}  // namespace lokku::release
