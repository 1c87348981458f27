// One epoll loop thread multiplexing many non-blocking connections: accept,
// read and parse, hand complete requests to the dispatcher, write responses
// with one sendmsg (head + body), keep-alive and pipelining, and the
// deadlines that make a slow or idle client cost memory, never a thread.
// A server runs one loop per core on a shared listening socket.
#pragma once

#include "http/connection.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace wno::host::http {

struct LoopOptions {
  size_t maxHeaderBytes = 16 * 1024;
  size_t maxBodyBytes = 1 << 20;
  int headerTimeoutMs = 10000;      // whole request head, from its first byte
  int bodyTimeoutMs = 10000;        // body grace before the minimum rate applies
  int minBodyBytesPerSecond = 1024; // below this (after the grace) a body is too slow
  int keepAliveTimeoutMs = 5000;    // idle between requests
  int sendTimeoutMs = 30000;        // a client that stops reading our response
  int maxConnections = 10000;       // across all loops
  bool keepAlive = true;
};

// Called on the loop thread with a complete request in `connection`. It
// answers by filling connection.response and calling EventLoop::complete,
// on this thread or later from another one.
class Dispatcher {
 public:
  virtual ~Dispatcher() = default;
  virtual void dispatch(Connection& connection) = 0;
  // A request the loop refused before routing (malformed, too large, too
  // slow): for metrics and the access log.
  virtual void refused(Connection& connection, int status) = 0;
};

class EventLoop {
 public:
  EventLoop(int index, int listenFd, const LoopOptions& options, Dispatcher& dispatcher,
            std::atomic<int>& openConnections);
  ~EventLoop();

  void start();
  // Stops accepting (the listening socket stays open for the other loops
  // until the server closes it).
  void stopAccepting();
  // Closes idle connections now and every connection as soon as its current
  // response is out (draining).
  void drain();
  // Ends the thread; connections still open are closed.
  void stop();

  // Hands a dispatched connection back with its response filled; any thread.
  // From a worker, the response is written on that thread when the socket
  // takes it at once, and the loop is only woken when it has more to do
  // than pick the connection up with its next event (module comment).
  void complete(Connection& connection);

  // Connections in the middle of sending a request (its first byte is in,
  // it is not complete yet): shutdown waits for them as for requests being
  // handled, since their clients already count on an answer.
  int receiving() const { return receiving_.load(std::memory_order_relaxed); }


 private:
  void run();
  void acceptAll(int& spare);
  void onEvents(Connection& c, uint32_t events);
  void readAndParse(Connection& c);
  bool readSome(Connection& c);
  void dispatchRequest(Connection& c);
  void runLocalCompletions();
  void startResponse(Connection& c);
  void takeBackFromWorker(Connection& c);
  void writeSome(Connection& c);
  void finishResponse(Connection& c);
  void discardUntilClosed(Connection& c);
  void refuse(Connection& c, int status, const std::string& detail);
  void close(Connection& c);
  void stopReceiving(Connection& c);
  void sweep(int64_t nowMs);
  void drainCompletions();
  void wake();

  const int index_;
  const int listenFd_;
  const LoopOptions& options_;
  Dispatcher& dispatcher_;
  std::atomic<int>& openConnections_;
  int epollFd_ = -1;
  int wakeFd_ = -1;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> accepting_{true};
  std::atomic<bool> draining_{false};
  std::atomic<int> receiving_{0};
  bool listening_ = false;

  std::unordered_map<int, std::unique_ptr<Connection>> connections_;
  // Closed this round: an event later in the same epoll batch (or a
  // completion) may still point at them, so they are freed between rounds.
  std::vector<std::unique_ptr<Connection>> closed_;
  std::mutex completedMutex_;
  std::vector<Connection*> completed_;
  // Completions waiting in completed_ (read without the lock each round),
  // and whether a wake-up is already on its way.
  std::atomic<bool> completionsPending_{false};
  std::atomic<bool> wakePending_{false};
  std::vector<Connection*> localCompleted_;  // answered on this thread

  int64_t nowMs_ = 0;
  int64_t nextSweepMs_ = 0;
};

}  // namespace wno::host::http
