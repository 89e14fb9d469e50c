// BP-6 `bin/release` output and BP-7 process type merging.
#include "buildpack/release_info.hpp"

#include "release/error.hpp"

#include <gtest/gtest.h>

namespace lokku::buildpack {
namespace {

TEST(ReleaseInfo, BP6EmptyAndEmptyMappingMeanNothing) {
  EXPECT_TRUE(parse_release_info("", "bp").default_process_types.empty());
  EXPECT_TRUE(parse_release_info("--- {}\n", "bp").addons.empty());
}

TEST(ReleaseInfo, BP6ReadsAddonsTypesAndConfigVars) {
  auto info = parse_release_info(
      "---\naddons:\n  - heroku-postgresql:essential-0\ndefault_process_types:\n  web: bin/web "
      "$PORT\nconfig_vars:\n  LANG: en_US.UTF-8\n",
      "bp");
  ASSERT_EQ(info.addons.size(), 1u);
  EXPECT_EQ(info.addons[0], "heroku-postgresql:essential-0");
  EXPECT_EQ(info.default_process_types.at("web"), "bin/web $PORT");
  EXPECT_EQ(info.config_vars.at("LANG"), "en_US.UTF-8");
}

TEST(ReleaseInfo, BP6BadShapesAreErrorsNamingTheBuildpack) {
  try {
    parse_release_info("- a\n- b\n", "my-bp");
    FAIL();
  } catch (const release::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("my-bp: bin/release must print a YAML mapping"),
              std::string::npos);
  }
  EXPECT_THROW(parse_release_info("default_process_types: [a]\n", "bp"), release::InputError);
  EXPECT_THROW(parse_release_info("a: [unclosed\n", "bp"), release::InputError);
}

TEST(ReleaseInfo, BP5ChainKeepsTheLastDefaultsAndTheUnionOfAddons) {
  ReleaseInfo total;
  accumulate(total, parse_release_info("addons: [a]\ndefault_process_types: {web: one}\n"
                                       "config_vars: {X: first}\n",
                                       "1"));
  accumulate(total, parse_release_info("addons: [a, b]\nconfig_vars: {X: second, Y: y}\n", "2"));
  EXPECT_EQ(total.default_process_types.at("web"), "one");  // 2 printed none
  accumulate(total, parse_release_info("default_process_types: {worker: w}\n", "3"));
  EXPECT_EQ(total.default_process_types.count("web"), 0u);
  EXPECT_EQ(total.addons, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(total.config_vars.at("X"), "first");
}

TEST(ReleaseInfo, BP7ProcfileWinsAndTheReportListsWhatIsLeft) {
  auto procfile = release::parse_procfile("web: ./web\nworker: ./work\n");
  auto merged = merge_process_types(&procfile,
                                    {{"web", "default web"}, {"console", "irb"}, {"rake", "rake"}});
  EXPECT_EQ(merged.types.at("web"), "./web");
  EXPECT_EQ(merged.types.at("console"), "irb");
  auto report = process_type_report(merged);
  ASSERT_EQ(report.size(), 2u);
  EXPECT_EQ(report[0], "Procfile declares types     -> web, worker");
  EXPECT_EQ(report[1], "Default types for buildpack -> console, rake");
  auto none = process_type_report(merge_process_types(nullptr, {}));
  ASSERT_EQ(none.size(), 1u);
  EXPECT_EQ(none[0], "Procfile declares types     -> (none)");
}

}  // namespace
}  // namespace lokku::buildpack
