#include "plugins/host_context.h"

#include <optional>

namespace wno::host {
namespace {
thread_local std::optional<std::string> t_error;
}

void clearPluginError() { t_error.reset(); }
void setPluginError(std::string message) { t_error = std::move(message); }

std::string takePluginError(const std::string& fallback) {
  std::string message = t_error ? std::move(*t_error) : fallback;
  t_error.reset();
  return message;
}

}  // namespace wno::host
