#include "release/formation.hpp"

#include "release/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace lokku::release {

namespace {

std::string strip_spaces(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c != ' ' && c != '\t') {
      out += c;
    }
  }
  return out;
}

int parse_quantity(std::string_view text, std::string_view item) {
  int n = -1;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc{} || p != text.data() + text.size() || n < 0 || n > 100) {
    throw InputError(
        fmt::format("formation '{}': quantity must be a whole number from 0 to 100", item));
  }
  return n;
}

DynoSize parse_size(std::string_view text, std::string_view item) {
  auto size = find_dyno_size(text);
  if (!size) {
    throw InputError(fmt::format("formation '{}': unknown dyno size '{}' (sizes: {})", item, text,
                                 dyno_size_names()));
  }
  return *size;
}

}  // namespace

FormationSpec parse_formation(std::string_view text) {
  FormationSpec spec;
  std::string s = strip_spaces(text);
  if (s.empty()) {
    throw InputError("formation: empty (expected e.g. web=2,worker=1)");
  }
  std::size_t pos = 0;
  while (pos <= s.size()) {
    auto comma = s.find(',', pos);
    std::string item = s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    pos = comma == std::string::npos ? s.size() + 1 : comma + 1;
    if (item.empty()) {
      throw InputError(fmt::format("formation '{}': empty entry", std::string(text)));
    }
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw InputError(fmt::format("formation '{}': expected TYPE=N or TYPE=N:SIZE", item));
    }
    std::string type = item.substr(0, eq);
    std::string rest = item.substr(eq + 1);
    std::optional<DynoSize> size;
    if (auto colon = rest.find(':'); colon != std::string::npos) {
      size = parse_size(rest.substr(colon + 1), item);
      rest = rest.substr(0, colon);
    }
    int quantity = parse_quantity(rest, item);
    if (type == "all") {
      spec.all = quantity;
      spec.all_size = size;
      continue;
    }
    if (type.find_first_not_of(
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
        std::string::npos) {
      throw InputError(fmt::format("formation '{}': '{}' is not a process type name", item, type));
    }
    auto existing = std::find_if(spec.entries.begin(), spec.entries.end(),
                                 [&](const FormationEntry& e) { return e.type == type; });
    if (existing != spec.entries.end()) {
      throw InputError(fmt::format("formation: '{}' is given twice", type));
    }
    spec.entries.push_back({type, quantity, size});
  }
  return spec;
}

std::vector<FormationItem> resolve_formation(const Procfile& procfile,
                                             const std::optional<FormationSpec>& spec,
                                             const std::vector<std::string>& only_types) {
  auto check_known = [&](const std::string& type, std::string_view where) {
    if (type == "release") {
      throw InputError(fmt::format(
          "{}: 'release' runs once per release, never as part of the formation", where));
    }
    if (procfile.find(type) == nullptr) {
      std::string known;
      for (const auto& t : procfile.types) {
        if (t.name != "release") {
          known += known.empty() ? t.name : ", " + t.name;
        }
      }
      throw InputError(
          fmt::format("{}: no process type '{}' in the Procfile (types: {})", where, type, known));
    }
  };
  for (const auto& t : only_types) {
    check_known(t, "lokku start");
  }
  if (spec) {
    for (const auto& e : spec->entries) {
      check_known(e.type, "formation");
    }
  }

  std::vector<FormationItem> out;
  for (const auto& pt : procfile.types) {
    if (pt.name == "release") {
      continue;
    }
    int quantity = 1;
    DynoSize size = default_dyno_size();
    const FormationEntry* entry = nullptr;
    if (spec) {
      for (const auto& e : spec->entries) {
        if (e.type == pt.name) {
          entry = &e;
        }
      }
    }
    if (!only_types.empty()) {
      bool named = std::find(only_types.begin(), only_types.end(), pt.name) != only_types.end();
      quantity = named ? 1 : 0;
      if (named && entry != nullptr && entry->quantity) {
        quantity = *entry->quantity;
      }
    } else if (spec) {
      quantity = entry != nullptr ? entry->quantity.value_or(0) : spec->all.value_or(0);
    }
    if (spec && spec->all_size) {
      size = *spec->all_size;
    }
    if (entry != nullptr && entry->size) {
      size = *entry->size;
    }
    if (quantity > 0) {
      out.push_back({pt.name, pt.command, quantity, size});
    }
  }
  return out;
}

}  // namespace lokku::release
