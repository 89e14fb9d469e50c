#pragma once
// Pure helpers for the request headers the router rewrites (router.md HDR-1..9).

#include <boost/beast/core/string.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace lokku::router {

/// HDR-1: a client X-Request-Id is kept only when 20-200 bytes of [A-Za-z0-9+/=-].
bool valid_request_id(std::string_view id);

/// Sets `out` to a new lowercase v4 UUID (HDR-1), 36 characters (its storage reused).
void new_request_id(std::string& out);

/// HDR-2/6: `existing, value`, or `value` alone when there is nothing yet.
std::string append_list(std::string_view existing, std::string_view value);

/// HOST-1: the routing key of a Host header: lower-cased, `:port` removed. nullopt for an
/// empty or malformed host (HOST-2).
std::optional<std::string> host_key(std::string_view host);

/// Case-insensitive ASCII comparison (header names, values such as `100-continue`).
using boost::beast::iequals;

/// True when the comma-separated header value holds `token` (case-insensitive).
bool has_token(std::string_view list, std::string_view token);

/// RSP-5: a Transfer-Encoding value without its last coding when that is chunked (what is
/// left of it for a body the router de-chunks); "" when chunked was the only one.
std::string_view without_chunked(std::string_view value);

}  // namespace lokku::router
