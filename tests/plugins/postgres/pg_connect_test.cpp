// The postgres plugin's connection options and its stoppable connect: the
// liveness defaults reach libpq (parsed by libpq itself) without
// overriding the URL's own, and a connect to a server that accepts and
// never answers ends at its deadline or when stopped, naming the phase.
#include "pg_connect.h"
#include "pg_liveness.h"
#include "pg_options.h"
#include "postgres_server.h"

#include <Poco/Net/ServerSocket.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <atomic>
#include <future>
#include <map>
#include <thread>

namespace wno::pg {
namespace {

using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

// What libpq makes of a connection string: keyword -> value, set ones only.
std::map<std::string, std::string> parsed(const std::string& conninfo) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  EXPECT_NE(options, nullptr) << (error ? error : "") << " in " << conninfo;
  std::map<std::string, std::string> out;
  for (auto* o = options; o && o->keyword; ++o) {
    if (o->val) out[o->keyword] = o->val;
  }
  PQconninfoFree(options);
  PQfreemem(error);
  return out;
}

PoolOptions withUrl(const std::string& url) {
  PoolOptions o;
  o.url = url;
  return o;
}

TEST(PgConninfo, AddsTheLivenessDefaultsToAUri) {
  const auto p = parsed(withUrl("postgresql://app@db.internal:5432/wno?sslmode=disable").conninfo());
  for (const auto& setting : kLivenessSettings) EXPECT_EQ(p.at(setting.key), setting.value) << setting.key;
  EXPECT_EQ(p.at("sslmode"), "disable");
  EXPECT_EQ(p.at("connect_timeout"), "5");
  EXPECT_EQ(p.at("options"), "-c statement_timeout=15000");
}

TEST(PgConninfo, AddsThemToAKeyValueString) {
  const auto p = parsed(withUrl("host=127.0.0.1 dbname=wno").conninfo());
  for (const auto& setting : kLivenessSettings) EXPECT_EQ(p.at(setting.key), setting.value) << setting.key;
  EXPECT_EQ(p.at("dbname"), "wno");
}

TEST(PgConninfo, AComponentsSessionSettingsFollowTheStatementTimeout) {
  for (const char* url : {"postgresql://db/wno", "host=db dbname=wno"}) {
    PoolOptions o = withUrl(url);
    o.sessionSettings = {{"enable_nestloop", "off"}, {"jit", "off"}};
    EXPECT_EQ(parsed(o.conninfo()).at("options"), "-c statement_timeout=15000 -c enable_nestloop=off -c jit=off") << url;
  }
}

TEST(PgConninfo, TheUrlsOwnSettingsWin) {
  auto p = parsed(withUrl("postgresql://db/wno?keepalives_idle=30&tcp_user_timeout=0").conninfo());
  EXPECT_EQ(p.at("keepalives_idle"), "30");
  EXPECT_EQ(p.at("tcp_user_timeout"), "0");
  EXPECT_EQ(p.at("keepalives_count"), "3");
  p = parsed(withUrl("dbname=wno keepalives = 0").conninfo());
  EXPECT_EQ(p.at("keepalives"), "0");
  EXPECT_EQ(p.at("keepalives_interval"), "2");
}

TEST(PgConninfo, OnlyAWholeKeyCounts) {
  EXPECT_TRUE(namesConnectionKey("postgresql://db/x?keepalives=0", "keepalives"));
  EXPECT_FALSE(namesConnectionKey("postgresql://db/x?keepalives_idle=9", "keepalives"));
  EXPECT_FALSE(namesConnectionKey("postgresql://db/keepalives=1", "keepalives"));  // a database name, not a parameter
  EXPECT_TRUE(namesConnectionKey("host=db keepalives=0", "keepalives"));
  EXPECT_FALSE(namesConnectionKey("host=db tcp_keepalives=0", "keepalives"));
}

TEST(PgConnect, ConnectsAndTheSessionWorks) {
  wno::test::PostgresServer server;
  auto conn = connectUntil(withUrl(server.url()).conninfo(), Clock::now() + std::chrono::seconds(60), [] { return false; });
  ASSERT_TRUE(conn->is_open());
  pqxx::work tx(*conn);
  EXPECT_EQ(tx.exec1("SELECT current_setting('statement_timeout')")[0].as<std::string>(), "15s");
  EXPECT_EQ(tx.exec1("SELECT 6 * 7")[0].as<int>(), 42);
}

TEST(PgConnect, SessionSettingsReachTheSession) {
  wno::test::PostgresServer server;
  PoolOptions o = withUrl(server.url());
  o.sessionSettings = {{"enable_nestloop", "off"}};
  auto conn = connectUntil(o.conninfo(), Clock::now() + std::chrono::seconds(60), [] { return false; });
  pqxx::work tx(*conn);
  EXPECT_EQ(tx.exec1("SELECT current_setting('enable_nestloop')")[0].as<std::string>(), "off");
  EXPECT_EQ(tx.exec1("SELECT current_setting('statement_timeout')")[0].as<std::string>(), "15s");
}

TEST(PgConnect, ARefusedConnectFailsWithLibpqsMessage) {
  Poco::Net::ServerSocket closing(Poco::Net::SocketAddress("127.0.0.1", 0));
  const auto port = closing.address().port();
  closing.close();
  try {
    connectUntil("postgresql://postgres@127.0.0.1:" + std::to_string(port) + "/postgres",
                 Clock::now() + std::chrono::seconds(60), [] { return false; });
    FAIL() << "connected to a closed port";
  } catch (const pqxx::broken_connection& e) {
    EXPECT_THAT(e.what(), HasSubstr("refused"));
  }
}

// Accepts the TCP connection (the kernel does) and never says a word.
class SilentServer : public ::testing::Test {
 protected:
  Poco::Net::ServerSocket silent{Poco::Net::SocketAddress("127.0.0.1", 0)};
  std::string url() const {
    return "postgresql://postgres@127.0.0.1:" + std::to_string(silent.address().port()) + "/postgres?sslmode=disable";
  }
};

TEST_F(SilentServer, TheConnectEndsAtItsDeadlineNamingThePhase) {
  try {
    connectUntil(url(), Clock::now() + std::chrono::milliseconds(300), [] { return false; });
    FAIL() << "connected to a server that never answered";
  } catch (const pqxx::broken_connection& e) {
    EXPECT_THAT(e.what(), HasSubstr("connect timed out after"));
    EXPECT_THAT(e.what(), HasSubstr("waiting for the server's answer to the startup packet"));
  }
}

TEST_F(SilentServer, AStopRequestEndsAPatientConnect) {
  std::atomic<bool> stop{false};
  auto connecting = std::async(std::launch::async, [&] {
    try {
      connectUntil(url(), Clock::now() + std::chrono::minutes(10), [&] { return stop.load(); });
      return std::string("connected");
    } catch (const pqxx::broken_connection& e) {
      return std::string(e.what());
    }
  });
  // Still waiting, as it should for a server that is alive.
  EXPECT_EQ(connecting.wait_for(std::chrono::milliseconds(500)), std::future_status::timeout);
  stop = true;
  // Ten minutes is the deadline; a stop is noticed within a slice of it.
  ASSERT_EQ(connecting.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  EXPECT_THAT(connecting.get(), HasSubstr("connect abandoned"));
}

}  // namespace
}  // namespace wno::pg
