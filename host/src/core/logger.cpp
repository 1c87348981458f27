#include "core/logger.h"

#include "common/utc_time.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace wno::host {
namespace {
// One lock for every line: interleaved partial lines make logs unparseable.
std::mutex& writeMutex() {
  static std::mutex m;
  return m;
}
}  // namespace

Logger& Logger::instance() {
  static Logger logger;
  return logger;
}

void Logger::configure(wno_log_level minLevel, LogFormat format) {
  minLevel_.store(minLevel);
  format_.store(format);
}

std::string isoTimestampNow() { return common::utcNow(3); }

void Logger::log(wno_log_level level, std::string_view component, std::string_view message,
                 const nlohmann::json& fields) {
  if (!enabled(level)) return;
  if (format_.load() == LogFormat::Text) {
    std::string line = isoTimestampNow() + " " + logLevelName(level) + " [" + std::string(component) +
                       "] " + std::string(message);
    if (fields.is_object() && !fields.empty()) line += " " + fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    write(line);
    return;
  }
  nlohmann::json line = {{"ts", isoTimestampNow()},
                         {"level", logLevelName(level)},
                         {"component", component},
                         {"msg", message}};
  if (fields.is_object()) line.update(fields);
  write(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void Logger::record(const nlohmann::json& line) {
  write(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void Logger::write(const std::string& line) {
  std::lock_guard lock(writeMutex());
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fputc('\n', stderr);
}

std::optional<wno_log_level> parseLogLevel(std::string_view name) {
  if (name == "trace") return WNO_LOG_TRACE;
  if (name == "debug") return WNO_LOG_DEBUG;
  if (name == "info") return WNO_LOG_INFO;
  if (name == "warn") return WNO_LOG_WARN;
  if (name == "error") return WNO_LOG_ERROR;
  return std::nullopt;
}

const char* logLevelName(wno_log_level level) {
  switch (level) {
    case WNO_LOG_TRACE: return "trace";
    case WNO_LOG_DEBUG: return "debug";
    case WNO_LOG_INFO: return "info";
    case WNO_LOG_WARN: return "warn";
    default: return "error";
  }
}

}  // namespace wno::host
