#include "api/request_body.hpp"

#include "api/api_error.hpp"

#include <boost/json/parse.hpp>
#include <fmt/format.h>

namespace lokku::api {

namespace json = boost::json;

json::value parse_body(const std::string& body) {
  if (body.empty()) {
    return json::object{};
  }
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (ec) {
    fail(400, "bad_request", "Invalid JSON in the request body: " + ec.message() + ".");
  }
  return v;
}

const json::object& body_object(const json::value& holder) {
  if (!holder.is_object()) {
    invalid("The request body must be a JSON object.");
  }
  return holder.as_object();
}

namespace {

/// The field's value unless absent or null.
const json::value* present(const json::object& o, const char* key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) {
    return nullptr;
  }
  return &it->value();
}

}  // namespace

std::optional<std::string> string_field(const json::object& o, const char* key) {
  const auto* v = present(o, key);
  if (!v) {
    return std::nullopt;
  }
  if (!v->is_string()) {
    invalid(fmt::format("{} must be a string.", key));
  }
  return std::string(v->as_string());
}

std::optional<bool> bool_field(const json::object& o, const char* key) {
  const auto* v = present(o, key);
  if (!v) {
    return std::nullopt;
  }
  if (!v->is_bool()) {
    invalid(fmt::format("{} must be a boolean.", key));
  }
  return v->as_bool();
}

std::optional<std::int64_t> int_field(const json::object& o, const char* key) {
  const auto* v = present(o, key);
  if (!v) {
    return std::nullopt;
  }
  if (!v->is_int64() && !v->is_uint64()) {
    invalid(fmt::format("{} must be an integer.", key));
  }
  return v->to_number<std::int64_t>();
}

const json::object* object_field(const json::object& o, const char* key) {
  const auto* v = present(o, key);
  if (!v) {
    return nullptr;
  }
  if (!v->is_object()) {
    invalid(fmt::format("{} must be an object.", key));
  }
  return &v->as_object();
}

std::optional<std::string> identity_field(const json::object& o, const char* key) {
  const auto* v = present(o, key);
  if (!v) {
    return std::nullopt;
  }
  if (v->is_object()) {
    if (auto name = string_field(v->as_object(), "name")) {
      return name;
    }
    if (auto id = string_field(v->as_object(), "id")) {
      return id;
    }
    invalid(fmt::format("{} must name one: {{\"name\": ...}} or {{\"id\": ...}}.", key));
  }
  if (!v->is_string()) {
    invalid(fmt::format("{} must be a string or an object with a name.", key));
  }
  return std::string(v->as_string());
}

}  // namespace lokku::api
