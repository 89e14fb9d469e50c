#include "release/formation.hpp"

#include "release/error.hpp"

#include <gtest/gtest.h>

namespace lokku::release {
namespace {

Procfile procfile() {
  return parse_procfile("web: w\nworker: k\nclock: c\nrelease: r\n");
}

std::string summary(const std::vector<FormationItem>& items) {
  std::string out;
  for (const auto& i : items) {
    out += i.type + "=" + std::to_string(i.quantity) + ":" + i.size.name + " ";
  }
  return out;
}

// CONVENTIONS.md, Formation on the command line.
TEST(Formation, NoSpecRunsOneOfEachButRelease) {
  EXPECT_EQ(summary(resolve_formation(procfile(), std::nullopt, {})),
            "web=1:standard-1x worker=1:standard-1x clock=1:standard-1x ");
}

TEST(Formation, ListedTypesOnlyUnlessAll) {
  EXPECT_EQ(summary(resolve_formation(procfile(), parse_formation("web=2, worker=1"), {})),
            "web=2:standard-1x worker=1:standard-1x ");
  EXPECT_EQ(summary(resolve_formation(procfile(), parse_formation("web=2,all=3"), {})),
            "web=2:standard-1x worker=3:standard-1x clock=3:standard-1x ");
}

TEST(Formation, SizesAreCaseInsensitive) {
  EXPECT_EQ(summary(resolve_formation(procfile(), parse_formation("web=1:Standard-2X"), {})),
            "web=1:standard-2x ");
}

TEST(Formation, PositionalTypesRunOnlyThose) {
  EXPECT_EQ(summary(resolve_formation(procfile(), std::nullopt, {"web", "clock"})),
            "web=1:standard-1x clock=1:standard-1x ");
  EXPECT_EQ(summary(resolve_formation(procfile(), parse_formation("web=3"), {"web", "clock"})),
            "web=3:standard-1x clock=1:standard-1x ");
}

TEST(Formation, ReleaseIsNeverPartOfIt) {
  EXPECT_THROW(resolve_formation(procfile(), std::nullopt, {"release"}), InputError);
  EXPECT_THROW(resolve_formation(procfile(), parse_formation("release=1"), {}), InputError);
}

TEST(Formation, BadInputNamesThePart) {
  auto message = [](std::string_view spec) -> std::string {
    try {
      resolve_formation(procfile(), parse_formation(spec), {});
    } catch (const InputError& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_EQ(message("web=two"),
            "formation 'web=two': quantity must be a whole number from 0 to 100");
  EXPECT_EQ(message("web"), "formation 'web': expected TYPE=N or TYPE=N:SIZE");
  EXPECT_EQ(message("web=1:huge"),
            "formation 'web=1:huge': unknown dyno size 'huge' (sizes: eco, basic, standard-1x, "
            "standard-2x, performance-m, performance-l)");
  EXPECT_EQ(message("db=1"),
            "formation: no process type 'db' in the Procfile (types: web, worker, "
            "clock)");
  EXPECT_EQ(message("web=1,web=2"), "formation: 'web' is given twice");
}

}  // namespace
}  // namespace lokku::release
