// Stacks (`heroku stack`, `heroku stack:set`): the stacks a build may name, all run on this
// machine's Debian; STACK tells a buildpack which one it builds for.
#include "api/api_error.hpp"
#include "api/routes.hpp"
#include "api/schema.hpp"
#include "store/changes.hpp"

namespace lokku::api {

namespace {

Response list(Context&) {
  boost::json::array out;
  for (const auto& s : store::known_stacks()) {
    out.push_back(stack_json(s));
  }
  return json_response(200, out);
}

Response info(Context& c) {
  for (const auto& s : store::known_stacks()) {
    if (c.param("stack") == s || stack_json(s).at("id").as_string() == c.param("stack")) {
      return json_response(200, stack_json(s));
    }
  }
  not_found("stack");
}

}  // namespace

void add_stack_routes(Routes& t) {
  t.add("GET", "/stacks", list);
  t.add("GET", "/stacks/{stack}", info);
}

}  // namespace lokku::api
