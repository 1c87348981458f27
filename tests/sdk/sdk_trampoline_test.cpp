// The SDK's trampolines through the real C vtables, with the SDK's FakeHost:
// exceptions become statuses with messages, Error statuses pass through,
// sinks that say stop are honoured, get-or-compute errors propagate.
#include <wno/sdk/sdk.hpp>
#include <wno/sdk/testing.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace {

using ::testing::HasSubstr;
using wno::sdk::testing::FakeHost;

// Components whose behaviour the config string selects.
class ScriptedProbe : public wno::sdk::HealthProbe {
 public:
  ScriptedProbe(wno::sdk::Host host, std::string_view config) : host_(host), mode_(config) {
    if (mode_ == "\"refuse\"") throw wno::sdk::invalid("refused: bad config");
    if (mode_ == "\"crash\"") throw std::runtime_error("constructor blew up");
  }
  wno::sdk::ProbeReport check(std::chrono::milliseconds timeout) override {
    if (mode_ == "\"throw\"") throw std::runtime_error("disk on fire");
    if (mode_ == "\"unavailable\"") throw wno::sdk::unavailable("dependency down");
    if (mode_ == "\"weird\"") throw 42;
    wno::sdk::ProbeReport r;
    r.status = WNO_HEALTH_DEGRADED;
    r.load = 0.5;
    r.message = "timeout " + std::to_string(timeout.count());
    r.detailsJson = "{\"load\":" + std::to_string(host_.loadFactor()) + "}";
    return r;
  }

 private:
  wno::sdk::Host host_;
  std::string mode_;
};

class Rows : public wno::sdk::Repository {
 public:
  Rows(wno::sdk::Host, std::string_view) {}
  void defineCollection(std::string_view) override {}
  void query(std::string_view, std::string_view, wno::sdk::Writer& rows) override {
    for (int i = 0; i < 10; ++i) {
      ++produced;
      if (!rows.write("{\"id\":" + std::to_string(i) + "}")) return;
    }
  }
  bool get(std::string_view, int64_t id, std::string_view, wno::sdk::Writer& row) override {
    if (id != 1) return false;
    row.write("{\"id\":1}");
    return true;
  }
  void insert(std::string_view, std::string_view, wno::sdk::Writer&) override {
    throw wno::sdk::Error(WNO_ERR_CONFLICT, "duplicate username");
  }
  std::string insertMany(std::string_view, std::string_view) override { return "[1,2]"; }
  void update(std::string_view, int64_t, int64_t, std::string_view, wno::sdk::Writer&) override {}
  bool remove(std::string_view, int64_t) override { return false; }
  int64_t count(std::string_view, std::string_view) override { return 7; }
  static inline int produced = 0;
};

// Rows that can also be written by filter (the optional 1.2 members).
class FilterRows : public Rows {
 public:
  using Rows::Rows;
  void updateWhere(std::string_view collection, std::string_view query, std::string_view patch,
                   wno::sdk::Writer& rows) {
    rows.write(std::string("{\"id\":1,\"collection\":\"") + std::string(collection) + "\",\"query\":" + std::string(query) +
               ",\"patch\":" + std::string(patch) + "}");
  }
  void removeWhere(std::string_view, std::string_view, wno::sdk::Writer&) {
    throw wno::sdk::invalid("a write by filter needs at least one filter");
  }
};

class Stats : public wno::sdk::JobHandler {
 public:
  Stats(wno::sdk::Host host, std::string_view) : host_(host) {}
  std::string handle(const wno::sdk::Job& job) override {
    if (job.dataJson == "\"compute-fails\"") {
      return host_.cacheGetOrCompute("k", {}, []() -> std::string { throw wno::sdk::unavailable("db down"); });
    }
    if (job.dataJson == "\"missing-service\"") return host_.repoQuery("users", "{}").front();
    if (job.dataJson == "\"nested\"") {
      // The compute calls the host itself; the outer result must survive that.
      return host_.cacheGetOrCompute("outer", {}, [this] {
        host_.cacheSet("inner", "inner-value");
        return "outer-" + host_.cacheGet("inner").value_or("missing");
      });
    }
    return host_.cacheGetOrCompute("stats:" + std::string(job.id), {}, [] { return std::string("{\"n\":1}"); });
  }

 private:
  wno::sdk::Host host_;
};

}  // namespace

// Both forms of the registration macros: with a description, and the older
// one without (described by the class name).
WNO_PLUGIN("sdk_test", "0.0.1", "SDK test components", WNO_HEALTH_PROBE("scripted", ScriptedProbe, "A scripted probe"),
           WNO_REPOSITORY("rows", Rows), WNO_REPOSITORY("filter_rows", FilterRows, "Rows, filtered"),
           WNO_JOB_HANDLER("stats", Stats));

namespace {

TEST(SdkPlugin, ManifestDescribesTheComponents) {
  const wno_plugin* p = wno_plugin_entry_v1(WNO_ABI_VERSION_MAJOR, WNO_ABI_VERSION_MINOR);
  ASSERT_NE(p, nullptr);
  EXPECT_STREQ(p->name, "sdk_test");
  EXPECT_EQ(p->abi_major, 1u);
  EXPECT_EQ(p->abi_minor, static_cast<uint32_t>(WNO_TARGET_ABI_MINOR));
  ASSERT_EQ(p->component_count, 4u);
  EXPECT_EQ(p->components[1].kind, WNO_KIND_REPOSITORY);
  EXPECT_EQ(p->components[2].kind, WNO_KIND_REPOSITORY);
  EXPECT_STREQ(p->components[0].description, "A scripted probe");
  EXPECT_STREQ(p->components[1].description, "Rows");
  EXPECT_STREQ(p->components[2].description, "Rows, filtered");
  EXPECT_STREQ(p->components[3].description, "Stats");
  EXPECT_EQ(wno_plugin_entry_v1(2, 0), nullptr);  // another major is declined
}

TEST(SdkPlugin, ConstructorFailuresBecomeCreateErrors) {
  FakeHost host;
  try {
    host.create<wno_type_health_probe>(WNO_KIND_HEALTH_PROBE, "scripted", "\"refuse\"");
    FAIL() << "create should have failed";
  } catch (const wno::sdk::Error& e) {
    EXPECT_EQ(e.status(), WNO_ERR_INVALID);
    EXPECT_STREQ(e.what(), "refused: bad config");
  }
  try {
    host.create<wno_type_health_probe>(WNO_KIND_HEALTH_PROBE, "scripted", "\"crash\"");
    FAIL() << "create should have failed";
  } catch (const wno::sdk::Error& e) {
    EXPECT_EQ(e.status(), WNO_ERR_INTERNAL);
    EXPECT_STREQ(e.what(), "constructor blew up");
  }
}

TEST(SdkPlugin, ExceptionsBecomeStatusesWithMessages) {
  FakeHost host;
  auto ok = host.create<wno_type_health_probe>(WNO_KIND_HEALTH_PROBE, "scripted", "\"ok\"");
  host.loadFactor = 0.25;
  auto report = wno::sdk::testing::check(ok, 750);
  EXPECT_EQ(report.status, WNO_OK);
  EXPECT_EQ(report.health, WNO_HEALTH_DEGRADED);
  EXPECT_EQ(report.message, "timeout 750");
  EXPECT_EQ(report.detailsJson, "{\"load\":0.250000}");

  auto throws = host.create<wno_type_health_probe>(WNO_KIND_HEALTH_PROBE, "scripted", "\"throw\"");
  EXPECT_EQ(wno::sdk::testing::check(throws).status, WNO_ERR_INTERNAL);
  EXPECT_EQ(host.lastError(), "disk on fire");

  auto unavailable = host.create<wno_type_health_probe>(WNO_KIND_HEALTH_PROBE, "scripted", "\"unavailable\"");
  EXPECT_EQ(wno::sdk::testing::check(unavailable).status, WNO_ERR_UNAVAILABLE);
  EXPECT_EQ(host.lastError(), "dependency down");

  auto weird = host.create<wno_type_health_probe>(WNO_KIND_HEALTH_PROBE, "scripted", "\"weird\"");
  EXPECT_EQ(wno::sdk::testing::check(weird).status, WNO_ERR_INTERNAL);
  EXPECT_EQ(host.lastError(), "unknown exception");
}

TEST(SdkPlugin, RepositoryHooksAndSinkCancellation) {
  FakeHost host;
  auto repo = host.create<wno_type_repository>(WNO_KIND_REPOSITORY, "rows");
  struct Collect {
    std::vector<std::string> rows;
    size_t stopAfter = 3;
  } collect;
  wno_sink sink{&collect, [](void* c, const char* d, size_t n) -> wno_status {
                  auto* cc = static_cast<Collect*>(c);
                  cc->rows.emplace_back(d, n);
                  return cc->rows.size() >= cc->stopAfter ? WNO_ERR_CANCELLED : WNO_OK;
                }};
  Rows::produced = 0;
  EXPECT_EQ(repo.vtable().on_query(repo.self(), wno::sdk::str("c"), wno::sdk::str("{}"), &sink), WNO_ERR_CANCELLED);
  EXPECT_EQ(collect.rows.size(), 3u);
  EXPECT_EQ(Rows::produced, 3);  // the plugin stopped producing when told

  collect.rows.clear();
  collect.stopAfter = 100;
  EXPECT_EQ(repo.vtable().on_get(repo.self(), wno::sdk::str("c"), 1, wno::sdk::str(""), &sink), WNO_OK);
  EXPECT_EQ(collect.rows, std::vector<std::string>{"{\"id\":1}"});
  EXPECT_EQ(repo.vtable().on_get(repo.self(), wno::sdk::str("c"), 2, wno::sdk::str(""), &sink), WNO_NOT_FOUND);
  EXPECT_EQ(repo.vtable().on_insert(repo.self(), wno::sdk::str("c"), wno::sdk::str("{}"), &sink), WNO_ERR_CONFLICT);
  EXPECT_EQ(host.lastError(), "duplicate username");
  int64_t n = 0;
  EXPECT_EQ(repo.vtable().on_count(repo.self(), wno::sdk::str("c"), wno::sdk::str("{}"), &n), WNO_OK);
  EXPECT_EQ(n, 7);
}

TEST(SdkPlugin, WritesByFilterAreHooksOnlyWhenTheClassDefinesThem) {
  FakeHost host;
  auto plain = host.create<wno_type_repository>(WNO_KIND_REPOSITORY, "rows");
  EXPECT_EQ(plain.vtable().struct_size, sizeof(wno_type_repository));
  EXPECT_EQ(plain.vtable().on_update_where, nullptr) << "the host refuses writes by filter for it";
  EXPECT_EQ(plain.vtable().on_delete_where, nullptr);

  auto rows = host.create<wno_type_repository>(WNO_KIND_REPOSITORY, "filter_rows");
  ASSERT_NE(rows.vtable().on_update_where, nullptr);
  ASSERT_NE(rows.vtable().on_delete_where, nullptr);
  std::vector<std::string> written;
  wno_sink sink = wno::sdk::sinkAppending(written);
  EXPECT_EQ(rows.vtable().on_update_where(rows.self(), wno::sdk::str("c"), wno::sdk::str("{\"limit\":1}"),
                                          wno::sdk::str("{\"a\":2}"), &sink),
            WNO_OK);
  EXPECT_EQ(written, std::vector<std::string>{R"({"id":1,"collection":"c","query":{"limit":1},"patch":{"a":2}})"});
  EXPECT_EQ(rows.vtable().on_delete_where(rows.self(), wno::sdk::str("c"), wno::sdk::str("{}"), &sink),
            WNO_ERR_INVALID);
  EXPECT_EQ(host.lastError(), "a write by filter needs at least one filter");
}

TEST(SdkHost, The12RepositoryServicesNeedAHostThatHasThem) {
  FakeHost fake;
  fake.repo.define("users");
  wno::sdk::Host host(fake.api(), fake.ctx());
  EXPECT_EQ(host.repoCreateMany("users", R"([{"username":"a"},{"username":"b"}])"), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(host.repoCount("users", "{}"), 2);
  // A 1.1 host's table ends before repo_count: the SDK refuses, it does
  // not read past the table.
  wno_host_api older = *fake.api();
  older.struct_size = static_cast<uint32_t>(offsetof(wno_host_api, repo_count));
  wno::sdk::Host old(&older, fake.ctx());
  for (const auto& call : std::vector<std::function<void()>>{
           [&] { old.repoCount("users", "{}"); }, [&] { old.repoCreateMany("users", "[]"); },
           [&] { old.repoUpdateWhere("users", "{}", "{}"); }, [&] { old.repoDeleteWhere("users", "{}"); }}) {
    try {
      call();
      FAIL() << "expected UNSUPPORTED";
    } catch (const wno::sdk::Error& e) {
      EXPECT_EQ(e.status(), WNO_ERR_UNSUPPORTED);
      EXPECT_THAT(e.what(), HasSubstr("this host does not provide repo_"));
    }
  }
}

TEST(SdkPlugin, GetOrComputeThroughTheHostAndItsErrors) {
  FakeHost host;
  auto handler = host.create<wno_type_job_handler>(WNO_KIND_JOB_HANDLER, "stats");
  std::string result;
  EXPECT_EQ(wno::sdk::testing::handle(handler, "stats", "\"ok\"", &result), WNO_OK);
  EXPECT_EQ(result, "{\"n\":1}");
  EXPECT_EQ(host.computes, 1);
  EXPECT_EQ(wno::sdk::testing::handle(handler, "stats", "\"ok\"", &result), WNO_OK);
  EXPECT_EQ(host.computes, 1);  // cached the second time

  EXPECT_EQ(wno::sdk::testing::handle(handler, "stats", "\"compute-fails\""), WNO_ERR_UNAVAILABLE);
  EXPECT_EQ(host.lastError(), "db down");

  EXPECT_EQ(wno::sdk::testing::handle(handler, "stats", "\"nested\"", &result), WNO_OK);
  EXPECT_EQ(result, "outer-inner-value");

  // A host service that fails keeps the host's status.
  EXPECT_EQ(wno::sdk::testing::handle(handler, "stats", "\"missing-service\""), WNO_ERR_UNAVAILABLE);
}

TEST(SdkHost, OlderHostTablesAreReadOnlyAsFarAsTheyGo) {
  // A host whose table ends before cache_get: the SDK must refuse, not read past it.
  FakeHost fake;
  wno_host_api shorter = *fake.api();
  shorter.struct_size = static_cast<uint32_t>(offsetof(wno_host_api, cache_get));
  wno::sdk::Host host(&shorter, fake.ctx());
  try {
    host.cacheGet("k");
    FAIL() << "expected UNSUPPORTED";
  } catch (const wno::sdk::Error& e) {
    EXPECT_EQ(e.status(), WNO_ERR_UNSUPPORTED);
    EXPECT_THAT(e.what(), HasSubstr("cache_get"));
  }
  host.info("still fine");  // log is within the table
  EXPECT_EQ(fake.logs().size(), 1u);
}

TEST(SdkHost, MetricsReachTheHost) {
  FakeHost fake;
  wno::sdk::Host host(fake.api(), fake.ctx());
  auto c = host.counter("jobs_total", "help", {{"queue", "q1"}});
  c.add(2);
  c.add(3);
  EXPECT_EQ(fake.metric("jobs_total|queue=q1"), 5);
}

}  // namespace
