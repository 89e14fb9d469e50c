#include "dyno/dyno_env.hpp"

#include <gtest/gtest.h>

namespace lokku::dyno {
namespace {

// dynos.md ENV-3/4/5/6 and CONVENTIONS.md, Processes: built from scratch.
TEST(DynoEnv, BuiltFromConfigAndPlatformOnly) {
  release::ConfigVars config{{"GREETING", "hi"}};
  auto env = dyno_environment(config, {"web.1", 41234, "/srv/app"});
  EXPECT_EQ(env.at("GREETING"), "hi");
  EXPECT_EQ(env.at("PORT"), "41234");
  EXPECT_EQ(env.at("DYNO"), "web.1");
  EXPECT_EQ(env.at("HOME"), "/srv/app");
  EXPECT_EQ(env.at("PATH"), "/usr/local/bin:/usr/bin:/bin");
  EXPECT_EQ(env.size(), 6u);  // + LANG; nothing else
}

// ENV-6: the platform's PORT and DYNO win over config vars of the same name.
TEST(DynoEnv, PlatformValuesWin) {
  release::ConfigVars config{{"PORT", "1"}, {"DYNO", "x"}, {"PATH", "/opt/bin"}};
  auto env = dyno_environment(config, {"worker.2", 5555, "/a"});
  EXPECT_EQ(env.at("PORT"), "5555");
  EXPECT_EQ(env.at("DYNO"), "worker.2");
  EXPECT_EQ(env.at("PATH"), "/opt/bin");  // a config var may change PATH
}

// STATE-2: config var references expanded in the log line.
TEST(DynoEnv, ExpandForDisplay) {
  release::ConfigVars env{{"PORT", "24405"}, {"MODE", "prod"}};
  EXPECT_EQ(expand_for_display("bundle exec rackup -p $PORT", env), "bundle exec rackup -p 24405");
  EXPECT_EQ(expand_for_display("run ${MODE}-$MODE $UNSET.", env), "run prod-prod .");
  EXPECT_EQ(expand_for_display("echo '$PORT' \\$PORT $", env), "echo '$PORT' \\$PORT $");
}

// ENV-9: .profile.d then .profile, then the command, in one bash.
TEST(DynoEnv, LaunchScriptSourcesProfilesThenRunsCommand) {
  auto s = launch_script("python3 app.py && echo done");
  auto profile_d = s.find(".profile.d/*.sh");
  auto profile = s.find(". ./.profile");
  auto command = s.find("python3 app.py && echo done");
  ASSERT_NE(profile_d, std::string::npos);
  ASSERT_NE(profile, std::string::npos);
  ASSERT_NE(command, std::string::npos);
  EXPECT_LT(profile_d, profile);
  EXPECT_LT(profile, command);
}

}  // namespace
}  // namespace lokku::dyno
