// The Platform API's request bodies: JSON parsed and read by field type as every endpoint
// does (platform-api.md §3): malformed or mistyped input is an ApiError (400/422), nothing
// else.
#include "api/api_error.hpp"
#include "api/request_body.hpp"
#include "fuzz_target.hpp"

#include <boost/json.hpp>

namespace {

/// Runs `read`; an ApiError (the 400 or 422 an endpoint answers) is what bad input may cause.
template <class Read>
void answered(Read read) {
  try {
    read();
  } catch (const lokku::api::ApiError&) {
  }
}

}  // namespace

LOKKU_FUZZ_TARGET(api_json) {
  using namespace lokku::api;
  answered([&] {
    const auto holder = parse_body(std::string(lokku::fuzz::text(data, size)));
    const auto& o = body_object(holder);
    for (const char* key : {"name", "command", "plan", "size", "quantity", "attach", "env",
                            "config", "updates", "source_blob", "url", "include"}) {
      answered([&] { (void)string_field(o, key); });
      answered([&] { (void)bool_field(o, key); });
      answered([&] { (void)int_field(o, key); });
      answered([&] { (void)object_field(o, key); });
      answered([&] { (void)identity_field(o, key); });
    }
  });
  return 0;
}
