#pragma once
// The Platform API's endpoints as a table: (method, path pattern) → handler, where a pattern
// names its variable segments in braces (`/apps/{app}/releases/{release}`), as Heroku's
// schema writes its hrefs. Each resource's file adds its own rows (routes.hpp); a request is
// matched against them in the order they were added, so a literal row listed before a
// pattern that would also match it wins.

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace lokku::api {

/// The values of a matched pattern's `{name}` segments, by name.
using PathParams = std::map<std::string, std::string, std::less<>>;

template <typename Handler>
class RouteTable {
 public:
  struct Match {
    const Handler* handler = nullptr;  ///< nullptr: no row matched
    PathParams params;
  };

  /// Adds a row. `pattern` starts with `/`; a segment `{name}` matches any one segment.
  void add(std::string method, std::string_view pattern, Handler handler) {
    rows_.push_back({std::move(method), split(pattern), std::move(handler)});
  }

  Match match(std::string_view method, std::string_view path) const {
    Match m;
    auto segments = split(path);
    for (const auto& row : rows_) {
      PathParams params;
      if (row.method != method || !matches(row.pattern, segments, params)) {
        continue;
      }
      m.handler = &row.handler;
      m.params = std::move(params);
      return m;
    }
    return m;
  }

  std::size_t size() const { return rows_.size(); }

 private:
  struct Row {
    std::string method;
    std::vector<std::string> pattern;
    Handler handler;
  };

  static std::vector<std::string> split(std::string_view path) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < path.size()) {
      auto j = path.find('/', i);
      if (j == std::string_view::npos) {
        j = path.size();
      }
      if (j > i) {
        out.emplace_back(path.substr(i, j - i));
      }
      i = j + 1;
    }
    return out;
  }

  static bool matches(const std::vector<std::string>& pattern,
                      const std::vector<std::string>& segments, PathParams& params) {
    if (pattern.size() != segments.size()) {
      return false;
    }
    for (std::size_t i = 0; i < pattern.size(); ++i) {
      const auto& p = pattern[i];
      if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
        params[p.substr(1, p.size() - 2)] = segments[i];
      } else if (p != segments[i]) {
        return false;
      }
    }
    return true;
  }

  std::vector<Row> rows_;
};

}  // namespace lokku::api
