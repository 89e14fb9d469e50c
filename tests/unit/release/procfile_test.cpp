#include "release/procfile.hpp"

#include "release/error.hpp"

#include <gtest/gtest.h>

namespace lokku::release {
namespace {

// dynos.md PROC-2: the classic grammar.
TEST(Procfile, ParsesNameColonCommand) {
  auto pf = parse_procfile("web: python3 server.py\nworker: bash worker.sh\n");
  ASSERT_EQ(pf.types.size(), 2u);
  EXPECT_EQ(pf.types[0].name, "web");
  EXPECT_EQ(pf.types[0].command, "python3 server.py");
  EXPECT_EQ(pf.types[1].name, "worker");
  EXPECT_EQ(pf.types[1].command, "bash worker.sh");
  EXPECT_TRUE(pf.warnings.empty());
}

TEST(Procfile, ColonIsOptionalAndLeadingSpaceIsFine) {
  auto pf = parse_procfile("  web rails s -p $PORT\n");
  ASSERT_EQ(pf.types.size(), 1u);
  EXPECT_EQ(pf.types[0].name, "web");
  EXPECT_EQ(pf.types[0].command, "rails s -p $PORT");
}

TEST(Procfile, CrLfAndLoneCrAreNewlines) {
  auto pf = parse_procfile("web: a\r\nworker: b\rclock: c");
  ASSERT_EQ(pf.types.size(), 3u);
  EXPECT_EQ(pf.types[0].command, "a");
  EXPECT_EQ(pf.types[1].command, "b");
  EXPECT_EQ(pf.types[2].command, "c");
}

TEST(Procfile, TrailingWhitespaceIsTrimmed) {
  auto pf = parse_procfile("web: run it  \t\n");
  EXPECT_EQ(pf.types[0].command, "run it");
}

TEST(Procfile, SkippedLinesWarnWithFileAndLine) {
  auto pf = parse_procfile("# comment\n\nweb:rails s\n: cmd\nweb:\nworker: ok\n");
  ASSERT_EQ(pf.types.size(), 1u);
  EXPECT_EQ(pf.types[0].name, "worker");
  ASSERT_EQ(pf.warnings.size(), 3u);
  EXPECT_EQ(pf.warnings[0],
            "Procfile:3: ignored: the process type must be followed by ':' and a space");
  EXPECT_EQ(pf.warnings[1],
            "Procfile:4: ignored: a line must start with a process type name of "
            "letters, digits, '_' or '-'");
  EXPECT_EQ(pf.warnings[2], "Procfile:5: ignored: no command after the process type");
}

// PROC-3: the last definition wins, with a warning.
TEST(Procfile, DuplicateLastWinsWithWarning) {
  auto pf = parse_procfile("web: first\nworker: w\nweb: second\n");
  ASSERT_EQ(pf.types.size(), 2u);
  EXPECT_EQ(pf.types[0].name, "web");
  EXPECT_EQ(pf.types[0].command, "second");
  ASSERT_EQ(pf.warnings.size(), 1u);
  EXPECT_NE(pf.warnings[0].find("Procfile:3:"), std::string::npos);
  EXPECT_NE(pf.warnings[0].find("wins over line 1"), std::string::npos);
}

// PROC-4: classic names accepted, a warning when not CNB-valid.
TEST(Procfile, NonCnbNameWarns) {
  auto pf = parse_procfile("Web_Server: x\n");
  ASSERT_EQ(pf.types.size(), 1u);
  EXPECT_EQ(pf.types[0].name, "Web_Server");
  ASSERT_EQ(pf.warnings.size(), 1u);
  EXPECT_NE(pf.warnings[0].find("Cloud Native Buildpacks"), std::string::npos);
}

// PROC-8
TEST(Procfile, RunTypeWarns) {
  auto pf = parse_procfile("run: x\n");
  ASSERT_EQ(pf.warnings.size(), 1u);
  EXPECT_NE(pf.warnings[0].find("one-off"), std::string::npos);
}

// PROC-7: release is parsed (it runs per release) but formation code leaves it out.
TEST(Procfile, ReleaseIsParsed) {
  auto pf = parse_procfile("release: ./migrate\nweb: x\n");
  EXPECT_NE(pf.find("release"), nullptr);
}

TEST(Procfile, EmptyOrCommentOnlyIsAnError) {
  EXPECT_THROW(parse_procfile(""), InputError);
  EXPECT_THROW(parse_procfile("# nothing\n\n"), InputError);
  try {
    parse_procfile("web:\n", "app/Procfile");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(),
                 "app/Procfile: no process types defined (expected lines like 'web: command')");
  }
}

TEST(Procfile, BinaryIsAnError) {
  std::string bin(
      "\x7f"
      "ELF\0\0\x01",
      7);
  EXPECT_THROW(parse_procfile(bin), InputError);
}

}  // namespace
}  // namespace lokku::release
