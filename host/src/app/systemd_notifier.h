// Readiness and watchdog for systemd (Type=notify, WatchdogSec=), through
// libsystemd's sd_notify. Does nothing unless systemd asked for it
// (NOTIFY_SOCKET set), so the same binary runs anywhere.
//   READY=1    once `ready()` is true, i.e. when GET /readyz would answer 200;
//   WATCHDOG=1 every half watchdog interval, but only while GET /livez on the
//              host's own port answers 200: a wedged event loop stops the
//              pings and systemd restarts the host;
//   STOPPING=1 from stopping(), when SIGTERM starts the drain.
// Thread-safe: one background thread; the destructor stops and joins it.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace wno::host {

class SystemdNotifier {
 public:
  // `ready` is polled every 100 ms until true; `livezHost`/`livezPort` is
  // where the host listens (a wildcard host is reached on loopback).
  SystemdNotifier(std::function<bool()> ready, std::string livezHost, uint16_t livezPort);
  ~SystemdNotifier();

  SystemdNotifier(const SystemdNotifier&) = delete;
  SystemdNotifier& operator=(const SystemdNotifier&) = delete;

  // Sends STOPPING=1 and ends the thread (no more watchdog pings).
  void stopping();

 private:
  void run();
  bool livez(int timeoutMs) const;
  // Waits up to `ms`; false when stopping() was called.
  bool sleepFor(int64_t ms);

  std::function<bool()> ready_;
  std::string host_;
  uint16_t port_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace wno::host
