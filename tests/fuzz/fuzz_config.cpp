// The config loader (config/config_loader.h) on arbitrary file contents, and
// what the host builds from a config that loads: the collections, the jobs
// section and the redacted copy --print-config shows. Input: the file's
// text; after a NUL byte, one --set override per line. ${VAR} references
// resolve against a fixed environment (FUZZ_SET=value, FUZZ_EMPTY= empty,
// everything else unset).
// Every problem must come back as a ConfigError or an error string: an
// exception escaping any of these is a crash.
#include "fuzz_support.h"

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace {

const std::string& scratchFile() {
  static const std::string path = [] {
    char name[] = "/tmp/wno-fuzz-config-XXXXXX";
    const int fd = mkstemp(name);
    if (fd < 0) wno::fuzz::setupFailed("cannot create a scratch file in /tmp");
    close(fd);
    std::atexit([] { unlink(scratchFile().c_str()); });
    return std::string(name);
  }();
  return path;
}

void writeScratch(const std::string& text) {
  FILE* f = std::fopen(scratchFile().c_str(), "wb");
  if (!f) wno::fuzz::setupFailed("cannot write the scratch file");
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
}

// A value of the field's type, as a client would send it.
nlohmann::json sampleValue(const wno::host::data::Field& f) {
  using wno::host::data::FieldType;
  if (!f.defaultValue.is_null()) return f.defaultValue;
  switch (f.type) {
    case FieldType::Int64: return 1;
    case FieldType::Bool: return true;
    case FieldType::Double: return 0.5;
    case FieldType::Timestamp: return "2026-11-01T00:00:00Z";
    case FieldType::Json: return {{"k", 1}};
    default: return f.allowed.empty() ? std::string("x") : f.allowed.front();
  }
}

// The host serves a collection the config declared: bodies of the declared
// types must be validated without surprises.
void probeBodies(const wno::host::data::Collection& c) {
  std::string parameter;
  nlohmann::json full = nlohmann::json::object();
  for (const auto& f : c.fields) {
    if (f.readOnly) continue;
    const nlohmann::json one = {{f.name, sampleValue(f)}};
    full[f.name] = one[f.name];
    if (auto row = wno::host::data::validatePatch(c, one, parameter); row.isOk()) wno::fuzz::checkRow(c, row.value(), false);
  }
  if (auto row = wno::host::data::validateCreate(c, full, parameter); row.isOk()) wno::fuzz::checkRow(c, row.value(), true);
  if (auto row = wno::host::data::validateCreate(c, nlohmann::json::object(), parameter); row.isOk()) {
    wno::fuzz::checkRow(c, row.value(), true);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const auto nul = input.find('\0');
  writeScratch(input.substr(0, nul));
  wno::config::LoadOptions options;
  options.files = {scratchFile()};
  if (nul != std::string::npos) {
    std::string rest = input.substr(nul + 1);
    size_t start = 0;
    while (start <= rest.size() && options.overrides.size() < 16) {
      const auto end = rest.find('\n', start);
      options.overrides.push_back(rest.substr(start, end == std::string::npos ? std::string::npos : end - start));
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }
  options.getenv = [](const std::string& name) -> std::optional<std::string> {
    if (name == "FUZZ_SET") return std::string("value");
    if (name == "FUZZ_EMPTY") return std::string();
    return std::nullopt;
  };
  auto result = wno::config::loadConfig(options);
  for (const auto& e : result.errors) wno::fuzz::require(!e.message.empty(), "a config error says what is wrong");
  if (!result.ok()) return 0;

  (void)wno::config::redactSecrets(result.effective).dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  // What HostRuntime builds from the sections, in the order it does.
  const nlohmann::json& dataSection = result.effective.contains("data") ? result.effective["data"] : nlohmann::json();
  std::vector<std::string> errors;
  auto collections = wno::host::data::collectionsFrom(
      dataSection.is_object() ? dataSection.value("collections", nlohmann::json::object()) : nlohmann::json::object(),
      errors);
  if (errors.empty()) {
    for (const auto& [name, c] : collections) {
      (void)c.toRepositoryJson().dump();
      probeBodies(c);
    }
  }
  const nlohmann::json& jobsSection = result.effective.contains("jobs") ? result.effective["jobs"] : nlohmann::json();
  if (jobsSection.is_object() && jobsSection.contains("store")) {
    errors.clear();
    auto jobs = wno::host::jobs::jobsConfigFrom(jobsSection, errors);
    wno::fuzz::require(jobs.has_value() == errors.empty(), "jobsConfigFrom fails exactly when it reports errors");
  }
  return 0;
}
