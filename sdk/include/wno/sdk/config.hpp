// wno SDK — reading a component's config (needs the nlohmann/json headers).
// The host hands each component's constructor its "config" object as JSON
// text. ComponentConfig parses it, refuses keys the component does not know
// (naming the ones it does, so a typo is caught at start, not ignored), and
// reads typed values within bounds. Every refusal throws wno::sdk::invalid
// with a message that names the key, which the host shows next to the
// component's config path.
//
//   const wno::sdk::ComponentConfig config(configJson, {"url", "timeout_ms", "retry"});
//   url_ = config.string("url", "", /*required=*/true);
//   timeoutMs_ = config.integer("timeout_ms", 2000, 1, 60000);
//   const auto retry = config.section("retry", {"attempts"});  // a nested object, checked the same way
//   attempts_ = retry.integer("attempts", 3, 1, 10);          // errors name "retry.attempts"
#pragma once

#include "wno/sdk/error.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wno::sdk {

class ComponentConfig {
 public:
  // Empty text and null are an empty object.
  ComponentConfig(std::string_view configJson, std::initializer_list<std::string_view> known)
      : ComponentConfig(configJson, std::vector<std::string>(known.begin(), known.end())) {}
  ComponentConfig(std::string_view configJson, std::vector<std::string> known) : known_(std::move(known)) {
    if (configJson.find_first_not_of(" \t\r\n") == std::string_view::npos) return;
    json_ = nlohmann::json::parse(configJson.begin(), configJson.end(), nullptr, false);
    if (json_.is_discarded()) throw invalid("config is not valid JSON");
    if (json_.is_null()) {
      json_ = nlohmann::json::object();
      return;
    }
    if (!json_.is_object()) throw invalid("config must be a JSON object");
    checkKeys();
  }

  // The nested object under `key` (absent or null: empty), read the same
  // way; its refusals name the key by its path ("breaker.open_ms").
  ComponentConfig section(std::string_view key, std::initializer_list<std::string_view> known) const {
    return sectionOf(json_, key, known, prefix_);
  }
  // The same for an object parsed elsewhere.
  static ComponentConfig sectionOf(const nlohmann::json& parent, std::string_view key,
                                   std::initializer_list<std::string_view> known, const std::string& prefix = "") {
    ComponentConfig nested(std::vector<std::string>(known.begin(), known.end()), prefix + std::string(key) + ".");
    auto it = parent.find(std::string(key));
    if (it != parent.end() && !it->is_null()) {
      if (!it->is_object()) throw invalid(prefix + std::string(key) + ": expected an object, got " + it->dump());
      nested.json_ = *it;
      nested.checkKeys();
    }
    return nested;
  }

  const nlohmann::json& json() const { return json_; }
  bool has(std::string_view key) const {
    return find(key) != nullptr;
  }

  int64_t integer(std::string_view key, int64_t fallback, int64_t min, int64_t max) const {
    try {
      return integerIn(json_, key, fallback, min, max);
    } catch (const Error& e) {
      throw invalid(prefix_ + e.what());
    }
  }
  // The same read on an object parsed elsewhere.
  static int64_t integerIn(const nlohmann::json& object, std::string_view key, int64_t fallback, int64_t min,
                           int64_t max) {
    auto it = object.find(std::string(key));
    const nlohmann::json* v = it == object.end() || it->is_null() ? nullptr : &*it;
    if (!v) return fallback;
    const bool integral = v->is_number_integer() && !(v->is_number_unsigned() && v->get<uint64_t>() > INT64_MAX);
    if (!integral || v->get<int64_t>() < min || v->get<int64_t>() > max) {
      const std::string range = max == INT64_MAX ? ">= " + std::to_string(min)
                                                 : "from " + std::to_string(min) + " to " + std::to_string(max);
      throw invalid(std::string(key) + ": expected an integer " + range + ", got " + v->dump());
    }
    return v->get<int64_t>();
  }

  double number(std::string_view key, double fallback, double min, double max) const {
    const nlohmann::json* v = find(key);
    if (!v) return fallback;
    if (!v->is_number() || v->get<double>() < min || v->get<double>() > max) {
      throw invalid(prefix_ + std::string(key) + ": expected a number from " + trimmed(min) + " to " + trimmed(max) + ", got " +
                    v->dump());
    }
    return v->get<double>();
  }

  bool boolean(std::string_view key, bool fallback) const {
    const nlohmann::json* v = find(key);
    if (!v) return fallback;
    if (!v->is_boolean()) throw invalid(prefix_ + std::string(key) + ": expected true or false, got " + v->dump());
    return v->get<bool>();
  }

  // `required`: absent or empty is refused.
  std::string string(std::string_view key, std::string fallback, bool required = false) const {
    const nlohmann::json* v = find(key);
    if (!v) {
      if (required) throw invalid(prefix_ + std::string(key) + ": required, a non-empty string");
      return fallback;
    }
    if (!v->is_string()) throw invalid(prefix_ + std::string(key) + ": expected a string, got " + v->dump());
    if (required && v->get_ref<const std::string&>().empty()) {
      throw invalid(prefix_ + std::string(key) + ": must not be empty");
    }
    return v->get<std::string>();
  }

 private:
  ComponentConfig(std::vector<std::string> known, std::string prefix)
      : known_(std::move(known)), prefix_(std::move(prefix)) {}
  void checkKeys() const {
    for (const auto& item : json_.items()) {
      bool ok = false;
      for (const auto& k : known_) ok = ok || item.key() == k;
      if (!ok) throw invalid("unknown config key \"" + prefix_ + item.key() + "\" (" + knownList() + ")");
    }
  }
  const nlohmann::json* find(std::string_view key) const {
    auto it = json_.find(std::string(key));
    return it == json_.end() || it->is_null() ? nullptr : &*it;
  }
  std::string knownList() const {
    if (known_.empty()) return "this component takes no settings";
    std::string list = "known: ";
    for (size_t i = 0; i < known_.size(); ++i) list += (i ? ", " : "") + known_[i];
    return list;
  }
  static std::string trimmed(double v) {
    std::string s = std::to_string(v);
    while (s.size() > 1 && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  }

  std::vector<std::string> known_;
  std::string prefix_;  // "<key>." for a section, else empty
  nlohmann::json json_ = nlohmann::json::object();
};

}  // namespace wno::sdk
