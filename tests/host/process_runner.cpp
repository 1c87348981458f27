#include "process_runner.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/String.h>

#include <csignal>
#include <stdexcept>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

namespace wno::test {
namespace {

void readAll(int fd, std::string& into, std::mutex& mutex) {
  char buffer[4096];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) break;
    std::lock_guard lock(mutex);
    into.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
}

}  // namespace

std::unique_ptr<ChildProcess> ChildProcess::start(const std::string& program, const std::vector<std::string>& args,
                                                  const std::vector<std::string>& env) {
  int outPipe[2], errPipe[2];
  if (::pipe(outPipe) != 0 || ::pipe(errPipe) != 0) return nullptr;
  std::vector<std::string> argvStore{program};
  argvStore.insert(argvStore.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argvStore) argv.push_back(a.data());
  argv.push_back(nullptr);
  // Built before fork: the child only calls async-signal-safe functions.
  std::vector<std::string> envStore(env);
  for (char** e = environ; *e; ++e) {
    const std::string entry(*e);
    const std::string name = entry.substr(0, entry.find('=') + 1);
    bool replaced = false;
    for (const auto& extra : env) replaced = replaced || extra.rfind(name, 0) == 0;
    if (!replaced) envStore.push_back(entry);
  }
  std::vector<char*> envp;
  for (auto& e : envStore) envp.push_back(e.data());
  envp.push_back(nullptr);

  const int pid = ::fork();
  if (pid == 0) {
    ::dup2(outPipe[1], 1);
    ::dup2(errPipe[1], 2);
    ::close(outPipe[0]);
    ::close(errPipe[0]);
    ::close(outPipe[1]);
    ::close(errPipe[1]);
    // The test runner may have signals blocked; the child starts clean.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(program.c_str(), argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(outPipe[1]);
  ::close(errPipe[1]);
  std::unique_ptr<ChildProcess> child(new ChildProcess());
  child->pid_ = pid;
  child->outReader_ = std::thread(readAll, outPipe[0], std::ref(child->out_), std::ref(child->mutex_));
  child->errReader_ = std::thread(readAll, errPipe[0], std::ref(child->err_), std::ref(child->mutex_));
  return child;
}

ChildProcess::~ChildProcess() {
  if (!exited_) {
    ::kill(pid_, SIGKILL);
    wait(std::chrono::seconds(5));
  }
  if (outReader_.joinable()) outReader_.join();
  if (errReader_.joinable()) errReader_.join();
}

void ChildProcess::reap(int status) {
  exited_ = true;
  exitCode_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1000 - WTERMSIG(status);
}

bool ChildProcess::running() {
  if (exited_) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) reap(status);
  return !exited_;
}

int ChildProcess::wait(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      exited_ = true;
      if (outReader_.joinable()) outReader_.join();
      if (errReader_.joinable()) errReader_.join();
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  // The pipes close when the child exits; collect everything it wrote.
  if (outReader_.joinable()) outReader_.join();
  if (errReader_.joinable()) errReader_.join();
  return exitCode_;
}

void ChildProcess::signal(int sig) {
  if (!exited_) ::kill(pid_, sig);
}

std::string ChildProcess::out() {
  std::lock_guard lock(mutex_);
  return out_;
}

std::string ChildProcess::err() {
  std::lock_guard lock(mutex_);
  return err_;
}

RunResult runHost(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
  auto child = ChildProcess::start(WNO_HOST_BINARY, args);
  RunResult result;
  result.exitCode = child->wait(timeout);
  result.out = child->out();
  result.err = child->err();
  return result;
}

bool waitReady(int port, ChildProcess& host, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (host.running() && std::chrono::steady_clock::now() < deadline) {
    try {
      if (httpRequest(port, "GET", "/readyz").status == 200) return true;
    } catch (const std::exception&) {
      // not listening yet
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  }
  return false;
}

std::unique_ptr<ChildProcess> startReadyHost(const std::string& configPath, int port,
                                             const std::vector<std::string>& extraArgs,
                                             const std::vector<std::string>& env, std::chrono::milliseconds limit) {
  std::vector<std::string> args = {"--config", configPath};
  args.insert(args.end(), extraArgs.begin(), extraArgs.end());
  auto host = ChildProcess::start(WNO_HOST_BINARY, args, env);
  if (waitReady(port, *host, limit)) return host;
  const bool exited = !host->running();
  throw std::runtime_error(std::string("wno-host on ") + configPath + (exited ? " exited before it was ready: " : " was not ready in time: ") +
                           host->err());
}

int freePort() {
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
  return socket.address().port();
}

std::string writeTempFile(const std::string& name, const std::string& content) {
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("wno-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(std::filesystem::temp_directory_path() / ("wno-test-" + std::to_string(::getpid())),
                                  ec);
    });
    return d;
  }();
  const auto path = dir / name;
  std::ofstream(path) << content;
  return path.string();
}

std::string HttpResponse::header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (Poco::icompare(k, name) == 0) return v;
  }
  return "";
}

HttpResponse httpRequest(int port, const std::string& method, const std::string& path, const std::string& body,
                         const std::vector<std::pair<std::string, std::string>>& headers) {
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
  session.setTimeout(Poco::Timespan(10, 0));
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  for (const auto& [k, v] : headers) request.set(k, v);
  if (!body.empty() || method == "POST" || method == "PATCH") {
    request.setContentLength64(static_cast<Poco::Int64>(body.size()));
    request.setContentType("application/json");
  }
  session.sendRequest(request) << body;
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  HttpResponse result;
  result.status = response.getStatus();
  result.reason = response.getReason();
  result.contentType = response.getContentType();
  for (const auto& [k, v] : response) result.headers.emplace_back(k, v);
  Poco::StreamCopier::copyToString(in, result.body);
  return result;
}

}  // namespace wno::test
