#pragma once
// An error a handler answers with: `{"id": …, "message": …}` and a status, as Heroku's API
// does (platform-api.md §3). Handlers throw it; Api::handle turns it into the response.

#include <string>

namespace lokku::api {

struct ApiError {
  int status;
  std::string id;
  std::string message;
};

[[noreturn]] inline void fail(int status, std::string id, std::string message) {
  throw ApiError{status, std::move(id), std::move(message)};
}

/// 404 not_found with Heroku's wording for a missing `what` ("Couldn't find that app.").
[[noreturn]] inline void not_found(const std::string& what) {
  fail(404, "not_found", "Couldn't find that " + what + ".");
}

/// 422 invalid_params.
[[noreturn]] inline void invalid(std::string message) {
  fail(422, "invalid_params", std::move(message));
}

}  // namespace lokku::api
