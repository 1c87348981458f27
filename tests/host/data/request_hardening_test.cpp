// Hostile request input over real HTTP, each answered with a 400 naming what
// was wrong while the host keeps serving. Before the fixes: a 200 KB body of
// nested arrays killed the process (stack overflow serializing it), a number
// beyond double range and a non-UTF-8 filter value were HTTP 500.
#include "../process_runner.h"
#include "app/host_runtime.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

namespace wno::host {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;
using test::httpRequest;

class RequestHardeningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("wno-hardening-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    json config = {
        {"http", {{"port", 0}, {"access_log", false}}},
        {"log", {{"level", "error"}}},
        {"plugins", {{"directories", {WNO_TEST_PLUGIN_DIR}}, {"load", {{{"name", "sqlite"}}}}}},
        {"data",
         {{"repositories", {{{"type", "sqlite"}, {"config", {{"path", (dir_ / "h.db").string()}}}}}},
          {"collections",
           {{"notes",
             {{"fields", {{"title", {{"type", "text"}}}, {"doc", {{"type", "json"}}}}},
              {"filterable", {"title"}},
              {"operations", {"list", "get", "create"}}}}}}}}};
    runtime_ = std::make_unique<HostRuntime>(config, WNO_TEST_BINARY_DIR);
    ASSERT_TRUE(runtime_->loadPlugins().isOk());
    Status s = runtime_->createComponents();
    ASSERT_TRUE(s.isOk()) << s.message();
    ASSERT_TRUE(runtime_->startHttp().isOk());
    port_ = runtime_->port();
  }
  void TearDown() override {
    runtime_.reset();
    std::filesystem::remove_all(dir_);
  }
  void expectStillServing() {
    auto created = httpRequest(port_, "POST", "/api/v1/notes", R"({"title":"after","doc":{"ok":true}})");
    EXPECT_EQ(created.status, 201) << created.body;
  }
  std::filesystem::path dir_;
  std::unique_ptr<HostRuntime> runtime_;
  int port_ = 0;
};

TEST_F(RequestHardeningTest, DeeplyNestedBodyIs400AndTheHostLives) {
  const std::string deep = "{\"title\":\"t\",\"doc\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  auto r = httpRequest(port_, "POST", "/api/v1/notes", deep);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.contentType, "application/problem+json");
  EXPECT_THAT(r.body, HasSubstr("nesting deeper than 64 levels"));
  expectStillServing();
}

TEST_F(RequestHardeningTest, NumberBeyondDoubleRangeIs400) {
  auto r = httpRequest(port_, "POST", "/api/v1/notes", R"({"title":"t","doc":{"n":1e999}})");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_THAT(r.body, HasSubstr("number overflow"));
  expectStillServing();
}

TEST_F(RequestHardeningTest, FilterValueThatIsNotUtf8Is400NamingTheParameter) {
  auto r = httpRequest(port_, "GET", "/api/v1/notes?title=ab%FFcd");
  EXPECT_EQ(r.status, 400) << r.body;
  const json problem = json::parse(r.body);
  EXPECT_EQ(problem["parameter"], "title");
  EXPECT_THAT(problem["detail"].get<std::string>(), HasSubstr("expected UTF-8 text"));
  EXPECT_EQ(httpRequest(port_, "GET", "/api/v1/notes?title=caf%C3%A9").status, 200);
}

}  // namespace
}  // namespace wno::host
