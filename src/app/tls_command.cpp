// lokku tls:trust (issue #23): how to make this machine's clients trust lokku's local CA, which
// signs the router's HTTPS certificates. It only prints the steps: trusting a CA is the
// user's decision, never done silently.
#include "app/command_support.hpp"
#include "app/commands.hpp"
#include "platform/local_ca.hpp"

#include <fmt/format.h>

#include <iostream>

namespace lokku::app {

int run_tls_trust(const CommandOptions&) {
  auto st = open_store();
  const auto ca = platform::ensure_ca(st.home()).string();
  std::cout << fmt::format(
      "lokku's certificate authority: {ca}\n"
      "It signs the certificates of lokku's HTTPS port (lokku up --tls-port), the Platform API\n"
      "and git pushes. lokku trusts nothing on its own; to trust it, run what you need:\n\n"
      "  The system's store (curl, git, wget, Python's requests with certifi off), as root:\n"
      "    cp {ca} /usr/local/share/ca-certificates/lokku.crt && update-ca-certificates\n\n"
      "  Chromium and Chrome (NSS, libnss3-tools):\n"
      "    certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n lokku -i {ca}\n\n"
      "  Firefox (each profile):\n"
      "    certutil -d sql:$HOME/.mozilla/firefox/PROFILE -A -t C,, -n lokku -i {ca}\n\n"
      "  Node.js:\n"
      "    export NODE_EXTRA_CA_CERTS={ca}\n\n"
      "  One command only:\n"
      "    curl --cacert {ca} https://APP.localhost:5443/\n\n"
      "To stop trusting it, remove what you added (update-ca-certificates --fresh; certutil -D "
      "-n lokku).\n",
      fmt::arg("ca", ca));
  return 0;
}

}  // namespace lokku::app
