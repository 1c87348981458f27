#include "core/logger.h"

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

std::string isoTimestampNow() {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  const std::time_t t = system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

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
