// app.json (APP-1..4), as a deploy and a review app read it.
#include "fuzz_target.hpp"
#include "release/app_manifest.hpp"
#include "release/error.hpp"

LOKKU_FUZZ_TARGET(app_json) {
  const auto text = lokku::fuzz::text(data, size);
  try {
    (void)lokku::release::parse_app_manifest(text);
  } catch (const lokku::release::InputError&) {
  }
  try {
    (void)lokku::release::parse_review_manifest(text);
  } catch (const lokku::release::InputError&) {
  }
  return 0;
}
