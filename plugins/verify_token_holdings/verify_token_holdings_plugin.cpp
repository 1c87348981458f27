// The `verify_token_holdings` job handler: asks a Solana JSON-RPC node what a
// wallet holds of one SPL token and records it in token_holdings.
// Data: {"user_id": <id>, "wallet_address": "<base58>", "token_mint": "<base58>" (optional)}.
// Config: {"rpc_url": "https://...", (required)
//   "timeout_ms": 10000, "token_mint": "<default mint>", "commitment": "finalized"|"confirmed"|"processed",
//   "rpc_headers": {}, "collection": "token_holdings"}
// getTokenAccountsByOwner(owner, {"mint"}, {"encoding":"jsonParsed"}); the
// balance is the exact decimal sum of the accounts' tokenAmount.amount.
// The row for (user_id, wallet_address, token_mint) is created or updated
// (version-checked) with balance and verified_at. Two runs racing to create
// it converge: the lowest id stays, the others are deleted.
// Bad addresses fail for good (WNO_ERR_INVALID); RPC error objects, HTTP
// errors, malformed answers and timeouts are retried.
#include "http_post.h"
#include "job_support.h"
#include "solana.h"

#include <wno/sdk/sdk.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace {

using wno::handlers::json;

class VerifyTokenHoldings : public wno::sdk::JobHandler {
 public:
  VerifyTokenHoldings(wno::sdk::Host host, std::string_view configJson)
      : host_(host),
        config_(wno::handlers::parseConfig(
            configJson, {"rpc_url", "timeout_ms", "token_mint", "commitment", "rpc_headers", "collection"})) {
    const auto url = config_.find("rpc_url");
    if (url == config_.end() || !url->is_string() || url->get<std::string>().empty()) {
      throw wno::sdk::invalid(
          "rpc_url is required: the Solana JSON-RPC endpoint, e.g. https://api.mainnet-beta.solana.com");
    }
    try {
      rpc_ = std::make_unique<wno::handlers::HttpPoster>(url->get<std::string>());
    } catch (const std::invalid_argument& e) {
      throw wno::sdk::invalid(std::string("rpc_url: ") + e.what());
    }
    timeout_ = std::chrono::milliseconds(wno::handlers::configInt(config_, "timeout_ms", 10000, 1, 600000));
    if (auto it = config_.find("token_mint"); it != config_.end() && !it->is_null()) {
      if (!it->is_string()) throw wno::sdk::invalid("token_mint: expected a base58 mint address");
      defaultMint_ = it->get<std::string>();
      if (const std::string problem = wno::solana::publicKeyProblem(defaultMint_); !problem.empty()) {
        throw wno::sdk::invalid("token_mint: \"" + defaultMint_ + "\" " + problem);
      }
    }
    if (auto it = config_.find("commitment"); it != config_.end() && !it->is_null()) {
      commitment_ = it->is_string() ? it->get<std::string>() : "";
      if (commitment_ != "finalized" && commitment_ != "confirmed" && commitment_ != "processed") {
        throw wno::sdk::invalid("commitment: expected \"finalized\", \"confirmed\" or \"processed\", got " + it->dump());
      }
    }
    if (auto it = config_.find("rpc_headers"); it != config_.end() && !it->is_null()) {
      if (!it->is_object()) throw wno::sdk::invalid("rpc_headers: expected an object of header -> value");
      for (const auto& [name, value] : it->items()) {
        if (!value.is_string()) throw wno::sdk::invalid("rpc_headers." + name + ": expected a string");
        headers_.emplace_back(name, value.get<std::string>());
      }
    }
    collection_ = config_.value("collection", "token_holdings");
    for (const char* outcome : {"ok", "rpc_error", "http_error", "malformed", "timeout", "unavailable"}) {
      outcomes_[outcome] = host_.counter("wno_token_rpc_calls_total", "getTokenAccountsByOwner calls, by outcome",
                                         {{"outcome", outcome}});
    }
  }

  std::string handle(const wno::sdk::Job& job) override {
    const json data = wno::handlers::parseJobData(job.dataJson);
    const int64_t userId = wno::handlers::requireId(data, "user_id");
    const std::string wallet = address(data, "wallet_address", "");
    const std::string mint = address(data, "token_mint", defaultMint_);
    auto stop = [&] { wno::handlers::stopIfAsked(host_, job); };

    stop();
    const wno::solana::Holdings holdings = fetch(wallet, mint, wno::handlers::callBudget(host_, job, timeout_));
    stop();
    const json fields = {{"balance", holdings.balance},
                         {"verified_at", wno::handlers::utcTimestamp(host_.nowMs())}};
    bool created = false;
    const int64_t holdingId = upsert(userId, wallet, mint, fields, created, stop);
    json result = {{"holding_id", holdingId},  {"user_id", userId},          {"wallet_address", wallet},
                   {"token_mint", mint},       {"balance", holdings.balance}, {"accounts", holdings.accounts},
                   {"created", created}};
    if (holdings.decimals >= 0) result["decimals"] = holdings.decimals;
    if (holdings.slot >= 0) result["slot"] = holdings.slot;
    return result.dump();
  }

 private:
  // A base58 public key from data[key], or `fallback` when absent.
  static std::string address(const json& data, const char* key, const std::string& fallback) {
    std::string value = wno::handlers::optionalString(data, key, 64);
    if (value.empty()) value = fallback;
    if (value.empty()) {
      throw wno::sdk::invalid(std::string("job data needs \"") + key + "\"" +
                              (std::string(key) == "token_mint" ? " (no default token_mint is configured)" : ""));
    }
    if (const std::string problem = wno::solana::publicKeyProblem(value); !problem.empty()) {
      throw wno::sdk::invalid(std::string("job data \"") + key + "\": \"" + value + "\" is not a Solana address: " +
                              problem);
    }
    return value;
  }

  void record(const char* outcome) { outcomes_.at(outcome).add(1); }

  wno::solana::Holdings fetch(const std::string& wallet, const std::string& mint, std::chrono::milliseconds timeout) {
    const int64_t id = nextRequestId_.fetch_add(1, std::memory_order_relaxed);
    const std::string request = wno::solana::tokenAccountsRequest(id, wallet, mint, commitment_).dump();
    wno::handlers::HttpResponse response;
    try {
      response = rpc_->post(request, timeout, headers_);
    } catch (const wno::handlers::HttpError& e) {
      record(e.status == WNO_ERR_TIMEOUT ? "timeout" : "unavailable");
      throw wno::sdk::Error(e.status, std::string("getTokenAccountsByOwner: ") + e.what());
    }
    if (response.status < 200 || response.status >= 300) {
      record("http_error");
      throw wno::sdk::unavailable("getTokenAccountsByOwner: " + rpc_->target() + " answered HTTP " +
                                  std::to_string(response.status) + " " + response.reason +
                                  (response.retryAfter.empty() ? "" : " (Retry-After: " + response.retryAfter + ")"));
    }
    try {
      wno::solana::Holdings h = wno::solana::parseTokenAccounts(response.body, id, wallet, mint);
      record("ok");
      return h;
    } catch (const wno::solana::RpcError& e) {
      record("rpc_error");
      throw wno::sdk::unavailable(std::string("getTokenAccountsByOwner: ") + e.what());
    } catch (const wno::solana::MalformedAnswer& e) {
      record("malformed");
      throw wno::sdk::unavailable(std::string("getTokenAccountsByOwner: malformed answer from ") + rpc_->target() +
                                  ": " + e.what());
    }
  }

  std::vector<json> rowsFor(int64_t userId, const std::string& wallet, const std::string& mint,
                            const std::function<void()>& stop) const {
    wno::handlers::Scan scan;
    scan.collection = collection_;
    scan.filters = json::array({{{"field", "user_id"}, {"op", "eq"}, {"value", userId}},
                                {{"field", "wallet_address"}, {"op", "eq"}, {"value", wallet}},
                                {{"field", "token_mint"}, {"op", "eq"}, {"value", mint}}});
    std::vector<json> rows;
    wno::handlers::forEachRow(host_, scan, [&](const json& r) {
      rows.push_back(r);
      return true;
    }, stop);
    return rows;
  }

  // Keeps rows[0] (the lowest id) and deletes the rest: duplicates left by
  // runs that raced to create the row.
  void dropDuplicates(const std::vector<json>& rows) const {
    for (size_t i = 1; i < rows.size(); ++i) {
      host_.repoDelete(collection_, rows[i].value("id", int64_t{0}));
      host_.info(collection_ + ": removed duplicate row " + rows[i]["id"].dump() + " (kept " + rows[0]["id"].dump() +
                 ")");
    }
  }

  int64_t upsert(int64_t userId, const std::string& wallet, const std::string& mint, const json& fields,
                 bool& created, const std::function<void()>& stop) const {
    constexpr int kAttempts = 5;
    for (int attempt = 1; attempt <= kAttempts; ++attempt) {
      std::vector<json> rows = rowsFor(userId, wallet, mint, stop);
      if (rows.empty()) {
        json row = fields;
        row["user_id"] = userId;
        row["wallet_address"] = wallet;
        row["token_mint"] = mint;
        const json fresh = wno::handlers::parseRow(host_.repoCreate(collection_, row.dump()), collection_);
        rows = rowsFor(userId, wallet, mint, stop);
        if (rows.empty() || rows.front().value("id", int64_t{0}) == fresh.value("id", int64_t{0})) {
          dropDuplicates(rows);
          created = true;
          return fresh.value("id", int64_t{0});
        }
        // Another run created it first: ours goes, theirs gets our numbers.
      }
      dropDuplicates(rows);
      const json& row = rows.front();
      const int64_t id = row.value("id", int64_t{0});
      const int64_t version = row.contains("version") && row["version"].is_number_integer()
                                  ? row["version"].get<int64_t>()
                                  : -1;
      stop();
      try {
        host_.repoUpdate(collection_, id, version, fields.dump());
        return id;
      } catch (const wno::sdk::Error& e) {
        // A newer version or a row deleted under us: look again.
        if (e.status() != WNO_ERR_PRECONDITION && e.status() != WNO_NOT_FOUND) throw;
        host_.debug(collection_ + " " + std::to_string(id) + " changed during the update; reading it again");
      }
    }
    throw wno::sdk::Error(WNO_ERR_CONFLICT, collection_ + " row for user " + std::to_string(userId) + ", wallet " +
                                                wallet + " kept changing: " + std::to_string(kAttempts) +
                                                " updates in a row found a newer version");
  }

  wno::sdk::Host host_;
  json config_;
  std::unique_ptr<wno::handlers::HttpPoster> rpc_;
  std::chrono::milliseconds timeout_{10000};
  std::string defaultMint_;
  std::string commitment_;
  wno::handlers::HttpHeaders headers_;
  std::string collection_;
  std::atomic<int64_t> nextRequestId_{1};
  std::map<std::string, wno::sdk::Metric> outcomes_;  // filled once, then read with at()
};

}  // namespace

WNO_PLUGIN("verify_token_holdings", "1.0.0", "Verifies SPL token balances over Solana JSON-RPC",
           WNO_JOB_HANDLER("verify_token_holdings", VerifyTokenHoldings, "Checks a wallet's token balance on Solana and records it"));
