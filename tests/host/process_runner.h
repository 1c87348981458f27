// Runs the real wno-host binary as a child process for end-to-end tests:
// captures stdout/stderr, sends signals, waits with a deadline (a hung host
// fails the test instead of hanging ctest).
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace wno::test {

class ChildProcess {
 public:
  // `env` entries ("NAME=value") are added to (or replace) the inherited environment.
  static std::unique_ptr<ChildProcess> start(const std::string& program, const std::vector<std::string>& args,
                                             const std::vector<std::string>& env = {});
  ~ChildProcess();

  // Exit code, or -1000 - signal when killed by a signal. On timeout the
  // child is killed with SIGKILL and -1 is returned.
  int wait(std::chrono::milliseconds timeout);
  void signal(int sig);
  bool running();
  int pid() const { return pid_; }
  std::string out();
  std::string err();

 private:
  ChildProcess() = default;
  void reap(int status);

  int pid_ = -1;
  int exitCode_ = 0;
  bool exited_ = false;
  std::mutex mutex_;
  std::string out_, err_;
  std::thread outReader_, errReader_;
};

struct RunResult {
  int exitCode = 0;
  std::string out;
  std::string err;
};

// Runs wno-host with args to completion (bounded by timeout).
RunResult runHost(const std::vector<std::string>& args,
                  std::chrono::milliseconds timeout = std::chrono::seconds(30));

// Polls /readyz on `port` until it answers 200 (true), `host` exits or
// `limit` passes (false).
bool waitReady(int port, ChildProcess& host, std::chrono::milliseconds limit = std::chrono::seconds(15));

// Starts wno-host on `configPath` (plus `extraArgs`, with `env` as for
// ChildProcess::start) and waits until it is ready on `port`; throws with
// the host's stderr when it exits first or is not ready within `limit`.
std::unique_ptr<ChildProcess> startReadyHost(const std::string& configPath, int port,
                                             const std::vector<std::string>& extraArgs = {},
                                             const std::vector<std::string>& env = {},
                                             std::chrono::milliseconds limit = std::chrono::seconds(15));

// A loopback port that was free a moment ago.
int freePort();

// A temp file with the given content, removed at process exit.
std::string writeTempFile(const std::string& name, const std::string& content);

struct HttpResponse {
  int status = 0;
  std::string reason;  // the status line's phrase, e.g. "Not Found"
  std::string body;
  std::string contentType;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string header(const std::string& name) const;
};

HttpResponse httpRequest(int port, const std::string& method, const std::string& path,
                         const std::string& body = "",
                         const std::vector<std::pair<std::string, std::string>>& headers = {});

}  // namespace wno::test
