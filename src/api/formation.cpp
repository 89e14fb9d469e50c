// Formation (`heroku ps:scale`, `heroku ps:type`): quantities as numbers or the CLI's strings
// (`"2"`, `"+1"`, `"-1"`), sizes by Heroku's names.
#include "api/api_error.hpp"
#include "api/request_body.hpp"
#include "api/routes.hpp"
#include "api/schema.hpp"
#include "release/dyno_size.hpp"
#include "store/changes.hpp"

#include <fmt/format.h>

#include <charconv>

namespace lokku::api {

namespace json = boost::json;

namespace {

store::ScaleChange parse_update(const store::App& app, const json::value& u) {
  if (!u.is_object()) {
    invalid("Each update must be an object with type and quantity.");
  }
  const auto& uo = u.as_object();
  store::ScaleChange ch;
  auto type = string_field(uo, "type");
  if (!type) {
    invalid("Each update needs a type.");
  }
  ch.type = *type;
  ch.op = '\0';
  if (auto q = uo.find("quantity"); q != uo.end() && !q->value().is_null()) {
    std::string text;
    if (q->value().is_string()) {
      text = std::string(q->value().as_string());
    } else if (q->value().is_int64()) {
      text = std::to_string(q->value().as_int64());
    } else {
      invalid("quantity must be an integer or a string like \"+1\".");
    }
    ch.op = !text.empty() && (text[0] == '+' || text[0] == '-') ? text[0] : '=';
    auto digits = ch.op == '=' ? text : text.substr(1);
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), ch.amount);
    if (ec != std::errc() || p != digits.data() + digits.size() || ch.amount < 0 ||
        digits.empty()) {
      invalid(fmt::format("Invalid quantity: {}", text));
    }
  }
  if (auto sz = string_field(uo, "size")) {
    auto s = release::find_dyno_size(*sz);
    if (!s) {
      invalid(fmt::format("No such dyno size: {} (sizes: {})", *sz, release::dyno_size_names()));
    }
    ch.size = s->name;
  }
  const auto* cur = app.current();
  if (!cur || cur->process_types.count(ch.type) == 0 || ch.type == "release") {
    fail(404, "not_found", fmt::format("Couldn't find that process type ({}).", ch.type));
  }
  return ch;
}

/// Applies the updates in one store change; the types they name.
std::vector<std::string> apply(Context& c, store::App& app, const json::array& updates) {
  std::vector<store::ScaleChange> changes;
  std::vector<std::string> types;
  for (const auto& u : updates) {
    changes.push_back(parse_update(app, u));
    types.push_back(changes.back().type);
  }
  app = c.store.update(app.name, [&](store::App& a) { store::apply_scale(a, changes); });
  return types;
}

Response list(Context& c) {
  return json_response(200, formation_json(c.app()));
}

Response batch_update(Context& c) {
  auto app = c.app();
  auto body = c.body();
  const auto& o = body_object(body);
  auto it = o.find("updates");
  if (it == o.end() || !it->value().is_array()) {
    invalid("updates must be a list of {type, quantity, size}.");
  }
  auto types = apply(c, app, it->value().as_array());
  return json_response(200, formation_json(app, types));
}

Response one(Context& c, const store::App& app) {
  auto list = formation_json(app, {c.param("type")});
  if (list.empty()) {
    not_found("formation");
  }
  return json_response(200, list[0]);
}

Response info(Context& c) {
  return one(c, c.app());
}

Response update(Context& c) {
  auto app = c.app();
  auto body = c.body();
  json::object u = body_object(body);
  u["type"] = c.param("type");
  apply(c, app, json::array{u});
  return one(c, app);
}

}  // namespace

void add_formation_routes(Routes& t) {
  t.add("GET", "/apps/{app}/formation", list);
  t.add("PATCH", "/apps/{app}/formation", batch_update);
  t.add("GET", "/apps/{app}/formation/{type}", info);
  t.add("PATCH", "/apps/{app}/formation/{type}", update);
}

}  // namespace lokku::api
