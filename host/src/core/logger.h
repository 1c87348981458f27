// Structured logging: one JSON object per line on stderr (or plain text for
// humans), safe from any thread. Used for the host log and the access log.
#pragma once

#include <wno/common.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <optional>
#include <string>
#include <string_view>

namespace wno::host {

enum class LogFormat { Json, Text };

class Logger {
 public:
  static Logger& instance();

  void configure(wno_log_level minLevel, LogFormat format);
  bool enabled(wno_log_level level) const { return level >= minLevel_.load(std::memory_order_relaxed); }

  // fields: extra keys merged into the line (must be a JSON object or null).
  void log(wno_log_level level, std::string_view component, std::string_view message,
           const nlohmann::json& fields = nullptr);
  // Writes an already complete record (the access log), under the same lock.
  void record(const nlohmann::json& line);

 private:
  Logger() = default;
  void write(const std::string& line);

  std::atomic<wno_log_level> minLevel_{WNO_LOG_INFO};
  std::atomic<LogFormat> format_{LogFormat::Json};
};

std::optional<wno_log_level> parseLogLevel(std::string_view name);
const char* logLevelName(wno_log_level level);
std::string isoTimestampNow();

inline void logInfo(std::string_view component, std::string_view msg, const nlohmann::json& f = nullptr) {
  Logger::instance().log(WNO_LOG_INFO, component, msg, f);
}
inline void logWarn(std::string_view component, std::string_view msg, const nlohmann::json& f = nullptr) {
  Logger::instance().log(WNO_LOG_WARN, component, msg, f);
}
inline void logError(std::string_view component, std::string_view msg, const nlohmann::json& f = nullptr) {
  Logger::instance().log(WNO_LOG_ERROR, component, msg, f);
}
inline void logDebug(std::string_view component, std::string_view msg, const nlohmann::json& f = nullptr) {
  Logger::instance().log(WNO_LOG_DEBUG, component, msg, f);
}

}  // namespace wno::host
