#include "app/cli.h"

#include <gtest/gtest.h>

namespace wno::host {
namespace {

TEST(Cli, RepeatableConfigAndSetInBothSyntaxes) {
  auto o = parseCommandLine({"--config", "a.json", "--config=b.json", "-c", "c.json", "--set", "/http/port=9000",
                             "--set=/log/level=\"debug\""});
  ASSERT_TRUE(o.error.empty()) << o.error;
  EXPECT_EQ(o.configFiles, (std::vector<std::string>{"a.json", "b.json", "c.json"}));
  EXPECT_EQ(o.overrides, (std::vector<std::string>{"/http/port=9000", "/log/level=\"debug\""}));
}

TEST(Cli, Flags) {
  auto o = parseCommandLine({"--validate-config", "--print-config", "--list-plugins", "--help", "--version",
                             "--print-openapi"});
  EXPECT_TRUE(o.validateOnly && o.printConfig && o.listPlugins && o.help && o.version && o.printOpenApi);
}

TEST(Cli, MissingValueAndUnknownArgumentAreErrors) {
  EXPECT_EQ(parseCommandLine({"--config"}).error, "--config needs a value");
  EXPECT_NE(parseCommandLine({"--frobnicate"}).error.find("unknown argument \"--frobnicate\""), std::string::npos);
}

}  // namespace
}  // namespace wno::host
