#include "system_readings.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace wno::probes {

std::optional<std::string> readFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::optional<ProcStat> parseProcStat(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  ProcStat out;
  bool sawTotal = false;
  while (std::getline(in, line)) {
    if (line.rfind("cpu ", 0) == 0) {
      std::istringstream fields(line.substr(4));
      uint64_t v = 0, total = 0, idle = 0;
      for (int i = 0; fields >> v; ++i) {
        // Fields: user nice system idle iowait irq softirq steal guest guest_nice.
        // guest time is already inside user, so it is not added twice.
        if (i >= 8) break;
        total += v;
        if (i == 3 || i == 4) idle += v;
      }
      out.total = total;
      out.idle = idle;
      sawTotal = true;
    } else if (line.rfind("cpu", 0) == 0 && line.size() > 3 && std::isdigit(static_cast<unsigned char>(line[3]))) {
      ++out.cpus;
    }
  }
  if (!sawTotal) return std::nullopt;
  return out;
}

std::optional<double> parseCpuMax(const std::string& text) {
  std::istringstream in(text);
  std::string quota;
  uint64_t period = 0;
  if (!(in >> quota >> period) || quota == "max" || period == 0) return std::nullopt;
  try {
    return static_cast<double>(std::stoull(quota)) / static_cast<double>(period);
  } catch (...) {
    return std::nullopt;
  }
}

std::optional<uint64_t> parseCpuUsageUsec(const std::string& text) {
  std::istringstream in(text);
  std::string key;
  uint64_t value = 0;
  while (in >> key >> value) {
    if (key == "usage_usec") return value;
  }
  return std::nullopt;
}

std::optional<MemInfo> parseMemInfo(const std::string& text) {
  std::istringstream in(text);
  std::string key, unit;
  uint64_t value = 0;
  MemInfo m;
  bool total = false, available = false;
  while (in >> key >> value) {
    std::getline(in, unit);
    if (key == "MemTotal:") {
      m.totalBytes = value * 1024;
      total = true;
    } else if (key == "MemAvailable:") {
      m.availableBytes = value * 1024;
      available = true;
    }
  }
  if (!total || !available || m.totalBytes == 0) return std::nullopt;
  return m;
}

std::optional<uint64_t> parseVmRssBytes(const std::string& status) {
  std::istringstream in(status);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) != 0) continue;
    std::istringstream fields(line.substr(6));
    uint64_t kb = 0;
    if (fields >> kb) return kb * 1024;
  }
  return std::nullopt;
}

std::optional<uint64_t> parseMemoryMax(const std::string& text) {
  std::istringstream in(text);
  std::string value;
  if (!(in >> value) || value == "max") return std::nullopt;
  try {
    return std::stoull(value);
  } catch (...) {
    return std::nullopt;
  }
}

std::string cgroupDir(const std::string& procRoot, const std::string& cgroupRoot) {
  auto text = readFile(procRoot + "/self/cgroup");
  if (!text) return cgroupRoot;
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("0::", 0) == 0) {
      const std::string path = line.substr(3);
      return path == "/" || path.empty() ? cgroupRoot : cgroupRoot + path;
    }
  }
  return cgroupRoot;
}

double cpuUtilization(const ProcStat& before, const ProcStat& after) {
  if (after.total <= before.total) return 0.0;
  const double total = static_cast<double>(after.total - before.total);
  const double idle = static_cast<double>(after.idle >= before.idle ? after.idle - before.idle : 0);
  return std::clamp(1.0 - idle / total, 0.0, 1.0);
}

double cgroupUtilization(uint64_t usageDeltaUs, uint64_t wallDeltaUs, double cores) {
  if (wallDeltaUs == 0 || cores <= 0) return 0.0;
  return std::clamp(static_cast<double>(usageDeltaUs) / (static_cast<double>(wallDeltaUs) * cores), 0.0, 1.0);
}

}  // namespace wno::probes
