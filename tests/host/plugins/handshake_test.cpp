// The handshake and manifest checks on hand-made manifests: every refusal
// names what is wrong and how to fix it.
#include "plugins/handshake.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace wno::host {
namespace {

using ::testing::HasSubstr;

wno_status create(const wno_host_api*, wno_host_ctx*, wno_str, void** out) {
  *out = nullptr;
  return WNO_OK;
}
void destroy(void*) {}
wno_status check(void*, int64_t, const wno_probe_sink*) { return WNO_OK; }

const wno_type_health_probe kProbe = {sizeof(wno_type_health_probe), create, destroy, check};

struct ManifestBuilder {
  wno_component component{sizeof(wno_component), WNO_KIND_HEALTH_PROBE, "probe", "desc", &kProbe};
  wno_plugin plugin{sizeof(wno_plugin), 1, 0, "good", "1.2.3", "a plugin", &component, 1, nullptr, nullptr};
};

TEST(Handshake, AcceptsAMatchingManifestAndCopiesItsComponents) {
  ManifestBuilder m;
  Refusal refusal;
  auto accepted = acceptManifest(&m.plugin, 1, 0, refusal);
  ASSERT_TRUE(accepted.isOk()) << refusal.reason;
  EXPECT_EQ(accepted.value().name, "good");
  EXPECT_EQ(accepted.value().version, "1.2.3");
  ASSERT_EQ(accepted.value().components.size(), 1u);
  const auto& type = accepted.value().components[0];
  EXPECT_EQ(type.kind, WNO_KIND_HEALTH_PROBE);
  EXPECT_EQ(type.name, "probe");
  EXPECT_EQ(type.as<wno_type_health_probe>().on_check, &check);
}

TEST(Handshake, AcceptsAnOlderMinorOnANewerHost) {
  ManifestBuilder m;
  Refusal refusal;
  EXPECT_TRUE(acceptManifest(&m.plugin, 1, 7, refusal).isOk());
}

TEST(Handshake, RefusesNullAsTheEntryDeclining) {
  Refusal refusal;
  EXPECT_FALSE(acceptManifest(nullptr, 1, 0, refusal).isOk());
  EXPECT_THAT(refusal.reason, HasSubstr("declined this host"));
  EXPECT_THAT(refusal.fix, HasSubstr("rebuild"));
}

TEST(Handshake, RefusesAnotherMajorNamingBothVersions) {
  ManifestBuilder m;
  m.plugin.abi_major = 2;
  m.plugin.abi_minor = 3;
  Refusal refusal;
  EXPECT_FALSE(acceptManifest(&m.plugin, 1, 0, refusal).isOk());
  EXPECT_THAT(refusal.reason, HasSubstr("ABI major differs"));
  EXPECT_THAT(refusal.reason, HasSubstr("2.3"));
  EXPECT_THAT(refusal.reason, HasSubstr("1.0"));
  EXPECT_THAT(refusal.fix, HasSubstr("plugin-api 1.x"));
}

TEST(Handshake, RefusesANewerMinorWithBothFixes) {
  ManifestBuilder m;
  m.plugin.abi_minor = 4;
  Refusal refusal;
  EXPECT_FALSE(acceptManifest(&m.plugin, 1, 2, refusal).isOk());
  EXPECT_THAT(refusal.reason, HasSubstr("needs a newer minor"));
  EXPECT_THAT(refusal.reason, HasSubstr("1.4"));
  EXPECT_THAT(refusal.reason, HasSubstr("1.2"));
  EXPECT_THAT(refusal.fix, HasSubstr("WNO_TARGET_ABI_MINOR=2"));
}

TEST(Handshake, RefusesATruncatedManifest) {
  ManifestBuilder m;
  m.plugin.struct_size = 8;
  Refusal refusal;
  EXPECT_FALSE(acceptManifest(&m.plugin, 1, 0, refusal).isOk());
  EXPECT_THAT(refusal.reason, HasSubstr("struct_size 8"));
}

TEST(Handshake, RefusesBadNames) {
  ManifestBuilder m;
  m.plugin.name = "Bad Name";
  Refusal refusal;
  EXPECT_FALSE(acceptManifest(&m.plugin, 1, 0, refusal).isOk());
  EXPECT_THAT(refusal.reason, HasSubstr("plugin name"));

  ManifestBuilder c;
  c.component.name = "";
  EXPECT_FALSE(acceptManifest(&c.plugin, 1, 0, refusal).isOk());
  EXPECT_THAT(refusal.reason, HasSubstr("component #0"));
}

TEST(Handshake, RefusesComponentsWithoutATable) {
  ManifestBuilder m;
  m.plugin.components = nullptr;
  Refusal refusal;
  EXPECT_FALSE(acceptManifest(&m.plugin, 1, 0, refusal).isOk());
  EXPECT_THAT(refusal.reason, HasSubstr("components is NULL"));
}

TEST(Handshake, RefusesUnknownKindAndNullVtable) {
  ManifestBuilder m;
  m.component.kind = 42;
  Refusal refusal;
  EXPECT_FALSE(acceptManifest(&m.plugin, 1, 0, refusal).isOk());
  EXPECT_THAT(refusal.reason, HasSubstr("unknown kind 42"));

  ManifestBuilder n;
  n.component.vtable = nullptr;
  EXPECT_FALSE(acceptManifest(&n.plugin, 1, 0, refusal).isOk());
  EXPECT_THAT(refusal.reason, HasSubstr("NULL vtable"));
}

TEST(Handshake, RefusesMissingRequiredHooksNamingThem) {
  const wno_type_health_probe noCheck = {sizeof(wno_type_health_probe), create, destroy, nullptr};
  ManifestBuilder m;
  m.component.vtable = &noCheck;
  Refusal refusal;
  EXPECT_FALSE(acceptManifest(&m.plugin, 1, 0, refusal).isOk());
  EXPECT_THAT(refusal.reason, HasSubstr("health_probe \"probe\" lacks required hooks: on_check"));
}

TEST(Handshake, ReadsOnlyWhatAShorterVtableDeclares) {
  // A table whose struct_size stops before on_check: the host must treat the
  // hook as absent rather than read past the plugin's struct.
  wno_type_health_probe shortTable = {offsetof(wno_type_health_probe, on_check), create, destroy, check};
  ManifestBuilder m;
  m.component.vtable = &shortTable;
  Refusal refusal;
  EXPECT_FALSE(acceptManifest(&m.plugin, 1, 0, refusal).isOk());
  EXPECT_THAT(refusal.reason, HasSubstr("on_check"));
}

TEST(Handshake, OptionalHooksMayBeNull) {
  wno_type_cache cache{};
  cache.struct_size = sizeof cache;
  cache.on_create = create;
  cache.on_destroy = destroy;
  cache.on_get = [](void*, wno_str, const wno_cache_entry_sink*) -> wno_status { return WNO_NOT_FOUND; };
  cache.on_set = [](void*, wno_str, const wno_cache_entry*) -> wno_status { return WNO_OK; };
  cache.on_delete = [](void*, wno_str) -> wno_status { return WNO_OK; };
  cache.on_invalidate_tag = [](void*, wno_str, uint64_t*) -> wno_status { return WNO_OK; };
  cache.on_clear = [](void*, wno_str) -> wno_status { return WNO_OK; };
  cache.on_stats = [](void*, const wno_sink*) -> wno_status { return WNO_OK; };
  ManifestBuilder m;
  m.component.kind = WNO_KIND_CACHE;
  m.component.vtable = &cache;
  Refusal refusal;
  auto accepted = acceptManifest(&m.plugin, 1, 0, refusal);
  ASSERT_TRUE(accepted.isOk()) << refusal.reason;
  EXPECT_EQ(accepted.value().components[0].as<wno_type_cache>().on_set_listener, nullptr);
}

}  // namespace
}  // namespace wno::host
