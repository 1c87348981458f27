// The verify_token_holdings handler through its C vtable against a fake
// Solana JSON-RPC node on loopback: the request it sends, exact balances,
// the upsert (create, update, racing creates, stale versions), and every
// failure class: bad addresses, RPC error objects, HTTP errors, malformed
// answers, timeouts, refused connections, cancellation.
#include "fake_http_server.h"

#include <wno/sdk/testing.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <mutex>

namespace {

using ::testing::HasSubstr;
using nlohmann::json;
using wno::sdk::testing::FakeHost;
using wno::sdk::testing::handle;
using wno::sdk::testing::JobRun;
using wno::testing::answer;
using wno::testing::CannedReply;
using wno::testing::FakeHttpServer;
using wno::testing::RecordedRequest;

const std::string kWallet = "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM";
const std::string kUsdc = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v";
const std::string kWsol = "So11111111111111111111111111111111111111112";

// A node that answers getTokenAccountsByOwner with the scripted amounts,
// echoing the request's id, owner and mint as a real node would.
class FakeNode {
 public:
  FakeNode() {
    server.setHandler([this](const RecordedRequest& r) {
      const json request = json::parse(r.body);
      std::lock_guard lock(mutex_);
      json accounts = json::array();
      for (const auto& amount : amounts_) {
        accounts.push_back(
            {{"pubkey", "4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T"},
             {"account",
              {{"data",
                {{"program", "spl-token"},
                 {"parsed",
                  {{"type", "account"},
                   {"info",
                    {{"mint", request["params"][1]["mint"]},
                     {"owner", request["params"][0]},
                     {"tokenAmount", {{"amount", amount}, {"decimals", 6}}}}}}}}}}}});
      }
      return answer(200, json{{"jsonrpc", "2.0"},
                              {"id", request["id"]},
                              {"result", {{"context", {{"slot", 300000001}}}, {"value", accounts}}}}
                             .dump());
    });
  }
  void holds(std::vector<std::string> amounts) {
    std::lock_guard lock(mutex_);
    amounts_ = std::move(amounts);
  }
  FakeHttpServer server;

 private:
  std::mutex mutex_;
  std::vector<std::string> amounts_;
};

class VerifyTokenHoldingsTest : public ::testing::Test {
 protected:
  void SetUp() override { host.repo.define("token_holdings"); }

  json config(const json& extra = json::object()) {
    json c = {{"rpc_url", node.server.url("/rpc")}, {"timeout_ms", 2000}, {"token_mint", kUsdc}};
    c.update(extra);
    return c;
  }
  wno::sdk::testing::Instance<wno_type_job_handler> handler(const json& c) {
    return host.create<wno_type_job_handler>(WNO_KIND_JOB_HANDLER, "verify_token_holdings", c.dump());
  }
  json data(const json& extra = json::object()) {
    json d = {{"user_id", 5}, {"wallet_address", kWallet}};
    d.update(extra);
    return d;
  }
  wno_status run(const wno::sdk::testing::Instance<wno_type_job_handler>& h, const json& d, json* result = nullptr) {
    JobRun job;
    job.type = "verify_token_holdings";
    job.dataJson = d.dump();
    std::string out;
    const wno_status s = handle(h, job, &out);
    if (result) *result = out.empty() ? json() : json::parse(out);
    return s;
  }
  std::vector<json> holdings() { return host.repo.rows("token_holdings"); }
  double calls(const std::string& outcome) { return host.metric("wno_token_rpc_calls_total|outcome=" + outcome); }

  FakeHost host;
  FakeNode node;
};

TEST_F(VerifyTokenHoldingsTest, SendsGetTokenAccountsByOwnerAndRecordsTheExactBalance) {
  auto h = handler(config());
  node.holds({"18446744073709551615", "18446744073709551615", "10"});
  json result;
  ASSERT_EQ(run(h, data(), &result), WNO_OK) << host.lastError();

  const auto requests = node.server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].uri, "/rpc");
  EXPECT_EQ(requests[0].header("Content-Type"), "application/json");
  const json request = json::parse(requests[0].body);
  EXPECT_EQ(request["jsonrpc"], "2.0");
  EXPECT_EQ(request["method"], "getTokenAccountsByOwner");
  EXPECT_EQ(request["params"], (json{kWallet, {{"mint", kUsdc}}, {{"encoding", "jsonParsed"}}}));

  const auto rows = holdings();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["user_id"], 5);
  EXPECT_EQ(rows[0]["wallet_address"], kWallet);
  EXPECT_EQ(rows[0]["token_mint"], kUsdc);
  EXPECT_EQ(rows[0]["balance"], "36893488147419103240");
  ASSERT_TRUE(rows[0]["verified_at"].is_string());
  EXPECT_EQ(result, (json{{"holding_id", rows[0]["id"]},
                          {"user_id", 5},
                          {"wallet_address", kWallet},
                          {"token_mint", kUsdc},
                          {"balance", "36893488147419103240"},
                          {"accounts", 3},
                          {"decimals", 6},
                          {"slot", 300000001},
                          {"created", true}}));
  EXPECT_EQ(calls("ok"), 1);
}

TEST_F(VerifyTokenHoldingsTest, ReRunsUpdateTheSameRow) {
  auto h = handler(config());
  node.holds({"100"});
  ASSERT_EQ(run(h, data()), WNO_OK);
  node.holds({});
  json result;
  ASSERT_EQ(run(h, data(), &result), WNO_OK) << host.lastError();
  const auto rows = holdings();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["balance"], "0");
  EXPECT_EQ(rows[0]["version"], 2);
  EXPECT_EQ(result["created"], false);
  EXPECT_EQ(result["accounts"], 0);
  EXPECT_FALSE(result.contains("decimals"));
  // Another mint is another row.
  ASSERT_EQ(run(h, data({{"token_mint", kWsol}})), WNO_OK);
  EXPECT_EQ(holdings().size(), 2u);
  EXPECT_EQ(json::parse(node.server.requests().back().body)["params"][1]["mint"], kWsol);
}

TEST_F(VerifyTokenHoldingsTest, DuplicateRowsConvergeToTheLowestId) {
  auto h = handler(config());
  const json key = {{"user_id", 5}, {"wallet_address", kWallet}, {"token_mint", kUsdc}, {"balance", "1"}};
  const int64_t first = host.repo.insert("token_holdings", key)["id"];
  host.repo.insert("token_holdings", key);
  host.repo.insert("token_holdings", key);
  node.holds({"42"});
  json result;
  ASSERT_EQ(run(h, data(), &result), WNO_OK) << host.lastError();
  const auto rows = holdings();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["id"], first);
  EXPECT_EQ(rows[0]["balance"], "42");
  EXPECT_EQ(result["holding_id"], first);
}

TEST_F(VerifyTokenHoldingsTest, ALostCreateRaceHandsOverToTheWinner) {
  auto h = handler(config());
  host.repo.insert("token_holdings", {{"user_id", 99}, {"wallet_address", "x"}});
  const int64_t reserved = host.repo.insert("token_holdings", {{"user_id", 99}, {"wallet_address", "x"}})["id"];
  host.repo.erase("token_holdings", reserved);
  bool once = false;
  host.repo.afterCreate = [&](const std::string& collection, const json&) {
    if (once) return;
    once = true;
    host.repo.insert(collection, {{"id", reserved},
                                  {"user_id", 5},
                                  {"wallet_address", kWallet},
                                  {"token_mint", kUsdc},
                                  {"balance", "7"}});
  };
  node.holds({"1000"});
  json result;
  ASSERT_EQ(run(h, data(), &result), WNO_OK) << host.lastError();
  std::vector<json> mine;
  for (const auto& r : holdings()) {
    if (r["user_id"] == 5) mine.push_back(r);
  }
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0]["id"], reserved);
  EXPECT_EQ(mine[0]["balance"], "1000");
  EXPECT_EQ(result["holding_id"], reserved);
  EXPECT_EQ(result["created"], false);
}

TEST_F(VerifyTokenHoldingsTest, AStaleVersionIsReadAgain) {
  auto h = handler(config());
  host.repo.insert("token_holdings", {{"user_id", 5}, {"wallet_address", kWallet}, {"token_mint", kUsdc}});
  int interfered = 0;
  host.repo.beforeUpdate = [&](const std::string& collection, int64_t id) {
    if (interfered++ == 0) host.repo.patch(collection, id, {{"balance", "3"}});
  };
  node.holds({"8"});
  ASSERT_EQ(run(h, data()), WNO_OK) << host.lastError();
  EXPECT_EQ(host.repo.calls("update"), 2);
  EXPECT_EQ(holdings()[0]["balance"], "8");
  EXPECT_EQ(holdings()[0]["version"], 3);
}

TEST_F(VerifyTokenHoldingsTest, MalformedAddressesFailForGoodWithoutACall) {
  auto h = handler(config());
  EXPECT_EQ(run(h, data({{"wallet_address", "0xdeadbeef"}})), WNO_ERR_INVALID);
  EXPECT_THAT(host.lastError(), HasSubstr("job data \"wallet_address\": \"0xdeadbeef\" is not a Solana address"));
  EXPECT_EQ(run(h, data({{"wallet_address", std::string(44, 'z')}})), WNO_ERR_INVALID);
  EXPECT_THAT(host.lastError(), HasSubstr("decodes to 33 bytes"));
  EXPECT_EQ(run(h, data({{"wallet_address", "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWO"}})), WNO_ERR_INVALID);
  EXPECT_EQ(run(h, data({{"token_mint", "not-a-mint"}})), WNO_ERR_INVALID);
  EXPECT_THAT(host.lastError(), HasSubstr("job data \"token_mint\""));
  EXPECT_EQ(run(h, data({{"wallet_address", 12}})), WNO_ERR_INVALID);
  EXPECT_EQ(run(h, {{"user_id", 5}}), WNO_ERR_INVALID);
  EXPECT_EQ(host.lastError(), "job data needs \"wallet_address\"");
  EXPECT_EQ(run(h, {{"wallet_address", kWallet}}), WNO_ERR_INVALID);
  EXPECT_EQ(node.server.requestCount(), 0u);
}

TEST_F(VerifyTokenHoldingsTest, WithoutADefaultMintTheJobMustNameOne) {
  auto h = handler(config({{"token_mint", nullptr}}));
  EXPECT_EQ(run(h, data()), WNO_ERR_INVALID);
  EXPECT_EQ(host.lastError(), "job data needs \"token_mint\" (no default token_mint is configured)");
  node.holds({"1"});
  EXPECT_EQ(run(h, data({{"token_mint", kWsol}})), WNO_OK);
}

TEST_F(VerifyTokenHoldingsTest, RpcErrorObjectsAreRetryable) {
  auto h = handler(config());
  node.server.reply(answer(200, R"({"jsonrpc":"2.0","id":1,"error":{"code":-32005,"message":"Node is unhealthy"}})"));
  EXPECT_EQ(run(h, data()), WNO_ERR_UNAVAILABLE);
  EXPECT_EQ(host.lastError(), "getTokenAccountsByOwner: RPC error -32005: Node is unhealthy");
  EXPECT_EQ(calls("rpc_error"), 1);
  EXPECT_TRUE(holdings().empty());
}

TEST_F(VerifyTokenHoldingsTest, HttpErrorsAreRetryable) {
  auto h = handler(config());
  node.server.reply(answer(503, "upstream down"));
  EXPECT_EQ(run(h, data()), WNO_ERR_UNAVAILABLE);
  EXPECT_THAT(host.lastError(), HasSubstr("answered HTTP 503"));
  CannedReply limited = answer(429, R"({"jsonrpc":"2.0","error":{"code":429,"message":"Too many requests"}})");
  limited.headers["Retry-After"] = "2";
  node.server.reply(limited);
  EXPECT_EQ(run(h, data()), WNO_ERR_UNAVAILABLE);
  EXPECT_THAT(host.lastError(), HasSubstr("HTTP 429"));
  EXPECT_THAT(host.lastError(), HasSubstr("Retry-After: 2"));
  node.server.reply(answer(404, "no such path"));
  EXPECT_EQ(run(h, data()), WNO_ERR_UNAVAILABLE);
  EXPECT_EQ(calls("http_error"), 3);
}

TEST_F(VerifyTokenHoldingsTest, MalformedAnswersAreRetryable) {
  auto h = handler(config());
  node.server.reply(answer(200, "<html>gateway</html>", 0));
  EXPECT_EQ(run(h, data()), WNO_ERR_UNAVAILABLE);
  EXPECT_THAT(host.lastError(), HasSubstr("malformed answer from 127.0.0.1:"));
  EXPECT_THAT(host.lastError(), HasSubstr("not JSON"));
  node.server.reply(answer(200, R"({"jsonrpc":"2.0","id":987654,"result":{"value":[]}})"));
  EXPECT_EQ(run(h, data()), WNO_ERR_UNAVAILABLE);
  EXPECT_THAT(host.lastError(), HasSubstr("is not the request's"));
  EXPECT_EQ(calls("malformed"), 2);
  EXPECT_TRUE(holdings().empty());
}

TEST_F(VerifyTokenHoldingsTest, ASlowNodeTimesOut) {
  auto h = handler(config({{"timeout_ms", 150}}));
  node.server.reply(answer(200, "{}", 5000));
  EXPECT_EQ(run(h, data()), WNO_ERR_TIMEOUT);
  EXPECT_THAT(host.lastError(), HasSubstr("timed out after 150 ms"));
  EXPECT_EQ(calls("timeout"), 1);
}

TEST_F(VerifyTokenHoldingsTest, AnUnreachableNodeIsRetryable) {
  auto h = handler(config({{"rpc_url", "http://127.0.0.1:" + std::to_string(wno::testing::closedPort())}}));
  EXPECT_EQ(run(h, data()), WNO_ERR_UNAVAILABLE);
  EXPECT_THAT(host.lastError(), HasSubstr("connection refused"));
  EXPECT_EQ(calls("unavailable"), 1);
}

TEST_F(VerifyTokenHoldingsTest, RepositoryOutagesAreRetryable) {
  auto h = handler(config());
  node.holds({"1"});
  host.repo.failNext("query", WNO_ERR_UNAVAILABLE, "pool exhausted");
  EXPECT_EQ(run(h, data()), WNO_ERR_UNAVAILABLE);
  EXPECT_EQ(host.lastError(), "pool exhausted");
  EXPECT_EQ(run(h, data()), WNO_OK);
}

TEST_F(VerifyTokenHoldingsTest, CommitmentAndHeadersReachTheNode) {
  auto h = handler(config({{"commitment", "confirmed"}, {"rpc_headers", {{"x-api-key", "k"}}}}));
  ASSERT_EQ(run(h, data()), WNO_OK) << host.lastError();
  const auto r = node.server.requests().at(0);
  EXPECT_EQ(r.header("x-api-key"), "k");
  EXPECT_EQ(json::parse(r.body)["params"][2], (json{{"encoding", "jsonParsed"}, {"commitment", "confirmed"}}));
}

TEST_F(VerifyTokenHoldingsTest, ACancelledJobMakesNoCall) {
  auto h = handler(config());
  host.stopJob("job-1");
  EXPECT_EQ(run(h, data()), WNO_ERR_CANCELLED);
  EXPECT_EQ(node.server.requestCount(), 0u);
  EXPECT_TRUE(holdings().empty());
}

TEST_F(VerifyTokenHoldingsTest, BadConfigIsRefusedAtCreate) {
  auto refused = [&](const json& c) {
    try {
      handler(c);
    } catch (const wno::sdk::Error& e) {
      EXPECT_EQ(e.status(), WNO_ERR_INVALID);
      return std::string(e.what());
    }
    return std::string("(created)");
  };
  EXPECT_THAT(refused(json::object()), HasSubstr("rpc_url is required"));
  EXPECT_THAT(refused({{"rpc_url", "ws://node"}}), HasSubstr("rpc_url: \"ws://node\": expected an http"));
  EXPECT_THAT(refused(config({{"token_mint", "abc"}})), HasSubstr("token_mint: \"abc\" must be 32 to 44"));
  EXPECT_THAT(refused(config({{"commitment", "final"}})), HasSubstr("commitment: expected"));
  EXPECT_THAT(refused(config({{"timeout_ms", 0}})), HasSubstr("timeout_ms"));
  EXPECT_THAT(refused(config({{"rpc", "x"}})), HasSubstr("unknown config key \"rpc\""));
  EXPECT_EQ(refused(config()), "(created)");
}

}  // namespace
