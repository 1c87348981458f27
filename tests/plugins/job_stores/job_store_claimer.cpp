// A second (or third) "host" for the multi-process claim test: opens the
// named job store on the given database, prints "ready", then claims and
// completes jobs of one queue until it finds it empty for a while, printing
// each claimed id on its own line. Exit 0, or 1 with the error on stderr.
//   job_store_claimer <plugin_dir> <component> <config_json> <queue> <worker> <now_ms>
#include "job_store_client.h"

#include <chrono>
#include <iostream>
#include <thread>

int main(int argc, char** argv) {
  if (argc != 7) {
    std::cerr << "usage: job_store_claimer <plugin_dir> <component> <config_json> <queue> <worker> <now_ms>\n";
    return 2;
  }
  try {
    wno::test::JobStorePlugins plugins(argv[1]);
    auto opened = plugins.open(argv[2], wno::test::json::parse(argv[3]));
    if (!opened.isOk()) throw std::runtime_error(opened.status().message());
    auto store = std::move(opened).value();
    const std::string queue = argv[4], worker = argv[5];
    const int64_t now = std::stoll(argv[6]);
    std::cout << "ready" << std::endl;
    for (int empty = 0; empty < 20;) {
      auto batch = store->claim(queue, worker, 2, now, 30000);
      if (batch.empty()) {
        ++empty;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        continue;
      }
      empty = 0;
      for (const auto& job : batch) {
        const std::string id = job["id"];
        auto done = store->complete(id, worker, now + 1);
        if (!done.isOk()) throw std::runtime_error("complete " + id + ": " + done.message());
        std::cout << id << '\n';
      }
    }
    std::cout.flush();
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "job_store_claimer: " << e.what() << '\n';
    return 1;
  }
}
