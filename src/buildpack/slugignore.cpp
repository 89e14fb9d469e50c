#include "buildpack/slugignore.hpp"

#include <fmt/format.h>

#include <system_error>

namespace lokku::buildpack {

namespace fs = std::filesystem;

bool glob_match(std::string_view p, std::string_view t) {
  // Recursive: patterns are short, and `**` needs a real backtrack past single stars.
  if (p.empty()) {
    return t.empty();
  }
  if (p.substr(0, 2) == "**") {
    auto rest = p.substr(2);
    if (!rest.empty() && rest[0] == '/' && glob_match(rest.substr(1), t)) {
      return true;  // `**/` also matches no directory at all
    }
    for (std::size_t i = 0; i <= t.size(); ++i) {
      if (glob_match(rest, t.substr(i))) {
        return true;
      }
    }
    return false;
  }
  if (p[0] == '*') {
    for (std::size_t i = 0; i <= t.size(); ++i) {
      if (glob_match(p.substr(1), t.substr(i))) {
        return true;
      }
      if (i < t.size() && t[i] == '/') {
        break;
      }
    }
    return false;
  }
  if (t.empty()) {
    return false;
  }
  if (p[0] == '?') {
    return t[0] != '/' && glob_match(p.substr(1), t.substr(1));
  }
  if (p[0] == '[') {
    std::size_t close = p.find(']', 1);
    if (close != std::string_view::npos) {
      auto set = p.substr(1, close - 1);
      bool negate = !set.empty() && (set[0] == '!' || set[0] == '^');
      if (negate) {
        set.remove_prefix(1);
      }
      bool hit = false;
      for (std::size_t i = 0; i < set.size(); ++i) {
        if (i + 2 < set.size() && set[i + 1] == '-') {
          hit = hit || (t[0] >= set[i] && t[0] <= set[i + 2]);
          i += 2;
        } else {
          hit = hit || t[0] == set[i];
        }
      }
      return hit != negate && t[0] != '/' && glob_match(p.substr(close + 1), t.substr(1));
    }
  }
  return p[0] == t[0] && glob_match(p.substr(1), t.substr(1));
}

SlugIgnore parse_slugignore(std::string_view text) {
  SlugIgnore rules;
  int line_no = 0;
  std::size_t i = 0;
  while (i <= text.size() && i < text.size() + 1) {
    std::size_t j = text.find('\n', i);
    if (j == std::string_view::npos) {
      j = text.size();
    }
    ++line_no;
    std::string line(text.substr(i, j - i));
    i = j + 1;
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) {
      line.pop_back();
    }
    if (line.empty() || line[0] == '#') {
      if (j == text.size()) {
        break;
      }
      continue;
    }
    if (line[0] == '!') {
      rules.warnings.push_back(
          fmt::format(".slugignore:{}: ignored: '!' negation is not supported by Heroku", line_no));
      continue;
    }
    SlugIgnore::Pattern p;
    if (line.back() == '/') {
      p.dir_only = true;
      line.pop_back();
    }
    if (!line.empty() && line[0] == '/') {
      p.anchored = true;
      line.erase(0, 1);
    } else if (line.find('/') != std::string::npos) {
      p.anchored = true;  // gitignore: a slash in the middle anchors too
    }
    p.glob = line;
    if (!p.glob.empty()) {
      rules.patterns.push_back(std::move(p));
    }
    if (j == text.size()) {
      break;
    }
  }
  return rules;
}

bool SlugIgnore::ignored(std::string_view rel, bool is_dir) const {
  for (const auto& p : patterns) {
    if (p.dir_only && !is_dir) {
      continue;
    }
    if (p.anchored) {
      if (glob_match(p.glob, rel)) {
        return true;
      }
    } else {
      auto slash = rel.rfind('/');
      auto base = slash == std::string_view::npos ? rel : rel.substr(slash + 1);
      if (glob_match(p.glob, base)) {
        return true;
      }
    }
  }
  return false;
}

namespace {

void walk(const SlugIgnore& rules, const fs::path& root, const std::string& rel,
          std::vector<std::string>& removed) {
  std::error_code ec;
  std::vector<fs::directory_entry> entries;
  for (const auto& e : fs::directory_iterator(rel.empty() ? root : root / rel, ec)) {
    entries.push_back(e);
  }
  for (const auto& e : entries) {
    std::string child =
        rel.empty() ? e.path().filename().string() : rel + "/" + e.path().filename().string();
    bool is_dir = e.is_directory(ec) && !e.is_symlink(ec);
    if (rules.ignored(child, is_dir)) {
      fs::remove_all(e.path(), ec);
      removed.push_back(child);
    } else if (is_dir) {
      walk(rules, root, child, removed);
    }
  }
}

}  // namespace

std::vector<std::string> apply_slugignore(const SlugIgnore& rules, const fs::path& root) {
  std::vector<std::string> removed;
  if (!rules.patterns.empty()) {
    walk(rules, root, "", removed);
  }
  return removed;
}

}  // namespace lokku::buildpack
