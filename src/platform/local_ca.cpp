#include "platform/local_ca.hpp"

#include "store/files.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <stdexcept>
#include <sys/file.h>
#include <unistd.h>

namespace lokku::platform {

namespace {

[[noreturn]] void openssl_failed(const std::string& what) {
  throw std::runtime_error(fmt::format("cannot create lokku's TLS certificates ({})", what));
}

template <typename T, void (*Free)(T*)>
struct Owned {
  T* p;
  explicit Owned(T* x) : p(x) {}
  ~Owned() {
    if (p) {
      Free(p);
    }
  }
  Owned(const Owned&) = delete;
  Owned& operator=(const Owned&) = delete;
};

using Key = Owned<EVP_PKEY, EVP_PKEY_free>;
using Cert = Owned<X509, X509_free>;

template <typename Write>
std::string pem_of(Write write) {
  Owned<BIO, BIO_free_all> bio(BIO_new(BIO_s_mem()));
  if (!bio.p || write(bio.p) != 1) {
    openssl_failed("PEM");
  }
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.p, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

/// What `read` (a PEM_read_bio_* function) makes of the file; nullptr when it is missing or
/// holds no such thing.
template <typename T>
T* read_pem(const fs::path& path, T* (*read)(BIO*, T**, pem_password_cb*, void*)) {
  auto text = store::read_file(path);
  if (!text) {
    return nullptr;
  }
  Owned<BIO, BIO_free_all> bio(BIO_new_mem_buf(text->data(), static_cast<int>(text->size())));
  return bio.p ? read(bio.p, nullptr, nullptr, nullptr) : nullptr;
}

X509* read_cert(const fs::path& path) {
  return read_pem(path, PEM_read_bio_X509);
}
EVP_PKEY* read_key(const fs::path& path) {
  return read_pem(path, PEM_read_bio_PrivateKey);
}

void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  Owned<X509_EXTENSION, X509_EXTENSION_free> ext(
      X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext.p || X509_add_ext(cert, ext.p, -1) != 1) {
    openssl_failed(fmt::format("extension {}", value));
  }
}

/// A certificate with a fresh random serial, valid from a minute before `now` (or the real
/// time, if earlier) for `days` after `now` (0: the real time).
X509* new_cert(EVP_PKEY* key, const char* common_name, long days, std::time_t now = 0) {
  X509* cert = X509_new();
  if (!cert) {
    openssl_failed("certificate");
  }
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) {
    openssl_failed("random");
  }
  serial[0] &= 0x7f;  // a positive serial number
  Owned<BIGNUM, BN_free> bn(BN_bin2bn(serial, sizeof serial, nullptr));
  X509_set_version(cert, 2);
  BN_to_ASN1_INTEGER(bn.p, X509_get_serialNumber(cert));
  const std::time_t real = std::time(nullptr);
  std::time_t from = now == 0 ? real : std::min(now, real);
  std::time_t base = now == 0 ? real : now;
  X509_time_adj_ex(X509_getm_notBefore(cert), 0, -60, &from);
  X509_time_adj_ex(X509_getm_notAfter(cert), static_cast<int>(days), 0, &base);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("lokku"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name), -1, -1, 0);
  return cert;
}

std::string key_pem(EVP_PKEY* key) {
  return pem_of([&](BIO* b) {
    return PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr);
  });
}
std::string cert_pem(X509* cert) {
  return pem_of([&](BIO* b) { return PEM_write_bio_X509(b, cert); });
}

/// Held while certificates are read or made: two lokku processes (the platform and a
/// command) never make two CAs, or a key and a certificate that do not match.
class DirLock {
 public:
  explicit DirLock(const fs::path& dir) {
    fs::create_directories(dir);
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace);
    fd_ = ::open((dir / ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0 || ::flock(fd_, LOCK_EX) != 0) {
      openssl_failed(fmt::format("cannot lock {}", (dir / ".lock").string()));
    }
  }
  ~DirLock() { ::close(fd_); }
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;

 private:
  int fd_ = -1;
};

/// The CA's certificate and key, made when missing. Under the DirLock.
std::pair<X509*, EVP_PKEY*> load_or_make_ca(const fs::path& dir) {
  const fs::path cert_path = dir / "ca.crt";
  const fs::path key_path = dir / "ca.key";
  X509* cert = read_cert(cert_path);
  EVP_PKEY* key = read_key(key_path);
  if (cert && key && X509_check_private_key(cert, key) == 1) {
    return {cert, key};
  }
  X509_free(cert);
  EVP_PKEY_free(key);
  key = EVP_EC_gen("P-256");
  if (!key) {
    openssl_failed("key");
  }
  cert = new_cert(key, "lokku local certificate authority", 3650);
  X509_set_issuer_name(cert, X509_get_subject_name(cert));
  add_extension(cert, cert, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
  add_extension(cert, cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  add_extension(cert, cert, NID_subject_key_identifier, "hash");
  if (X509_sign(cert, key, EVP_sha256()) == 0) {
    openssl_failed("sign");
  }
  store::write_file_atomic(key_path, key_pem(key), 0600);
  store::write_file_atomic(cert_path, cert_pem(cert), 0644);
  return {cert, key};
}

/// Whether `cert` is signed by `ca`, names exactly `sans`, and lasts past `until`.
bool still_good(X509* cert, EVP_PKEY* key, X509* ca, const std::string& sans, std::time_t until) {
  if (!cert || !key || X509_check_private_key(cert, key) != 1) {
    return false;
  }
  Owned<EVP_PKEY, EVP_PKEY_free> ca_key(X509_get_pubkey(ca));
  if (!ca_key.p || X509_verify(cert, ca_key.p) != 1) {
    return false;
  }
  if (X509_cmp_time(X509_get0_notAfter(cert), &until) <= 0) {
    return false;
  }
  // The names: compared as the extension prints them.
  int at = X509_get_ext_by_NID(cert, NID_subject_alt_name, -1);
  if (at < 0) {
    return false;
  }
  Owned<BIO, BIO_free_all> bio(BIO_new(BIO_s_mem()));
  X509V3_EXT_print(bio.p, X509_get_ext(cert, at), 0, 0);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.p, &data);
  std::string printed(data, static_cast<std::size_t>(n));
  std::string expected;
  for (std::size_t start = 0; start <= sans.size();) {
    auto comma = sans.find(',', start);
    std::string one = sans.substr(start, comma - start);
    auto colon = one.find(':');
    std::string kind = one.substr(0, colon);
    std::string value = one.substr(colon + 1);
    if (kind == "IP" && value == "::1") {
      value = "0:0:0:0:0:0:0:1";
    }
    expected += (expected.empty() ? "" : ", ") + (kind == "IP" ? "IP Address" : kind) + ":" + value;
    if (comma == std::string::npos) {
      break;
    }
    start = comma + 1;
  }
  return printed == expected;
}

}  // namespace

fs::path ensure_ca(const fs::path& home) {
  const fs::path dir = home / "tls";
  DirLock lock(dir);
  auto [cert, key] = load_or_make_ca(dir);
  X509_free(cert);
  EVP_PKEY_free(key);
  return dir / "ca.crt";
}

Certificate ensure_certificate(const fs::path& home, const std::string& name,
                               const std::string& subject_alt_names, const Validity& validity) {
  const fs::path dir = home / "tls";
  const std::time_t now = validity.now == 0 ? std::time(nullptr) : validity.now;
  const std::time_t until = now + validity.renew_before_days * 24 * 60 * 60;
  DirLock lock(dir);
  auto [ca_raw, ca_key_raw] = load_or_make_ca(dir);
  Cert ca(ca_raw);
  Key ca_key(ca_key_raw);
  Certificate out{dir / (name + ".crt"), dir / (name + ".key")};
  {
    Cert cert(read_cert(out.cert));
    Key key(read_key(out.key));
    if (still_good(cert.p, key.p, ca.p, subject_alt_names, until)) {
      return out;
    }
  }
  Key key(EVP_EC_gen("P-256"));
  if (!key.p) {
    openssl_failed("key");
  }
  Cert cert(new_cert(key.p, fmt::format("lokku {}", name).c_str(), validity.days, validity.now));
  X509_set_issuer_name(cert.p, X509_get_subject_name(ca.p));
  add_extension(cert.p, ca.p, NID_subject_alt_name, subject_alt_names);
  add_extension(cert.p, ca.p, NID_basic_constraints, "critical,CA:FALSE");
  add_extension(cert.p, ca.p, NID_key_usage, "critical,digitalSignature");
  add_extension(cert.p, ca.p, NID_ext_key_usage, "serverAuth");
  add_extension(cert.p, ca.p, NID_subject_key_identifier, "hash");
  add_extension(cert.p, ca.p, NID_authority_key_identifier, "keyid:always");
  if (X509_sign(cert.p, ca_key.p, EVP_sha256()) == 0) {
    openssl_failed("sign");
  }
  store::write_file_atomic(out.key, key_pem(key.p), 0600);
  store::write_file_atomic(out.cert, cert_pem(cert.p) + cert_pem(ca.p), 0644);
  return out;
}

}  // namespace lokku::platform
