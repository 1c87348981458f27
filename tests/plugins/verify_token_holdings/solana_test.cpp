// The Solana pieces of verify_token_holdings without I/O: base58 public
// keys, exact u64 decimal sums, and reading getTokenAccountsByOwner answers.
#include "solana.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace {

using ::testing::HasSubstr;
using nlohmann::json;
namespace sol = wno::solana;

const std::string kWallet = "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM";
const std::string kMint = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v";  // USDC

TEST(Base58, DecodesPublicKeys) {
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(sol::base58Decode("11111111111111111111111111111111", bytes));
  EXPECT_EQ(bytes, std::vector<uint8_t>(32, 0));  // the system program: 32 zero bytes
  ASSERT_TRUE(sol::base58Decode("2g", bytes));
  EXPECT_EQ(bytes, std::vector<uint8_t>{0x61});  // "a"
  ASSERT_TRUE(sol::base58Decode("1112", bytes));
  EXPECT_EQ(bytes, (std::vector<uint8_t>{0, 0, 0, 1}));
  ASSERT_TRUE(sol::base58Decode(kMint, bytes));
  EXPECT_EQ(bytes.size(), 32u);
  EXPECT_EQ(bytes[0], 0xC6);  // EPjF... is c6fa7af3...
  EXPECT_EQ(bytes[1], 0xFA);
  EXPECT_FALSE(sol::base58Decode("abc0", bytes));
}

TEST(Base58, PublicKeyProblemsAreNamed) {
  EXPECT_EQ(sol::publicKeyProblem(kWallet), "");
  EXPECT_EQ(sol::publicKeyProblem("So11111111111111111111111111111111111111112"), "");
  EXPECT_EQ(sol::publicKeyProblem("short"), "must be 32 to 44 base58 characters, got 5");
  EXPECT_EQ(sol::publicKeyProblem(std::string(45, 'z')), "must be 32 to 44 base58 characters, got 45");
  EXPECT_THAT(sol::publicKeyProblem("0WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM"),
              HasSubstr("character 1 is not base58"));
  EXPECT_THAT(sol::publicKeyProblem("9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWl"),
              HasSubstr("character 44 is not base58"));
  EXPECT_EQ(sol::publicKeyProblem(std::string(44, 'z')), "decodes to 33 bytes, a public key has 32");
  EXPECT_EQ(sol::publicKeyProblem(std::string(32, '2')), "decodes to 23 bytes, a public key has 32");
}

TEST(Decimal, U64AmountsAreStrict) {
  EXPECT_TRUE(sol::isU64Decimal("0"));
  EXPECT_TRUE(sol::isU64Decimal("18446744073709551615"));
  EXPECT_FALSE(sol::isU64Decimal("18446744073709551616"));
  EXPECT_FALSE(sol::isU64Decimal("99999999999999999999"));
  EXPECT_FALSE(sol::isU64Decimal("123456789012345678901"));
  EXPECT_FALSE(sol::isU64Decimal("007"));
  EXPECT_FALSE(sol::isU64Decimal("-1"));
  EXPECT_FALSE(sol::isU64Decimal("1.5"));
  EXPECT_FALSE(sol::isU64Decimal(""));
}

TEST(Decimal, SumsAreExactBeyondU64) {
  EXPECT_EQ(sol::addDecimal("0", "0"), "0");
  EXPECT_EQ(sol::addDecimal("999", "1"), "1000");
  EXPECT_EQ(sol::addDecimal("1", "999999"), "1000000");
  EXPECT_EQ(sol::addDecimal("18446744073709551615", "18446744073709551615"), "36893488147419103230");
  std::string total = "0";
  for (int i = 0; i < 1000; ++i) total = sol::addDecimal(total, "18446744073709551615");
  EXPECT_EQ(total, "18446744073709551615000");
}

TEST(TokenAccounts, TheRequestIsGetTokenAccountsByOwnerJsonParsed) {
  EXPECT_EQ(sol::tokenAccountsRequest(7, kWallet, kMint, ""),
            (json{{"jsonrpc", "2.0"},
                  {"id", 7},
                  {"method", "getTokenAccountsByOwner"},
                  {"params", {kWallet, {{"mint", kMint}}, {{"encoding", "jsonParsed"}}}}}));
  EXPECT_EQ(sol::tokenAccountsRequest(1, kWallet, kMint, "confirmed")["params"][2],
            (json{{"encoding", "jsonParsed"}, {"commitment", "confirmed"}}));
}

json account(const std::string& amount, int decimals = 6, const std::string& mint = kMint,
             const std::string& owner = kWallet) {
  return {{"pubkey", "Acct111111111111111111111111111111111111111"},
          {"account",
           {{"lamports", 2039280},
            {"owner", "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"},
            {"data",
             {{"program", "spl-token"},
              {"parsed",
               {{"type", "account"},
                {"info",
                 {{"mint", mint},
                  {"owner", owner},
                  {"state", "initialized"},
                  {"tokenAmount", {{"amount", amount}, {"decimals", decimals}, {"uiAmountString", "x"}}}}}}},
              {"space", 165}}}}}};
}

std::string answer(const std::vector<json>& accounts, int64_t id = 1) {
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"result", {{"context", {{"slot", 341197053}}}, {"value", accounts}}}}
      .dump();
}

TEST(TokenAccounts, SumsEveryAccountExactly) {
  const auto h = sol::parseTokenAccounts(
      answer({account("18446744073709551615"), account("18446744073709551615"), account("5")}), 1, kWallet, kMint);
  EXPECT_EQ(h.balance, "36893488147419103235");
  EXPECT_EQ(h.accounts, 3u);
  EXPECT_EQ(h.decimals, 6);
  EXPECT_EQ(h.slot, 341197053);
  const auto none = sol::parseTokenAccounts(answer({}), 1, kWallet, kMint);
  EXPECT_EQ(none.balance, "0");
  EXPECT_EQ(none.accounts, 0u);
  EXPECT_EQ(none.decimals, -1);
}

TEST(TokenAccounts, RpcErrorObjectsAreReported) {
  try {
    sol::parseTokenAccounts(R"({"jsonrpc":"2.0","id":1,"error":{"code":-32005,"message":"Node is behind by 42 slots"}})",
                            1, kWallet, kMint);
    FAIL();
  } catch (const sol::RpcError& e) {
    EXPECT_EQ(e.code, -32005);
    EXPECT_STREQ(e.what(), "RPC error -32005: Node is behind by 42 slots");
  }
}

TEST(TokenAccounts, MalformedAnswersSayWhere) {
  auto problem = [](const std::string& body, int64_t id = 1) {
    try {
      sol::parseTokenAccounts(body, id, kWallet, kMint);
    } catch (const sol::MalformedAnswer& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  EXPECT_EQ(problem("<html>502</html>"), "the answer is not JSON");
  EXPECT_EQ(problem("[1]"), "the answer is not a JSON-RPC object");
  EXPECT_EQ(problem(answer({}, 2)), "the answer's id 2 is not the request's 1");
  EXPECT_EQ(problem(R"({"jsonrpc":"2.0","id":1})"), "the answer has no \"result\"");
  EXPECT_EQ(problem(R"({"jsonrpc":"2.0","id":1,"result":{"value":{}}})"), "result.value is not an array");
  json base64 = account("1");
  base64["account"]["data"] = {"AAAA", "base64"};
  EXPECT_THAT(problem(answer({base64})), HasSubstr("result.value[0].account.data is not parsed JSON"));
  json numeric = account("1");
  numeric["account"]["data"]["parsed"]["info"]["tokenAmount"]["amount"] = 12;
  EXPECT_THAT(problem(answer({account("1"), numeric})), HasSubstr("result.value[1] tokenAmount.amount 12 is not a u64"));
  EXPECT_THAT(problem(answer({account("18446744073709551616")})), HasSubstr("is not a u64 decimal string"));
  EXPECT_THAT(problem(answer({account("1", 6, "So11111111111111111111111111111111111111112")})),
              HasSubstr("is an account of mint"));
  EXPECT_THAT(problem(answer({account("1", 6, kMint, "11111111111111111111111111111111")})), HasSubstr("is owned by"));
  EXPECT_THAT(problem(answer({account("1", 6), account("1", 9)})), HasSubstr("has 9 decimals, an earlier account 6"));
  json noInfo = account("1");
  noInfo["account"]["data"]["parsed"].erase("info");
  EXPECT_THAT(problem(answer({noInfo})), HasSubstr("has no \"info\""));
}

}  // namespace
