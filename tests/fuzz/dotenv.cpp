// `.env` files in lokku's dialect (README, The .env dialect), `${VAR}` expansion included.
#include "release/dotenv.hpp"

#include "fuzz_target.hpp"
#include "release/error.hpp"

LOKKU_FUZZ_TARGET(dotenv) {
  lokku::release::ConfigVars vars{{"PRESET", "x"}};
  try {
    lokku::release::parse_dotenv(lokku::fuzz::text(data, size), ".env", vars,
                                 [](const std::string& name) -> std::optional<std::string> {
                                   return name == "HOME" ? std::optional<std::string>("/app")
                                                         : std::nullopt;
                                 });
  } catch (const lokku::release::InputError&) {
  }
  return 0;
}
