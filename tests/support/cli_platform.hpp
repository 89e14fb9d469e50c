#pragma once
// A test with a live `lokku up` (time scale 10) running the pyweb fixture as app `web`, its
// web.1 up, and a user's shell whose `heroku` CLI talks to it: the set-up of every test of
// the official CLI's commands.

#include "support/platform.hpp"
#include "support/user_shell.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

namespace lokku::test {

class CliPlatformTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = h.deploy("web");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    router = free_port();
    up = h.up(router, {"--time-scale", "10"});
    ASSERT_TRUE(up->wait_for_diagnostic("Platform API on http://127.0.0.1:"));
    port = h.api_port();
    ASSERT_NE(port, 0u);
    shell = std::make_unique<UserShell>(h, port, h.root() / "user");
    ASSERT_TRUE(up->wait_for(R"(heroku\[web\.1\]: State changed from starting to up$)"));
  }

  /// `heroku ARGS` in `cwd` (default: the test's root).
  ShellResult heroku(const std::string& args, const std::filesystem::path& cwd = {}) const {
    return shell->run("heroku " + args, cwd.empty() ? h.root() : cwd);
  }

  LokkuHome h;
  unsigned router = 0, port = 0;
  std::unique_ptr<LokkuProcess> up;
  std::unique_ptr<UserShell> shell;
};

}  // namespace lokku::test
