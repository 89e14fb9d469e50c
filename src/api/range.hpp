#pragma once
// Heroku's list ranges (platform-api.md §3): `Range: version ..; max=15, order=desc`,
// `id ]abc..; max=200`; a page answers 206 with Next-Range while more remain, 200 and no
// Next-Range on the last page.

#include <boost/json/array.hpp>

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lokku::api {

struct Range {
  std::string field = "id";
  std::string start;  ///< empty: from the first
  bool exclusive = false;
  std::size_t max = 200;
  bool desc = false;
};
std::optional<Range> parse_range(const std::string& header);

/// A page of a list.
struct Page {
  int status = 200;  ///< 206 while more remain
  boost::json::array items;
  std::vector<std::pair<std::string, std::string>> headers;  ///< Next-Range
};

/// Sorts `items` by the header's field (`default_field` when no header), cuts them to one
/// page. A header that does not parse, or sorts by a field outside `sortable`, is a 400
/// naming what can be sorted by (ApiError).
Page paginate(boost::json::array items, const std::string& header, const std::string& default_field,
              std::initializer_list<std::string_view> sortable);

}  // namespace lokku::api
