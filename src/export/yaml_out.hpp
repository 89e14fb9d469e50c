#pragma once
// Manifests are built as JSON values (Kubernetes' and Compose's own model) and written as
// YAML, keys in the order they were built. A string is quoted wherever plain YAML would read
// it back as something else (`"5000"`, `"true"`, `""`, a control character): a config value
// stays the string it was.

#include <boost/json/value.hpp>

#include <string>

namespace lokku::exports {

std::string to_yaml(const boost::json::value& v);

}  // namespace lokku::exports
