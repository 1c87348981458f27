// The `http` probe of wno_http_probe.so against a local HTTP server: up on
// the expected status, degraded when slow, down on a wrong status or body,
// a refused connection or a reply that comes after the timeout; headers and
// Basic credentials from the URL reach the server; the URL in the details
// never shows the credentials.
#include "fake_http_server.h"
#include "probe_harness.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace wno::test {
namespace {

using ::testing::HasSubstr;
using testing::answer;
using testing::FakeHttpServer;

class HttpProbeTest : public ::testing::Test {
 protected:
  std::unique_ptr<host::HealthProbeInstance> probe(nlohmann::json config) {
    auto p = harness_.create("http", config);
    if (!p.isOk()) throw std::runtime_error(p.status().message());
    return std::move(p).value();
  }
  ProbeHarness harness_{"http_probe"};
  FakeHttpServer server_;
};

TEST_F(HttpProbeTest, UpOnTheExpectedStatusAndBody) {
  server_.reply(answer(200, R"({"status":"alive"})"));
  auto p = probe({{"url", server_.url("/livez?deep=1")}, {"expect_body", "alive"}, {"headers", {{"X-Probe", "wno"}}}});
  auto r = ProbeHarness::check(*p);
  ASSERT_EQ(r.status, WNO_OK) << r.error;
  EXPECT_EQ(r.health, WNO_HEALTH_UP) << r.message;
  EXPECT_THAT(r.message, HasSubstr("200 in"));
  EXPECT_EQ(r.details["status_code"], 200);
  EXPECT_EQ(r.details["method"], "GET");
  ASSERT_EQ(server_.requestCount(), 1u);
  const auto request = server_.requests()[0];
  EXPECT_EQ(request.uri, "/livez?deep=1");
  EXPECT_EQ(request.header("X-Probe"), "wno");
  EXPECT_THAT(request.header("User-Agent"), HasSubstr("wno-health-probe"));

  // HEAD and a listed status other than 2xx.
  server_.reply(answer(301, ""));
  auto head = probe({{"url", server_.url("/")}, {"method", "HEAD"}, {"expect_status", {301, 302}}});
  EXPECT_EQ(ProbeHarness::check(*head).health, WNO_HEALTH_UP);
  EXPECT_EQ(server_.requests().back().method, "HEAD");
}

TEST_F(HttpProbeTest, DegradedWhenSlowerThanTheThreshold) {
  server_.reply(answer(200, "ok", 300));
  auto p = probe({{"url", server_.url("/slow")}, {"degraded_above_ms", 50}});
  auto r = ProbeHarness::check(*p, 5000);
  EXPECT_EQ(r.health, WNO_HEALTH_DEGRADED) << r.message;
  EXPECT_THAT(r.message, HasSubstr("slow: 200 in"));
  EXPECT_GE(r.details["latency_ms"].get<double>(), 300);
}

TEST_F(HttpProbeTest, DownOnWrongStatusWrongBodyRefusedOrTimedOut) {
  server_.reply(answer(503, "maintenance"));
  auto p = probe({{"url", server_.url("/")}});
  auto r = ProbeHarness::check(*p);
  EXPECT_EQ(r.health, WNO_HEALTH_DOWN);
  EXPECT_THAT(r.message, HasSubstr("unexpected status 503"));
  EXPECT_EQ(r.details["status_code"], 503);

  server_.reply(answer(200, "starting"));
  auto body = probe({{"url", server_.url("/")}, {"expect_body", "alive"}});
  EXPECT_THAT(ProbeHarness::check(*body).message, HasSubstr("lacks \"alive\""));

  auto refused = probe({{"url", "http://127.0.0.1:" + std::to_string(testing::closedPort()) + "/"}});
  r = ProbeHarness::check(*refused);
  EXPECT_EQ(r.health, WNO_HEALTH_DOWN);
  EXPECT_THAT(r.message, HasSubstr("refused"));

  server_.reply(answer(200, "late", 3000));
  auto slow = probe({{"url", server_.url("/hang")}});
  r = ProbeHarness::check(*slow, 200);
  EXPECT_EQ(r.health, WNO_HEALTH_DOWN);
  EXPECT_EQ(r.message, "timed out after 200 ms");
}

TEST_F(HttpProbeTest, CredentialsFromTheUrlAreSentButNeverShown) {
  server_.reply(answer(200, "ok"));
  auto p = probe({{"url", "http://probe:s3cret@127.0.0.1:" + std::to_string(server_.port()) + "/private?token=abc"}});
  auto r = ProbeHarness::check(*p);
  EXPECT_EQ(r.health, WNO_HEALTH_UP);
  EXPECT_EQ(server_.requests().back().header("Authorization"), "Basic cHJvYmU6czNjcmV0");  // probe:s3cret
  EXPECT_EQ(r.details["url"], "http://127.0.0.1:" + std::to_string(server_.port()) + "/private");
  EXPECT_EQ(r.details.dump().find("s3cret"), std::string::npos);
}

TEST_F(HttpProbeTest, BadConfigIsRefusedWithTheKey) {
  auto check = [&](const nlohmann::json& config, const std::string& expected) {
    auto p = harness_.create("http", config);
    ASSERT_FALSE(p.isOk()) << config.dump();
    EXPECT_EQ(p.status().code(), WNO_ERR_INVALID);
    EXPECT_THAT(p.status().message(), HasSubstr(expected));
  };
  check(nlohmann::json::object(), "url: expected an http:// or https:// URL");
  check({{"url", "ftp://example.com/"}}, "url: expected an http:// or https:// URL");
  check({{"url", "http://x/"}, {"expect_status", 999}}, "expect_status");
  check({{"url", "http://x/"}, {"method", "POST"}}, "method: expected GET or HEAD");
  check({{"url", "http://x/"}, {"timeout", 5}}, "unknown config key \"timeout\"");
}

}  // namespace
}  // namespace wno::test

// HTTPS against a local server with a self-signed certificate made for the
// test: refused while the certificate is verified, up when verification is
// turned off for this probe.
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>

#include <filesystem>

namespace wno::test {
namespace {

class Alive : public Poco::Net::HTTPRequestHandler {
 public:
  void handleRequest(Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse& response) override {
    response.setContentLength(5);
    response.send() << "alive";
  }
};
class AliveFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override { return new Alive; }
};

TEST(HttpProbeTls, SelfSignedCertificateIsRefusedUnlessVerificationIsOff) {
  const auto dir = std::filesystem::temp_directory_path() / ("wno-http-tls-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string key = (dir / "key.pem").string(), cert = (dir / "cert.pem").string();
  ASSERT_EQ(std::system(("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -keyout " + key +
                         " -out " + cert + " > /dev/null 2>&1")
                            .c_str()),
            0);
  Poco::Net::initializeSSL();
  {
    Poco::Net::Context::Ptr context =
        new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, key, cert, "", Poco::Net::Context::VERIFY_NONE);
    Poco::Net::SecureServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0), 64, context);
    const std::string url = "https://127.0.0.1:" + std::to_string(socket.address().port()) + "/livez";
    Poco::Net::HTTPServer server(new AliveFactory, socket, new Poco::Net::HTTPServerParams);
    server.start();

    ProbeHarness harness("http_probe");
    auto verified = harness.create("http", {{"url", url}});
    ASSERT_TRUE(verified.isOk());
    auto r = ProbeHarness::check(*verified.value());
    EXPECT_EQ(r.health, WNO_HEALTH_DOWN) << r.message;
    EXPECT_THAT(r.message, ::testing::ContainsRegex("[Cc]ertificate")) << "refused for its certificate";

    auto unverified = harness.create("http", {{"url", url}, {"tls_verify", false}, {"expect_body", "alive"}});
    ASSERT_TRUE(unverified.isOk());
    r = ProbeHarness::check(*unverified.value());
    EXPECT_EQ(r.health, WNO_HEALTH_UP) << r.message;
    EXPECT_EQ(r.details["status_code"], 200);
    server.stopAll(true);
  }
  Poco::Net::uninitializeSSL();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace wno::test
