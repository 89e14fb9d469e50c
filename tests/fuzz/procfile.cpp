// Procfiles (PROC-1..9): a valid one parses, anything else is an InputError naming the file.
#include "release/procfile.hpp"

#include "fuzz_target.hpp"
#include "release/error.hpp"

LOKKU_FUZZ_TARGET(procfile) {
  try {
    (void)lokku::release::parse_procfile(lokku::fuzz::text(data, size));
  } catch (const lokku::release::InputError&) {
  }
  return 0;
}
