// The plugin manager against real .so fixtures: every refusal names the
// file, the reason and the fix; good plugins (C, old minor) load and run.
#include "plugins/component_instance.h"
#include "plugins/plugin_manager.h"
#include "services/host_api.h"
#include "services/host_services.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <wno/sdk/sinks.hpp>

namespace wno::host {
namespace {

using ::testing::HasSubstr;

class PluginManagerTest : public ::testing::Test {
 protected:
  HostServices services;
  PluginManager manager{hostApiTable(), &services};
  std::vector<std::filesystem::path> dirs{WNO_FIXTURE_PLUGIN_DIR};

  PluginRefusal refuse(const std::string& name) {
    PluginRefusal refusal;
    PluginSpec spec;
    spec.name = name;
    spec.pointer = "/plugins/load/0";
    EXPECT_FALSE(manager.load(spec, dirs, refusal).isOk()) << name << " should be refused";
    EXPECT_THAT(refusal.line(), HasSubstr("; fix: "));
    return refusal;
  }
};

TEST_F(PluginManagerTest, MissingFileNamesWhereItLooked) {
  auto r = refuse("does_not_exist");
  EXPECT_EQ(r.path, "wno_does_not_exist.so");
  EXPECT_THAT(r.reason, HasSubstr("file not found in the plugin directories"));
  EXPECT_THAT(r.reason, HasSubstr(WNO_FIXTURE_PLUGIN_DIR));
}

TEST_F(PluginManagerTest, NotALibraryReportsTheLoaderError) {
  auto r = refuse("not_a_library");
  EXPECT_THAT(r.path.string(), HasSubstr("wno_not_a_library.so"));
  EXPECT_THAT(r.reason, HasSubstr("cannot load library"));
  EXPECT_THAT(r.reason, HasSubstr("wno_not_a_library.so"));  // dlerror names the file and what is wrong
  EXPECT_THAT(r.fix, HasSubstr("ldd"));
}

TEST_F(PluginManagerTest, MissingEntryPointIsNotAPlugin) {
  auto r = refuse("no_entry");
  EXPECT_THAT(r.reason, HasSubstr("not a wno plugin"));
  EXPECT_THAT(r.reason, HasSubstr("wno_plugin_entry_v1"));
  EXPECT_THAT(r.fix, HasSubstr("WNO_PLUGIN"));
}

TEST_F(PluginManagerTest, OtherMajorEntryIsNamed) {
  auto r = refuse("major_v2");
  EXPECT_THAT(r.reason, HasSubstr("ABI major differs"));
  EXPECT_THAT(r.reason, HasSubstr("wno_plugin_entry_v2"));
}

TEST_F(PluginManagerTest, MajorMismatchInManifest) {
  auto r = refuse("major_mismatch");
  EXPECT_THAT(r.reason, HasSubstr("ABI major differs: the plugin is built for ABI 2.0, this host speaks 1." +
                                  std::to_string(WNO_ABI_VERSION_MINOR)));
}

TEST_F(PluginManagerTest, MinorTooNew) {
  auto r = refuse("minor_too_new");
  EXPECT_THAT(r.reason, HasSubstr("needs a newer minor: it targets ABI 1.99, this host provides 1." +
                                  std::to_string(WNO_ABI_VERSION_MINOR)));
  EXPECT_THAT(r.fix, HasSubstr("upgrade wno-host"));
}

TEST_F(PluginManagerTest, InitFailureCarriesThePluginsMessage) {
  auto r = refuse("init_fails");
  EXPECT_EQ(r.reason, "init failed: missing required config key api_url");
  EXPECT_THAT(r.fix, HasSubstr("/plugins/load/0/config"));
}

TEST_F(PluginManagerTest, ExceptionFromOnLoadIsCaught) {
  auto r = refuse("throws");
  EXPECT_THAT(r.reason, HasSubstr("threw from on_load: boom: cannot reach the license server"));
}

TEST_F(PluginManagerTest, MissingRequiredHook) {
  auto r = refuse("missing_hook");
  EXPECT_THAT(r.reason, HasSubstr("lacks required hooks: on_check"));
}

TEST_F(PluginManagerTest, DuplicateComponentNamesTheOtherPlugin) {
  PluginRefusal refusal;
  PluginSpec a;
  a.name = "dup_a";
  ASSERT_TRUE(manager.load(a, dirs, refusal).isOk());
  auto r = refuse("dup_b");
  EXPECT_THAT(r.reason, HasSubstr("duplicate component health_probe \"shared_name\""));
  EXPECT_THAT(r.reason, HasSubstr("plugin \"dup_a\""));
  // The first plugin's component is still registered and usable.
  EXPECT_NE(manager.find(WNO_KIND_HEALTH_PROBE, "shared_name"), nullptr);
}

TEST_F(PluginManagerTest, SamePluginTwiceIsRefused) {
  PluginRefusal refusal;
  PluginSpec spec;
  spec.name = "c_counter";
  ASSERT_TRUE(manager.load(spec, dirs, refusal).isOk());
  auto r = refuse("c_counter");
  EXPECT_THAT(r.reason, HasSubstr("duplicate plugin name"));
}

TEST_F(PluginManagerTest, LoadAllFailsOnlyForRequiredRefusals) {
  PluginSpec optional;
  optional.name = "init_fails";
  optional.required = false;
  PluginSpec good;
  good.name = "c_counter";
  EXPECT_TRUE(manager.loadAll({optional, good}, dirs).isOk());
  EXPECT_EQ(manager.refusals().size(), 1u);
  EXPECT_EQ(manager.plugins().size(), 1u);

  PluginSpec required;
  required.name = "minor_too_new";
  Status status = manager.loadAll({required}, dirs);
  EXPECT_FALSE(status.isOk());
  EXPECT_THAT(status.message(), HasSubstr("wno_minor_too_new.so"));
}

// Drives a probe instance through the C vtable and returns the details JSON.
std::string checkOnce(HealthProbeInstance& probe) {
  std::string details;
  wno_probe_sink sink{&details, [](void* ctx, const wno_probe_report* r) {
                        static_cast<std::string*>(ctx)->assign(r->details_json.data, r->details_json.len);
                      }};
  EXPECT_TRUE(probe.call("on_check", probe.vtable().on_check, int64_t{1000}, &sink).isOk());
  return details;
}

TEST_F(PluginManagerTest, PlainCPluginLoadsAndRuns) {
  PluginRefusal refusal;
  PluginSpec spec;
  spec.name = "c_counter";
  ASSERT_TRUE(manager.load(spec, dirs, refusal).isOk()) << refusal.line();
  auto type = manager.find(WNO_KIND_HEALTH_PROBE, "c_counter");
  ASSERT_NE(type, nullptr);
  auto probe = HealthProbeInstance::create(type, hostApiTable(), &services, "counter", {{"label", "blue"}});
  ASSERT_TRUE(probe.isOk()) << probe.status().message();
  EXPECT_EQ(checkOnce(*probe.value()), R"({"checks":1,"label":"blue","language":"c"})");
  EXPECT_EQ(checkOnce(*probe.value()), R"({"checks":2,"label":"blue","language":"c"})");
  // The C plugin registered a metric through the host table.
  EXPECT_THAT(services.metrics().serialize(), HasSubstr("c_counter_checks_total 2"));
}

TEST_F(PluginManagerTest, CreateFailureCarriesThePluginsMessage) {
  PluginRefusal refusal;
  PluginSpec spec;
  spec.name = "c_counter";
  ASSERT_TRUE(manager.load(spec, dirs, refusal).isOk());
  auto probe = HealthProbeInstance::create(manager.find(WNO_KIND_HEALTH_PROBE, "c_counter"), hostApiTable(),
                                           &services, "counter", {{"label", "reject"}});
  ASSERT_FALSE(probe.isOk());
  EXPECT_EQ(probe.status().code(), WNO_ERR_INVALID);
  EXPECT_EQ(probe.status().message(), "label \"reject\" is not allowed");
}

TEST_F(PluginManagerTest, OldMinorFixtureBuiltAgainstFrozenHeadersLoads) {
  PluginRefusal refusal;
  PluginSpec spec;
  spec.name = "old_minor";
  ASSERT_TRUE(manager.load(spec, dirs, refusal).isOk()) << refusal.line();
  auto plugins = manager.plugins();
  ASSERT_EQ(plugins.size(), 1u);
  EXPECT_EQ(plugins[0]->abiMinor, 0u);
  auto probe = HealthProbeInstance::create(manager.find(WNO_KIND_HEALTH_PROBE, "old_minor"), hostApiTable(),
                                           &services, "old", nlohmann::json::object());
  ASSERT_TRUE(probe.isOk());
  EXPECT_EQ(checkOnce(*probe.value()), "{}");
}

// A 1.1 job store built against the frozen 1.1 headers: its batch hooks are
// found where 1.1 put them, and what they write reaches the host intact.
TEST_F(PluginManagerTest, Minor11StoreBuiltAgainstFrozenHeadersKeepsItsBatchHooks) {
  PluginRefusal refusal;
  PluginSpec spec;
  spec.name = "minor_1_1_store";
  ASSERT_TRUE(manager.load(spec, dirs, refusal).isOk()) << refusal.line();
  ASSERT_EQ(manager.plugins().size(), 1u);
  EXPECT_EQ(manager.plugins()[0]->abiMinor, 1u);
  auto created = JobStoreInstance::create(manager.find(WNO_KIND_JOB_STORE, "minor_1_1_store"), hostApiTable(),
                                          &services, "frozen", nlohmann::json::object());
  ASSERT_TRUE(created.isOk()) << created.status().message();
  JobStoreInstance& store = *created.value();
  ASSERT_NE(store.vtable().on_enqueue_many, nullptr);
  ASSERT_NE(store.vtable().on_finish_many, nullptr);
  EXPECT_EQ(store.vtable().on_heartbeat_many, nullptr) << "1.3's hook lies past a 1.1 table: the host renews one by one";

  std::vector<std::string> written;
  const wno_sink sink = wno::sdk::sinkAppending(written);
  int32_t created_flags[2] = {0, 0};
  const std::string jobs = "[{},{}]";
  ASSERT_TRUE(store.call("on_enqueue_many", store.vtable().on_enqueue_many, wno_str{jobs.data(), jobs.size()},
                         size_t{2}, &sink, created_flags).isOk());
  EXPECT_EQ(written, (std::vector<std::string>{"{\"frozen\":\"1.1\"}", "{\"frozen\":\"1.1\"}"}));
  EXPECT_EQ(created_flags[1], 1);

  written.clear();
  wno_status statuses[1] = {WNO_OK};
  const std::string items = "[{}]", worker = "w";
  ASSERT_TRUE(store.call("on_finish_many", store.vtable().on_finish_many, wno_str{worker.data(), worker.size()},
                         wno_str{items.data(), items.size()}, size_t{1}, statuses, &sink).isOk());
  EXPECT_EQ(statuses[0], WNO_NOT_FOUND);
  EXPECT_EQ(written, (std::vector<std::string>{"{\"index\":0,\"message\":\"minor_1_1_store\"}"}));
}

// ABI 1.2 appended data_schema_json to job handlers: a handler built for 1.1
// (its table ends before the field) loads, and reads as declaring none.
TEST_F(PluginManagerTest, JobHandlerTargetingAbi11LoadsWithoutADataSchema) {
  PluginRefusal refusal;
  PluginSpec spec;
  spec.name = "test_jobs";
  spec.file = std::string(WNO_FIXTURE_PLUGIN_DIR) + "/wno_test_jobs_v1_1.so";
  ASSERT_TRUE(manager.load(spec, dirs, refusal).isOk()) << refusal.line();
  EXPECT_EQ(manager.plugins()[0]->abiMinor, 1u);
  auto type = manager.find(WNO_KIND_JOB_HANDLER, "test_job");
  ASSERT_NE(type, nullptr);
  EXPECT_EQ(type->as<wno_type_job_handler>().data_schema_json.data, nullptr);
  EXPECT_NE(type->as<wno_type_job_handler>().on_handle, nullptr);
}

TEST_F(PluginManagerTest, JobHandlerDeclaresItsDataSchema) {
  PluginRefusal refusal;
  PluginSpec spec;
  spec.name = "process_content";
  ASSERT_TRUE(manager.load(spec, {WNO_TEST_PLUGIN_DIR}, refusal).isOk()) << refusal.line();
  EXPECT_EQ(manager.plugins()[0]->abiMinor, static_cast<uint32_t>(WNO_ABI_VERSION_MINOR));
  const wno_str schema = manager.find(WNO_KIND_JOB_HANDLER, "process_content")->as<wno_type_job_handler>().data_schema_json;
  ASSERT_NE(schema.data, nullptr);
  EXPECT_THAT(std::string(schema.data, schema.len), HasSubstr("\"content_id\""));
}

TEST_F(PluginManagerTest, InstancesKeepTheirPluginLoadedAfterUnloadAll) {
  PluginRefusal refusal;
  PluginSpec spec;
  spec.name = "c_counter";
  ASSERT_TRUE(manager.load(spec, dirs, refusal).isOk());
  auto probe = HealthProbeInstance::create(manager.find(WNO_KIND_HEALTH_PROBE, "c_counter"), hostApiTable(),
                                           &services, "counter", nlohmann::json::object());
  ASSERT_TRUE(probe.isOk());
  manager.unloadAll();
  EXPECT_TRUE(manager.plugins().empty());
  // The code is still mapped: calling into it must work, not crash.
  EXPECT_THAT(checkOnce(*probe.value()), HasSubstr("\"checks\":1"));
}

}  // namespace
}  // namespace wno::host
