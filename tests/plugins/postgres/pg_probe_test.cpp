// The `postgres` probe of wno_postgres.so against a throwaway PostgreSQL:
// latency and connection figures, connections used as the load signal (and
// degraded near max_connections), down when the server is stopped, and a
// server that accepts but never answers costs the probe's timeout only.
#include "postgres_server.h"
#include "probe_harness.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>

#include <chrono>

namespace wno::test {
namespace {

using ::testing::HasSubstr;

class PostgresProbeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new PostgresServer(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  std::unique_ptr<host::HealthProbeInstance> probe(nlohmann::json config) {
    auto p = harness_.create("postgres", config);
    if (!p.isOk()) throw std::runtime_error(p.status().message());
    return std::move(p).value();
  }

  static PostgresServer* server_;
  ProbeHarness harness_{"postgres"};
};
PostgresServer* PostgresProbeTest::server_ = nullptr;

TEST_F(PostgresProbeTest, UpWithLatencyAndConnectionsAsTheLoadSignal) {
  auto p = probe({{"url", server_->url()}});
  auto r = ProbeHarness::check(*p);
  ASSERT_EQ(r.status, WNO_OK) << r.error;
  EXPECT_EQ(r.health, WNO_HEALTH_UP) << r.message;
  EXPECT_THAT(r.message, HasSubstr("SELECT 1 in"));
  EXPECT_EQ(r.details["max_connections"], 200);  // as the test server is started
  EXPECT_GE(r.details["connections_used"].get<int>(), 1);  // the probe's own
  EXPECT_EQ(r.details["host"], "127.0.0.1");
  EXPECT_EQ(r.details["database"], "postgres");
  EXPECT_FALSE(r.details["in_recovery"].get<bool>());
  EXPECT_FALSE(r.details.dump().find("postgresql://") != std::string::npos) << "the URL is never shown";
  const double idleLoad = r.load;
  EXPECT_GT(idleLoad, 0);

  // Thirty clients more: the load signal rises with them, and past the
  // threshold the server is degraded (it will soon refuse every host).
  std::vector<PGconn*> clients;
  for (int i = 0; i < 30; ++i) {
    clients.push_back(PQconnectdb(server_->url().c_str()));
    ASSERT_EQ(PQstatus(clients.back()), CONNECTION_OK);
  }
  r = ProbeHarness::check(*p);
  EXPECT_GE(r.details["connections_used"].get<int>(), 31);
  EXPECT_NEAR(r.load, r.details["connections_used"].get<double>() / (200 - 3), 1e-9);
  EXPECT_GT(r.load, idleLoad);
  auto strict = probe({{"url", server_->url()}, {"degraded_connections_above", 0.1}});
  auto d = ProbeHarness::check(*strict);
  EXPECT_EQ(d.health, WNO_HEALTH_DEGRADED);
  EXPECT_THAT(d.message, HasSubstr("connections nearly exhausted"));
  for (auto* c : clients) PQfinish(c);
}

TEST_F(PostgresProbeTest, DownWhileTheServerIsStoppedAndUpWhenItIsBack) {
  auto p = probe({{"url", server_->url()}});
  ASSERT_EQ(ProbeHarness::check(*p).health, WNO_HEALTH_UP);
  server_->stop();
  auto r = ProbeHarness::check(*p);
  EXPECT_EQ(r.health, WNO_HEALTH_DOWN);
  EXPECT_THAT(r.message, HasSubstr("127.0.0.1"));  // libpq names what it could not reach
  server_->start();
  EXPECT_EQ(ProbeHarness::check(*p).health, WNO_HEALTH_UP);
}

TEST_F(PostgresProbeTest, AServerThatNeverAnswersCostsTheTimeout) {
  // Accepts the TCP connection (the kernel does) and never says a word.
  Poco::Net::ServerSocket silent(Poco::Net::SocketAddress("127.0.0.1", 0));
  const std::string url = "postgresql://postgres@127.0.0.1:" + std::to_string(silent.address().port()) + "/postgres";
  auto p = probe({{"url", url}});
  auto r = ProbeHarness::check(*p, 300);
  EXPECT_EQ(r.health, WNO_HEALTH_DOWN);
  EXPECT_THAT(r.message, HasSubstr("connect timed out ("));  // and the phase it stalled in
  EXPECT_THAT(r.message, HasSubstr("after 300 ms"));
}

TEST_F(PostgresProbeTest, ATimedOutConnectIsContinuedByTheNextCheckNotOpenedAgain) {
  // A server that accepts and never answers: each check times out, but
  // they all wait on the one connection the first opened. A probe that
  // dropped it and dialled again each time would queue a dead connection
  // per check at a postmaster that is already behind.
  Poco::Net::ServerSocket silent(Poco::Net::SocketAddress("127.0.0.1", 0));
  const std::string url = "postgresql://postgres@127.0.0.1:" + std::to_string(silent.address().port()) + "/postgres";
  auto p = probe({{"url", url}});
  for (int i = 0; i < 3; ++i) EXPECT_EQ(ProbeHarness::check(*p, 150).health, WNO_HEALTH_DOWN);
  std::vector<Poco::Net::StreamSocket> accepted;
  silent.setBlocking(false);
  for (;;) {
    try {
      accepted.push_back(silent.acceptConnection());
    } catch (const Poco::Exception&) {
      break;  // nothing more queued
    }
  }
  EXPECT_EQ(accepted.size(), 1u);
}

TEST_F(PostgresProbeTest, KeepsItsSessionBetweenChecks) {
  auto p = probe({{"url", server_->url()}});
  auto first = ProbeHarness::check(*p);
  ASSERT_EQ(first.health, WNO_HEALTH_UP) << first.message;
  auto second = ProbeHarness::check(*p);
  ASSERT_EQ(second.health, WNO_HEALTH_UP) << second.message;
  EXPECT_EQ(first.details["session_reused"], false);
  EXPECT_EQ(second.details["session_reused"], true);
  EXPECT_FALSE(second.details.contains("connect_ms"));
}

TEST_F(PostgresProbeTest, BadConfigIsRefusedWithTheKey) {
  auto noUrl = harness_.create("postgres", nlohmann::json::object());
  ASSERT_FALSE(noUrl.isOk());
  EXPECT_EQ(noUrl.status().code(), WNO_ERR_INVALID);
  EXPECT_THAT(noUrl.status().message(), HasSubstr("url"));
  auto badUrl = harness_.create("postgres", {{"url", "postgresql://127.0.0.1/db?no_such_option=1"}});
  ASSERT_FALSE(badUrl.isOk());
  EXPECT_THAT(badUrl.status().message(), HasSubstr("url: "));
  auto badFraction = harness_.create("postgres", {{"url", server_->url()}, {"degraded_connections_above", 3}});
  ASSERT_FALSE(badFraction.isOk());
  EXPECT_THAT(badFraction.status().message(), HasSubstr("degraded_connections_above"));
}

}  // namespace
}  // namespace wno::test
