#pragma once

#include <stdexcept>
#include <string>

namespace lokku::release {

/// Bad user input on the control path (Procfile, .env, formation). The message names the
/// file and line, or the argument, at fault, and is printed as it is.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace lokku::release
