// The system probes: cpu, memory and disk, through the SDK.
//   cpu    {"degraded_above":0.85,"down_above":0.98,"scope":"system","proc_root":"/proc","cgroup_root":"/sys/fs/cgroup"}
//          scope "system": the machine, or the cgroup when it has a CPU quota;
//          "process": this host process's own CPU time over the cores it may use.
//   memory {"degraded_above":0.85,"down_above":0.95,"proc_root":...,"cgroup_root":...}
//   disk   {"path":".","degraded_below_free":0.10,"down_below_free":0.02}
// Each reports a load signal: CPU utilization, memory used fraction, disk used fraction.
#include "system_readings.h"

#include <wno/sdk/config.hpp>
#include <wno/sdk/sdk.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <set>
#include <sched.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <thread>

namespace {

using namespace wno::probes;
using wno::sdk::ProbeReport;

nlohmann::json parseConfig(std::string_view text, const std::set<std::string>& known) {
  return wno::sdk::ComponentConfig(text, std::vector<std::string>(known.begin(), known.end())).json();
}

double fraction(const nlohmann::json& config, const char* key, double fallback) {
  if (!config.contains(key)) return fallback;
  if (!config[key].is_number() || config[key].get<double>() < 0 || config[key].get<double>() > 1) {
    throw wno::sdk::invalid(std::string(key) + ": expected a number from 0 to 1");
  }
  return config[key].get<double>();
}

wno_health grade(double value, double degradedAbove, double downAbove) {
  if (value > downAbove) return WNO_HEALTH_DOWN;
  if (value > degradedAbove) return WNO_HEALTH_DEGRADED;
  return WNO_HEALTH_UP;
}

std::string percent(double v) { return std::to_string(static_cast<int>(std::lround(v * 100))) + "%"; }

class CpuProbe : public wno::sdk::HealthProbe {
 public:
  CpuProbe(wno::sdk::Host, std::string_view configJson) {
    auto c = parseConfig(configJson, {"degraded_above", "down_above", "scope", "proc_root", "cgroup_root"});
    degradedAbove_ = fraction(c, "degraded_above", 0.85);
    downAbove_ = fraction(c, "down_above", 0.98);
    if (c.contains("scope")) {
      if (c["scope"] != "system" && c["scope"] != "process") throw wno::sdk::invalid("scope: expected system or process");
      processScope_ = c["scope"] == "process";
    }
    procRoot_ = c.value("proc_root", "/proc");
    cgroup_ = cgroupDir(procRoot_, c.value("cgroup_root", "/sys/fs/cgroup"));
  }

  ProbeReport check(std::chrono::milliseconds timeout) override {
    Sample now = sample();
    if (!last_) {
      // First check: a second sample shortly after, so the first answer is
      // a current utilization rather than an average since boot.
      std::this_thread::sleep_for(std::min(std::chrono::milliseconds(100), timeout / 2));
      last_ = now;
      now = sample();
    }
    if (!now.stat) throw wno::sdk::unavailable("cannot read " + procRoot_ + "/stat");
    double utilization = cpuUtilization(*last_->stat, *now.stat);
    nlohmann::json details = {{"cores_online", now.stat->cpus}, {"source", "proc"}};
    const auto wallUs = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(now.at - last_->at).count());
    if (processScope_) {
      // This process's share of what it may use: the cores it may run on,
      // fewer under a cgroup quota. Other tenants' load does not count.
      double cores = std::max(1, now.affinityCores);
      if (now.quotaCores) cores = std::min(cores, *now.quotaCores);
      utilization = cgroupUtilization(now.processUs - std::min(now.processUs, last_->processUs), wallUs, cores);
      details["source"] = "process";
      details["process_cores"] = cores;
      details["quota_cores"] = now.quotaCores ? nlohmann::json(*now.quotaCores) : nlohmann::json(nullptr);
    } else if (now.quotaCores && now.usageUs && last_->usageUs) {
      // Inside a CPU-limited cgroup the quota, not the machine, is the capacity.
      const double cores = std::min<double>(*now.quotaCores, std::max(1, now.stat->cpus));
      utilization = cgroupUtilization(*now.usageUs - std::min(*now.usageUs, *last_->usageUs), wallUs, cores);
      details["source"] = "cgroup";
      details["quota_cores"] = *now.quotaCores;
    } else {
      details["quota_cores"] = nullptr;
    }
    last_ = now;
    details["utilization"] = utilization;
    ProbeReport r;
    r.status = grade(utilization, degradedAbove_, downAbove_);
    r.load = utilization;
    r.message = (processScope_ ? "process cpu " : "cpu ") + percent(utilization);
    r.detailsJson = details.dump();
    return r;
  }

 private:
  struct Sample {
    std::optional<ProcStat> stat;
    std::optional<double> quotaCores;
    std::optional<uint64_t> usageUs;
    uint64_t processUs = 0;  // this process's user + system CPU time
    int affinityCores = 0;
    std::chrono::steady_clock::time_point at;
  };
  Sample sample() const {
    Sample s;
    s.at = std::chrono::steady_clock::now();
    if (processScope_) {
      rusage usage{};
      if (::getrusage(RUSAGE_SELF, &usage) == 0) {
        auto us = [](const timeval& tv) { return static_cast<uint64_t>(tv.tv_sec) * 1000000 + tv.tv_usec; };
        s.processUs = us(usage.ru_utime) + us(usage.ru_stime);
      }
      cpu_set_t set;
      CPU_ZERO(&set);
      s.affinityCores = ::sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
    }
    if (auto text = readFile(procRoot_ + "/stat")) s.stat = parseProcStat(*text);
    if (auto text = readFile(cgroup_ + "/cpu.max")) s.quotaCores = parseCpuMax(*text);
    if (auto text = readFile(cgroup_ + "/cpu.stat")) s.usageUs = parseCpuUsageUsec(*text);
    return s;
  }

  double degradedAbove_, downAbove_;
  bool processScope_ = false;
  std::string procRoot_, cgroup_;
  std::optional<Sample> last_;
};

class MemoryProbe : public wno::sdk::HealthProbe {
 public:
  MemoryProbe(wno::sdk::Host, std::string_view configJson) {
    auto c = parseConfig(configJson, {"degraded_above", "down_above", "proc_root", "cgroup_root"});
    degradedAbove_ = fraction(c, "degraded_above", 0.85);
    downAbove_ = fraction(c, "down_above", 0.95);
    procRoot_ = c.value("proc_root", "/proc");
    cgroup_ = cgroupDir(procRoot_, c.value("cgroup_root", "/sys/fs/cgroup"));
  }

  ProbeReport check(std::chrono::milliseconds) override {
    auto meminfo = readFile(procRoot_ + "/meminfo");
    auto info = meminfo ? parseMemInfo(*meminfo) : std::nullopt;
    if (!info) throw wno::sdk::unavailable("cannot read " + procRoot_ + "/meminfo");
    nlohmann::json details = {{"system_total_bytes", info->totalBytes}, {"system_available_bytes", info->availableBytes}};
    if (auto status = readFile(procRoot_ + "/self/status")) {
      if (auto rss = parseVmRssBytes(*status)) details["rss_bytes"] = *rss;
    }
    double used = 1.0 - static_cast<double>(info->availableBytes) / static_cast<double>(info->totalBytes);
    details["source"] = "system";
    auto maxText = readFile(cgroup_ + "/memory.max");
    auto currentText = readFile(cgroup_ + "/memory.current");
    if (maxText && currentText) {
      if (auto limit = parseMemoryMax(*maxText)) {
        // In a memory-limited cgroup, the limit is what the OOM killer enforces.
        const uint64_t current = std::stoull(*currentText);
        used = std::min(1.0, static_cast<double>(current) / static_cast<double>(*limit));
        details["source"] = "cgroup";
        details["cgroup_limit_bytes"] = *limit;
        details["cgroup_current_bytes"] = current;
      }
    }
    details["used_fraction"] = used;
    ProbeReport r;
    r.status = grade(used, degradedAbove_, downAbove_);
    r.load = used;
    r.message = "memory " + percent(used) + " used";
    r.detailsJson = details.dump();
    return r;
  }

 private:
  double degradedAbove_, downAbove_;
  std::string procRoot_, cgroup_;
};

class DiskProbe : public wno::sdk::HealthProbe {
 public:
  DiskProbe(wno::sdk::Host, std::string_view configJson) {
    auto c = parseConfig(configJson, {"path", "degraded_below_free", "down_below_free"});
    path_ = c.value("path", ".");
    degradedBelow_ = fraction(c, "degraded_below_free", 0.10);
    downBelow_ = fraction(c, "down_below_free", 0.02);
  }

  ProbeReport check(std::chrono::milliseconds) override {
    struct statvfs fs {};
    if (::statvfs(path_.c_str(), &fs) != 0 || fs.f_blocks == 0) {
      throw wno::sdk::unavailable("cannot stat the file system of " + path_);
    }
    const double total = static_cast<double>(fs.f_blocks) * static_cast<double>(fs.f_frsize);
    const double free = static_cast<double>(fs.f_bavail) * static_cast<double>(fs.f_frsize);
    const double freeFraction = free / total;
    ProbeReport r;
    r.status = freeFraction < downBelow_ ? WNO_HEALTH_DOWN : freeFraction < degradedBelow_ ? WNO_HEALTH_DEGRADED : WNO_HEALTH_UP;
    r.load = 1.0 - freeFraction;
    r.message = "disk " + percent(freeFraction) + " free at " + path_;
    r.detailsJson = nlohmann::json{{"path", path_}, {"total_bytes", total}, {"free_bytes", free}, {"free_fraction", freeFraction}}.dump();
    return r;
  }

 private:
  std::string path_;
  double degradedBelow_, downBelow_;
};

}  // namespace

WNO_PLUGIN("system_probes", "0.1.0", "CPU, memory and disk health probes",
           WNO_HEALTH_PROBE("cpu", CpuProbe, "CPU use of this machine, a load signal"),
           WNO_HEALTH_PROBE("memory", MemoryProbe, "Memory use of this machine and process, a load signal"),
           WNO_HEALTH_PROBE("disk", DiskProbe, "Free space of a file system"));
