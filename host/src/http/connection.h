// One client connection, owned by the event loop that accepted it. Only that
// loop touches it, except while a request is dispatched to a worker: then the
// worker owns `request`, `response` and `context` until it hands the
// connection back (EventLoop::complete), and the loop touches nothing but
// the flags it alone reads. The fd stays open until the connection is
// destroyed, so a worker never writes to a number the kernel gave to
// someone else.
#pragma once

#include "http/http_message.h"
#include "http/request_context.h"
#include "http/request_parser.h"

#include <sys/uio.h>

#include <atomic>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace wno::host::http {

class EventLoop;

class Connection {
 public:
  enum class State {
    Reading,     // waiting for (more of) a request
    Dispatched,  // a handler has the request
    Writing,     // the response is being written
    Closing,     // the last response is being written; linger when it is out
    Lingering,   // our side shut down; reading what the client still sends until it closes
    Closed,      // fd closed; the object lives until the loop's current round ends
  };

  Connection(EventLoop& loop, int fd, ClientAddress client, int64_t nowMs)
      : loop(loop), fd(fd), client(std::move(client)), lastActivityMs(nowMs) {
    request.client_ = &this->client;
  }

  EventLoop& loop;
  const int fd;
  ClientAddress client;

  State state = State::Reading;
  bool readReady = true;    // edge-triggered: the socket may have bytes we have not read
  bool writeReady = true;   // edge-triggered: the socket may take more bytes
  bool peerClosed = false;  // read() returned 0 or the peer hung up
  bool continueSent = false;

  // Read buffer: [inBegin, inEnd) is received but not yet parsed.
  std::unique_ptr<char[]> in;
  size_t inCapacity = 0;
  size_t inBegin = 0;
  size_t inEnd = 0;

  RequestParser parser;
  bool parserStarted = false;
  HttpRequest request;
  HttpResponse response;
  std::optional<RequestContext> context;
  bool headRequest = false;  // HEAD: the body is not written

  // Output: the serialized head, then the body (a view into response.body()).
  std::string outHead;
  iovec out[2] = {};
  int outCount = 0;
  // Set by a worker that wrote (or began writing) the response itself; the
  // loop takes the connection over from there (EventLoop::complete).
  bool writtenByWorker = false;
  bool workerWriteFailed = false;  // the client went away while the worker wrote
  // The loop saw an event for this connection while a worker had it: the
  // worker must then wake the loop when it hands the connection back, or
  // that event (the client's next request) would wait for the sweep tick.
  std::atomic<bool> eventWhileDispatched{false};

  std::chrono::steady_clock::time_point startedAt;  // dispatch of the current request, for its duration
  int64_t lastActivityMs;     // idle keep-alive clock
  int64_t requestStartMs = 0; // first byte of the current request
  int64_t bodyStartMs = 0;    // head complete, body expected
  int64_t writeStallSinceMs = 0;
  int64_t lingerSinceMs = 0;
};

}  // namespace wno::host::http
