// What a `git push heroku main` hands lokku before git itself: the URL path, the
// Authorization header, and git http-backend's CGI response head (git-and-ci.md §1).
#include "api/git_backend.hpp"
#include "fuzz_target.hpp"

#include <stdexcept>

LOKKU_FUZZ_TARGET(git_push) {
  using namespace lokku::api;
  const auto text = lokku::fuzz::text(data, size);
  (void)git_target(text);
  (void)git_authorized(text, "0123456789abcdef");
  try {
    (void)parse_cgi_head(text);
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
