#pragma once

#include <optional>

namespace lokku::common {

/// A TCP port free on every interface a moment ago (the kernel's pick for port 0);
/// nullopt when no socket could be bound.
std::optional<unsigned> pick_free_port();

/// True when binding 0.0.0.0:port fails because something already uses it.
bool port_in_use(unsigned port);

}  // namespace lokku::common
