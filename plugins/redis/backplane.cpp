#include "backplane.h"

#include <poll.h>

#include <random>

namespace wno::redis {
namespace {

char eventCode(wno_cache_event e) { return e == WNO_CACHE_EVENT_KEY ? 'k' : e == WNO_CACHE_EVENT_TAG ? 't' : 'c'; }

wno_cache_event eventFrom(char c) {
  return c == 'k' ? WNO_CACHE_EVENT_KEY : c == 't' ? WNO_CACHE_EVENT_TAG : WNO_CACHE_EVENT_CLEAR;
}

}  // namespace

Backplane::Backplane(RedisUrl url, std::string channel, std::chrono::milliseconds timeout)
    : url_(std::move(url)), channel_(std::move(channel)), timeout_(timeout) {
  std::random_device random;
  char id[24];
  std::snprintf(id, sizeof id, "%08x%08x", random(), random());
  hostId_ = id;
}

Backplane::~Backplane() { setListener(nullptr); }

std::string Backplane::message(wno_cache_event event, std::string_view subject) const {
  return hostId_ + "|" + eventCode(event) + "|" + std::string(subject);
}

void Backplane::publish(Pool& pool, wno_cache_event event, std::string_view subject) {
  const std::string text = message(event, subject);
  auto c = pool.acquire();
  c->command({"PUBLISH", channel_, text});
}

void Backplane::setListener(const wno_cache_listener* listener) {
  {
    std::lock_guard lock(listenerMutex_);
    hasListener_ = listener != nullptr;
    if (listener) listener_ = *listener;
  }
  if (listener && !running_.exchange(true)) {
    thread_ = std::thread([this] { run(); });
  } else if (!listener && running_.exchange(false)) {
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
}

void Backplane::deliver(wno_cache_event event, std::string_view subject) {
  // Under the lock: the host frees its listener context only after
  // unregistering, which waits here for a delivery in progress.
  std::lock_guard lock(listenerMutex_);
  if (hasListener_) listener_.on_event(listener_.ctx, event, wno_str{subject.data(), subject.size()});
}

void Backplane::run() {
  std::chrono::milliseconds backoff(100);
  bool everSubscribed = false;
  while (running_) {
    try {
      Connection c(url_, timeout_);
      c.command({"SUBSCRIBE", channel_});
      subscribed_ = true;
      backoff = std::chrono::milliseconds(100);
      if (everSubscribed) deliver(WNO_CACHE_EVENT_CLEAR, "");  // events may have been lost meanwhile
      everSubscribed = true;
      while (running_) {
        Reply message = c.readIfReady(std::chrono::milliseconds(200));
        if (!message) continue;
        if (message->type != REDIS_REPLY_ARRAY || message->elements != 3) continue;
        const std::string_view kind(message->element[0]->str, message->element[0]->len);
        if (kind != "message") continue;
        const std::string_view payload(message->element[2]->str, message->element[2]->len);
        const auto first = payload.find('|');
        if (first == std::string_view::npos || first + 2 >= payload.size() || payload[first + 2] != '|') continue;
        if (payload.substr(0, first) == hostId_) continue;  // our own change
        ++received_;
        deliver(eventFrom(payload[first + 1]), payload.substr(first + 3));
      }
    } catch (const std::exception&) {
      subscribed_ = false;
      std::unique_lock lock(wakeMutex_);
      wake_.wait_for(lock, backoff, [&] { return !running_; });
      backoff = std::min(std::chrono::milliseconds(5000), backoff * 2);
    }
  }
  subscribed_ = false;
}

}  // namespace wno::redis
