#pragma once
// `lokku export compose` (issue #26 point 2): compose.yaml with a service per process type
// (`deploy.replicas` from the formation, a healthcheck for web, Heroku's 30 s stop), the
// release phase as a service the others wait for, the add-ons as real postgres and redis
// services, the config vars in an env file (0600), scheduler jobs as a crontab for the host.

#include "export/export_files.hpp"

namespace lokku::exports {

Written export_compose(const ExportInput& in, const ExportOptions& o);

/// One `NAME=value` line of an env_file: single-quoted (literal) where it can be, else
/// double-quoted with escapes.
std::string env_file_line(const std::string& name, const std::string& value);

}  // namespace lokku::exports
