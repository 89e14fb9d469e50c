#include "release/dotenv.hpp"

#include "release/error.hpp"

#include <gtest/gtest.h>

namespace lokku::release {
namespace {

// The .env dialect of CONVENTIONS.md, one rule per test.
ConfigVars parse(std::string_view text, EnvLookup outside = {}) {
  ConfigVars vars;
  parse_dotenv(text, ".env", vars, outside);
  return vars;
}

std::string error_of(std::string_view text) {
  try {
    parse(text);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Dotenv, KeyEqualsValue) {
  auto v = parse("A=1\nB=two words\n");
  EXPECT_EQ(v.at("A"), "1");
  EXPECT_EQ(v.at("B"), "two words");
}

TEST(Dotenv, ExportPrefixIsOptional) {
  EXPECT_EQ(parse("export A=1").at("A"), "1");
}

TEST(Dotenv, BlankAndCommentLinesAreSkipped) {
  auto v = parse("\n   \n# a comment\n  # indented comment\nA=1\n");
  EXPECT_EQ(v.size(), 1u);
}

TEST(Dotenv, SpaceHashStartsCommentAfterUnquotedValue) {
  auto v = parse("A=value # comment\nB=a#b\nC=x\t# tab comment\n");
  EXPECT_EQ(v.at("A"), "value");
  EXPECT_EQ(v.at("B"), "a#b");
  EXPECT_EQ(v.at("C"), "x");
}

TEST(Dotenv, SingleQuotesAreLiteral) {
  auto v = parse("A='${HOME} \\n # not a comment'  # comment\n");
  EXPECT_EQ(v.at("A"), "${HOME} \\n # not a comment");
}

TEST(Dotenv, DoubleQuotesHaveEscapes) {
  auto v = parse(R"(A="line1\nline2\ttab \"q\" back\\slash")");
  EXPECT_EQ(v.at("A"), "line1\nline2\ttab \"q\" back\\slash");
}

TEST(Dotenv, DoubleQuotesSpanLines) {
  auto v = parse("KEY=\"-----BEGIN-----\nabc\n-----END-----\"\nNEXT=1\n");
  EXPECT_EQ(v.at("KEY"), "-----BEGIN-----\nabc\n-----END-----");
  EXPECT_EQ(v.at("NEXT"), "1");
}

TEST(Dotenv, ExpandsFromEarlierLinesThenEnvironment) {
  auto outside = [](const std::string& name) -> std::optional<std::string> {
    if (name == "USER") {
      return "alice";
    }
    return std::nullopt;
  };
  auto v = parse(
      "HOST=db\nURL=postgres://${USER}@${HOST}/x\nQ=\"${HOST}:5432\"\nS='${HOST}'\n"
      "MISSING=[${NOPE}]\n",
      outside);
  EXPECT_EQ(v.at("URL"), "postgres://alice@db/x");
  EXPECT_EQ(v.at("Q"), "db:5432");
  EXPECT_EQ(v.at("S"), "${HOST}");
  EXPECT_EQ(v.at("MISSING"), "[]");
}

TEST(Dotenv, LaterLinesWin) {
  EXPECT_EQ(parse("A=1\nA=2\n").at("A"), "2");
}

TEST(Dotenv, EmptyValue) {
  EXPECT_EQ(parse("A=\n").at("A"), "");
  EXPECT_EQ(parse("A=\"\"\n").at("A"), "");
}

TEST(Dotenv, CrLfLineEndings) {
  auto v = parse("A=1\r\nB=\"x\"\r\n");
  EXPECT_EQ(v.at("A"), "1");
  EXPECT_EQ(v.at("B"), "x");
}

TEST(Dotenv, BadLinesNameFileAndLine) {
  EXPECT_EQ(error_of("A=1\nthis is not an assignment\n"),
            ".env:2: expected '=' right after 'this'");
  EXPECT_EQ(error_of("A=1\n\n=value\n"),
            ".env:3: expected KEY=VALUE (a key is letters, digits and '_', not starting with a "
            "digit)");
  EXPECT_EQ(error_of("KEY = value\n"), ".env:1: expected '=' right after 'KEY'");
  EXPECT_EQ(error_of("A=1\nB=\"never closed\nC=3\n"), ".env:2: double quote is never closed");
  EXPECT_EQ(error_of("A='open\n"), ".env:1: single quote is never closed on this line");
  EXPECT_EQ(error_of("A=\"x\" trailing\n"), ".env:1: unexpected text after the closing quote");
  EXPECT_EQ(error_of("A=${BROKEN\n"), ".env:1: '${' without a closing '}'");
}

TEST(Dotenv, BinaryIsAnError) {
  EXPECT_NE(error_of(std::string("A=\0", 3)).find("binary"), std::string::npos);
}

}  // namespace
}  // namespace lokku::release
