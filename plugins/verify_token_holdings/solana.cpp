#include "solana.h"

#include <algorithm>

namespace wno::solana {
namespace {

using nlohmann::json;

constexpr const char* kAlphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

int digitOf(char c) {
  for (int i = 0; i < 58; ++i) {
    if (kAlphabet[i] == c) return i;
  }
  return -1;
}

const json& member(const json& parent, const char* key, const std::string& where) {
  if (!parent.is_object()) throw MalformedAnswer(where + " is not an object");
  auto it = parent.find(key);
  if (it == parent.end()) throw MalformedAnswer(where + " has no \"" + key + "\"");
  return *it;
}

}  // namespace

bool base58Decode(const std::string& text, std::vector<uint8_t>& out) {
  // Big-endian base-256 digits, grown as the value grows: value = value*58 + d.
  std::vector<uint8_t> bytes;
  for (char c : text) {
    const int d = digitOf(c);
    if (d < 0) return false;
    unsigned carry = static_cast<unsigned>(d);
    for (auto it = bytes.rbegin(); it != bytes.rend(); ++it) {
      carry += 58u * *it;
      *it = static_cast<uint8_t>(carry & 0xFF);
      carry >>= 8;
    }
    while (carry > 0) {
      bytes.insert(bytes.begin(), static_cast<uint8_t>(carry & 0xFF));
      carry >>= 8;
    }
  }
  // Each leading '1' stands for one leading zero byte.
  const size_t zeros = static_cast<size_t>(std::find_if(text.begin(), text.end(), [](char c) { return c != '1'; }) -
                                           text.begin());
  out.assign(zeros, 0);
  out.insert(out.end(), bytes.begin(), bytes.end());
  return true;
}

std::string publicKeyProblem(const std::string& text) {
  if (text.size() < 32 || text.size() > 44) {
    return "must be 32 to 44 base58 characters, got " + std::to_string(text.size());
  }
  for (size_t i = 0; i < text.size(); ++i) {
    if (digitOf(text[i]) < 0) {
      return "character " + std::to_string(i + 1) + " is not base58 (0, O, I and l are not used)";
    }
  }
  std::vector<uint8_t> key;
  base58Decode(text, key);
  if (key.size() != 32) return "decodes to " + std::to_string(key.size()) + " bytes, a public key has 32";
  return "";
}

bool isU64Decimal(const std::string& text) {
  if (text.empty() || text.size() > 20) return false;
  if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
  if (text.size() > 1 && text[0] == '0') return false;
  return text.size() < 20 || text <= "18446744073709551615";
}

std::string addDecimal(const std::string& a, const std::string& b) {
  std::string out;
  out.reserve(std::max(a.size(), b.size()) + 1);
  int carry = 0;
  for (size_t i = 0; i < std::max(a.size(), b.size()) || carry; ++i) {
    int d = carry;
    if (i < a.size()) d += a[a.size() - 1 - i] - '0';
    if (i < b.size()) d += b[b.size() - 1 - i] - '0';
    out.push_back(static_cast<char>('0' + d % 10));
    carry = d / 10;
  }
  while (out.size() > 1 && out.back() == '0') out.pop_back();
  std::reverse(out.begin(), out.end());
  return out.empty() ? "0" : out;
}

json tokenAccountsRequest(int64_t id, const std::string& owner, const std::string& mint, const std::string& commitment) {
  json options = {{"encoding", "jsonParsed"}};
  if (!commitment.empty()) options["commitment"] = commitment;
  return {{"jsonrpc", "2.0"},
          {"id", id},
          {"method", "getTokenAccountsByOwner"},
          {"params", json::array({owner, {{"mint", mint}}, options})}};
}

Holdings parseTokenAccounts(const std::string& body, int64_t id, const std::string& owner, const std::string& mint) {
  const json answer = json::parse(body, nullptr, false);
  if (answer.is_discarded()) throw MalformedAnswer("the answer is not JSON");
  if (!answer.is_object()) throw MalformedAnswer("the answer is not a JSON-RPC object");
  if (auto e = answer.find("error"); e != answer.end() && !e->is_null()) {
    const int64_t code = e->is_object() && e->contains("code") && (*e)["code"].is_number_integer()
                             ? (*e)["code"].get<int64_t>()
                             : 0;
    const std::string message = e->is_object() && e->contains("message") && (*e)["message"].is_string()
                                    ? (*e)["message"].get<std::string>()
                                    : e->dump();
    throw RpcError(code, message);
  }
  if (!answer.contains("id") || answer["id"] != json(id)) {
    throw MalformedAnswer("the answer's id " + (answer.contains("id") ? answer["id"].dump() : std::string("(none)")) +
                          " is not the request's " + std::to_string(id));
  }
  const json& result = member(answer, "result", "the answer");
  Holdings h;
  if (auto ctx = result.find("context"); result.is_object() && ctx != result.end() && ctx->is_object()) {
    if (auto slot = ctx->find("slot"); slot != ctx->end() && slot->is_number_integer()) h.slot = slot->get<int64_t>();
  }
  const json& value = member(result, "value", "result");
  if (!value.is_array()) throw MalformedAnswer("result.value is not an array");
  for (size_t i = 0; i < value.size(); ++i) {
    const std::string where = "result.value[" + std::to_string(i) + "]";
    const json& data = member(member(value[i], "account", where), "data", where + ".account");
    if (!data.is_object()) {
      throw MalformedAnswer(where + ".account.data is not parsed JSON (the node ignored encoding jsonParsed)");
    }
    const json& info = member(member(data, "parsed", where + ".account.data"), "info", where + ".account.data.parsed");
    if (auto m = info.find("mint"); m != info.end() && *m != json(mint)) {
      throw MalformedAnswer(where + " is an account of mint " + m->dump() + ", not " + mint);
    }
    if (auto o = info.find("owner"); o != info.end() && *o != json(owner)) {
      throw MalformedAnswer(where + " is owned by " + o->dump() + ", not " + owner);
    }
    const json& amount = member(member(info, "tokenAmount", where + "...info"), "amount", where + "...tokenAmount");
    if (!amount.is_string() || !isU64Decimal(amount.get<std::string>())) {
      throw MalformedAnswer(where + " tokenAmount.amount " + amount.dump() + " is not a u64 decimal string");
    }
    const json& tokenAmount = info["tokenAmount"];
    if (auto d = tokenAmount.find("decimals"); d != tokenAmount.end()) {
      if (!d->is_number_integer() || d->get<int64_t>() < 0 || d->get<int64_t>() > 255) {
        throw MalformedAnswer(where + " tokenAmount.decimals " + d->dump() + " is not an integer 0..255");
      }
      const int decimals = d->get<int>();
      if (h.decimals >= 0 && decimals != h.decimals) {
        throw MalformedAnswer(where + " has " + std::to_string(decimals) + " decimals, an earlier account " +
                              std::to_string(h.decimals));
      }
      h.decimals = decimals;
    }
    h.balance = addDecimal(h.balance, amount.get<std::string>());
    ++h.accounts;
  }
  return h;
}

}  // namespace wno::solana
