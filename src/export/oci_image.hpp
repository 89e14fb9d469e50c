#pragma once
// The slug as an OCI image, built without Docker (issue #26 point 1): the layers of a base
// image the user has as a local OCI layout (`--base-image DIR`: nothing can be pulled), then
// the slug itself as one more layer (it is a gzip tarball of ./app/ already), with a config
// that starts in /app with PORT set. Written as an OCI layout in `image/oci`, tagged with the
// image name's tag (`skopeo copy oci:image/oci docker://...` pushes it).

#include "export/export_files.hpp"

namespace lokku::exports {

/// Throws InputError naming the file of the base layout at fault.
void build_oci_image(const ExportInput& in, const ExportOptions& o, Written& w);

}  // namespace lokku::exports
