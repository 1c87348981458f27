// Heap allocations per data-plane request, counted by a malloc interposer
// (every malloc/calloc/realloc of the calling thread, libpq's and the
// plugins' included), over the real memory_cache and postgres plugins and a
// throwaway PostgreSQL. Prints allocations per cached entity hit and per
// 20-row list page (PostgreSQL every time, no page cache). HTTP parsing and
// writing are the engine's and not counted here. Round trips: run it under
// `strace -f -e trace=sendto,recvfrom -c` (see docs/data.md).
#include "alloc_paths.h"
#include "core/logger.h"
#include "postgres_server.h"

#include <cstdio>
#include <cstdlib>

extern "C" void* __libc_malloc(size_t);
extern "C" void* __libc_calloc(size_t, size_t);
extern "C" void* __libc_realloc(void*, size_t);

namespace {
// initial-exec: the executable's own TLS, readable inside malloc without
// the allocation a dynamic TLS block would need.
__attribute__((tls_model("initial-exec"))) thread_local uint64_t t_allocations = 0;
}  // namespace

extern "C" {
void* malloc(size_t n) {
  ++t_allocations;
  return __libc_malloc(n);
}
void* calloc(size_t n, size_t size) {
  ++t_allocations;
  return __libc_calloc(n, size);
}
void* realloc(void* p, size_t n) {
  ++t_allocations;
  return __libc_realloc(p, n);
}
}

namespace {

template <typename Fn>
double perCall(int n, Fn&& fn) {
  fn();  // warm: prepared statements, thread-local buffers, first-use statics
  const uint64_t before = t_allocations;
  for (int i = 0; i < n; ++i) fn();
  return static_cast<double>(t_allocations - before) / n;
}

}  // namespace

int main() {
  wno::host::Logger::instance().configure(WNO_LOG_ERROR, wno::host::LogFormat::Json);
  wno::test::PostgresServer pg;
  wno::bench::DataPaths paths(pg.url(), WNO_BENCH_PLUGIN_DIR);
  paths.seed(200);
  const int n = 2000;
  const double hit = perCall(n, [&] { paths.cachedHit(17); });
  const double list = perCall(n / 10, [&] { paths.listPage(20); });
  const double listFields = perCall(n / 10, [&] { paths.listPage(20, "id,title,status"); });
  std::printf("allocations per cached entity hit:           %.1f\n", hit);
  std::printf("allocations per 20-row list page (postgres): %.1f\n", list);
  std::printf("  ... with fields=id,title,status:           %.1f\n", listFields);
  return 0;
}
