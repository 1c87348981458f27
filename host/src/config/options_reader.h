// Reading a config section into typed options without restating defaults:
// config/schema.json is the one source of them. withDefaults() fills what
// the schema declares under a pointer (as the loader does for the whole
// document), so a parser also works on a partial section (tests, embedding);
// OptionsNode then reads with at(). A key the schema defaults or requires
// that is still missing is a bug, thrown as OptionError naming its pointer.
// Thread-safe: no shared mutable state (the schema is read-only).
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>

namespace wno::config {

// "<pointer>: <what>", e.g. "/jobs/lease_ms: is missing (the schema defaults it; ...)".
class OptionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// `value`, found at `pointer` of a host config ("/jobs", "/health/probes/0"),
// with the defaults config/schema.json declares there and below filled in.
// Shape errors are the loader's to report and are not repeated here.
nlohmann::json withDefaults(nlohmann::json value, const std::string& pointer);
// The same for a value shaped by "#/definitions/<definition>" (a breaker
// object appears at several pointers).
nlohmann::json withDefinitionDefaults(nlohmann::json value, const std::string& definition);

// A read-only view of one value of a filled config and where it sits.
// Borrows the json: it must outlive the node.
class OptionsNode {
 public:
  OptionsNode(const nlohmann::json& value, std::string pointer) : value_(&value), pointer_(std::move(pointer)) {}

  // A key the schema defaults or requires: throws OptionError when absent
  // or of the wrong type.
  template <typename T>
  T get(const std::string& key) const {
    return convert<T>(child(key));
  }
  // A key with no schema default (its absence means something): nullopt.
  template <typename T>
  std::optional<T> find(const std::string& key) const {
    if (!has(key)) return std::nullopt;
    return convert<T>(child(key));
  }
  bool has(const std::string& key) const;
  OptionsNode child(const std::string& key) const;
  OptionsNode item(size_t index) const;
  size_t size() const { return value_->size(); }
  template <typename T>
  T as() const {
    return convert<T>(*this);
  }

  const nlohmann::json& json() const { return *value_; }
  const std::string& pointer() const { return pointer_; }

 private:
  template <typename T>
  static T convert(const OptionsNode& node) {
    try {
      return node.value_->get<T>();
    } catch (const nlohmann::json::exception& e) {
      throw OptionError(node.pointer_ + ": " + e.what());
    }
  }

  const nlohmann::json* value_;
  std::string pointer_;
};

// A section filled by withDefaults() and the node reading it, in one value.
class FilledSection {
 public:
  FilledSection(const nlohmann::json& value, const std::string& pointer)
      : value_(withDefaults(value, pointer)), pointer_(pointer) {}
  FilledSection(const FilledSection&) = delete;
  FilledSection& operator=(const FilledSection&) = delete;
  OptionsNode node() const { return OptionsNode(value_, pointer_); }
  const nlohmann::json& json() const { return value_; }

 private:
  nlohmann::json value_;
  std::string pointer_;
};

}  // namespace wno::config
