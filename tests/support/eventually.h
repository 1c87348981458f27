// Polling for tests: waits until a condition holds, bounded, so a broken
// system fails the test instead of hanging ctest.
#pragma once

#include <chrono>
#include <thread>

namespace wno::test {

// Polls cond every `every` for at most `limit`; true once it holds.
template <typename Cond>
bool eventually(Cond cond, std::chrono::milliseconds limit = std::chrono::seconds(10),
                std::chrono::milliseconds every = std::chrono::milliseconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(every);
  }
  return cond();
}

}  // namespace wno::test
