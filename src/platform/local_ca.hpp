#pragma once
// lokku's local certificate authority: one file to trust for all of lokku's TLS
// (`$LOKKU_HOME/tls/ca.crt`; NODE_EXTRA_CA_CERTS and GIT_SSL_CAINFO each take one file). It is
// created once; it signs the certificate of each TLS endpoint lokku serves (the Platform API
// port, the `heroku run` rendezvous, later the router). Keys are mode 0600.

#include <ctime>
#include <filesystem>
#include <string>

namespace lokku::platform {

namespace fs = std::filesystem;

struct Certificate {
  fs::path cert;  ///< PEM: the certificate, then the CA's (a chain a server can present whole)
  fs::path key;   ///< PEM, mode 0600
};

/// The CA's certificate (`tls/ca.crt`), created with its key (`tls/ca.key`) when missing.
fs::path ensure_ca(const fs::path& home);

/// How long a certificate lasts, from when, and how long before its end a new one is issued.
/// `now` is the platform's clock (`lokku clock advance` moves it); a certificate never starts
/// later than the real time, so that clients take it whatever the clock says.
struct Validity {
  std::time_t now = 0;  ///< 0: the real time
  long days = 825;
  long renew_before_days = 0;
};

/// `tls/NAME.crt` and `tls/NAME.key`: a server certificate for `subject_alt_names` (OpenSSL's
/// syntax: `IP:127.0.0.1,DNS:localhost`) signed by the CA. Issued when missing, when signed by
/// another CA (a home of an older lokku, a CA made anew) or for other names. Throws
/// std::runtime_error naming what failed.
Certificate ensure_certificate(const fs::path& home, const std::string& name,
                               const std::string& subject_alt_names, const Validity& validity = {});

/// The names every loopback server certificate carries.
inline constexpr const char* kLoopbackNames = "IP:127.0.0.1,IP:::1,DNS:localhost,DNS:*.localhost";

}  // namespace lokku::platform
