#pragma once
// git deploys (git-and-ci.md §1): each app's git repository, served over git's smart HTTP by
// git's own `git http-backend` (a CGI program; server.cpp runs it per request), behind the API
// token. The repository is bare, in the app's store (`apps/<app>/repo.git`); its pre-receive
// hook runs `lokku git:pre-receive`, which builds and releases a push of main or master.
// Everything here is plain logic and files; no sockets.

#include "common/time_scale.hpp"
#include "store/store.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lokku::api {

namespace fs = std::filesystem;

/// `/<app>.git/<rest>` (the URL `heroku git:remote` writes): the app and the CGI PATH_INFO.
struct GitTarget {
  std::string app;
  std::string path_info;  ///< `/info/refs`, `/git-receive-pack`, ...
};
std::optional<GitTarget> git_target(std::string_view path);

/// Heroku takes the API key as the password, whatever the user name (git-and-ci.md §1.1):
/// `Basic base64(any:TOKEN)`, or `Bearer TOKEN`.
bool git_authorized(std::string_view authorization, std::string_view token);

/// A CGI program's response head (RFC 3875 §6): `Status:` and the other header fields, up to
/// the blank line (`\n` or `\r\n`).
struct CgiHead {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> fields;
  std::size_t length = 0;  ///< bytes of the head, blank line included
};
/// The head at the start of `data`; nullopt while it is incomplete. Throws
/// std::invalid_argument naming the line when it is malformed.
std::optional<CgiHead> parse_cgi_head(std::string_view data);

/// What the CGI program needs of one HTTP request.
struct GitRequest {
  std::string method;
  std::string query;
  std::string content_type;
  std::string content_encoding;
  std::string git_protocol;  ///< the Git-Protocol field (protocol v2)
  std::string remote_addr;
  std::optional<std::uint64_t> content_length;
};

class GitBackend {
 public:
  /// `lokku_bin`: the lokku executable the hook runs; `scale`: the platform's time scale,
  /// which the hook's builds keep.
  GitBackend(store::Store& store, std::string token, fs::path lokku_bin, common::TimeScale scale);

  bool authorized(std::string_view authorization) const {
    return git_authorized(authorization, token_);
  }
  bool app_exists(const std::string& app) const { return store_.exists(app); }

  /// The app's bare repository, created when missing (branch main, pushes allowed); its
  /// hook is (re)written for this lokku. Throws std::runtime_error when git fails.
  fs::path ensure_repository(const std::string& app) const;

  /// `git http-backend`'s whole environment for one request (nothing of lokku's own but
  /// PATH, LANG and what the hook needs to find the store).
  std::vector<std::string> cgi_environment(const GitTarget& target, const GitRequest& r) const;

 private:
  store::Store& store_;
  std::string token_;
  fs::path lokku_bin_;
  common::TimeScale scale_;
};

/// The app's repository in the store.
fs::path repository_dir(const store::Store& store, const std::string& app);

}  // namespace lokku::api
