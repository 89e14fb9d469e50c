#include "buildpack/release_info.hpp"

#include "release/error.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>

namespace lokku::buildpack {

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) {
      out += ", ";
    }
    out += s;
  }
  return out;
}

std::string scalar(const YAML::Node& n) {
  return n.IsNull() ? std::string() : n.as<std::string>();
}

}  // namespace

ReleaseInfo parse_release_info(std::string_view text, std::string_view who) {
  ReleaseInfo info;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    throw release::InputError(fmt::format("{}: bin/release printed invalid YAML (line {}): {}", who,
                                          e.mark.is_null() ? 0 : e.mark.line + 1, e.msg));
  }
  if (!root || root.IsNull()) {
    return info;
  }
  if (!root.IsMap()) {
    throw release::InputError(
        fmt::format("{}: bin/release must print a YAML mapping (addons, "
                    "default_process_types, config_vars)",
                    who));
  }
  try {
    if (auto a = root["addons"]; a && !a.IsNull()) {
      if (!a.IsSequence()) {
        throw release::InputError(fmt::format("{}: bin/release: addons must be a list", who));
      }
      for (const auto& e : a) {
        info.addons.push_back(scalar(e));
      }
    }
    for (auto [key, target] : {std::pair{"default_process_types", &info.default_process_types},
                               std::pair{"config_vars", &info.config_vars}}) {
      auto m = root[key];
      if (!m || m.IsNull()) {
        continue;
      }
      if (!m.IsMap()) {
        throw release::InputError(fmt::format("{}: bin/release: {} must be a mapping", who, key));
      }
      for (const auto& kv : m) {
        if (!kv.second.IsScalar() && !kv.second.IsNull()) {
          throw release::InputError(fmt::format("{}: bin/release: {}.{} must be a string", who, key,
                                                kv.first.as<std::string>()));
        }
        (*target)[kv.first.as<std::string>()] = scalar(kv.second);
      }
    }
  } catch (const YAML::Exception& e) {
    throw release::InputError(fmt::format("{}: bin/release: {}", who, e.msg));
  }
  return info;
}

void accumulate(ReleaseInfo& total, const ReleaseInfo& next) {
  for (const auto& a : next.addons) {
    if (std::find(total.addons.begin(), total.addons.end(), a) == total.addons.end()) {
      total.addons.push_back(a);
    }
  }
  if (!next.default_process_types.empty()) {
    total.default_process_types = next.default_process_types;
  }
  for (const auto& [k, v] : next.config_vars) {
    total.config_vars.emplace(k, v);
  }
}

MergedTypes merge_process_types(const release::Procfile* procfile, const ProcessTypes& defaults) {
  MergedTypes m;
  m.types = defaults;
  if (procfile) {
    for (const auto& t : procfile->types) {
      m.types[t.name] = t.command;
      m.procfile_types.push_back(t.name);
    }
  }
  std::sort(m.procfile_types.begin(), m.procfile_types.end());
  for (const auto& [name, cmd] : defaults) {
    if (!std::binary_search(m.procfile_types.begin(), m.procfile_types.end(), name)) {
      m.defaults_used.push_back(name);
    }
  }
  return m;
}

std::vector<std::string> process_type_report(const MergedTypes& m) {
  std::vector<std::string> lines;
  lines.push_back("Procfile declares types     -> " +
                  (m.procfile_types.empty() ? std::string("(none)") : join(m.procfile_types)));
  if (!m.defaults_used.empty()) {
    lines.push_back("Default types for buildpack -> " + join(m.defaults_used));
  }
  return lines;
}

}  // namespace lokku::buildpack
