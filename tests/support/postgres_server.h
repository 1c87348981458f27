// A throwaway PostgreSQL 15 for tests: initdb into a temp dir, started on a
// free loopback port with fsync off, stopped (immediate) and removed when
// destroyed. As root it runs the server as the postgres user (runuser).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace wno::test {

class PostgresServer {
 public:
  PostgresServer() : port_(freePort()) {
    dir_ = std::filesystem::temp_directory_path() / ("wno-pg-" + std::to_string(::getpid()) + "-" + std::to_string(port_));
    std::filesystem::create_directories(dir_);
    if (::geteuid() == 0) run("chown postgres: " + dir_.string());
    // --no-sync: the cluster is thrown away, so initdb need not wait for the disk.
    run(as() + bin("initdb") + " --no-sync -D " + data() + " -U postgres --auth=trust -E UTF8 > " + (dir_ / "initdb.log").string() + " 2>&1");
    start();
  }
  ~PostgresServer() {
    stop();
    std::error_code ec;
    // WNO_TEST_KEEP_PG_LOGS=<dir>: keep the server's log (with its
    // connections logged) there, to see what it did during a failed test.
    if (const char* keep = std::getenv("WNO_TEST_KEEP_PG_LOGS")) {
      std::filesystem::copy_file(log(), std::filesystem::path(keep) / ("pg-" + std::to_string(port_) + ".log"),
                                 std::filesystem::copy_options::overwrite_existing, ec);
    }
    std::filesystem::remove_all(dir_, ec);
  }

  int port() const { return port_; }
  std::string url() const { return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/postgres"; }

  void start() {
    run(as() + bin("pg_ctl") + " -D " + data() + " -l " + log() + " -w -t 60 -o \"-p " + std::to_string(port_) +
        " -k " + dir_.string() + " -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off" +
        " -c full_page_writes=off -c max_connections=200" +
        (std::getenv("WNO_TEST_KEEP_PG_LOGS") ? " -c log_connections=on -c log_disconnections=on" : "") +
        "\" start > /dev/null");
  }
  // "immediate" is a crash (no checkpoint; sessions cut); "fast" is a
  // planned restart (sessions told "terminating connection due to
  // administrator command", then a checkpoint).
  void stop(const std::string& mode = "immediate") {
    std::system((as() + bin("pg_ctl") + " -D " + data() + " -m " + mode + " -w stop > /dev/null 2>&1").c_str());
  }
  // A hung database (a paused VM, a storage stall): every server process
  // stopped, connections open, the kernel still accepting. thaw() resumes.
  void freeze() { signalAll("STOP"); }
  void thaw() { signalAll("CONT"); }
  // Runs SQL through psql; false if psql failed. `background` returns at once.
  bool psql(const std::string& sql, bool background = false) const {
    const std::string command = "psql -q -X -v ON_ERROR_STOP=1 '" + url() + "' -c \"" + sql + "\" > /dev/null 2>&1";
    return std::system((background ? "(" + command + ") &" : command).c_str()) == 0;
  }

 private:
  static std::string bin(const char* tool) { return std::string("/usr/lib/postgresql/15/bin/") + tool; }
  static std::string as() { return ::geteuid() == 0 ? "runuser -u postgres -- " : ""; }
  std::string data() const { return (dir_ / "data").string(); }
  std::string log() const { return (dir_ / "server.log").string(); }
  static void run(const std::string& command) {
    if (std::system(command.c_str()) != 0) throw std::runtime_error("failed: " + command);
  }
  void signalAll(const char* signal) const {
    // The postmaster's pid is the first line of postmaster.pid; its children are the backends.
    const std::string pid = "$(head -1 " + data() + "/postmaster.pid)";
    run(std::string("kill -") + signal + " " + pid + "; pkill -" + signal + " -P " + pid + "; true");
  }
  static int freePort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
  }

  int port_;
  std::filesystem::path dir_;
};

}  // namespace wno::test
