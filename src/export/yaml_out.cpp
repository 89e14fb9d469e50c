#include "export/yaml_out.hpp"

#include <boost/json.hpp>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <regex>

namespace lokku::exports {

namespace json = boost::json;

namespace {

/// Whether a YAML 1.1 or 1.2 reader would take `s`, written plain, for anything but this
/// string.
bool needs_quotes(const std::string& s) {
  if (s.empty() || s.front() == ' ' || s.back() == ' ') {
    return true;
  }
  if (std::any_of(s.begin(), s.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
    return true;
  }
  static const std::regex other(
      R"(^([-+]?(\d[\d_]*)?\.?\d*([eE][-+]?\d+)?|0x[0-9a-fA-F]+|0o[0-7]+|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)|y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~|[0-9:]+)$)");
  return std::regex_match(s, other);
}

void emit(YAML::Emitter& out, const json::value& v) {
  switch (v.kind()) {
    case json::kind::object:
      out << YAML::BeginMap;
      for (const auto& [k, x] : v.get_object()) {
        out << YAML::Key << std::string(k) << YAML::Value;
        emit(out, x);
      }
      out << YAML::EndMap;
      break;
    case json::kind::array:
      out << YAML::BeginSeq;
      for (const auto& x : v.get_array()) {
        emit(out, x);
      }
      out << YAML::EndSeq;
      break;
    case json::kind::string: {
      const std::string s(v.get_string());
      if (needs_quotes(s)) {
        out << YAML::DoubleQuoted;
      }
      out << s;
      break;
    }
    case json::kind::bool_:
      out << (v.get_bool() ? "true" : "false");
      break;
    case json::kind::int64:
      out << v.get_int64();
      break;
    case json::kind::uint64:
      out << v.get_uint64();
      break;
    case json::kind::double_:
      out << v.get_double();
      break;
    case json::kind::null:
      out << YAML::Null;
      break;
  }
}

}  // namespace

std::string to_yaml(const json::value& v) {
  YAML::Emitter out;
  out.SetIndent(2);
  out.SetSeqFormat(YAML::Block);
  emit(out, v);
  return std::string(out.c_str()) + "\n";
}

}  // namespace lokku::exports
