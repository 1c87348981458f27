#include "http/event_loop.h"

#include "core/logger.h"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>

namespace wno::host::http {
namespace {

// epoll data tags; connections are tagged with their (aligned) address.
constexpr uint64_t kListenTag = 0;
constexpr uint64_t kWakeTag = 1;

constexpr size_t kReadChunk = 16 * 1024;
constexpr int kSweepEveryMs = 100;
constexpr int kAcceptBatch = 64;
// A buffer of an idle connection is given back after this long, so ten
// thousand idle keep-alive clients hold no read buffers.
constexpr int kReleaseIdleBufferMs = 1000;
// After a last response, how long we keep reading (and dropping) what the
// client still sends before closing. Closing with unread input makes the
// kernel send a reset, which can destroy our answer (a 413, a 408) in the
// client's receive buffer before it reads it.
constexpr int kLingerMs = 2000;

int64_t monotonicMs() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// The answer to a client beyond the connection cap, written without
// reading anything from it.
const std::string& overCapacityResponse() {
  static const std::string response = [] {
    const std::string body =
        R"({"type":"about:blank","title":"Service Unavailable","status":503,)"
        R"("detail":"the host holds as many connections as it is configured for; retry later"})";
    return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/problem+json\r\n"
           "Cache-Control: no-store\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  }();
  return response;
}

// The Date header of this second, formatted once a second per thread:
// loops and workers both write responses.
const std::string& httpDateNow() {
  thread_local std::time_t second = -1;
  thread_local std::string text;
  const std::time_t now = std::time(nullptr);
  if (now != second) {
    second = now;
    std::tm utc{};
    ::gmtime_r(&now, &utc);
    char buffer[64];
    text.assign(buffer, std::strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S GMT", &utc));
  }
  return text;
}

// Points the connection's output at the response's serialized head and its
// body (none for HEAD, 204 and 304).
void prepareOutput(Connection& c) {
  c.outHead.clear();
  c.response.serializeHead(c.outHead, httpDateNow());
  c.out[0] = {c.outHead.data(), c.outHead.size()};
  c.outCount = 1;
  const std::string& body = c.response.body();
  const bool bodyless = c.headRequest || c.response.status() == 204 || c.response.status() == 304;
  if (!bodyless && !body.empty()) {
    c.out[1] = {const_cast<char*>(body.data()), body.size()};
    c.outCount = 2;
  }
}

enum class Sent { All, WouldBlock, Failed };

// Sends what is left of the output without blocking; `progressed` says
// whether any byte went. Touches only the output, so a worker may call it.
Sent sendPending(Connection& c, bool& progressed) {
  progressed = false;
  while (c.outCount > 0) {
    iovec* first = c.out + (c.outCount == 2 && c.out[0].iov_len == 0 ? 1 : 0);
    const int count = c.outCount - static_cast<int>(first - c.out);
    msghdr message{};
    message.msg_iov = first;
    message.msg_iovlen = static_cast<size_t>(count);
    const ssize_t n = ::sendmsg(c.fd, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return Sent::WouldBlock;
      return Sent::Failed;  // the client went away mid-response
    }
    progressed = progressed || n > 0;
    size_t left = static_cast<size_t>(n);
    for (int i = static_cast<int>(first - c.out); i < c.outCount && left > 0; ++i) {
      const size_t step = std::min(left, c.out[i].iov_len);
      c.out[i].iov_base = static_cast<char*>(c.out[i].iov_base) + step;
      c.out[i].iov_len -= step;
      left -= step;
    }
    if (c.out[c.outCount - 1].iov_len == 0) c.outCount = 0;
  }
  return Sent::All;
}

// A spare descriptor, given up to accept-and-close one client when the
// process is out of descriptors; otherwise the level-triggered listening
// socket would wake every loop in a tight circle.
int spareFd() { return ::open("/dev/null", O_RDONLY | O_CLOEXEC); }

}  // namespace

EventLoop::EventLoop(int index, int listenFd, const LoopOptions& options, Dispatcher& dispatcher,
                     std::atomic<int>& openConnections)
    : index_(index), listenFd_(listenFd), options_(options), dispatcher_(dispatcher),
      openConnections_(openConnections) {
  epollFd_ = ::epoll_create1(EPOLL_CLOEXEC);
  wakeFd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epollFd_ < 0 || wakeFd_ < 0) throw std::runtime_error(std::string("event loop: ") + std::strerror(errno));
  epoll_event wake{};
  wake.events = EPOLLIN;
  wake.data.u64 = kWakeTag;
  ::epoll_ctl(epollFd_, EPOLL_CTL_ADD, wakeFd_, &wake);
  epoll_event listen{};
  // Exclusive: one loop wakes per new connection, not all of them.
  listen.events = EPOLLIN | EPOLLEXCLUSIVE;
  listen.data.u64 = kListenTag;
  if (::epoll_ctl(epollFd_, EPOLL_CTL_ADD, listenFd_, &listen) != 0) {
    throw std::runtime_error(std::string("event loop: cannot watch the listening socket: ") + std::strerror(errno));
  }
  listening_ = true;
}

EventLoop::~EventLoop() {
  stop();
  if (epollFd_ >= 0) ::close(epollFd_);
  if (wakeFd_ >= 0) ::close(wakeFd_);
}

void EventLoop::start() {
  thread_ = std::thread([this] { run(); });
  const std::string name = "wno-http-" + std::to_string(index_);
  ::pthread_setname_np(thread_.native_handle(), name.substr(0, 15).c_str());
}

void EventLoop::wake() {
  // One write per wake-up: the loop clears the flag before it looks.
  if (wakePending_.exchange(true)) return;
  const uint64_t one = 1;
  (void)!::write(wakeFd_, &one, sizeof one);
}

void EventLoop::stopAccepting() {
  accepting_.store(false);
  wakePending_.store(false);
  wake();
}

void EventLoop::drain() {
  draining_.store(true);
  wakePending_.store(false);
  wake();
}

void EventLoop::stop() {
  if (!thread_.joinable()) return;
  stopping_.store(true);
  wakePending_.store(false);
  wake();
  thread_.join();
  for (auto& [fd, connection] : connections_) {
    ::close(fd);
    openConnections_.fetch_sub(1);
  }
  connections_.clear();
  closed_.clear();
}

void EventLoop::complete(Connection& connection) {
  if (std::this_thread::get_id() == thread_.get_id()) {
    // Answered on the loop: written after the current event, not from
    // inside it, so pipelined requests do not recurse.
    localCompleted_.push_back(&connection);
    return;
  }
  // A worker writes the response itself. Most responses fit the socket
  // buffer, so the client has its answer without waiting for this loop to
  // wake, and the loop is not woken for it at all: it takes the connection
  // back with its next round (the client's next request, a hang-up, the
  // sweep tick). That saves a wake-up and a thread switch per request.
  Connection& c = connection;
  if (draining_.load(std::memory_order_relaxed)) c.response.setKeepAlive(false);
  prepareOutput(c);
  bool progressed = false;
  const Sent sent = sendPending(c, progressed);
  c.writtenByWorker = true;
  c.workerWriteFailed = sent == Sent::Failed;
  // The loop must act at once when bytes are left, the client went away,
  // the connection is to close, or a pipelined request waits in its buffer
  // (the loop reads nothing while a worker has the connection).
  const bool urgent = sent != Sent::All || !c.response.keepAlive() || c.inEnd > c.inBegin;
  {
    std::lock_guard lock(completedMutex_);
    completed_.push_back(&c);
    completionsPending_.store(true);
  }
  // Sequentially consistent with the loop, which sets the flag and then
  // reads completionsPending_: one of the two sees the other, so an event
  // that came while the worker wrote is never left for the sweep tick.
  if (urgent || c.eventWhileDispatched.load()) wake();
}

void EventLoop::run() {
  constexpr int kMaxEvents = 256;
  epoll_event events[kMaxEvents];
  int spare = spareFd();
  while (!stopping_.load(std::memory_order_relaxed)) {
    const int n = ::epoll_wait(epollFd_, events, kMaxEvents, kSweepEveryMs);
    nowMs_ = monotonicMs();
    for (int i = 0; i < n; ++i) {
      const uint64_t tag = events[i].data.u64;
      if (tag == kListenTag) {
        acceptAll(spare);
      } else if (tag == kWakeTag) {
        wakePending_.store(false);
        uint64_t count;
        (void)!::read(wakeFd_, &count, sizeof count);
        drainCompletions();
        if (!accepting_.load() && listening_) {
          ::epoll_ctl(epollFd_, EPOLL_CTL_DEL, listenFd_, nullptr);
          listening_ = false;
        }
        if (draining_.load()) nextSweepMs_ = 0;
      } else {
        onEvents(*reinterpret_cast<Connection*>(events[i].data.ptr), events[i].events);
      }
      runLocalCompletions();
    }
    // Workers' responses handed back without a wake-up (taking one back
    // may parse and answer the next request on this thread).
    if (completionsPending_.load()) {
      drainCompletions();
      runLocalCompletions();
    }
    if (nowMs_ >= nextSweepMs_) {
      sweep(nowMs_);
      nextSweepMs_ = nowMs_ + kSweepEveryMs;
    }
    closed_.clear();
  }
  if (spare >= 0) ::close(spare);
}

void EventLoop::acceptAll(int& spare) {
  for (int accepted = 0; accepted < kAcceptBatch && accepting_.load(std::memory_order_relaxed); ++accepted) {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    const int fd = ::accept4(listenFd_, reinterpret_cast<sockaddr*>(&address), &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if ((errno == EMFILE || errno == ENFILE) && spare >= 0) {
        ::close(spare);
        const int victim = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (victim >= 0) ::close(victim);
        spare = spareFd();
        logWarn("http", "out of file descriptors: refused a connection", {{"open", openConnections_.load()}});
      }
      return;  // EAGAIN: another loop took it, or nothing left
    }
    if (openConnections_.fetch_add(1) >= options_.maxConnections) {
      openConnections_.fetch_sub(1);
      const auto& refusal = overCapacityResponse();
      (void)!::send(fd, refusal.data(), refusal.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      ::close(fd);
      continue;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto connection = std::make_unique<Connection>(*this, fd, ClientAddress::from(address), nowMs_);
    epoll_event event{};
    event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    event.data.ptr = connection.get();
    if (::epoll_ctl(epollFd_, EPOLL_CTL_ADD, fd, &event) != 0) {
      ::close(fd);
      openConnections_.fetch_sub(1);
      continue;
    }
    connections_.emplace(fd, std::move(connection));
  }
}

void EventLoop::onEvents(Connection& c, uint32_t events) {
  if (c.state == Connection::State::Closed) return;  // closed earlier in this round
  if ((events & EPOLLERR) != 0 && c.state != Connection::State::Dispatched) {
    close(c);
    return;
  }
  if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) != 0) c.readReady = true;
  if ((events & EPOLLOUT) != 0) c.writeReady = true;
  switch (c.state) {
    case Connection::State::Reading:
      readAndParse(c);
      break;
    case Connection::State::Writing:
    case Connection::State::Closing:
      if (c.writeReady) writeSome(c);
      break;
    case Connection::State::Dispatched:
      // The worker answers first; a hang-up shows when we write or read
      // next. The worker must wake us for this event when it is done.
      c.eventWhileDispatched.store(true);
      break;
    case Connection::State::Lingering:
      if (c.readReady) discardUntilClosed(c);
      break;
    case Connection::State::Closed:
      break;
  }
}

void EventLoop::discardUntilClosed(Connection& c) {
  char sink[16384];
  for (;;) {
    const ssize_t n = ::recv(c.fd, sink, sizeof sink, 0);
    if (n > 0) continue;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      c.readReady = false;
      return;
    }
    close(c);  // the client closed its side (or the connection broke): done
    return;
  }
}

void EventLoop::readAndParse(Connection& c) {
  for (;;) {
    if (!c.parserStarted) {
      c.parser.start(c.request, options_.maxHeaderBytes, options_.maxBodyBytes);
      c.parserStarted = true;
      c.continueSent = false;
    }
    if (c.inEnd > c.inBegin) {
      if (c.requestStartMs == 0) {
        c.requestStartMs = nowMs_;
        receiving_.fetch_add(1, std::memory_order_relaxed);
      }
      size_t consumed = 0;
      const auto progress = c.parser.feed(c.in.get() + c.inBegin, c.inEnd - c.inBegin, consumed);
      c.inBegin += consumed;
      if (c.inBegin == c.inEnd) c.inBegin = c.inEnd = 0;
      if (progress == RequestParser::Progress::Failed) {
        refuse(c, c.parser.errorStatus(), c.parser.errorDetail());
        return;
      }
      if (progress == RequestParser::Progress::Complete) {
        dispatchRequest(c);
        return;
      }
      if (c.parser.headerDone()) {
        if (c.bodyStartMs == 0) c.bodyStartMs = nowMs_;
        if (c.parser.expectsContinue() && !c.continueSent) {
          // The client holds its body back until we agree to read it.
          static const char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
          (void)!::send(c.fd, kContinue, sizeof kContinue - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
          c.continueSent = true;
        }
      }
    }
    if (c.peerClosed) {
      // Nothing more will come: a partial request can never complete.
      close(c);
      return;
    }
    if (!c.readReady) return;
    if (!readSome(c)) return;
  }
}

bool EventLoop::readSome(Connection& c) {
  if (c.inBegin > 0 && c.inCapacity - c.inEnd < kReadChunk / 4) {
    std::memmove(c.in.get(), c.in.get() + c.inBegin, c.inEnd - c.inBegin);
    c.inEnd -= c.inBegin;
    c.inBegin = 0;
  }
  if (c.inCapacity - c.inEnd < kReadChunk / 4) {
    // Beast needs a whole head in one piece; a body is consumed as it comes.
    const size_t limit = options_.maxHeaderBytes + kReadChunk;
    if (c.inCapacity >= limit) {
      refuse(c, 431, "request head exceeds the limit");
      return false;
    }
    const size_t grown = std::min(limit, std::max(kReadChunk / 4, c.inCapacity * 2));
    auto bigger = std::make_unique<char[]>(grown);
    if (c.inEnd > 0) std::memcpy(bigger.get(), c.in.get(), c.inEnd);
    c.in = std::move(bigger);
    c.inCapacity = grown;
  }
  const size_t space = c.inCapacity - c.inEnd;
  const ssize_t n = ::recv(c.fd, c.in.get() + c.inEnd, space, 0);
  if (n > 0) {
    c.inEnd += static_cast<size_t>(n);
    c.lastActivityMs = nowMs_;
    // Edge-triggered: a short read emptied the socket; the next byte brings a new edge.
    if (static_cast<size_t>(n) < space) c.readReady = false;
    return true;
  }
  if (n == 0) {
    c.peerClosed = true;
    c.readReady = false;
    return true;
  }
  if (errno == EAGAIN || errno == EWOULDBLOCK) {
    c.readReady = false;
    return false;
  }
  if (errno == EINTR) return true;
  close(c);
  return false;
}

void EventLoop::dispatchRequest(Connection& c) {
  c.parserStarted = false;
  c.bodyStartMs = 0;
  c.state = Connection::State::Dispatched;
  c.headRequest = c.request.getMethod() == "HEAD";
  c.response.reset();
  c.response.setKeepAlive(options_.keepAlive && c.request.keepAlive() && !draining_.load(std::memory_order_relaxed));
  c.eventWhileDispatched.store(false);
  dispatcher_.dispatch(c);
  // After dispatch has counted it in flight, so a draining server never
  // sees this request as neither arriving nor handled.
  stopReceiving(c);
}

void EventLoop::runLocalCompletions() {
  while (!localCompleted_.empty()) {
    Connection* c = localCompleted_.back();
    localCompleted_.pop_back();
    startResponse(*c);
  }
}

void EventLoop::drainCompletions() {
  std::vector<Connection*> ready;
  {
    std::lock_guard lock(completedMutex_);
    ready.swap(completed_);
    completionsPending_.store(false);
  }
  for (Connection* c : ready) c->writtenByWorker ? takeBackFromWorker(*c) : startResponse(*c);
}

void EventLoop::startResponse(Connection& c) {
  if (draining_.load(std::memory_order_relaxed)) c.response.setKeepAlive(false);
  prepareOutput(c);
  c.state = c.response.keepAlive() ? Connection::State::Writing : Connection::State::Closing;
  c.writeStallSinceMs = 0;
  writeSome(c);
}

// A worker wrote the response, or began to: carry on from where it got.
void EventLoop::takeBackFromWorker(Connection& c) {
  c.writtenByWorker = false;
  c.state = c.response.keepAlive() ? Connection::State::Writing : Connection::State::Closing;
  c.writeStallSinceMs = 0;
  if (c.workerWriteFailed) {
    c.workerWriteFailed = false;
    close(c);
    return;
  }
  // Bytes left: try again now (the socket may have drained since), then on
  // the next EPOLLOUT edge. None left: finish as the loop would have.
  writeSome(c);
}

void EventLoop::writeSome(Connection& c) {
  bool progressed = false;
  switch (sendPending(c, progressed)) {
    case Sent::All:
      c.writeStallSinceMs = 0;
      finishResponse(c);
      return;
    case Sent::WouldBlock:
      c.writeReady = false;
      if (progressed || c.writeStallSinceMs == 0) c.writeStallSinceMs = nowMs_;
      return;
    case Sent::Failed:
      close(c);
      return;
  }
}

void EventLoop::finishResponse(Connection& c) {
  if (c.state == Connection::State::Closing) {
    if (c.peerClosed || ::shutdown(c.fd, SHUT_WR) != 0) {
      close(c);
      return;
    }
    c.state = Connection::State::Lingering;
    c.lingerSinceMs = nowMs_;
    c.readReady = true;
    discardUntilClosed(c);
    return;
  }
  c.state = Connection::State::Reading;
  c.lastActivityMs = nowMs_;
  // Keep buffers for the next request, unless one response made them big.
  if (c.response.body().capacity() > 256 * 1024) std::string().swap(c.response.body());
  readAndParse(c);
}

void EventLoop::refuse(Connection& c, int status, const std::string& detail) {
  dispatcher_.refused(c, status);
  c.parserStarted = false;
  stopReceiving(c);
  c.bodyStartMs = 0;
  c.headRequest = false;
  c.response.reset();
  c.response.setStatus(status);
  c.response.setKeepAlive(false);
  nlohmann::json problem = {{"type", "about:blank"}, {"title", std::string(reasonPhrase(status))},
                            {"status", status}, {"detail", detail}};
  if (status == 413) problem["limit_bytes"] = options_.maxBodyBytes;
  if (status == 431) problem["limit_bytes"] = options_.maxHeaderBytes;
  c.response.set("Content-Type", "application/problem+json");
  c.response.set("Cache-Control", "no-store");
  c.response.body() = problem.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  startResponse(c);
}

void EventLoop::stopReceiving(Connection& c) {
  if (c.requestStartMs == 0) return;
  c.requestStartMs = 0;
  receiving_.fetch_sub(1, std::memory_order_relaxed);
}

void EventLoop::close(Connection& c) {
  if (c.state == Connection::State::Closed) return;
  stopReceiving(c);
  const int fd = c.fd;
  ::epoll_ctl(epollFd_, EPOLL_CTL_DEL, fd, nullptr);
  ::close(fd);
  c.state = Connection::State::Closed;
  openConnections_.fetch_sub(1);
  auto it = connections_.find(fd);
  if (it != connections_.end()) {
    closed_.push_back(std::move(it->second));
    connections_.erase(it);
  }
}

void EventLoop::sweep(int64_t nowMs) {
  const bool draining = draining_.load(std::memory_order_relaxed);
  std::vector<Connection*> idle;
  std::vector<std::pair<Connection*, std::string>> late;
  std::vector<Connection*> stalled;
  for (auto& [fd, owned] : connections_) {
    Connection& c = *owned;
    switch (c.state) {
      case Connection::State::Reading:
        if (c.requestStartMs == 0) {
          const int64_t idleMs = nowMs - c.lastActivityMs;
          if (draining || idleMs > options_.keepAliveTimeoutMs) {
            idle.push_back(&c);
          } else if (idleMs > kReleaseIdleBufferMs && c.inCapacity > 0 && c.inBegin == c.inEnd) {
            c.in.reset();
            c.inCapacity = c.inBegin = c.inEnd = 0;
          }
        } else if (!c.parser.headerDone()) {
          if (nowMs - c.requestStartMs > options_.headerTimeoutMs) {
            late.emplace_back(&c, "the request head did not arrive within " + std::to_string(options_.headerTimeoutMs) + " ms");
          }
        } else {
          // A body may take the grace plus a second per minimum-rate's worth of bytes received.
          const int64_t allowed = options_.bodyTimeoutMs +
                                  static_cast<int64_t>(c.request.body().size()) * 1000 / std::max(1, options_.minBodyBytesPerSecond);
          if (nowMs - c.bodyStartMs > allowed) {
            late.emplace_back(&c, "the request body arrived slower than " +
                                      std::to_string(options_.minBodyBytesPerSecond) + " bytes/s");
          }
        }
        break;
      case Connection::State::Writing:
      case Connection::State::Closing:
        if (c.writeStallSinceMs != 0 && nowMs - c.writeStallSinceMs > options_.sendTimeoutMs) stalled.push_back(&c);
        break;
      case Connection::State::Lingering:
        if (nowMs - c.lingerSinceMs > kLingerMs) stalled.push_back(&c);
        break;
      case Connection::State::Dispatched:
      case Connection::State::Closed:
        break;
    }
  }
  for (Connection* c : idle) close(*c);
  for (Connection* c : stalled) close(*c);
  for (auto& [c, why] : late) refuse(*c, 408, why);
}

}  // namespace wno::host::http
