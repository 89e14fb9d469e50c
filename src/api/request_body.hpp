#pragma once
// A request's JSON body and its fields, checked by type: malformed JSON is 400 bad_request,
// a field of the wrong type 422 invalid_params naming the field (platform-api.md §3).

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace lokku::api {

/// The body as JSON; an empty body is `{}`.
boost::json::value parse_body(const std::string& body);
/// The body as a JSON object (422 otherwise); `holder` keeps the parsed value alive.
const boost::json::object& body_object(const boost::json::value& holder);

/// A field that is absent or null is nullopt; any other type than the one asked is a 422.
std::optional<std::string> string_field(const boost::json::object& o, const char* key);
std::optional<bool> bool_field(const boost::json::object& o, const char* key);
std::optional<std::int64_t> int_field(const boost::json::object& o, const char* key);
/// A field that must be an object (absent or null: nullptr).
const boost::json::object* object_field(const boost::json::object& o, const char* key);
/// `{"plan": "x"}` and `{"plan": {"name": "x"}}` alike (Heroku takes an identity or an
/// object naming one): the identity, if given.
std::optional<std::string> identity_field(const boost::json::object& o, const char* key);

}  // namespace lokku::api
