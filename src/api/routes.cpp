#include "api/routes.hpp"

namespace lokku::api {

Routes make_routes() {
  Routes t;
  add_account_routes(t);
  add_app_routes(t);
  add_app_feature_routes(t);
  add_collaborator_routes(t);
  add_config_var_routes(t);
  add_release_routes(t);
  add_formation_routes(t);
  add_dyno_routes(t);
  add_build_routes(t);
  add_log_session_routes(t);
  add_domain_routes(t);
  add_log_drain_routes(t);
  add_sni_endpoint_routes(t);
  add_addon_routes(t);
  add_addon_attachment_routes(t);
  add_pipeline_routes(t);
  add_pipeline_coupling_routes(t);
  add_pipeline_promotion_routes(t);
  add_region_routes(t);
  add_stack_routes(t);
  add_metrics_routes(t);
  add_webhook_routes(t);
  add_alert_routes(t);
  add_formation_monitor_routes(t);
  add_clock_routes(t);
  add_chaos_routes(t);
  return t;
}

Routes make_public_routes() {
  Routes t;
  add_health_routes(t);
  add_conformance_routes(t);
  return t;
}

}  // namespace lokku::api
