// `GET /lokku/conformance` (JSON) and `/lokku/conformance.html` (issue #27 point 4): the
// conformance ledger scripts/conformance generated into docs/, as lokku was built with it. No
// token: it says what lokku is, not what it holds.
#include "api/api_error.hpp"
#include "api/routes.hpp"
#include "store/files.hpp"

namespace lokku::api {

namespace {

Response ledger_file(const char* name, const char* type) {
  auto text = store::read_file(std::filesystem::path(LOKKU_DOCS_DIR) / name);
  if (!text) {
    fail(404, "not_found",
         std::string("The conformance ledger is not installed (") + LOKKU_DOCS_DIR + "/" + name +
             ").");
  }
  Response r;
  r.body = std::move(*text);
  r.headers.emplace_back("Content-Type", type);
  return r;
}

Response json_ledger(Context&) {
  return ledger_file("conformance.json", "application/json");
}

Response html_ledger(Context&) {
  return ledger_file("conformance.html", "text/html; charset=utf-8");
}

}  // namespace

void add_conformance_routes(Routes& t) {
  t.add("GET", "/lokku/conformance", json_ledger);
  t.add("GET", "/lokku/conformance.html", html_ledger);
}

}  // namespace lokku::api
