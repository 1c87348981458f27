// Must NOT compile (tests/sdk: sdk_refuses_a_misdeclared_set_listener): a
// shared cache backend whose setListener takes the wrong type would leave
// every other host's L1 stale without a word; the SDK makes it an error.
#include <wno/sdk/sdk.hpp>

namespace {

class ForgetfulBackend : public wno::sdk::CacheBackend {
 public:
  ForgetfulBackend(wno::sdk::Host, std::string_view) {}
  bool get(std::string_view, wno::sdk::CacheHit&) override { return false; }
  void set(std::string_view, const wno::sdk::CacheEntryView&) override {}
  bool remove(std::string_view) override { return false; }
  uint64_t invalidateTag(std::string_view) override { return 0; }
  void clear(std::string_view) override {}
  std::string statsJson() override { return "{}"; }
  // Not const: not the hook's signature.
  void setListener(wno_cache_listener* listener) { listener_ = listener; }

 private:
  wno_cache_listener* listener_ = nullptr;
};

}  // namespace

WNO_PLUGIN("forgetful", "0.0.1", "A cache backend the SDK refuses", WNO_CACHE("forgetful", ForgetfulBackend));
