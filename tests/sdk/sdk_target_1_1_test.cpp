// The SDK built for an older minor (this file compiles with
// WNO_TARGET_ABI_MINOR=1): a repository class that defines the 1.2 writes
// by filter still gets a table that ends where 1.1's did, so no host sees
// or calls them, and Host does not offer the 1.2 repository services.
#include <wno/sdk/sdk.hpp>

#include <gtest/gtest.h>

#include <type_traits>

static_assert(WNO_TARGET_ABI_MINOR == 1, "this test is built for ABI 1.1");

namespace {

class FilterRows : public wno::sdk::Repository {
 public:
  FilterRows(wno::sdk::Host, std::string_view) {}
  void defineCollection(std::string_view) override {}
  void query(std::string_view, std::string_view, wno::sdk::Writer&) override {}
  bool get(std::string_view, int64_t, std::string_view, wno::sdk::Writer&) override { return false; }
  void insert(std::string_view, std::string_view, wno::sdk::Writer&) override {}
  std::string insertMany(std::string_view, std::string_view) override { return "[]"; }
  void update(std::string_view, int64_t, int64_t, std::string_view, wno::sdk::Writer&) override {}
  bool remove(std::string_view, int64_t) override { return false; }
  int64_t count(std::string_view, std::string_view) override { return 0; }
  void updateWhere(std::string_view, std::string_view, std::string_view, wno::sdk::Writer&) {}
  void removeWhere(std::string_view, std::string_view, wno::sdk::Writer&) {}
};

// Whether Host has repoCount: it must not for a plugin targeting 1.1.
template <typename H, typename = void>
struct HasRepoCount : std::false_type {};
template <typename H>
struct HasRepoCount<H, std::void_t<decltype(std::declval<const H&>().repoCount("", ""))>> : std::true_type {};
static_assert(!HasRepoCount<wno::sdk::Host>::value, "a 1.1 plugin must not see the 1.2 repository services");

}  // namespace

WNO_PLUGIN("sdk_target_1_1", "0.0.1", "SDK built for ABI 1.1", WNO_REPOSITORY("filter_rows", FilterRows));

namespace {

TEST(SdkTargeting11, ARepositoryTableEndsBeforeThe12Hooks) {
  const wno_plugin* p = wno_plugin_entry_v1(WNO_ABI_VERSION_MAJOR, WNO_ABI_VERSION_MINOR);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->abi_minor, 1u);
  const auto* table = static_cast<const wno_type_repository*>(p->components[0].vtable);
  EXPECT_EQ(table->struct_size, offsetof(wno_type_repository, on_update_where));
  EXPECT_NE(table->on_count, nullptr);
}

}  // namespace
