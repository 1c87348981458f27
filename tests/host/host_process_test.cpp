// End to end: the real wno-host binary, real .so plugins, real HTTP over
// loopback, real signals.
#include "process_runner.h"
#include "prometheus_text.h"

#include <wno/common.h>

#include <Poco/Net/ServerSocket.h>
#include <wno/common.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <filesystem>
#include <thread>

#include <unistd.h>

namespace wno::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using nlohmann::json;

// A config using only fixture plugins, so these tests do not depend on the
// shipped plugins; `extra` is merged over it (JSON Merge Patch).
std::string fixtureConfig(int port, const json& extra = json::object()) {
  json config = {
      {"http", {{"host", "127.0.0.1"}, {"port", port}, {"access_log", true}, {"shutdown_grace_ms", 5000}}},
      {"log", {{"level", "info"}}},
      {"plugins",
       {{"directories", {WNO_FIXTURE_PLUGIN_DIR}}, {"load", {{{"name", "c_counter"}}, {{"name", "old_minor"}}}}}},
      {"health",
       {{"probes",
         {{{"name", "counter"}, {"type", "c_counter"}, {"interval_ms", 100}, {"required", true},
           {"config", {{"label", "e2e"}}}},
          {{"name", "old"}, {"type", "old_minor"}, {"interval_ms", 100}}}}}}};
  config.merge_patch(extra);
  static int counter = 0;
  return writeTempFile("config-" + std::to_string(++counter) + ".json", config.dump(2));
}

TEST(PrometheusText, TheCheckerRejectsMalformedExposition) {
  EXPECT_EQ(checkPrometheusText("# TYPE a counter\na{x=\"1\"} 2\n"), "");
  EXPECT_NE(checkPrometheusText("a 1\n"), "");                                // no TYPE
  EXPECT_NE(checkPrometheusText("# TYPE a counter\na{x=1} 2\n"), "");       // unquoted label
  EXPECT_NE(checkPrometheusText("# TYPE a counter\na two\n"), "");          // not a number
  EXPECT_NE(checkPrometheusText("# TYPE 1a counter\n"), "");                 // bad name
}

TEST(HostProcess, VersionAndHelp) {
  auto version = runHost({"--version"});
  EXPECT_EQ(version.exitCode, 0);
  EXPECT_THAT(version.out, HasSubstr("plugin ABI 1." + std::to_string(WNO_ABI_VERSION_MINOR)));
  auto help = runHost({"--help"});
  EXPECT_EQ(help.exitCode, 0);
  EXPECT_THAT(help.out, HasSubstr("--validate-config"));
  auto bad = runHost({"--bogus"});
  EXPECT_EQ(bad.exitCode, 1);
  EXPECT_THAT(bad.err, HasSubstr("unknown argument \"--bogus\""));
}

TEST(HostProcess, ValidateConfigAcceptsAGoodConfig) {
  auto result = runHost({"--config", fixtureConfig(freePort()), "--validate-config"});
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("config OK"));
}

TEST(HostProcess, ValidateConfigPrintsEveryErrorWithItsPointer) {
  const std::string file = writeTempFile("bad.json", R"({"http": {"prot": 1, "port": "eighty"}, "nope": true})");
  auto result = runHost({"--config", file, "--validate-config"});
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_THAT(result.err, HasSubstr("/http/prot"));
  EXPECT_THAT(result.err, HasSubstr("/http/port"));
  EXPECT_THAT(result.err, HasSubstr("/nope"));
}

TEST(HostProcess, MalformedJsonNamesFileAndLine) {
  const std::string file = writeTempFile("broken.json", "{\n  \"http\": {\n    \"port\": 80,,\n  }\n}\n");
  auto result = runHost({"--config", file, "--validate-config"});
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_THAT(result.err, HasSubstr("broken.json"));
  EXPECT_THAT(result.err, HasSubstr("line 3"));
}

TEST(HostProcess, SetOverridesAndOverlaysApplyInOrder) {
  const std::string overlay = writeTempFile("overlay.json", R"({"http": {"threads": 3}})");
  auto result = runHost({"--config", fixtureConfig(1234), "--config", overlay, "--set", "/http/port=4321",
                         "--print-config"});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  json effective = json::parse(result.out);
  EXPECT_EQ(effective["http"]["port"], 4321);
  EXPECT_EQ(effective["http"]["threads"], 3);
}

TEST(HostProcess, PrintConfigRedactsSecrets) {
  auto result = runHost({"--config", fixtureConfig(1234), "--set", "/admin/api_key=\"hunter2\"", "--print-config"});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  EXPECT_THAT(result.out, Not(HasSubstr("hunter2")));
  EXPECT_EQ(json::parse(result.out)["admin"]["api_key"], "***");
}

// The built-in default with its SQLite files in a temp folder instead of ./data.
std::vector<std::string> defaultWithTempState(const std::string& tag) {
  const std::string dir = std::filesystem::temp_directory_path() / ("wno-default-" + tag + "-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return {"--config", "@default", "--set", "/data/repositories/0/config/path=" + dir + "/wno.db",
          "--set", "/jobs/store/config/path=" + dir + "/jobs.db", "--set", "/health/probes/2/config/path=" + dir,
          "--set", "/health/probes/3/config/path=" + dir + "/wno.db", "--set", "/log/level=warn"};
}

// The issue's acceptance example: five lines add a plugin and a probe to the
// built-in default (named lists merge by key), and the host runs them.
TEST(HostProcess, AFiveLineOverlayAddsAPluginAndAProbeToTheDefault) {
  const int port = freePort();
  const std::string overlay = writeTempFile("five-lines.json", R"({
  "plugins": {"load": [{"name": "http_probe"}]},
  "health": {"probes": [{"name": "upstream", "type": "http", "interval_ms": 100,
                         "config": {"url": "http://127.0.0.1:)" + std::to_string(port) + R"(/livez"}}]}
})");
  auto args = defaultWithTempState("five");
  args.insert(args.end(), {"--config", overlay, "--set", "/http/port=" + std::to_string(port)});

  auto validate = args;
  validate.push_back("--validate-config");
  auto checked = runHost(validate);
  ASSERT_EQ(checked.exitCode, 0) << checked.err;
  EXPECT_THAT(checked.out, HasSubstr("8 plugin(s) loaded"));

  auto host = ChildProcess::start(WNO_HOST_BINARY, args);
  ASSERT_TRUE(waitReady(port, *host)) << host->err();
  json plugins = json::parse(httpRequest(port, "GET", "/admin/plugins").body)["plugins"];
  std::vector<std::string> names;
  for (const auto& p : plugins) names.push_back(p["name"]);
  EXPECT_THAT(names, ::testing::ElementsAre("memory_cache", "system_probes", "sqlite", "process_content",
                                            "send_notification", "verify_token_holdings", "compute_user_stats",
                                            "http_probe"));
  json probes;
  for (int i = 0; i < 100; ++i) {  // until the new probe has checked once
    probes = json::parse(httpRequest(port, "GET", "/health").body)["probes"];
    if (probes.size() == 5 && probes[4].value("status", "") == "up") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::vector<std::string> probeNames;
  for (const auto& p : probes) probeNames.push_back(p["name"]);
  EXPECT_THAT(probeNames, ::testing::ElementsAre("cpu", "memory", "disk", "sqlite", "upstream"));
  EXPECT_EQ(probes[4]["status"], "up") << probes.dump();
  host->signal(SIGTERM);
  EXPECT_EQ(host->wait(std::chrono::seconds(30)), 0);
}

// --validate-config creates and destroys each component with its own config,
// so a plugin's refusal is caught without starting (it used to say "config OK"),
// every one of them in one run, each at its JSON pointer.
TEST(HostProcess, ValidateConfigAsksEachPluginAboutItsOwnConfig) {
  const std::string overlay = writeTempFile("plugin-config-errors.json", R"({
  "plugins": {"load": [{"name": "http_probe"}]},
  "cache": {"levels": [{"name": "l1", "config": {"max_bytes": 12}}]},
  "health": {"probes": [{"name": "upstream", "type": "http", "config": {"url": "ftp://example.org/"}}]}
})");
  auto args = defaultWithTempState("validate");
  args.insert(args.end(), {"--config", overlay, "--validate-config"});
  auto result = runHost(args);
  EXPECT_EQ(result.exitCode, 1) << result.out << result.err;
  EXPECT_THAT(result.err, HasSubstr("invalid config (2 errors)"));
  EXPECT_THAT(result.err, HasSubstr("/cache/levels/0/config: cache \"memory\" refused its config: max_bytes: "
                                    "expected an integer >= 4096"));
  EXPECT_THAT(result.err, HasSubstr("/health/probes/4/config: health_probe \"http\" refused its config: "));
  EXPECT_THAT(result.err, HasSubstr("ftp://example.org/"));
  EXPECT_THAT(result.out, Not(HasSubstr("config OK")));
}

TEST(HostProcess, PrintConfigSourcesNamesWhereEachValueCameFrom) {
  const std::string overlay = writeTempFile("port.json", R"({"http": {"port": 9123}})");
  auto result = runHost({"--config", "@default", "--config", overlay, "--set", "/log/level=debug",
                         "--print-config=sources"});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  EXPECT_THAT(result.out, ::testing::ContainsRegex("/http/port = 9123 +<- " + overlay));
  EXPECT_THAT(result.out, ::testing::ContainsRegex("/http/host = \"127.0.0.1\" +<- @default"));
  EXPECT_THAT(result.out, ::testing::ContainsRegex("/log/level = \"debug\" +<- --set /log/level=debug"));
  EXPECT_THAT(result.out, ::testing::ContainsRegex("/http/max_connections = 10000 +<- schema default"));
}

TEST(HostProcess, NoConfigRunsTheBuiltInDefault) {
  auto result = runHost({"--print-config"});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  json effective = json::parse(result.out);
  EXPECT_EQ(effective["plugins"]["load"].size(), 7u);
  EXPECT_TRUE(effective["data"]["collections"].contains("token_holdings"));
}

struct RefusalCase {
  std::string plugin;
  std::string reason;
};

void PrintTo(const RefusalCase& c, std::ostream* os) { *os << c.plugin; }

class RefusedPlugin : public ::testing::TestWithParam<RefusalCase> {};

// A required plugin that cannot be used stops the host with exit 2 and one
// line naming the file, the reason and the fix; it never crashes.
TEST_P(RefusedPlugin, ExitsTwoWithFileReasonAndFix) {
  const auto& c = GetParam();
  const std::string config = fixtureConfig(freePort(), {{"plugins", {{"load", {{{"name", c.plugin}}}}}},
                                                         {"health", {{"probes", json::array()}}}});
  auto result = runHost({"--config", config});
  EXPECT_EQ(result.exitCode, 2) << result.err;
  EXPECT_THAT(result.err, HasSubstr("plugin refused: "));
  EXPECT_THAT(result.err, HasSubstr("wno_" + c.plugin + ".so"));
  EXPECT_THAT(result.err, HasSubstr(c.reason));
  EXPECT_THAT(result.err, HasSubstr("; fix: "));
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, RefusedPlugin,
    ::testing::Values(RefusalCase{"no_entry", "not a wno plugin: it does not export wno_plugin_entry_v1"},
                      RefusalCase{"not_a_library", "cannot load library"},
                      RefusalCase{"major_v2", "ABI major differs"},
                      RefusalCase{"major_mismatch", "ABI major differs"},
                      RefusalCase{"minor_too_new", "needs a newer minor: it targets ABI 1.99, this host provides 1." +
                                                    std::to_string(WNO_ABI_VERSION_MINOR)},
                      RefusalCase{"init_fails", "init failed: missing required config key api_url"},
                      RefusalCase{"throws", "threw from on_load: boom"},
                      RefusalCase{"missing_hook", "lacks required hooks: on_check"},
                      RefusalCase{"absent", "file not found"}),
    [](const auto& info) { return info.param.plugin; });

TEST(HostProcess, DuplicateComponentIsRefused) {
  const std::string config =
      fixtureConfig(freePort(), {{"plugins", {{"load", {{{"name", "dup_a"}}, {{"name", "dup_b"}}}}}},
                                 {"health", {{"probes", json::array()}}}});
  auto result = runHost({"--config", config});
  EXPECT_EQ(result.exitCode, 2);
  EXPECT_THAT(result.err, HasSubstr("wno_dup_b.so: duplicate component health_probe \"shared_name\""));
}

TEST(HostProcess, ListPluginsShowsLoadedAndRefused) {
  const std::string config = fixtureConfig(
      freePort(),
      {{"plugins", {{"load", {{{"name", "c_counter"}}, {{"name", "init_fails"}, {"required", false}}}}}},
       {"health", {{"probes", json::array()}}}});
  auto result = runHost({"--config", config, "--list-plugins"});
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("health_probe:c_counter"));
  EXPECT_THAT(result.out, HasSubstr("plugin refused: "));
  EXPECT_THAT(result.out, HasSubstr("init failed"));
}

TEST(HostProcess, ComponentConfigRejectedNamesItsPointer) {
  const std::string config = fixtureConfig(
      freePort(),
      {{"health", {{"probes", {{{"name", "c"}, {"type", "c_counter"}, {"config", {{"label", "reject"}}}}}}}}});
  auto result = runHost({"--config", config});
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_THAT(result.err, HasSubstr("/health/probes/0/config"));
  EXPECT_THAT(result.err, HasSubstr("label \"reject\" is not allowed"));
}

TEST(HostProcess, UnknownComponentReferenceNamesItsPointer) {
  const std::string config =
      fixtureConfig(freePort(), {{"health", {{"probes", {{{"name", "x"}, {"type", "nope"}}}}}}});
  auto result = runHost({"--config", config, "--validate-config"});
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_THAT(result.err, HasSubstr("/health/probes/0/type: no health_probe component named \"nope\""));
}

TEST(HostProcess, PortInUseExitsThree) {
  Poco::Net::ServerSocket taken(Poco::Net::SocketAddress("127.0.0.1", 0));
  auto result = runHost({"--config", fixtureConfig(taken.address().port())});
  EXPECT_EQ(result.exitCode, 3);
  EXPECT_THAT(result.err, HasSubstr("cannot listen on 127.0.0.1:" + std::to_string(taken.address().port())));
}

class RunningHost : public ::testing::Test {
 protected:
  void start(const json& extra = json::object()) {
    port = freePort();
    host = ChildProcess::start(WNO_HOST_BINARY, {"--config", fixtureConfig(port, extra)});
    ASSERT_TRUE(waitReady(port, *host)) << host->err();
  }
  void TearDown() override {
    if (host && host->running()) {
      host->signal(SIGTERM);
      host->wait(std::chrono::seconds(20));
    }
  }
  int port = 0;
  std::unique_ptr<ChildProcess> host;
};

TEST_F(RunningHost, ServesHealthEndpointsAndPluginsThenDrainsOnSigterm) {
  start();
  auto livez = httpRequest(port, "GET", "/livez");
  EXPECT_EQ(livez.status, 200);
  EXPECT_EQ(json::parse(livez.body)["status"], "alive");
  EXPECT_THAT(httpRequest(port, "GET", "/livez?verbose").body, HasSubstr("livez check passed"));
  EXPECT_THAT(httpRequest(port, "GET", "/readyz?verbose").body, HasSubstr("readyz check passed"));

  auto health = json::parse(httpRequest(port, "GET", "/health").body);
  EXPECT_EQ(health["status"], "up");
  ASSERT_EQ(health["probes"].size(), 2u);
  EXPECT_EQ(health["probes"][0]["name"], "counter");
  EXPECT_EQ(health["probes"][0]["details"]["language"], "c");
  EXPECT_GE(health["probes"][0]["details"]["checks"].get<int>(), 1);
  EXPECT_TRUE(health["probes"][0]["age_ms"].is_number_unsigned()) << health["probes"][0].dump();
  EXPECT_EQ(health["probes"][1]["load"], 0.25);

  auto metrics = httpRequest(port, "GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_THAT(metrics.contentType, HasSubstr("text/plain"));
  EXPECT_THAT(metrics.body, HasSubstr("c_counter_checks_total"));
  EXPECT_THAT(metrics.body, HasSubstr("wno_http_requests_total{"));
  EXPECT_THAT(metrics.body, HasSubstr("wno_probe_status{probe=\"counter\"} 0"));
  EXPECT_EQ(checkPrometheusText(metrics.body), "");

  auto plugins = httpRequest(port, "GET", "/admin/plugins");
  ASSERT_EQ(plugins.status, 200);
  auto list = json::parse(plugins.body)["plugins"];
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["name"], "c_counter");
  EXPECT_EQ(list[0]["abi"], "1." + std::to_string(WNO_ABI_VERSION_MINOR));
  EXPECT_EQ(list[0]["components"][0]["kind"], "health_probe");
  EXPECT_THAT(list[0]["path"].get<std::string>(), HasSubstr("wno_c_counter.so"));
  EXPECT_EQ(list[1]["name"], "old_minor");
  EXPECT_EQ(list[1]["abi"], "1.0") << "a plugin built against the frozen 1.0 headers still loads";

  host->signal(SIGTERM);
  EXPECT_EQ(host->wait(std::chrono::seconds(20)), 0);
  EXPECT_THAT(host->err(), HasSubstr("termination requested"));
  EXPECT_THAT(host->err(), HasSubstr("\"msg\":\"stopped\""));
  // The access log is one JSON object per line.
  EXPECT_THAT(host->err(), HasSubstr("\"component\":\"access\""));
}

TEST_F(RunningHost, AHungProbeNeverBlocksHealthReads) {
  start({{"plugins", {{"load", {{{"name", "c_counter"}}, {{"name", "old_minor"}}, {{"name", "slow_probe"}}}}}},
         {"health", {{"probes", {{{"name", "counter"}, {"type", "c_counter"}, {"interval_ms", 100}, {"required", true}},
                                 {{"name", "stuck"}, {"type", "slow"}, {"interval_ms", 100}, {"timeout_ms", 50}}}}}}});
  // The stuck probe's check sleeps 30 s; every read answers meanwhile and
  // shows it as timed out, without waiting for it.
  json stuck;
  for (int i = 0; i < 100; ++i) {
    auto health = json::parse(httpRequest(port, "GET", "/health").body);
    stuck = health["probes"][1];
    if (stuck.value("timed_out", false)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(stuck["status"], "down");
  EXPECT_THAT(stuck["message"].get<std::string>(), HasSubstr("timed out after 50 ms"));
  // An optional probe down degrades the host but keeps it ready.
  EXPECT_EQ(json::parse(httpRequest(port, "GET", "/health").body)["status"], "degraded");
  EXPECT_EQ(httpRequest(port, "GET", "/readyz").status, 200);
}

TEST_F(RunningHost, ErrorsAreProblemJson) {
  start();
  auto notFound = httpRequest(port, "GET", "/no/such/route");
  EXPECT_EQ(notFound.status, 404);
  EXPECT_EQ(notFound.contentType, "application/problem+json");
  auto problem = json::parse(notFound.body);
  EXPECT_EQ(problem["status"], 404);
  EXPECT_EQ(problem["instance"], "/no/such/route");
  EXPECT_FALSE(problem["request_id"].get<std::string>().empty());

  auto wrongMethod = httpRequest(port, "DELETE", "/livez");
  EXPECT_EQ(wrongMethod.status, 405);
  EXPECT_EQ(wrongMethod.header("Allow"), "GET");

  auto malformed = httpRequest(port, "POST", "/admin/cache/invalidate", "{\"tags\": [");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_THAT(json::parse(malformed.body)["detail"].get<std::string>(), HasSubstr("malformed JSON"));

  auto unknownField = httpRequest(port, "POST", "/admin/cache/invalidate", R"({"tags":["a"],"tagz":[]})");
  EXPECT_EQ(unknownField.status, 400);
  EXPECT_EQ(json::parse(unknownField.body)["parameter"], "tagz");

  auto ok = httpRequest(port, "POST", "/admin/cache/invalidate", R"({"tags":["a"]})");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(json::parse(ok.body)["invalidated"], 0);

  // The host keeps answering after all of that.
  EXPECT_EQ(httpRequest(port, "GET", "/livez").status, 200);
}

TEST_F(RunningHost, OversizedBodyIs413AndTheHostStaysUp) {
  start({{"http", {{"max_body_bytes", 1024}}}});
  auto big = httpRequest(port, "POST", "/admin/cache/invalidate", std::string(4096, 'x'));
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(json::parse(big.body)["limit_bytes"], 1024);
  EXPECT_EQ(httpRequest(port, "GET", "/livez").status, 200);
}

TEST_F(RunningHost, AdminNeedsTheBearerKeyWhenOneIsConfigured) {
  start({{"admin", {{"api_key", "s3cret-key"}}}});
  auto none = httpRequest(port, "GET", "/admin/plugins");
  EXPECT_EQ(none.status, 401);
  EXPECT_THAT(none.header("WWW-Authenticate"), HasSubstr("Bearer"));
  EXPECT_EQ(httpRequest(port, "GET", "/admin/plugins", "", {{"Authorization", "Bearer wrong"}}).status, 401);
  EXPECT_EQ(httpRequest(port, "GET", "/admin/plugins", "", {{"Authorization", "Bearer s3cret-key"}}).status, 200);
  // Health endpoints never need the key.
  EXPECT_EQ(httpRequest(port, "GET", "/health").status, 200);
}

TEST_F(RunningHost, OptionalRefusedPluginIsReportedButDoesNotStopTheHost) {
  start({{"plugins",
          {{"load", {{{"name", "c_counter"}}, {{"name", "old_minor"}}, {{"name", "init_fails"}, {"required", false}}}}}}});
  auto plugins = json::parse(httpRequest(port, "GET", "/admin/plugins").body);
  ASSERT_EQ(plugins["refused"].size(), 1u);
  EXPECT_EQ(plugins["refused"][0]["name"], "init_fails");
  EXPECT_THAT(plugins["refused"][0]["reason"].get<std::string>(), HasSubstr("missing required config key api_url"));
}

}  // namespace
}  // namespace wno::test
