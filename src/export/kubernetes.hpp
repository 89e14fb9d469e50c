#pragma once
// `lokku export kubernetes` (issue #26 point 1): plain manifests and a kustomization.

#include "export/export_files.hpp"

namespace lokku::exports {

Written export_kubernetes(const ExportInput& in, const ExportOptions& o);

}  // namespace lokku::exports
