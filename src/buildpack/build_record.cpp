#include "buildpack/build_record.hpp"

#include "common/ids.hpp"
#include "store/files.hpp"
#include "store/yaml_emitter.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <tuple>
#include <unistd.h>

namespace lokku::buildpack {

namespace fs = std::filesystem;

fs::path builds_dir(const store::Store& store, const std::string& app) {
  return store.app_dir(app) / "builds";
}

void write_build_record(const fs::path& dir, const BuildRecord& r) {
  const auto now = common::iso8601_now();
  auto before = read_build_record(dir, r.id);
  store::Emitter y;  // a buildpack named with a control character reads back the same
  y << YAML::BeginMap;
  y << YAML::Key << "id" << YAML::Value << r.id;
  y << YAML::Key << "status" << YAML::Value << r.status;
  y << YAML::Key << "created_at" << YAML::Value
    << (before && !before->created_at.empty() ? before->created_at : now);
  y << YAML::Key << "updated_at" << YAML::Value << now;
  y << YAML::Key << "slug" << YAML::Value << r.slug;
  y << YAML::Key << "source_version" << YAML::Value << r.source_version;
  if (r.status == "pending") {
    y << YAML::Key << "pid" << YAML::Value << static_cast<int>(::getpid());
  }
  y << YAML::Key << "buildpacks" << YAML::Value << YAML::BeginSeq;
  for (const auto& b : r.buildpacks) {
    y << b;
  }
  y << YAML::EndSeq << YAML::EndMap;
  store::write_file_atomic(dir / (r.id + ".yaml"), std::string(y.c_str()) + "\n");
}

std::optional<BuildRecord> read_build_record(const fs::path& dir, const std::string& id) {
  auto text = store::read_file(dir / (id + ".yaml"));
  if (!text) {
    return std::nullopt;
  }
  try {
    auto y = YAML::Load(*text);
    if (!y.IsMap()) {
      return std::nullopt;
    }
    auto str = [&](const char* key) {
      return y[key] && y[key].IsScalar() ? y[key].as<std::string>() : std::string();
    };
    BuildRecord r;
    r.id = id;
    r.status = str("status");
    r.created_at = str("created_at");
    r.updated_at = str("updated_at");
    if (r.updated_at.empty()) {
      r.updated_at = r.created_at;
    }
    r.slug = str("slug");
    r.source_version = str("source_version");
    if (y["pid"] && y["pid"].IsScalar()) {
      r.pid = y["pid"].as<int>(0);
    }
    if (y["buildpacks"] && y["buildpacks"].IsSequence()) {
      for (const auto& b : y["buildpacks"]) {
        if (b.IsScalar()) {
          r.buildpacks.push_back(b.as<std::string>());
        }
      }
    }
    return r;
  } catch (const YAML::Exception&) {
    return std::nullopt;
  }
}

std::vector<BuildRecord> read_build_records(const store::Store& store, const std::string& app) {
  std::vector<BuildRecord> out;
  const auto dir = builds_dir(store, app);
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".yaml") {
      if (auto r = read_build_record(dir, e.path().stem().string())) {
        out.push_back(std::move(*r));
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const BuildRecord& a, const BuildRecord& b) {
    return std::tie(a.created_at, a.id) < std::tie(b.created_at, b.id);
  });
  return out;
}

}  // namespace lokku::buildpack
