#include "api/range.hpp"

#include "api/api_error.hpp"

#include <boost/json/value.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdint>

namespace lokku::api {

namespace json = boost::json;

std::optional<Range> parse_range(const std::string& header) {
  // `<field> [<start>|]<start>]..[<end>][; max=N[, order=asc|desc]]`
  Range r;
  auto semi = header.find(';');
  std::string head = header.substr(0, semi);
  std::string params = semi == std::string::npos ? "" : header.substr(semi + 1);
  auto sp = head.find(' ');
  if (sp == std::string::npos || head.find("..") == std::string::npos) {
    return std::nullopt;
  }
  r.field = head.substr(0, sp);
  std::string span = head.substr(sp + 1);
  std::string start = span.substr(0, span.find(".."));
  if (!start.empty() && start[0] == ']') {
    r.exclusive = true;
    start.erase(0, 1);
  }
  r.start = start;
  std::size_t i = 0;
  while (i < params.size()) {
    auto j = params.find_first_of(",;", i);
    if (j == std::string::npos) {
      j = params.size();
    }
    std::string kv = params.substr(i, j - i);
    i = j + 1;
    kv.erase(0, kv.find_first_not_of(' '));
    kv.erase(kv.find_last_not_of(' ') + 1);
    auto eq = kv.find('=');
    if (eq == std::string::npos) {
      continue;
    }
    auto k = kv.substr(0, eq), v = kv.substr(eq + 1);
    if (k == "max") {
      std::size_t n = 0;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec != std::errc() || n == 0) {
        return std::nullopt;
      }
      r.max = std::min<std::size_t>(n, 1000);
    } else if (k == "order") {
      if (v != "asc" && v != "desc") {
        return std::nullopt;
      }
      r.desc = v == "desc";
    }
  }
  return r;
}

Page paginate(json::array items, const std::string& header, const std::string& default_field,
              std::initializer_list<std::string_view> sortable) {
  Range range;
  range.field = default_field;
  if (!header.empty()) {
    auto parsed = parse_range(header);
    if (!parsed) {
      fail(400, "bad_request", "Invalid Range header: " + header);
    }
    range = *parsed;
  }
  if (std::find(sortable.begin(), sortable.end(), range.field) == sortable.end()) {
    std::string fields;
    for (auto f : sortable) {
      fields += (fields.empty() ? "" : ", ") + std::string(f);
    }
    fail(400, "bad_request",
         fmt::format("Invalid Range header: {}: cannot sort by {} (sortable: {}).", header,
                     range.field, fields));
  }
  auto key = [&](const json::value& v) -> std::pair<std::int64_t, std::string> {
    const auto& o = v.as_object();
    auto it = o.find(range.field);
    if (it == o.end()) {
      return {0, ""};
    }
    if (it->value().is_int64()) {
      return {it->value().as_int64(), ""};
    }
    return {0, it->value().is_string() ? std::string(it->value().as_string()) : ""};
  };
  std::stable_sort(items.begin(), items.end(),
                   [&](const json::value& a, const json::value& b) { return key(a) < key(b); });
  if (range.desc) {
    std::reverse(items.begin(), items.end());
  }
  Page page;
  std::size_t i = 0;
  if (!range.start.empty()) {
    std::pair<std::int64_t, std::string> start{0, range.start};
    if (range.field == "version") {
      std::from_chars(range.start.data(), range.start.data() + range.start.size(), start.first);
      start.second.clear();
    }
    while (i < items.size()) {
      auto k = key(items[i]);
      bool before = range.desc ? (range.exclusive ? k >= start : k > start)
                               : (range.exclusive ? k <= start : k < start);
      if (!before) {
        break;
      }
      ++i;
    }
  }
  for (; i < items.size() && page.items.size() < range.max; ++i) {
    page.items.push_back(items[i]);
  }
  if (i < items.size() && !page.items.empty()) {
    auto last = key(page.items.back());
    std::string value = range.field == "version" ? std::to_string(last.first) : last.second;
    page.status = 206;
    page.headers.emplace_back(
        "Next-Range", fmt::format("{} ]{}..; max={}, order={}", range.field, value, range.max,
                                  range.desc ? "desc" : "asc"));
  }
  return page;
}

}  // namespace lokku::api
