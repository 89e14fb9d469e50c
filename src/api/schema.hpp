#pragma once
// The JSON of Heroku's resources (the Platform API's schema) as lokku has them: one function
// per resource, shared by every endpoint that answers with it.

#include "api/context.hpp"
#include "buildpack/build_record.hpp"
#include "platform/platform_file.hpp"
#include "store/pipelines.hpp"
#include "store/store.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace lokku::api {

/// lokku's one region and stack (Heroku's concepts that have one local value).
inline constexpr const char* kRegionId = "00000000-0000-4000-8000-00000000000a";
inline constexpr const char* kRegion = "local";

/// `{"id", "name"}` of an app, as other resources embed it.
boost::json::object app_ref(const store::App& a);
boost::json::object account_json();
boost::json::object app_json(const Context& c, const store::App& a);
boost::json::object release_json(const store::App& a, const store::Release& r);
boost::json::object build_json(const store::App& a, const buildpack::BuildRecord& b);
/// The formation of the current release's process types (all, or those in `only`).
boost::json::array formation_json(const store::App& a, const std::vector<std::string>& only = {});
boost::json::object addon_json(const store::App& a, const store::Addon& x);
/// An attachment `name` (`REDIS`) of `owner`'s add-on `x` to `app` (its owner's own, or one of
/// `addons:attach`).
boost::json::object attachment_json(const store::App& app, const store::App& owner,
                                    const store::Addon& x, const std::string& id,
                                    const std::string& name, const std::string& created_at);
boost::json::object dyno_json(const store::App& a, const platform::ObservedDyno& d);
/// A stable id per app and hostname, in the uuid layout.
std::string domain_id(const store::App& app, const std::string& host);
/// A domain of the app: its default one (`custom` false) or a custom one.
boost::json::object domain_json(const store::App& app, const std::string& host, bool custom);
/// A threshold alert (lokku's own resource: Heroku's alerts live in its Dashboard).
/// An SNI endpoint as Heroku's `sni-endpoints` show it, read from its certificate file;
/// `e` nullptr: ACM's certificate of the app's custom domains.
boost::json::object sni_endpoint_json(const std::filesystem::path& home, const store::App& app,
                                      const store::SniEndpoint* e);
boost::json::object alert_json(const store::App& a, const store::Alert& x);
boost::json::object region_json();
boost::json::object stack_json(const std::string& name);
boost::json::object pipeline_json(const store::Pipeline& p);
/// The app's coupling to its pipeline `p` (its stage there); the coupling's id is the app's.
boost::json::object coupling_json(const store::App& app, const store::Pipeline& p);

/// Every add-on with its app: of one app (`only_app`), or of all.
std::vector<std::pair<store::App, store::Addon>> all_addons(const Context& c,
                                                            const std::string& only_app = {});
/// The add-ons attached to `app`: its own, then those of other apps (addons:attach), each
/// with its owner.
std::vector<std::pair<store::App, store::Addon>> attached_addons(const Context& c,
                                                                 const store::App& app);

/// A release by id or version (`3` or `v3`); nullptr when there is none.
const store::Release* find_release(const store::App& a, const std::string& key);

}  // namespace lokku::api
