// Shared by the fuzz targets: what the host builds from config before it
// parses a request, built once per process the way the host builds it
// (config/default.json through the real loader, then collectionsFrom and
// jobsConfigFrom), plus one extra collection with a field of every type so
// every value parser is reachable from a request.
// THREADS: libFuzzer runs one input at a time; subjects() is initialised once.
// A contract broken by the code under test ends the run with __builtin_trap(),
// which libFuzzer reports as a crash with the input that caused it.
#pragma once

#include "config/config_loader.h"
#include "data/collection.h"
#include "http/json_body.h"
#include "jobs/job_config.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <vector>

#ifndef WNO_FUZZ_DEFAULT_CONFIG
#error "WNO_FUZZ_DEFAULT_CONFIG must name config/default.json"
#endif

namespace wno::fuzz {

struct Subjects {
  nlohmann::json effective;  // config/default.json, defaults filled
  std::map<std::string, host::data::Collection> collections;
  host::jobs::JobsConfig jobs;
};

[[noreturn]] inline void setupFailed(const std::string& what) {
  std::fprintf(stderr, "fuzz setup: %s\n", what.c_str());
  std::abort();
}

// Fields of every type, each filterable and sortable where the host allows it.
inline nlohmann::json everyTypeCollection() {
  return nlohmann::json::parse(R"({
    "versioned": true,
    "fields": {
      "name": {"type": "text", "required": true},
      "state": {"type": "text", "enum": ["a", "b"], "default": "a"},
      "count": {"type": "int64"},
      "ratio": {"type": "double"},
      "flag": {"type": "bool", "nullable": false, "default": false},
      "at": {"type": "timestamp"},
      "doc": {"type": "json"},
      "updated_at": {"type": "timestamp", "read_only": true}
    },
    "filterable": ["name", "state", "count", "ratio", "flag", "at", "created_at", "id"],
    "sortable": ["name", "count", "ratio", "at", "created_at"],
    "max_page_size": 50
  })");
}

inline const Subjects& subjects() {
  static const Subjects s = [] {
    Subjects out;
    config::LoadOptions options;
    options.files = {WNO_FUZZ_DEFAULT_CONFIG};
    options.getenv = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
    auto loaded = config::loadConfig(options);
    if (!loaded.ok()) setupFailed(loaded.errors.front().pointer + ": " + loaded.errors.front().message);
    out.effective = loaded.effective;
    nlohmann::json collections = out.effective["data"]["collections"];
    collections["every_type"] = everyTypeCollection();
    std::vector<std::string> errors;
    out.collections = host::data::collectionsFrom(collections, errors);
    if (!errors.empty()) setupFailed(errors.front());
    auto jobs = host::jobs::jobsConfigFrom(out.effective["jobs"], errors);
    if (!jobs) setupFailed(errors.empty() ? "jobs config refused" : errors.front());
    out.jobs = *jobs;
    return out;
  }();
  return s;
}

inline void require(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "fuzz contract broken: %s\n", what);
    __builtin_trap();
  }
}

// A request body parsed as RequestContext::readJsonBody parses it; nullopt
// (after checking the refusal says why) where the host answers 400.
inline std::optional<nlohmann::json> requestBody(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  host::http::JsonBodyError bodyError;
  auto parsed = host::http::parseJsonBody(text, bodyError);
  if (!parsed) require(!bodyError.message.empty(), "a refused body says why");
  return parsed;
}

// What a validated create or patch row must be, whatever the body was.
inline void checkRow(const host::data::Collection& c, const nlohmann::json& row, bool creating) {
  require(row.is_object(), "a validated row is an object");
  for (const auto& [key, value] : row.items()) {
    const host::data::Field* f = c.field(key);
    require(f != nullptr && !f->readOnly, "a row holds only writable fields of the collection");
    require(!value.is_null() || f->nullable, "null only where the field is nullable");
    if (!f->allowed.empty() && !value.is_null()) {
      require(value.is_string() && std::find(f->allowed.begin(), f->allowed.end(), value.get<std::string>()) !=
                                       f->allowed.end(),
              "enum fields hold one of their values");
    }
  }
  if (creating) {
    for (const auto& f : c.fields) require(!f.required || f.readOnly || row.contains(f.name), "a created row has every required field");
  }
  (void)row.dump();  // as the repository receives it
}

}  // namespace wno::fuzz
