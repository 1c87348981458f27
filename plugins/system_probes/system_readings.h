// Readings of CPU, memory and disk from /proc, cgroup v2 and statvfs, as
// pure parsers plus small samplers. Roots are configurable so tests can
// point them at fake trees.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace wno::probes {

struct ProcStat {
  uint64_t total = 0;  // all jiffies
  uint64_t idle = 0;   // idle + iowait
  int cpus = 0;        // cpuN lines
};
std::optional<ProcStat> parseProcStat(const std::string& text);

// cgroup v2 cpu.max: "max 100000" -> nullopt (no quota); "150000 100000" -> 1.5 cores.
std::optional<double> parseCpuMax(const std::string& text);
// cgroup v2 cpu.stat usage_usec.
std::optional<uint64_t> parseCpuUsageUsec(const std::string& text);

struct MemInfo {
  uint64_t totalBytes = 0;
  uint64_t availableBytes = 0;
};
std::optional<MemInfo> parseMemInfo(const std::string& text);
std::optional<uint64_t> parseVmRssBytes(const std::string& procSelfStatus);
// memory.max: "max" -> nullopt; else bytes.
std::optional<uint64_t> parseMemoryMax(const std::string& text);

// The cgroup v2 directory of this process under cgroupRoot ("0::/a/b" in
// /proc/self/cgroup -> <root>/a/b), or cgroupRoot when it cannot tell.
std::string cgroupDir(const std::string& procRoot, const std::string& cgroupRoot);

std::optional<std::string> readFile(const std::string& path);

// Utilization between two samples, 0..1.
double cpuUtilization(const ProcStat& before, const ProcStat& after);
// Utilization of a cgroup quota: usage microseconds over wall microseconds x cores.
double cgroupUtilization(uint64_t usageDeltaUs, uint64_t wallDeltaUs, double cores);

}  // namespace wno::probes
