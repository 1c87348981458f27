// wno::sdk::ComponentConfig: what a component's constructor refuses, and
// the message each refusal carries (the host shows it beside the config).
#include <wno/sdk/config.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

namespace {

using ::testing::HasSubstr;
using wno::sdk::ComponentConfig;

std::string refusal(std::string_view text, std::initializer_list<std::string_view> known,
                    const std::function<void(const ComponentConfig&)>& read = {}) {
  try {
    const ComponentConfig config(text, known);
    if (read) read(config);
  } catch (const wno::sdk::Error& e) {
    EXPECT_EQ(e.status(), WNO_ERR_INVALID);
    return e.what();
  }
  return "";
}

TEST(SdkConfig, ReadsTypedValuesAndTheirFallbacks) {
  const ComponentConfig config(R"({"url":"redis://x","pool":4,"ratio":0.5,"tls":true,"note":null})",
                               {"url", "pool", "ratio", "tls", "note", "absent"});
  EXPECT_EQ(config.string("url", "", true), "redis://x");
  EXPECT_EQ(config.integer("pool", 1, 1, 64), 4);
  EXPECT_DOUBLE_EQ(config.number("ratio", 1, 0, 1), 0.5);
  EXPECT_TRUE(config.boolean("tls", false));
  EXPECT_EQ(config.string("note", "fallback"), "fallback") << "null is absent";
  EXPECT_EQ(config.integer("absent", 7, 0, 10), 7);
  EXPECT_TRUE(config.has("url"));
  EXPECT_FALSE(config.has("note"));
  for (const char* empty : {"", "  ", "null", "{}"}) {
    EXPECT_TRUE(ComponentConfig(empty, {"x"}).json().empty()) << empty;
  }
}

TEST(SdkConfig, AnUnknownKeyIsRefusedNamingTheKnownOnes) {
  EXPECT_EQ(refusal(R"({"url":"x","pool_sise":2})", {"url", "pool_size"}),
            "unknown config key \"pool_sise\" (known: url, pool_size)");
  EXPECT_EQ(refusal(R"({"anything":1})", {}), "unknown config key \"anything\" (this component takes no settings)");
}

TEST(SdkConfig, MalformedTextAndWrongShapesAreRefused) {
  EXPECT_EQ(refusal("{\"url\":", {"url"}), "config is not valid JSON");
  EXPECT_EQ(refusal("[1,2]", {"url"}), "config must be a JSON object");
}

TEST(SdkConfig, WrongTypesAndOutOfRangeValuesNameTheKey) {
  EXPECT_EQ(refusal(R"({"pool":"four"})", {"pool"}, [](const auto& c) { c.integer("pool", 1, 1, 64); }),
            "pool: expected an integer from 1 to 64, got \"four\"");
  EXPECT_EQ(refusal(R"({"pool":65})", {"pool"}, [](const auto& c) { c.integer("pool", 1, 1, 64); }),
            "pool: expected an integer from 1 to 64, got 65");
  EXPECT_EQ(refusal(R"({"pool":2.5})", {"pool"}, [](const auto& c) { c.integer("pool", 1, 1, 64); }),
            "pool: expected an integer from 1 to 64, got 2.5");
  EXPECT_EQ(refusal(R"({"bytes":12})", {"bytes"}, [](const auto& c) { c.integer("bytes", 4096, 4096, INT64_MAX); }),
            "bytes: expected an integer >= 4096, got 12");
  EXPECT_EQ(refusal(R"({"ratio":1.5})", {"ratio"}, [](const auto& c) { c.number("ratio", 1, 0, 1); }),
            "ratio: expected a number from 0 to 1, got 1.5");
  EXPECT_EQ(refusal(R"({"tls":"yes"})", {"tls"}, [](const auto& c) { c.boolean("tls", false); }),
            "tls: expected true or false, got \"yes\"");
  EXPECT_EQ(refusal(R"({"url":7})", {"url"}, [](const auto& c) { c.string("url", ""); }),
            "url: expected a string, got 7");
  EXPECT_EQ(refusal("{}", {"url"}, [](const auto& c) { c.string("url", "", true); }),
            "url: required, a non-empty string");
  EXPECT_EQ(refusal(R"({"url":""})", {"url"}, [](const auto& c) { c.string("url", "", true); }),
            "url: must not be empty");
}

TEST(SdkConfig, ASectionIsReadAndCheckedLikeTheConfigNamingKeysByPath) {
  const ComponentConfig config(R"({"breaker":{"open_ms":500},"retry":null})", {"breaker", "retry"});
  EXPECT_EQ(config.section("breaker", {"open_ms", "failure_threshold"}).integer("open_ms", 1, 1, 1000), 500);
  EXPECT_EQ(config.section("breaker", {"open_ms", "failure_threshold"}).integer("failure_threshold", 5, 1, 9), 5);
  EXPECT_EQ(config.section("retry", {"attempts"}).integer("attempts", 3, 1, 9), 3) << "null is an empty section";
  EXPECT_EQ(config.section("absent", {"attempts"}).integer("attempts", 3, 1, 9), 3);
  auto read = [](std::string_view key, std::initializer_list<std::string_view> known) {
    return [key, known](const ComponentConfig& c) { c.section(key, known).integer("open_ms", 1, 1, 1000); };
  };
  EXPECT_EQ(refusal(R"({"breaker":{"threshold":3}})", {"breaker"}, read("breaker", {"open_ms"})),
            "unknown config key \"breaker.threshold\" (known: open_ms)");
  EXPECT_EQ(refusal(R"({"breaker":{"open_ms":0}})", {"breaker"}, read("breaker", {"open_ms"})),
            "breaker.open_ms: expected an integer from 1 to 1000, got 0");
  EXPECT_EQ(refusal(R"({"breaker":7})", {"breaker"}, read("breaker", {"open_ms"})),
            "breaker: expected an object, got 7");
  // Nested twice, the path grows; sectionOf reads an object parsed elsewhere.
  const nlohmann::json parsed = nlohmann::json::parse(R"({"a":{"b":{"c":"x"}}})");
  try {
    ComponentConfig::sectionOf(parsed, "a", {"b"}).section("b", {"c"}).integer("c", 0, 0, 1);
    FAIL();
  } catch (const wno::sdk::Error& e) {
    EXPECT_STREQ(e.what(), "a.b.c: expected an integer from 0 to 1, got \"x\"");
  }
}

}  // namespace
