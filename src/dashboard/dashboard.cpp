#include "dashboard/dashboard.hpp"

#include "store/files.hpp"

#include <boost/url/parse_query.hpp>
#include <fmt/format.h>

#include <map>

namespace lokku::dashboard {

namespace {

const std::map<std::string, std::string, std::less<>> kTypes = {
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".map", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".woff2", "font/woff2"},
};

api::Response html(int status, std::string body) {
  return {status, std::move(body), page_headers("text/html; charset=utf-8")};
}

api::Response redirect(std::string to, std::string cookie = {}) {
  api::Response r{303, "", page_headers("text/plain; charset=utf-8")};
  r.headers.emplace_back("Location", std::move(to));
  if (!cookie.empty()) {
    r.headers.emplace_back("Set-Cookie", std::move(cookie));
  }
  return r;
}

api::Response refused() {
  return {403,
          "lokku refused a request from another site: the dashboard's forms are sent from its "
          "own pages only.\n",
          page_headers("text/plain; charset=utf-8")};
}

// The login page: no user data in it, and no script (it works without JavaScript).
std::string login_html(std::string_view problem) {
  std::string alert =
      problem.empty() ? "" : fmt::format(R"(<p class="problem" role="alert">{}</p>)", problem);
  return fmt::format(R"(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Log in · lokku dashboard</title>
<link rel="stylesheet" href="/assets/app.css">
<link rel="icon" href="data:,">
</head>
<body class="login">
<main>
<h1>lokku</h1>
<p>The dashboard of your local Heroku. Log in with lokku's API token, which
<code>lokku auth:token</code> (or <code>heroku auth:token</code>) prints.</p>
{}
<form method="post" action="/login">
<label for="token">API token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Log in</button>
</form>
</main>
</body>
</html>
)",
                     alert);
}

}  // namespace

bool from_another_site(const api::Request& r) {
  return cross_site(r.header("origin"), r.header("sec-fetch-site"), r.header("host"));
}

std::vector<std::pair<std::string, std::string>> page_headers(std::string content_type) {
  return {
      {"Content-Type", std::move(content_type)},
      {"Cache-Control", "no-store"},
      {"Content-Security-Policy",
       "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"X-Frame-Options", "DENY"},
      {"Referrer-Policy", "same-origin"},  // no-referrer would make form posts `Origin: null`
  };
}

Dashboard::Dashboard(Sessions& sessions, std::filesystem::path assets)
    : sessions_(sessions), assets_(std::move(assets)) {
  routes_.add("GET", "/", &Dashboard::home);
  routes_.add("GET", "/login", &Dashboard::login_page);
  routes_.add("POST", "/login", &Dashboard::login);
  routes_.add("POST", "/logout", &Dashboard::logout);
  routes_.add("GET", "/assets/{file}", &Dashboard::asset);
}

std::optional<api::Response> Dashboard::handle(const api::Request& r) const {
  auto m = routes_.match(r.method, r.path);
  if (!m.handler) {
    return std::nullopt;
  }
  return (this->**m.handler)(r, m.params);
}

api::Response Dashboard::home(const api::Request& r, const api::PathParams&) const {
  auto session = sessions_.find(r.header("cookie"));
  if (!session) {
    return redirect("/login");
  }
  if (!std::filesystem::exists(assets_ / "app.js")) {
    return html(503, fmt::format(R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>lokku dashboard</title></head>
<body><p>The dashboard's front-end was not built: its files are missing from {}. Run
<code>scripts/install-deps</code> (it installs esbuild and the front-end's packages from the
npm registry), then build lokku again.</p></body></html>
)",
                                 assets_.string()));
  }
  // The CSRF token is the session's own hex; nothing else in this page comes from a user.
  return html(200, fmt::format(R"(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="{}">
<title>lokku dashboard</title>
<link rel="stylesheet" href="/assets/app.css">
<link rel="icon" href="data:,">
</head>
<body>
<div id="app"><p class="loading">Loading…</p></div>
<noscript>The dashboard needs JavaScript. Everything it does, <code>lokku</code> and
<code>heroku</code> do from a terminal.</noscript>
<script type="module" src="/assets/app.js"></script>
</body>
</html>
)",
                               session->csrf));
}

api::Response Dashboard::login_page(const api::Request& r, const api::PathParams&) const {
  if (sessions_.find(r.header("cookie"))) {
    return redirect("/");
  }
  return html(200, login_html(""));
}

api::Response Dashboard::login(const api::Request& r, const api::PathParams&) const {
  if (from_another_site(r)) {
    return refused();
  }
  // The form's body, application/x-www-form-urlencoded ('+' is a space).
  std::string token;
  boost::urls::encoding_opts form;
  form.space_as_plus = true;
  if (auto query = boost::urls::parse_query(r.body)) {
    for (auto param : *query) {
      if (param.key.decode(form) == "token") {
        token = param.value.decode(form);
      }
    }
  }
  while (!token.empty() && (token.back() == ' ' || token.back() == '\n' || token.back() == '\r')) {
    token.pop_back();
  }
  while (!token.empty() && token.front() == ' ') {
    token.erase(0, 1);
  }
  auto session = sessions_.login(token);
  if (!session) {
    return html(401, login_html(token.empty() ? "Paste the API token to log in."
                                              : "That is not lokku's API token. "
                                                "`lokku auth:token` prints it."));
  }
  return redirect("/", Sessions::set_cookie(*session));
}

api::Response Dashboard::logout(const api::Request& r, const api::PathParams&) const {
  if (from_another_site(r)) {
    return refused();
  }
  sessions_.logout(r.header("cookie"));
  return redirect("/login", Sessions::clear_cookie());
}

api::Response Dashboard::asset(const api::Request&, const api::PathParams& p) const {
  const std::string& name = p.at("file");
  // Only the build's own files, by plain name: nothing outside the folder is ever named.
  const bool plain = !name.empty() && name.front() != '.' &&
                     name.find_first_not_of(
                         "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                         "0123456789._-") == std::string::npos;
  auto dot = name.rfind('.');
  auto type = dot == std::string::npos ? kTypes.end() : kTypes.find(name.substr(dot));
  std::optional<std::string> body;
  if (plain && type != kTypes.end()) {
    body = store::read_file(assets_ / name);
  }
  if (!body) {
    return {404, "No such file in the dashboard.\n", page_headers("text/plain; charset=utf-8")};
  }
  auto headers = page_headers(type->second);
  headers[1].second = "no-cache";  // revalidated: a new build is seen at once
  return {200, std::move(*body), std::move(headers)};
}

}  // namespace lokku::dashboard
