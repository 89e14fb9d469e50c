// The store's app records (`apps/<app>/app.yaml`, also read from state:import files): a
// record that loads writes back to a text that loads to the same record.
#include "fuzz_target.hpp"
#include "release/error.hpp"
#include "store/store.hpp"

#include <cstdio>
#include <cstdlib>

LOKKU_FUZZ_TARGET(app_yaml) {
  using namespace lokku::store;
  App app;
  try {
    app = app_from_yaml(std::string(lokku::fuzz::text(data, size)), "app.yaml");
  } catch (const lokku::release::InputError&) {
    return 0;
  }
  const auto once = to_yaml(app);
  const auto twice = to_yaml(app_from_yaml(once, "app.yaml (written)"));
  if (once != twice) {
    // A record that does not survive its own round trip.
    std::fprintf(stderr, "app_yaml: written once:\n%s\nwritten again:\n%s\n", once.c_str(),
                 twice.c_str());
    std::abort();
  }
  return 0;
}
