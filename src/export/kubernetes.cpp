// Per process type a Deployment (the formation's replicas, the dyno size's memory as request
// and limit, Heroku's 30 s stop, a readiness probe on $PORT for web); for web a Service and an
// Ingress on the app's domains; the config vars in a Secret of their own; the add-ons' URLs in
// a Secret the user fills (or, with --with-addons, filled with StatefulSets of Postgres and
// Redis); the release phase as a Job applied first; scheduler jobs as CronJobs.
#include "export/kubernetes.hpp"

#include "export/oci_image.hpp"
#include "export/yaml_out.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <openssl/evp.h>

namespace lokku::exports {

namespace json = boost::json;

namespace {

constexpr int kPort = 5000;

std::string base64(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

/// Kubernetes expands `$(NAME)` in a command; `$$(` keeps it for the shell.
std::string k8s_command_text(const std::string& command) {
  std::string out;
  for (std::size_t i = 0; i < command.size(); ++i) {
    if (command[i] == '$' && i + 1 < command.size() && command[i + 1] == '(') {
      out += '$';
    }
    out += command[i];
  }
  return out;
}

struct Names {
  const ExportInput& in;
  std::string app = dns_label(in.app);
  std::string of(const std::string& part) const { return app + "-" + dns_label(part); }
  std::string config() const { return app + "-config"; }
  std::string addons() const { return app + "-addons"; }
};

json::object labels(const Names& n, const std::string& component) {
  return {{"app.kubernetes.io/name", n.app},
          {"app.kubernetes.io/component", dns_label(component)},
          {"app.kubernetes.io/managed-by", "lokku-export"}};
}

json::object metadata(const Names& n, const std::string& name, const std::string& component) {
  return {{"name", name}, {"labels", labels(n, component)}};
}

/// A container running `command` as a dyno of `type` would.
json::object container(const ExportInput& in, const ExportOptions& o, const Names& n,
                       const std::string& type, const std::string& command,
                       const release::DynoSize& size, bool web) {
  json::array env = {
      json::object{{"name", "PORT"}, {"value", std::to_string(kPort)}},
      // DYNO: the pod's name (Heroku's web.1 has no counterpart in a Deployment).
      json::object{{"name", "DYNO"},
                   {"valueFrom", {{"fieldRef", {{"fieldPath", "metadata.name"}}}}}},
      json::object{{"name", "HEROKU_RELEASE_VERSION"}, {"value", fmt::format("v{}", in.version)}},
      json::object{{"name", "HEROKU_SLUG_ID"}, {"value", in.slug_id}},
  };
  json::array env_from = {json::object{{"secretRef", {{"name", n.config()}}}}};
  if (!in.addons.empty()) {
    env_from.push_back(json::object{{"secretRef", {{"name", n.addons()}}}});
  }
  const std::string memory = fmt::format("{}Mi", size.quota_mb);
  json::object c{
      {"name", dns_label(type)},
      {"image", image_name(in, o)},
      {"workingDir", "/app"},
      {"command", json::array{"/bin/bash", "-c", k8s_command_text(command)}},
      {"env", std::move(env)},
      {"envFrom", std::move(env_from)},
      {"resources", {{"requests", {{"memory", memory}}}, {"limits", {{"memory", memory}}}}},
  };
  if (web) {
    c["ports"] = json::array{json::object{{"name", "http"}, {"containerPort", kPort}}};
    c["readinessProbe"] = {{"tcpSocket", {{"port", kPort}}}, {"periodSeconds", 5}};
  }
  return c;
}

json::object pod_spec(json::object c, const char* restart) {
  json::object spec{{"terminationGracePeriodSeconds", 30},
                    {"containers", json::array{std::move(c)}}};
  if (restart != nullptr) {
    spec["restartPolicy"] = restart;
  }
  return spec;
}

/// A Postgres or Redis server of the app's own, in the cluster (--with-addons): its
/// StatefulSet and Service; returns the URL the app reaches it by.
std::string addon_server(const AddonRef& a, const Names& n, Written& w,
                         std::vector<std::string>& resources) {
  const std::string name = n.of(a.name);
  const std::string password = new_password();
  const bool pg = a.postgres();
  const int port = pg ? 5432 : 6379;
  json::object c{{"name", pg ? "postgres" : "redis"},
                 {"image", pg ? "postgres:16" : "redis:7"},
                 {"ports", json::array{json::object{{"name", "server"}, {"containerPort", port}}}}};
  if (pg) {
    c["env"] =
        json::array{json::object{{"name", "POSTGRES_USER"}, {"value", "app"}},
                    json::object{{"name", "POSTGRES_DB"}, {"value", "app"}},
                    json::object{{"name", "POSTGRES_PASSWORD"}, {"value", password}},
                    json::object{{"name", "PGDATA"}, {"value", "/var/lib/postgresql/data/pgdata"}}};
    c["volumeMounts"] =
        json::array{json::object{{"name", "data"}, {"mountPath", "/var/lib/postgresql/data"}}};
    c["readinessProbe"] = {{"exec", {{"command", json::array{"pg_isready", "-U", "app"}}}},
                           {"periodSeconds", 5}};
  } else {
    c["args"] = json::array{"--requirepass", password, "--dir", "/data"};
    c["volumeMounts"] = json::array{json::object{{"name", "data"}, {"mountPath", "/data"}}};
    c["readinessProbe"] = {{"tcpSocket", {{"port", port}}}, {"periodSeconds", 5}};
  }
  json::object set{
      {"apiVersion", "apps/v1"},
      {"kind", "StatefulSet"},
      {"metadata", metadata(n, name, a.name)},
      {"spec",
       {{"serviceName", name},
        {"replicas", 1},
        {"selector", {{"matchLabels", labels(n, a.name)}}},
        {"template",
         {{"metadata", {{"labels", labels(n, a.name)}}},
          {"spec", {{"containers", json::array{std::move(c)}}}}}},
        {"volumeClaimTemplates",
         json::array{json::object{{"metadata", {{"name", "data"}}},
                                  {"spec",
                                   {{"accessModes", json::array{"ReadWriteOnce"}},
                                    {"resources", {{"requests", {{"storage", "1Gi"}}}}}}}}}}}}};
  w.file("statefulset-" + dns_label(a.name) + ".yaml", to_yaml(set));
  resources.push_back(w.files.back());
  json::object svc{
      {"apiVersion", "v1"},
      {"kind", "Service"},
      {"metadata", metadata(n, name, a.name)},
      {"spec",
       {{"selector", labels(n, a.name)},
        {"ports", json::array{json::object{
                      {"name", "server"}, {"port", port}, {"targetPort", "server"}}}}}}};
  w.file("service-" + dns_label(a.name) + ".yaml", to_yaml(svc));
  resources.push_back(w.files.back());
  return pg ? fmt::format("postgres://app:{}@{}:{}/app", password, name, port)
            : fmt::format("redis://default:{}@{}:{}", password, name, port);
}

}  // namespace

Written export_kubernetes(const ExportInput& in, const ExportOptions& o) {
  Written w{o.out, {}};
  const Names n{in};
  std::vector<std::string> resources;

  // The config vars: a Secret of their own, never in clear in another manifest.
  json::object data;
  for (const auto& [k, v] : in.config) {
    data[k] = base64(v);
  }
  json::object secret{{"apiVersion", "v1"},
                      {"kind", "Secret"},
                      {"metadata", metadata(n, n.config(), "config")},
                      {"type", "Opaque"},
                      {"data", std::move(data)}};
  w.file("secret-config.yaml", to_yaml(secret), 0600);
  resources.push_back(w.files.back());

  if (!in.addons.empty()) {
    json::object urls;
    for (const auto& a : in.addons) {
      urls[a.config_var] = o.with_addons ? addon_server(a, n, w, resources) : std::string();
    }
    json::object addons{{"apiVersion", "v1"},
                        {"kind", "Secret"},
                        {"metadata", metadata(n, n.addons(), "addons")},
                        {"type", "Opaque"},
                        {"stringData", std::move(urls)}};
    w.file("secret-addons.yaml", to_yaml(addons), 0600);
    resources.push_back(w.files.back());
  }

  if (!in.release_command.empty()) {
    // Applied first and waited for (README); hook annotations for Argo CD and Helm.
    json::object job{
        {"apiVersion", "batch/v1"},
        {"kind", "Job"},
        {"metadata",
         {{"name", n.of(fmt::format("release-v{}", in.version))},
          {"labels", labels(n, "release")},
          {"annotations",
           {{"argocd.argoproj.io/hook", "PreSync"}, {"helm.sh/hook", "pre-install,pre-upgrade"}}}}},
        {"spec",
         {{"backoffLimit", 0},
          {"template",
           {{"metadata", {{"labels", labels(n, "release")}}},
            {"spec", pod_spec(container(in, o, n, "release", in.release_command,
                                        release::default_dyno_size(), false),
                              "Never")}}}}}};
    w.file("job-release.yaml", to_yaml(job));
  }

  for (const auto& p : in.processes) {
    const bool web = p.name == "web";
    json::object d{
        {"apiVersion", "apps/v1"},
        {"kind", "Deployment"},
        {"metadata", metadata(n, n.of(p.name), p.name)},
        {"spec",
         {{"replicas", p.quantity},
          {"selector", {{"matchLabels", labels(n, p.name)}}},
          {"template",
           {{"metadata", {{"labels", labels(n, p.name)}}},
            {"spec", pod_spec(container(in, o, n, p.name, p.command, p.size, web), nullptr)}}}}}};
    w.file("deployment-" + dns_label(p.name) + ".yaml", to_yaml(d));
    resources.push_back(w.files.back());
    if (!web) {
      continue;
    }
    json::object svc{{"apiVersion", "v1"},
                     {"kind", "Service"},
                     {"metadata", metadata(n, n.of("web"), "web")},
                     {"spec",
                      {{"selector", labels(n, "web")},
                       {"ports", json::array{json::object{
                                     {"name", "http"}, {"port", 80}, {"targetPort", "http"}}}}}}};
    w.file("service-web.yaml", to_yaml(svc));
    resources.push_back(w.files.back());
    json::object backend{{"service", {{"name", n.of("web")}, {"port", {{"number", 80}}}}}};
    json::object http{{"paths", json::array{json::object{
                                    {"path", "/"}, {"pathType", "Prefix"}, {"backend", backend}}}}};
    json::array rules;
    for (const auto& domain : in.domains) {
      rules.push_back(json::object{{"host", domain}, {"http", http}});
    }
    if (rules.empty()) {
      rules.push_back(json::object{{"http", http}});  // no custom domain: every host
    }
    json::object ing{{"apiVersion", "networking.k8s.io/v1"},
                     {"kind", "Ingress"},
                     {"metadata", metadata(n, n.of("web"), "web")},
                     {"spec", {{"rules", std::move(rules)}}}};
    w.file("ingress-web.yaml", to_yaml(ing));
    resources.push_back(w.files.back());
  }

  for (const auto& j : in.jobs) {
    const auto deadline =
        std::chrono::duration_cast<std::chrono::seconds>(j.frequency.interval()).count();
    json::object cj{{"apiVersion", "batch/v1"},
                    {"kind", "CronJob"},
                    {"metadata", metadata(n, n.of(fmt::format("scheduler-{}", j.id)), "scheduler")},
                    {"spec",
                     {{"schedule", cron_schedule(j.frequency)},
                      {"timeZone", "Etc/UTC"},
                      {"jobTemplate",
                       {{"spec",
                         {{"activeDeadlineSeconds", deadline},  // SCHED-3: a run ends at the next
                          {"backoffLimit", 0},
                          {"template",
                           {{"spec", pod_spec(container(in, o, n, "scheduler", j.command,
                                                        release::default_dyno_size(), false),
                                              "Never")}}}}}}}}}};
    w.file(fmt::format("cronjob-scheduler-{}.yaml", j.id), to_yaml(cj));
    resources.push_back(w.files.back());
  }

  json::array list;
  for (const auto& r : resources) {
    list.push_back(json::value(r));
  }
  json::object k{{"apiVersion", "kustomize.config.k8s.io/v1beta1"},
                 {"kind", "Kustomization"},
                 {"resources", std::move(list)}};
  w.file("kustomization.yaml", to_yaml(k));

  write_build_context(in, o, w);
  if (!o.base_image.empty()) {
    build_oci_image(in, o, w);
  }

  const std::string release_step =
      in.release_command.empty()
          ? std::string()
          : fmt::format(
                "The release phase is `job-release.yaml`, left out of the kustomization: apply "
                "it first and wait for it, as Heroku runs the release phase before new dynos "
                "start (Argo CD and Helm read its hook annotations instead):\n\n"
                "```sh\nkubectl apply -f job-release.yaml\n"
                "kubectl wait --for=condition=complete --timeout=10m job/{}\n```\n\n",
                n.of(fmt::format("release-v{}", in.version)));
  const std::string how = fmt::format(
      "## Use\n\n"
      "The containers run the image `{image}`: the slug over the stack's image. Build it "
      "from `image/` where you have a builder (`docker build -t {image} image/`){oci}, and "
      "push it where your cluster pulls from.\n\n{release}"
      "Then:\n\n```sh\nkubectl apply -k .\n```\n\n"
      "{addons}"
      "`secret-config.yaml` holds the config vars (base64, as Secrets do): keep it out of "
      "version control.\n",
      fmt::arg("image", image_name(in, o)),
      fmt::arg("oci", o.base_image.empty() ? ""
                                           : ", or load the OCI layout lokku made in "
                                             "`image/oci` (`skopeo copy oci:image/oci "
                                             "docker://REGISTRY/...`)"),
      fmt::arg("release", release_step),
      fmt::arg("addons",
               in.addons.empty() ? std::string()
               : o.with_addons
                   ? std::string("The add-ons run in the cluster as StatefulSets (one replica, "
                                 "a 1 Gi volume each); `secret-addons.yaml` has their URLs. "
                                 "Their data is not exported: move it with pg_dump and "
                                 "`redis-cli --rdb` (or `lokku state:export`).\n\n")
                   : std::string("Fill `secret-addons.yaml` with the URLs of the services "
                                 "that take the add-ons' place (a managed Postgres or Redis); "
                                 "`lokku export kubernetes --with-addons` runs them in the "
                                 "cluster instead.\n\n")));
  write_readme(
      in, "Kubernetes", how,
      {"The router: Heroku's headers (X-Request-Start, X-Forwarded-*, Via), session affinity, "
       "its timeouts (30 s to the first byte: H12) and its `heroku[router]` log line with "
       "H-codes are your Ingress controller's now, with its own.",
       "The crash schedule: Heroku restarts a crashed dyno at once, then after cool-offs of up "
       "to 20 minutes; Kubernetes' CrashLoopBackOff waits 10 s, doubling to 5 minutes.",
       "Memory: the limit is the dyno size's quota, and a container over it is OOM-killed at "
       "once; Heroku lets a dyno run over it (R14) until R15.",
       "DYNO is the pod's name, not `web.1`; daily cycling, preboot and maintenance mode have "
       "no counterpart.",
       "One-off dynos (`heroku run`): use `kubectl run` or `kubectl exec` with the same image.",
       "Log drains, metrics, threshold alerts, autoscaling and app webhooks: the cluster's "
       "logging and monitoring, and a HorizontalPodAutoscaler, take their place.",
       "Add-on data: not exported (pg_dump, `redis-cli --rdb`, `lokku state:export`)."},
      w);
  return w;
}

}  // namespace lokku::exports
