// The batcher behind group-committed enqueues and batched finishes: every
// item gets its own result, batches stay within their bound, a lone item is
// written at once on the caller's thread, and nothing queued is lost at stop.
// Ordering between threads is arranged with latches, never with sleeps.
#include "jobs/batcher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace wno::host::jobs {
namespace {

using namespace std::chrono_literals;

// A flush function that records its batches and can be held shut, so a
// test can make items queue up behind a batch being written.
struct Store {
  std::mutex mutex;
  std::vector<std::vector<int>> batches;
  std::vector<std::thread::id> writers;
  std::promise<void> entered;
  std::shared_future<void> gate;
  bool holdFirst = false;

  std::vector<int> write(const std::vector<int>& items) {
    bool hold = false;
    {
      std::lock_guard lock(mutex);
      hold = holdFirst && batches.empty();
      batches.push_back(items);
      writers.push_back(std::this_thread::get_id());
    }
    if (hold) {
      entered.set_value();
      gate.wait();
    }
    std::vector<int> results;
    for (int i : items) results.push_back(i * 10);
    return results;
  }
};

Batcher<int, int>::Options callerWrites(size_t maxBatch) {
  Batcher<int, int>::Options o;
  o.maxBatch = maxBatch;
  o.linger = 50ms;
  o.maxInFlight = 1;
  o.flushers = 0;
  return o;
}

TEST(BatcherTest, ALoneCallWritesOnTheCallersThread) {
  Store store;
  Batcher<int, int> batcher(callerWrites(10), [&](const std::vector<int>& v) { return store.write(v); });
  EXPECT_EQ(batcher.call(4), 40);
  ASSERT_EQ(store.batches.size(), 1u);
  EXPECT_EQ(store.batches[0], std::vector<int>{4});
  EXPECT_EQ(store.writers[0], std::this_thread::get_id());
}

TEST(BatcherTest, CallsQueuedBehindABusyStoreGoOutTogetherEachWithItsOwnResult) {
  Store store;
  std::promise<void> open;
  store.gate = open.get_future().share();
  store.holdFirst = true;
  auto entered = store.entered.get_future();
  Batcher<int, int> batcher(callerWrites(100), [&](const std::vector<int>& v) { return store.write(v); });

  auto first = std::async(std::launch::async, [&] { return batcher.call(1); });
  entered.wait();  // the first batch is being written; the rest must wait for it
  std::vector<std::future<int>> rest;
  for (int i = 2; i <= 6; ++i) rest.push_back(std::async(std::launch::async, [&batcher, i] { return batcher.call(i); }));
  open.set_value();
  EXPECT_EQ(first.get(), 10);
  for (int i = 2; i <= 6; ++i) EXPECT_EQ(rest[static_cast<size_t>(i - 2)].get(), i * 10);

  std::multiset<int> written;
  for (const auto& b : store.batches) written.insert(b.begin(), b.end());
  EXPECT_EQ(written, (std::multiset<int>{1, 2, 3, 4, 5, 6}));
  EXPECT_LE(store.batches.size(), 6u);
}

TEST(BatcherTest, BatchesNeverExceedTheirBound) {
  Store store;
  Batcher<int, int> batcher(callerWrites(3), [&](const std::vector<int>& v) { return store.write(v); });
  std::vector<std::thread> callers;
  std::atomic<int> wrong{0};
  for (int i = 0; i < 40; ++i) {
    callers.emplace_back([&, i] {
      if (batcher.call(i) != i * 10) wrong++;
    });
  }
  for (auto& t : callers) t.join();
  EXPECT_EQ(wrong.load(), 0);
  size_t total = 0;
  for (const auto& b : store.batches) {
    EXPECT_LE(b.size(), 3u);
    total += b.size();
  }
  EXPECT_EQ(total, 40u);
}

TEST(BatcherTest, FlusherThreadsCallBackOnceForEveryItemAndStopWritesWhatIsQueued) {
  Store store;
  Batcher<int, int>::Options o;
  o.maxBatch = 7;
  o.linger = 1ms;
  o.maxInFlight = 2;
  o.flushers = 2;
  std::mutex mutex;
  std::multiset<int> results;
  {
    Batcher<int, int> batcher(o, [&](const std::vector<int>& v) { return store.write(v); });
    for (int i = 0; i < 100; ++i) {
      batcher.submit(i, [&](int r) {
        std::lock_guard lock(mutex);
        results.insert(r);
      });
    }
    batcher.stop();
  }
  std::multiset<int> expected;
  for (int i = 0; i < 100; ++i) expected.insert(i * 10);
  EXPECT_EQ(results, expected);
  for (const auto& b : store.batches) EXPECT_LE(b.size(), 7u);
}

TEST(BatcherTest, DrainWaitsForEverySubmittedItem) {
  Store store;
  Batcher<int, int>::Options o;
  o.flushers = 1;
  o.maxInFlight = 1;
  std::atomic<int> done{0};
  Batcher<int, int> batcher(o, [&](const std::vector<int>& v) { return store.write(v); });
  for (int i = 0; i < 50; ++i) batcher.submit(i, [&](int) { done++; });
  batcher.drain();
  EXPECT_EQ(done.load(), 50);
}

// Backpressure: with a batch stuck in the store, submitWhenRoom() hands in
// items until maxUnwritten are queued or being written, then waits; the
// stuck batch's end makes room. submit() never waits.
TEST(BatcherTest, SubmitWhenRoomWaitsWhileTheBacklogIsFull) {
  Store store;
  std::promise<void> open;
  store.gate = open.get_future().share();
  store.holdFirst = true;
  Batcher<int, int>::Options o;
  o.maxBatch = 2;
  o.linger = 1ms;
  o.maxInFlight = 1;
  o.flushers = 1;
  o.maxUnwritten = 3;
  std::atomic<int> done{0};
  Batcher<int, int> batcher(o, [&](const std::vector<int>& v) { return store.write(v); });
  batcher.submitWhenRoom(1, [&](int) { done++; });
  store.entered.get_future().wait();  // item 1 is being written, and held there
  batcher.submitWhenRoom(2, [&](int) { done++; });
  batcher.submitWhenRoom(3, [&](int) { done++; });  // three unwritten: full
  std::promise<void> fourthIn;
  std::thread fourth([&] {
    batcher.submitWhenRoom(4, [&](int) { done++; });
    fourthIn.set_value();
  });
  auto handedIn = fourthIn.get_future();
  EXPECT_EQ(handedIn.wait_for(200ms), std::future_status::timeout) << "waits while the store is stuck";
  batcher.submit(5, [&](int) { done++; });  // never waits
  open.set_value();  // the store moves: room again
  handedIn.wait();
  fourth.join();
  batcher.drain();
  EXPECT_EQ(done.load(), 5);
}

}  // namespace
}  // namespace wno::host::jobs
