#include "health/process_resources.h"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

namespace wno::host {
namespace {

// "VmRSS:     1234 kB" -> 1234 * 1024; null when the line is missing.
nlohmann::json statusField(const std::string& text, const std::string& name, bool kilobytes) {
  const std::string key = "\n" + name + ":";
  auto at = text.find(key);
  if (at == std::string::npos) return nullptr;
  try {
    const long long v = std::stoll(text.substr(at + key.size()));
    return kilobytes ? v * 1024 : v;
  } catch (const std::exception&) {
    return nullptr;
  }
}

}  // namespace

nlohmann::json processResources() {
  nlohmann::json out;
  std::ifstream statusFile("/proc/self/status");
  const std::string status = "\n" + std::string(std::istreambuf_iterator<char>(statusFile), {});
  out["rss_bytes"] = statusField(status, "VmRSS", true);
  out["threads"] = statusField(status, "Threads", false);

  std::error_code ec;
  size_t fds = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++fds;
  }
  out["open_fds"] = ec ? nlohmann::json(nullptr) : nlohmann::json(fds);
  rlimit limit{};
  out["max_fds"] = ::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY
                       ? nlohmann::json(static_cast<uint64_t>(limit.rlim_cur))
                       : nlohmann::json(nullptr);

  rusage usage{};
  if (::getrusage(RUSAGE_SELF, &usage) == 0) {
    auto seconds = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; };
    out["cpu_user_s"] = seconds(usage.ru_utime);
    out["cpu_system_s"] = seconds(usage.ru_stime);
  }
  out["cores"] = std::thread::hardware_concurrency();
  out["pid"] = ::getpid();
  return out;
}

}  // namespace wno::host
