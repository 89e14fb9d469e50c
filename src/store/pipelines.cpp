#include "store/pipelines.hpp"

#include "common/ids.hpp"
#include "release/error.hpp"
#include "store/app_name.hpp"
#include "store/files.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>

namespace lokku::store {

namespace {

constexpr std::array<const char*, 4> kStages = {"review", "development", "staging", "production"};

Pipeline parse(const std::string& text, const std::string& file) {
  try {
    YAML::Node n = YAML::Load(text);
    Pipeline p;
    p.name = n["name"].as<std::string>("");
    p.id = n["id"].as<std::string>("");
    p.created_at = n["created_at"].as<std::string>("");
    if (auto apps = n["apps"]; apps && apps.IsSequence()) {
      for (const auto& a : apps) {
        p.apps.push_back({a["app"].as<std::string>(""), a["stage"].as<std::string>("")});
      }
    }
    return p;
  } catch (const YAML::Exception& e) {
    throw release::InputError(
        fmt::format("{}:{}: {}", file, e.mark.is_null() ? 0 : e.mark.line + 1, e.msg));
  }
}

}  // namespace

std::string Pipeline::next_stage(const std::string& stage) {
  if (stage == "development") {
    return "staging";
  }
  if (stage == "staging") {
    return "production";
  }
  return "";
}

void Pipeline::check_stage(const std::string& stage) {
  if (std::find(kStages.begin(), kStages.end(), stage) == kStages.end()) {
    throw release::InputError(fmt::format(
        "'{}' is not a pipeline stage (review, development, staging, production)", stage));
  }
}

std::vector<std::string> Pipelines::names() const {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    if (e.path().extension() == ".yaml") {
      out.push_back(e.path().stem().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<Pipeline> Pipelines::find(const std::string& name) const {
  auto text = read_file(file(name));
  if (!text) {
    return std::nullopt;
  }
  return parse(*text, file(name).string());
}

std::optional<Pipeline> Pipelines::of_app(const std::string& app) const {
  for (const auto& n : names()) {
    if (auto p = find(n)) {
      for (const auto& a : p->apps) {
        if (a.app == app) {
          return p;
        }
      }
    }
  }
  return std::nullopt;
}

void Pipelines::write(const Pipeline& p) const {
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << p.name << YAML::Key << "id"
      << YAML::Value << p.id << YAML::Key << "created_at" << YAML::Value << p.created_at
      << YAML::Key << "apps" << YAML::Value << YAML::BeginSeq;
  for (const auto& a : p.apps) {
    out << YAML::Flow << YAML::BeginMap << YAML::Key << "app" << YAML::Value << a.app << YAML::Key
        << "stage" << YAML::Value << a.stage << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::EndMap;
  fs::create_directories(dir_);
  write_file_atomic(file(p.name), std::string(out.c_str()) + "\n");
}

Pipeline Pipelines::create(const std::string& name) {
  validate_app_name(name);
  fs::create_directories(dir_);
  FileLock lock(dir_ / ".lock");
  if (find(name)) {
    throw release::InputError(fmt::format("Name {} is already taken by a pipeline", name));
  }
  Pipeline p{name, common::random_uuid(), common::iso8601_now(), {}};
  write(p);
  return p;
}

Pipeline Pipelines::add(const std::string& name, const std::string& app, const std::string& stage) {
  Pipeline::check_stage(stage);
  fs::create_directories(dir_);
  FileLock lock(dir_ / ".lock");
  auto p = find(name);
  if (!p) {
    throw release::InputError(fmt::format("Couldn't find that pipeline: {}", name));
  }
  if (auto other = of_app(app)) {
    throw release::InputError(
        fmt::format("{} is already in the pipeline {} (one pipeline per app)", app, other->name));
  }
  p->apps.push_back({app, stage});
  write(*p);
  return *p;
}

void Pipelines::destroy(const std::string& name) {
  fs::create_directories(dir_);
  FileLock lock(dir_ / ".lock");
  if (!find(name)) {
    throw release::InputError(fmt::format("Couldn't find that pipeline: {}", name));
  }
  fs::remove(file(name));
}

Pipeline Pipelines::set_stage(const std::string& app, const std::string& stage) {
  Pipeline::check_stage(stage);
  fs::create_directories(dir_);
  FileLock lock(dir_ / ".lock");
  auto p = of_app(app);
  if (!p) {
    throw release::InputError(fmt::format("{} is not in a pipeline", app));
  }
  for (auto& a : p->apps) {
    if (a.app == app) {
      a.stage = stage;
    }
  }
  write(*p);
  return *p;
}

void Pipelines::rename_app(const std::string& from, const std::string& to) {
  fs::create_directories(dir_);
  FileLock lock(dir_ / ".lock");
  if (auto p = of_app(from)) {
    for (auto& a : p->apps) {
      if (a.app == from) {
        a.app = to;
      }
    }
    write(*p);
  }
}

void Pipelines::remove_app(const std::string& app) {
  fs::create_directories(dir_);
  FileLock lock(dir_ / ".lock");
  if (auto p = of_app(app)) {
    std::erase_if(p->apps, [&](const PipelineApp& a) { return a.app == app; });
    write(*p);
  }
}

}  // namespace lokku::store
