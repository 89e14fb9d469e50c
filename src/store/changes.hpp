#pragma once
// The rules of the store's changes that commands and the API share: config var names and
// sizes (build-and-release.md CFG-1/2), `ps:scale` arguments, rollback targets (REL-7).

#include "release/error.hpp"
#include "store/store.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lokku::store {

inline constexpr std::size_t kConfigLimit = 65536;  ///< CFG-2 [emu]

/// CFG-1: throws InputError unless ^[A-Za-z_][A-Za-z0-9_]*$; returns a warning for
/// user-set `__` and `HEROKU_` keys, else empty.
std::string check_config_key(std::string_view key);
/// Sum of key and value bytes (CFG-2).
std::size_t config_size(const release::ConfigVars& config);
/// Parses `KEY=VALUE` arguments of config:set (the value may hold `=` and be empty).
release::ConfigVars parse_config_assignments(const std::vector<std::string>& args);
/// Applies a set to `app.config`; throws InputError when the result passes CFG-2.
void set_config(App& app, const release::ConfigVars& vars);
/// "Set A, B config vars" / "Remove A config vars" (REL-4; names sorted).
std::string config_description(const char* verb, const std::vector<std::string>& keys);

/// One `ps:scale` argument: `web=2`, `web+1`, `worker-1`, `web=2:standard-2x`, `web=:perf-m`
/// is not accepted but `web:performance-m` (size only) is.
struct ScaleChange {
  std::string type;
  char op = '=';  ///< '=', '+', '-', or 0 for size only
  int amount = 0;
  std::optional<std::string> size;  ///< canonical lower-case name
};
std::vector<ScaleChange> parse_scale_args(const std::vector<std::string>& args);
/// Applies changes to the app's formation; types must be process types of the current
/// release ("No such process type X defined in Procfile."). `release` cannot be scaled.
void apply_scale(App& app, const std::vector<ScaleChange>& changes);
/// "web at 2:Standard-1X, worker at 0:Standard-2X" for the types named in `changes`.
std::string describe_scale(const App& app, const std::vector<ScaleChange>& changes);

/// REL-7: the release a rollback goes to (`version` or the one before the current one);
/// throws InputError when it does not exist or has no slug.
const Release& rollback_target(const App& app, std::optional<int> version);
/// Parses `v12` or `12`.
std::optional<int> parse_version(std::string_view text);

/// The formation rows that appear with a new set of process types: web starts at 1 on the
/// first deploy that has it, every other new type at 0 (Heroku's first-deploy default).
void add_new_types(App& app, const ProcessTypes& types);

/// The stacks a build may name (`heroku stack:set`); heroku-24 is the default.
const std::vector<std::string>& known_stacks();
bool known_stack(const std::string& name);
/// `heroku stack:set`: the next build's stack. An app with no slug yet takes it at once, as
/// Heroku's API does.
void set_build_stack(App& app, const std::string& stack);
/// The stack a build of the app uses.
std::string build_stack(const App& app);

/// An app feature lokku implements (`heroku features`, `heroku labs`).
struct AppFeature {
  std::string name;
  std::string state;  ///< general (features) | beta (labs)
  std::string description;
  std::string doc_url;
};
const std::vector<AppFeature>& app_features();
const AppFeature* find_app_feature(std::string_view name);
void set_feature(App& app, const std::string& name, bool enabled);

/// A hostname as the router compares it: lower case, without a trailing dot.
std::string normalize_hostname(std::string_view host);
/// Why a (normalized) hostname cannot be a custom domain; empty when it can.
std::string hostname_problem(const std::string& host);
/// Adds a custom domain to the app (HOST-1): `host` normalized, checked, and not the
/// default or a custom domain of any app. Throws InputError with Heroku's messages ("… is
/// currently in use by another app."). Returns the app as written and the hostname.
std::pair<App, std::string> add_custom_domain(Store& store, const std::string& app,
                                              const std::string& host);

/// Logplex's default number of drains per app (its `max_drains_per_channel`).
inline constexpr std::size_t kMaxLogDrains = 6;
/// The app has a drain with that URL already (the API answers 409).
struct DrainExists : release::InputError {
  using release::InputError::InputError;
};
/// Adds a log drain (drains-webhooks-metrics.md §2.1) with a new id and token; the caller
/// has checked `url`. Throws DrainExists, or InputError past kMaxLogDrains.
LogDrain add_log_drain(Store& store, const std::string& app, const std::string& url);
/// Removes the drain named by its id, URL or token and returns it; InputError when none is.
LogDrain remove_log_drain(Store& store, const std::string& app, const std::string& key);
/// The drain named by its id, URL or token, or nullptr.
const LogDrain* find_log_drain(const App& app, const std::string& key);

/// Adds a threshold alert (issue #22 point 2): `kind` latency (threshold: p95 ms) or
/// error-rate (threshold: percent, at most 100), sensitivity 1, 5 or 10 minutes; one per kind.
/// Throws InputError naming what is wrong.
Alert add_alert(Store& store, const std::string& app, const std::string& kind, double threshold,
                int sensitivity);
/// Removes the alert named by its id or kind and returns it; InputError when none is.
Alert remove_alert(Store& store, const std::string& app, const std::string& key);

/// Turns web autoscaling on with these bounds (DC:autoscaling: Performance and Private web
/// dynos only, min ≥ 1, max ≥ min) or, `active` false, off. Throws InputError with Heroku's
/// messages.
Autoscale set_autoscale(Store& store, const std::string& app, bool active, std::optional<int> min,
                        std::optional<int> max, std::optional<int> p95_ms,
                        std::optional<bool> notify);

}  // namespace lokku::store
