#pragma once
// An app's certificates (issue #23 point 2), as Heroku SSL keeps them: SNI endpoints, the user's
// own certificate and key (`heroku certs:add`, Platform API `sni-endpoints`), each serving the
// custom domains attached to it; and Automated Certificate Management (`heroku
// certs:auto:enable`), one certificate from lokku's CA for all of an app's custom domains,
// valid 90 days and renewed a month before it ends, as Let's Encrypt's are under ACM.
// Both the Platform API and `lokku certs:*` change them through these functions; the running
// platform serves what the store then says (Platform::certify_domains).

#include "platform/local_ca.hpp"
#include "store/store.hpp"

#include <ctime>
#include <optional>
#include <string>
#include <vector>

namespace lokku::platform {

/// What Heroku's `ssl_cert` object shows of a certificate.
struct CertificateDetails {
  std::vector<std::string> domains;  ///< its DNS subjectAltNames, else its common name
  std::string subject;               ///< `/O=…/CN=…`
  std::string issuer;
  std::string starts_at;  ///< ISO 8601, UTC
  std::string expires_at;
  std::time_t not_after = 0;
  bool ca_signed = false;  ///< verified by the system's roots or lokku's CA
  bool self_signed = false;
};

/// The first certificate of a PEM chain. `ca_file`: lokku's CA, trusted beside the system's
/// roots. Throws release::InputError when the text holds no certificate.
CertificateDetails certificate_details(const std::string& chain_pem, const fs::path& ca_file);

/// Checks a certificate and key as `certs:add` and `certs:update` take them: a PEM
/// certificate, a PEM key without a passphrase, the key the certificate's, the certificate in
/// its validity period, at least one domain. Throws release::InputError saying which.
CertificateDetails check_certificate_pair(const std::string& chain_pem, const std::string& key_pem,
                                          const fs::path& ca_file);

/// `2027-01-06 10:46 UTC`: a certificate's ISO 8601 time as the CLI shows it.
std::string certificate_time(const std::string& iso_time);

/// The endpoint `name_or_id` names, or nullptr.
const store::SniEndpoint* find_sni_endpoint(const store::App& app, const std::string& name_or_id);

/// Adds the pair as a new endpoint (named `<word>-<number>`, as Heroku's) with no domains yet.
store::SniEndpoint add_sni_endpoint(store::Store& st, const std::string& app,
                                    const std::string& chain_pem, const std::string& key_pem);
/// Replaces an endpoint's certificate and key; its domains stay. Throws release::InputError
/// when it has none such (callers that answer 404 look it up first).
store::SniEndpoint update_sni_endpoint(store::Store& st, const std::string& app,
                                       const std::string& name_or_id, const std::string& chain_pem,
                                       const std::string& key_pem);
/// Removes an endpoint and its files; its domains go back to ACM's or the default certificate.
store::SniEndpoint remove_sni_endpoint(store::Store& st, const std::string& app,
                                       const std::string& name_or_id);
/// Serves custom domain `hostname` with endpoint `endpoint` (nullopt: with none).
store::App attach_sni_endpoint(store::Store& st, const std::string& app,
                               const std::string& hostname,
                               const std::optional<std::string>& endpoint);

/// The endpoint serving `hostname`, or nullptr.
const store::SniEndpoint* endpoint_of_domain(const store::App& app, const std::string& hostname);

/// ACM's certificate for the app's custom domains (`tls/acm-<app>.*`), issued when missing, for
/// other domains, or within 30 days of its end on the platform's clock `now`. nullopt when ACM
/// is off or there are no custom domains.
std::optional<Certificate> acm_certificate(const fs::path& home, const store::App& app,
                                           std::time_t now);
/// ACM's certificate's file, whether or not it exists yet (for what `certs` shows).
fs::path acm_certificate_file(const fs::path& home, const std::string& app);
/// The name ACM's endpoint goes by in `heroku certs`.
std::string acm_endpoint_name(const std::string& app);

}  // namespace lokku::platform
