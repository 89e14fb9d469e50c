#include "platform/sni_endpoint.hpp"

#include "common/ids.hpp"
#include "release/error.hpp"
#include "store/changes.hpp"
#include "store/files.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <memory>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <random>

namespace lokku::platform {

namespace {

using release::InputError;

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;

Bio memory_bio(const std::string& text) {
  return Bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

/// Every certificate of a PEM chain, in order.
std::vector<X509Ptr> read_chain(const std::string& pem) {
  std::vector<X509Ptr> out;
  auto bio = memory_bio(pem);
  while (bio) {
    X509* c = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
    if (!c) {
      break;
    }
    out.emplace_back(c);
  }
  return out;
}

std::string one_line(const X509_NAME* name) {
  std::array<char, 512> buf{};
  X509_NAME_oneline(name, buf.data(), static_cast<int>(buf.size()));
  return buf.data();
}

std::string iso(const ASN1_TIME* t) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) {
    return "";
  }
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::time_t epoch(const ASN1_TIME* t) {
  std::tm tm{};
  return ASN1_TIME_to_tm(t, &tm) == 1 ? timegm(&tm) : 0;
}

std::vector<std::string> dns_names(X509* cert) {
  std::vector<std::string> out;
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names) {
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
      const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
      if (n->type == GEN_DNS) {
        const auto* s = n->d.dNSName;
        out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                         static_cast<std::size_t>(ASN1_STRING_length(s)));
      }
    }
    GENERAL_NAMES_free(names);
  }
  if (out.empty()) {
    std::array<char, 256> cn{};
    if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn.data(),
                                  static_cast<int>(cn.size())) > 0) {
      out.emplace_back(cn.data());
    }
  }
  for (auto& d : out) {
    d = store::normalize_hostname(d);
  }
  return out;
}

/// Whether the chain leads to a root the system trusts, or to lokku's CA.
bool verified(const std::vector<X509Ptr>& chain, const fs::path& ca_file) {
  std::unique_ptr<X509_STORE, Deleter<X509_STORE, X509_STORE_free>> roots(X509_STORE_new());
  struct FreeStack {
    void operator()(STACK_OF(X509) * p) const { sk_X509_free(p); }
  };
  std::unique_ptr<STACK_OF(X509), FreeStack> untrusted(sk_X509_new_null());
  std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX, X509_STORE_CTX_free>> ctx(
      X509_STORE_CTX_new());
  if (!roots || !untrusted || !ctx) {
    return false;
  }
  X509_STORE_set_default_paths(roots.get());
  std::error_code ec;
  if (!ca_file.empty() && fs::exists(ca_file, ec)) {
    X509_STORE_load_file(roots.get(), ca_file.c_str());
  }
  for (std::size_t i = 1; i < chain.size(); ++i) {
    sk_X509_push(untrusted.get(), chain[i].get());
  }
  if (X509_STORE_CTX_init(ctx.get(), roots.get(), chain.front().get(), untrusted.get()) != 1) {
    return false;
  }
  return X509_verify_cert(ctx.get()) == 1;
}

CertificateDetails details_of(const std::vector<X509Ptr>& chain, const fs::path& ca_file) {
  X509* leaf = chain.front().get();
  CertificateDetails d;
  d.domains = dns_names(leaf);
  d.subject = one_line(X509_get_subject_name(leaf));
  d.issuer = one_line(X509_get_issuer_name(leaf));
  d.starts_at = iso(X509_get0_notBefore(leaf));
  d.expires_at = iso(X509_get0_notAfter(leaf));
  d.not_after = epoch(X509_get0_notAfter(leaf));
  d.self_signed = X509_check_issued(leaf, leaf) == X509_V_OK;
  d.ca_signed = verified(chain, ca_file);
  return d;
}

/// `<word>-<number>`, as Heroku names SNI endpoints, unused in the app.
std::string new_endpoint_name(const store::App& app) {
  static constexpr std::array kWords{
      "allosaurus", "ankylosaurus",    "brachiosaurus", "diplodocus",  "gallimimus",
      "iguanodon",  "parasaurolophus", "stegosaurus",   "triceratops", "velociraptor"};
  static thread_local std::mt19937 random{std::random_device{}()};
  for (;;) {
    std::string name =
        fmt::format("{}-{}", kWords[random() % kWords.size()], 10000 + random() % 90000);
    if (!find_sni_endpoint(app, name)) {
      return name;
    }
  }
}

/// The endpoint `name_or_id` names in `app`, const or not as `app` is; nullptr when none.
template <class AppRecord>
auto* find_in(AppRecord& app, const std::string& name_or_id) {
  decltype(&app.sni_endpoints.front()) found = nullptr;
  for (auto& e : app.sni_endpoints) {
    if (e.name == name_or_id || e.id == name_or_id) {
      found = &e;
    }
  }
  return found;
}

void write_pair(const store::Store& st, const std::string& app, const std::string& name,
                const std::string& chain_pem, const std::string& key_pem) {
  auto [crt, key] = st.sni_files(app, name);
  std::error_code ec;
  fs::create_directories(crt.parent_path(), ec);
  fs::permissions(crt.parent_path(), fs::perms::owner_all, fs::perm_options::replace, ec);
  store::write_file_atomic(key, key_pem, 0600);
  store::write_file_atomic(crt, chain_pem, 0644);
}

}  // namespace

CertificateDetails certificate_details(const std::string& chain_pem, const fs::path& ca_file) {
  auto chain = read_chain(chain_pem);
  if (chain.empty()) {
    throw InputError(
        "No certificate given: the certificate chain holds no PEM certificate "
        "(-----BEGIN CERTIFICATE-----).");
  }
  return details_of(chain, ca_file);
}

CertificateDetails check_certificate_pair(const std::string& chain_pem, const std::string& key_pem,
                                          const fs::path& ca_file) {
  auto chain = read_chain(chain_pem);
  if (chain.empty()) {
    throw InputError(
        "No certificate given: the certificate chain holds no PEM certificate "
        "(-----BEGIN CERTIFICATE-----).");
  }
  auto bio = memory_bio(key_pem);
  // A passphrase is never asked for: an encrypted key reads as none.
  KeyPtr key(bio ? PEM_read_bio_PrivateKey(
                       bio.get(), nullptr, [](char*, int, int, void*) { return 0; }, nullptr)
                 : nullptr);
  if (!key) {
    throw InputError(
        "No private key given: the key is not a PEM private key, or it is "
        "protected by a passphrase (remove it with `openssl pkey`).");
  }
  if (X509_check_private_key(chain.front().get(), key.get()) != 1) {
    throw InputError(
        "The private key does not match the certificate: give the key the "
        "certificate was issued for.");
  }
  auto d = details_of(chain, ca_file);
  if (X509_cmp_current_time(X509_get0_notAfter(chain.front().get())) <= 0) {
    throw InputError(fmt::format("The certificate has expired: it expired at {}.",
                                 certificate_time(d.expires_at)));
  }
  if (X509_cmp_current_time(X509_get0_notBefore(chain.front().get())) > 0) {
    throw InputError(fmt::format("The certificate is not valid yet: it starts at {}.",
                                 certificate_time(d.starts_at)));
  }
  if (d.domains.empty()) {
    throw InputError("The certificate names no domain (no DNS subjectAltName or common name).");
  }
  return d;
}

std::string certificate_time(const std::string& iso_time) {
  return iso_time.size() >= 16 ? iso_time.substr(0, 10) + " " + iso_time.substr(11, 5) + " UTC"
                               : iso_time;
}

const store::SniEndpoint* find_sni_endpoint(const store::App& app, const std::string& name_or_id) {
  return find_in(app, name_or_id);
}

store::SniEndpoint add_sni_endpoint(store::Store& st, const std::string& app,
                                    const std::string& chain_pem, const std::string& key_pem) {
  check_certificate_pair(chain_pem, key_pem, ensure_ca(st.home()));
  store::SniEndpoint made;
  st.update(app, [&](store::App& a) {
    made.id = common::random_uuid();
    made.name = new_endpoint_name(a);
    made.created_at = made.updated_at = common::iso8601_now();
    write_pair(st, app, made.name, chain_pem, key_pem);
    a.sni_endpoints.push_back(made);
  });
  return made;
}

store::SniEndpoint update_sni_endpoint(store::Store& st, const std::string& app,
                                       const std::string& name_or_id, const std::string& chain_pem,
                                       const std::string& key_pem) {
  check_certificate_pair(chain_pem, key_pem, ensure_ca(st.home()));
  store::SniEndpoint out;
  st.update(app, [&](store::App& a) {
    auto* e = find_in(a, name_or_id);
    if (!e) {
      throw InputError(fmt::format("Couldn't find that SNI endpoint: {}.", name_or_id));
    }
    write_pair(st, app, e->name, chain_pem, key_pem);
    e->updated_at = common::iso8601_now();
    out = *e;
  });
  return out;
}

store::SniEndpoint remove_sni_endpoint(store::Store& st, const std::string& app,
                                       const std::string& name_or_id) {
  store::SniEndpoint out;
  st.update(app, [&](store::App& a) {
    const auto* e = find_sni_endpoint(a, name_or_id);
    if (!e) {
      throw InputError(fmt::format("Couldn't find that SNI endpoint: {}.", name_or_id));
    }
    out = *e;
    std::erase_if(a.sni_endpoints, [&](const auto& x) { return x.id == out.id; });
  });
  auto [crt, key] = st.sni_files(app, out.name);
  std::error_code ec;
  fs::remove(crt, ec);
  fs::remove(key, ec);
  return out;
}

store::App attach_sni_endpoint(store::Store& st, const std::string& app,
                               const std::string& hostname,
                               const std::optional<std::string>& endpoint) {
  return st.update(app, [&](store::App& a) {
    if (std::find(a.domains.begin(), a.domains.end(), hostname) == a.domains.end()) {
      throw InputError(fmt::format("Couldn't find that domain: {}.", hostname));
    }
    store::SniEndpoint* to = nullptr;
    if (endpoint) {
      to = find_in(a, *endpoint);
      if (!to) {
        throw InputError(fmt::format("Couldn't find that SNI endpoint: {}.", *endpoint));
      }
    }
    for (auto& e : a.sni_endpoints) {
      std::erase(e.domains, hostname);
    }
    if (to) {
      to->domains.push_back(hostname);
      to->updated_at = common::iso8601_now();
    }
  });
}

const store::SniEndpoint* endpoint_of_domain(const store::App& app, const std::string& hostname) {
  for (const auto& e : app.sni_endpoints) {
    if (std::find(e.domains.begin(), e.domains.end(), hostname) != e.domains.end()) {
      return &e;
    }
  }
  return nullptr;
}

std::string acm_endpoint_name(const std::string& app) {
  return "acm-" + app;
}

fs::path acm_certificate_file(const fs::path& home, const std::string& app) {
  return home / "tls" / (acm_endpoint_name(app) + ".crt");
}

std::optional<Certificate> acm_certificate(const fs::path& home, const store::App& app,
                                           std::time_t now) {
  std::string sans;
  for (const auto& d : app.domains) {
    if (d.find('*') == std::string::npos) {  // ACM issues no wildcard certificates
      sans += (sans.empty() ? "DNS:" : ",DNS:") + d;
    }
  }
  if (!app.acm || sans.empty()) {
    return std::nullopt;
  }
  // Let's Encrypt's 90 days, renewed a month before (Dev Center: automated-certificate-management).
  return ensure_certificate(home, acm_endpoint_name(app.name), sans,
                            Validity{.now = now, .days = 90, .renew_before_days = 30});
}

}  // namespace lokku::platform
