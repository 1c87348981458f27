// The JSON Schema a job handler declares for its job data (ABI 1.2,
// wno_type_job_handler.data_schema_json): parsed once when jobs are set up,
// checked on every enqueue of that type, and shown in /openapi.json. It is
// checked with the validator config/schema.json is checked with, so a schema
// may use only the keywords that validator knows; parse() refuses others
// rather than describe a constraint the host would not enforce.
#pragma once

#include "jobs/job_request.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace wno::host::jobs {

class JobDataSchema {
 public:
  // nullopt with `why` filled when the text is not a JSON object schema in
  // the supported keywords.
  static std::optional<JobDataSchema> parse(std::string_view text, std::string& why);

  // True when `data` matches; otherwise fills error with parameter
  // "data.<member path>" (or "data") and the first mismatch. Never changes data.
  bool check(const nlohmann::json& data, RequestError& error) const;

  const nlohmann::json& schema() const { return schema_; }

 private:
  explicit JobDataSchema(nlohmann::json schema) : schema_(std::move(schema)) {}
  nlohmann::json schema_;
};

}  // namespace wno::host::jobs
