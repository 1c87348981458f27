// Pieces of the Solana JSON-RPC conversation verify_token_holdings needs,
// free of I/O so tests can feed them any answer: base58 public keys, exact
// decimal sums of u64 token amounts, and the getTokenAccountsByOwner
// request and answer.
// THREADS: pure functions.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace wno::solana {

// Decodes base58 (Bitcoin alphabet); false on any other character.
bool base58Decode(const std::string& text, std::vector<uint8_t>& out);
// A public key: 32..44 base58 characters that decode to exactly 32 bytes.
// Returns "" when valid, else what is wrong.
std::string publicKeyProblem(const std::string& text);

// A u64 amount as Solana sends it: decimal digits, no sign, no leading
// zeros (except "0"), at most 18446744073709551615.
bool isU64Decimal(const std::string& text);
// Exact sum of two non-negative decimal strings (any length).
std::string addDecimal(const std::string& a, const std::string& b);

nlohmann::json tokenAccountsRequest(int64_t id, const std::string& owner, const std::string& mint,
                                    const std::string& commitment);

// The answer could not be understood; the message says where.
struct MalformedAnswer : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// The node answered with a JSON-RPC error object.
struct RpcError : std::runtime_error {
  RpcError(int64_t code, const std::string& message)
      : std::runtime_error("RPC error " + std::to_string(code) + ": " + message), code(code) {}
  int64_t code;
};

struct Holdings {
  std::string balance = "0";  // sum of tokenAmount.amount, exact
  size_t accounts = 0;
  int decimals = -1;          // -1 when there are no accounts
  int64_t slot = -1;          // result.context.slot, -1 when absent
};

// Reads the answer to tokenAccountsRequest(id, owner, mint); throws RpcError
// or MalformedAnswer (wrong id, missing fields, amounts that are not u64,
// accounts of another mint or owner).
Holdings parseTokenAccounts(const std::string& body, int64_t id, const std::string& owner, const std::string& mint);

}  // namespace wno::solana
