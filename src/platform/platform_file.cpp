#include "platform/platform_file.hpp"

#include "common/ids.hpp"
#include "common/log_line.hpp"
#include "common/procfs.hpp"
#include "store/files.hpp"

#include <boost/json.hpp>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <csignal>
#include <thread>

namespace lokku::platform {

namespace json = boost::json;

void write_platform_clock(const store::Store& store, std::chrono::system_clock::time_point now) {
  store::write_file_atomic(store.home() / "clock", common::iso8601(now) + "\n");
}

std::optional<std::chrono::system_clock::time_point> read_platform_clock(
    const store::Store& store) {
  auto text = store::read_file(store.home() / "clock");
  while (text && !text->empty() && text->back() == '\n') {
    text->pop_back();
  }
  return text ? common::parse_timestamp(*text) : std::nullopt;
}

void write_platform_info(const store::Store& store, const PlatformInfo& info) {
  json::object o;
  o["pid"] = info.pid;
  o["router_port"] = info.router_port;
  o["tls_port"] = info.tls_port;
  o["api_port"] = info.api_port;
  o["started_at"] = info.started_at;
  o["home"] = store.home().string();
  std::filesystem::create_directories(store.home());
  store::write_file_atomic(store.home() / "platform.json", json::serialize(o) + "\n");
}

std::optional<PlatformInfo> running_platform(const store::Store& store) {
  auto text = store::read_file(store.home() / "platform.json");
  if (!text) {
    return std::nullopt;
  }
  boost::system::error_code ec;
  auto v = json::parse(*text, ec);
  if (ec || !v.is_object()) {
    return std::nullopt;
  }
  const auto& o = v.as_object();
  PlatformInfo info;
  auto num = [&](const char* k) -> std::int64_t {
    auto it = o.find(k);
    return it != o.end() && it->value().is_int64() ? it->value().as_int64() : 0;
  };
  info.pid = static_cast<int>(num("pid"));
  info.router_port = static_cast<unsigned>(num("router_port"));
  info.tls_port = static_cast<unsigned>(num("tls_port"));
  info.api_port = static_cast<unsigned>(num("api_port"));
  if (auto it = o.find("started_at"); it != o.end() && it->value().is_string()) {
    info.started_at = std::string(it->value().as_string());
  }
  if (!common::procfs::alive(info.pid)) {
    return std::nullopt;
  }
  return info;
}

void remove_platform_info(const store::Store& store) {
  std::error_code ec;
  std::filesystem::remove(store.home() / "platform.json", ec);
}

void write_observed(const store::Store& store, const std::string& app, const Observed& obs) {
  YAML::Emitter y;
  y << YAML::BeginMap;
  y << YAML::Key << "platform_pid" << YAML::Value << obs.platform_pid;
  y << YAML::Key << "release" << YAML::Value << obs.release;
  y << YAML::Key << "dynos" << YAML::Value << YAML::BeginSeq;
  for (const auto& d : obs.dynos) {
    y << YAML::BeginMap;
    y << YAML::Key << "name" << YAML::Value << d.name;
    y << YAML::Key << "type" << YAML::Value << d.type;
    y << YAML::Key << "state" << YAML::Value << d.state;
    y << YAML::Key << "since" << YAML::Value << d.since;
    y << YAML::Key << "command" << YAML::Value << d.command;
    y << YAML::Key << "size" << YAML::Value << d.size;
    y << YAML::Key << "release" << YAML::Value << d.release;
    y << YAML::EndMap;
  }
  y << YAML::EndSeq << YAML::EndMap;
  std::error_code ec;
  if (std::filesystem::is_directory(store.app_dir(app), ec)) {
    store::write_file_atomic(store.app_dir(app) / "dynos.yaml", std::string(y.c_str()) + "\n");
  }
}

std::optional<Observed> read_observed(const store::Store& store, const std::string& app) {
  auto text = store::read_file(store.app_dir(app) / "dynos.yaml");
  if (!text) {
    return std::nullopt;
  }
  try {
    auto n = YAML::Load(*text);
    Observed obs;
    obs.platform_pid = n["platform_pid"].as<int>(0);
    obs.release = n["release"].as<int>(0);
    for (const auto& d : n["dynos"]) {
      ObservedDyno od;
      od.name = d["name"].as<std::string>("");
      od.type = d["type"].as<std::string>("");
      od.state = d["state"].as<std::string>("");
      od.since = d["since"].as<std::string>("");
      od.command = d["command"].as<std::string>("");
      od.size = d["size"].as<std::string>("");
      od.release = d["release"].as<int>(0);
      obs.dynos.push_back(std::move(od));
    }
    return obs;
  } catch (const YAML::Exception&) {
    return std::nullopt;
  }
}

bool wait_for_release(const store::Store& store, const std::string& app, int version,
                      std::chrono::milliseconds timeout) {
  auto info = running_platform(store);
  if (!info) {
    return false;
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto obs = read_observed(store, app);
    if (obs && obs->platform_pid == info->pid && obs->release >= version) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

}  // namespace lokku::platform
