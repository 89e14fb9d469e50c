#pragma once

#include <signal.h>

namespace lokku::dyno {

/// The signal lokku sends a dyno's init to have every process of the dyno SIGKILLed, and
/// the init's parent-death signal: a real-time signal no app relies on.
inline int kill_tree_signal() {
  return SIGRTMIN + 1;
}

}  // namespace lokku::dyno
