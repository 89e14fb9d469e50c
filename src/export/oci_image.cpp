#include "export/oci_image.hpp"

#include "release/error.hpp"
#include "store/files.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <array>
#include <fstream>
#include <memory>
#include <openssl/evp.h>
#include <zlib.h>

namespace lokku::exports {

namespace json = boost::json;

namespace {

constexpr const char* kManifest = "application/vnd.oci.image.manifest.v1+json";
constexpr const char* kIndex = "application/vnd.oci.image.index.v1+json";
constexpr const char* kConfig = "application/vnd.oci.image.config.v1+json";
constexpr const char* kLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";

class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
    EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr);
  }
  void add(const void* data, std::size_t n) { EVP_DigestUpdate(ctx_.get(), data, n); }
  std::string digest() {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned n = 0;
    EVP_DigestFinal_ex(ctx_.get(), md.data(), &n);
    std::string hex = "sha256:";
    for (unsigned i = 0; i < n; ++i) {
      hex += fmt::format("{:02x}", md[i]);
    }
    return hex;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx_;
};

std::string digest_of(const std::string& text) {
  Sha256 h;
  h.add(text.data(), text.size());
  return h.digest();
}

/// The digest of the slug as stored (gzip) and of its tar (the layer's diff ID).
std::pair<std::string, std::string> slug_digests(const fs::path& slug) {
  Sha256 stored;
  {
    std::ifstream f(slug, std::ios::binary);
    std::array<char, 1 << 16> buf{};
    while (f.read(buf.data(), buf.size()) || f.gcount() > 0) {
      stored.add(buf.data(), static_cast<std::size_t>(f.gcount()));
    }
  }
  Sha256 tar;
  gzFile z = gzopen(slug.c_str(), "rb");
  if (z == nullptr) {
    throw release::InputError(fmt::format("{}: cannot read the slug", slug.string()));
  }
  std::array<char, 1 << 16> buf{};
  int n = 0;
  while ((n = gzread(z, buf.data(), static_cast<unsigned>(buf.size()))) > 0) {
    tar.add(buf.data(), static_cast<std::size_t>(n));
  }
  const bool bad = n < 0;
  gzclose(z);
  if (bad) {
    throw release::InputError(fmt::format("{}: the slug is not a whole gzip file", slug.string()));
  }
  return {stored.digest(), tar.digest()};
}

fs::path blob_path(const fs::path& layout, std::string_view digest) {
  if (digest.rfind("sha256:", 0) != 0 || digest.size() != 71 ||
      digest.find_first_not_of("0123456789abcdef", 7) != std::string_view::npos) {
    throw release::InputError(
        fmt::format("{}: '{}' is not a sha256 digest", layout.string(), digest));
  }
  return layout / "blobs" / "sha256" / std::string(digest.substr(7));
}

json::object read_json_blob(const fs::path& layout, std::string_view digest) {
  const auto path = blob_path(layout, digest);
  auto text = store::read_file(path);
  if (!text) {
    throw release::InputError(fmt::format("{}: missing from the base image", path.string()));
  }
  boost::system::error_code ec;
  auto v = json::parse(*text, ec);
  if (ec || !v.is_object()) {
    throw release::InputError(fmt::format("{}: not JSON", path.string()));
  }
  return std::move(v.as_object());
}

/// The base image's manifest: the first one for linux/amd64 (or the only one) of its index,
/// following a nested index.
json::object base_manifest(const fs::path& base) {
  const auto index_file = base / "index.json";
  auto text = store::read_file(index_file);
  if (!text) {
    throw release::InputError(fmt::format(
        "--base-image {}: not an OCI layout (no index.json; `skopeo copy docker-archive:FILE "
        "oci:DIR` makes one from a `docker save` tarball)",
        base.string()));
  }
  boost::system::error_code ec;
  auto v = json::parse(*text, ec);
  if (ec || !v.is_object() || !v.as_object().contains("manifests")) {
    throw release::InputError(fmt::format("{}: not an OCI image index", index_file.string()));
  }
  json::object index = std::move(v.as_object());
  for (int depth = 0; depth < 4; ++depth) {
    const json::object* pick = nullptr;
    for (const auto& m : index.at("manifests").as_array()) {
      const auto& d = m.as_object();
      const auto* p = d.if_contains("platform");
      const bool amd64 =
          p == nullptr || (p->is_object() && p->as_object().contains("architecture") &&
                           p->as_object().at("architecture") == "amd64");
      if (pick == nullptr || amd64) {
        pick = &d;
        if (amd64) {
          break;
        }
      }
    }
    if (pick == nullptr) {
      throw release::InputError(fmt::format("{}: lists no image", index_file.string()));
    }
    const std::string digest(pick->at("digest").as_string());
    const auto media = pick->if_contains("mediaType");
    auto blob = read_json_blob(base, digest);
    if (media && media->is_string() && media->as_string() == kIndex) {
      index = std::move(blob);
      continue;
    }
    return blob;
  }
  throw release::InputError(fmt::format("{}: indexes nested too deep", index_file.string()));
}

}  // namespace

void build_oci_image(const ExportInput& in, const ExportOptions& o, Written& w) {
  const fs::path& base = o.base_image;
  auto manifest = base_manifest(base);
  const auto& config_ref = manifest.at("config").as_object();
  auto config = read_json_blob(base, config_ref.at("digest").as_string());

  const fs::path layout = w.dir / "image" / "oci";
  fs::create_directories(layout / "blobs" / "sha256");
  json::array layers;
  for (const auto& l : manifest.at("layers").as_array()) {
    const std::string digest(l.as_object().at("digest").as_string());
    const auto from = blob_path(base, digest);
    if (!fs::exists(from)) {
      throw release::InputError(fmt::format("{}: missing from the base image", from.string()));
    }
    fs::copy_file(from, blob_path(layout, digest), fs::copy_options::overwrite_existing);
    layers.push_back(l);
  }
  const auto [slug_digest, slug_diff_id] = slug_digests(in.slug);
  fs::copy_file(in.slug, blob_path(layout, slug_digest), fs::copy_options::overwrite_existing);
  layers.push_back(json::object{{"mediaType", kLayerGzip},
                                {"digest", slug_digest},
                                {"size", static_cast<std::uint64_t>(fs::file_size(in.slug))}});

  // The config: the slug's layer, and a start in /app with PORT (the command is each
  // manifest's: the process type's).
  json::array diff_ids;
  if (const auto* r = config.if_contains("rootfs"); r && r->is_object()) {
    if (const auto* ids = r->as_object().if_contains("diff_ids"); ids && ids->is_array()) {
      diff_ids = ids->as_array();
    }
  }
  diff_ids.push_back(json::value(slug_diff_id));
  config["rootfs"] = json::object{{"type", "layers"}, {"diff_ids", std::move(diff_ids)}};
  auto& c = config["config"].is_object() ? config["config"].as_object()
                                         : config["config"].emplace_object();
  json::array env;
  if (const auto* old = c.if_contains("Env"); old && old->is_array()) {
    for (const auto& e : old->as_array()) {
      if (e.is_string() && e.as_string().starts_with("PORT=")) {
        continue;
      }
      if (e.is_string() && e.as_string().starts_with("HOME=")) {
        continue;
      }
      env.push_back(e);
    }
  }
  env.push_back(json::value("HOME=/app"));
  env.push_back(json::value("PORT=5000"));
  c["Env"] = std::move(env);
  c["WorkingDir"] = "/app";
  c["Cmd"] = json::array{"/bin/bash"};
  c.erase("Entrypoint");
  json::array history;
  if (const auto* h = config.if_contains("history"); h && h->is_array()) {
    history = h->as_array();
  }
  history.push_back(json::object{{"created_by", fmt::format("lokku export: slug {} of {} v{}",
                                                            in.slug_id, in.app, in.version)}});
  config["history"] = std::move(history);
  const std::string config_text = json::serialize(config);
  const std::string config_digest = digest_of(config_text);
  store::write_file_atomic(blob_path(layout, config_digest), config_text);

  json::object m{
      {"schemaVersion", 2},
      {"mediaType", kManifest},
      {"config", {{"mediaType", kConfig}, {"digest", config_digest}, {"size", config_text.size()}}},
      {"layers", std::move(layers)}};
  const std::string manifest_text = json::serialize(m);
  const std::string manifest_digest = digest_of(manifest_text);
  store::write_file_atomic(blob_path(layout, manifest_digest), manifest_text);

  const auto image = image_name(in, o);
  const auto colon = image.rfind(':');
  const std::string tag = colon == std::string::npos || image.find('/', colon) != std::string::npos
                              ? "latest"
                              : image.substr(colon + 1);
  json::object index{
      {"schemaVersion", 2},
      {"mediaType", kIndex},
      {"manifests",
       json::array{json::object{{"mediaType", kManifest},
                                {"digest", manifest_digest},
                                {"size", manifest_text.size()},
                                {"annotations", {{"org.opencontainers.image.ref.name", tag}}}}}}};
  store::write_file_atomic(layout / "index.json", json::serialize(index) + "\n");
  store::write_file_atomic(layout / "oci-layout", R"({"imageLayoutVersion":"1.0.0"})"
                                                  "\n");
  w.files.emplace_back("image/oci");
}

}  // namespace lokku::exports
