#pragma once
// Every endpoint of the Platform API, one file per resource as Heroku's schema groups them
// (account.cpp, apps.cpp, releases.cpp, ...): each file adds its rows to the table.

#include "api/context.hpp"

namespace lokku::api {

void add_account_routes(Routes& t);
void add_app_routes(Routes& t);
void add_app_feature_routes(Routes& t);
void add_collaborator_routes(Routes& t);
void add_config_var_routes(Routes& t);
void add_release_routes(Routes& t);
void add_formation_routes(Routes& t);
void add_dyno_routes(Routes& t);
void add_build_routes(Routes& t);
void add_log_session_routes(Routes& t);
void add_log_drain_routes(Routes& t);
void add_domain_routes(Routes& t);
void add_sni_endpoint_routes(Routes& t);
void add_addon_routes(Routes& t);
void add_addon_attachment_routes(Routes& t);
void add_pipeline_routes(Routes& t);
void add_pipeline_coupling_routes(Routes& t);
void add_pipeline_promotion_routes(Routes& t);
void add_region_routes(Routes& t);
void add_stack_routes(Routes& t);
void add_metrics_routes(Routes& t);
void add_webhook_routes(Routes& t);
void add_alert_routes(Routes& t);
void add_formation_monitor_routes(Routes& t);
void add_clock_routes(Routes& t);
void add_chaos_routes(Routes& t);

/// lokku's own endpoints, served without the token (`/lokku/health`, `/lokku/conformance`).
void add_health_routes(Routes& t);
void add_conformance_routes(Routes& t);

/// The whole table.
Routes make_routes();
/// The endpoints a probe reads without the token.
Routes make_public_routes();

}  // namespace lokku::api
