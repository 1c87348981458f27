// redactSecrets for --print-config: secrets never reach a terminal or a log,
// everything else stays readable.
#include "config_test_support.h"

namespace wno::config::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using nlohmann::json;

json pluginConfig(json config) { return {{"plugins", {{"load", {{{"name", "p"}, {"config", std::move(config)}}}}}}}; }
json redactedPluginConfig(json config) { return redactSecrets(pluginConfig(std::move(config)))["plugins"]["load"][0]["config"]; }

TEST(Redaction, SecretLookingKeysCaseInsensitive) {
  const json out = redactedPluginConfig({{"password", "a"},
                                         {"DB_PASSWORD", "b"},
                                         {"client_secret", "c"},
                                         {"api_key", "d"},
                                         {"ApiKey", "e"},
                                         {"access_token", "f"},
                                         {"signing_key", "g"},
                                         {"privateKey", "h"},
                                         {"user", "visible"},
                                         {"keyspace", "visible"}});
  for (const char* k : {"password", "DB_PASSWORD", "client_secret", "api_key", "ApiKey", "access_token", "signing_key",
                        "privateKey"}) {
    EXPECT_EQ(out[k], "***") << k;
  }
  EXPECT_EQ(out["user"], "visible");
  EXPECT_EQ(out["keyspace"], "visible");  // "key" only counts at the end
}

TEST(Redaction, EmptySecretsStayEmptySoOperatorsSeeTheyAreUnset) {
  json doc = {{"admin", {{"api_key", ""}}}};
  EXPECT_EQ(redactSecrets(doc)["admin"]["api_key"], "");
  doc["admin"]["api_key"] = "hunter2";
  EXPECT_EQ(redactSecrets(doc)["admin"]["api_key"], "***");
}

TEST(Redaction, NumbersAndNestedValuesUnderASecretKey) {
  const json out = redactedPluginConfig({{"token", 12345}, {"secrets", {{"db", "pw"}, {"list", {"a", ""}}}}, {"tls_key", true}});
  EXPECT_EQ(out["token"], "***");
  EXPECT_EQ(out["secrets"]["db"], "***");
  EXPECT_EQ(out["secrets"]["list"], json({"***", ""}));
  EXPECT_EQ(out["tls_key"], true);  // a switch, not a secret
}

TEST(Redaction, UrlPasswords) {
  const json out = redactedPluginConfig({{"url", "postgres://app:s3cret@db:5432/wno"},
                                         {"cache", "redis://:rpass@cache:6379/0"},
                                         {"list", {"rediss://u:p%40ss@h"}},
                                         {"plain", "redis://cache:6379/0"},
                                         {"user_only", "postgres://app@db/wno"},
                                         {"text", "primary postgres://a:b@h1/db, replica postgres://c:d@h2/db"}});
  EXPECT_EQ(out["url"], "postgres://app:***@db:5432/wno");
  EXPECT_EQ(out["cache"], "redis://:***@cache:6379/0");
  EXPECT_EQ(out["list"][0], "rediss://u:***@h");
  EXPECT_EQ(out["plain"], "redis://cache:6379/0");
  EXPECT_EQ(out["user_only"], "postgres://app@db/wno");
  EXPECT_EQ(out["text"], "primary postgres://a:***@h1/db, replica postgres://c:***@h2/db");
}

TEST(Redaction, ConnectionStringPasswords) {
  const json out = redactedPluginConfig({{"dsn", "host=db user=app password=s3cret dbname=wno"},
                                         {"quoted", "host=db password='a b' port=5432"},
                                         {"query", "postgres://db/wno?user=app&password=pw&sslmode=require"}});
  EXPECT_EQ(out["dsn"], "host=db user=app password=*** dbname=wno");
  EXPECT_EQ(out["quoted"], "host=db password=*** port=5432");
  EXPECT_EQ(out["query"], "postgres://db/wno?user=app&password=***&sslmode=require");
}

TEST(Redaction, SchemaKnowsWhatIsNotASecret) {
  json doc = json::parse(R"({
    "protection": {"rate_limits": [{"name": "api", "limit": 1, "key": "ip"}]},
    "data": {"collections": {"token_holdings": {"fields": {"token_mint": {"type": "text"}}}}}
  })");
  const json out = redactSecrets(doc);
  EXPECT_EQ(out["protection"]["rate_limits"][0]["key"], "ip");  // an enum value is public
  EXPECT_EQ(out["data"]["collections"]["token_holdings"]["fields"]["token_mint"]["type"], "text");
}

TEST(Redaction, TheInputIsNotModified) {
  const json doc = {{"admin", {{"api_key", "hunter2"}}}};
  const json out = redactSecrets(doc);
  EXPECT_EQ(doc["admin"]["api_key"], "hunter2");
  EXPECT_EQ(out["admin"]["api_key"], "***");
}

TEST(Redaction, ShippedProductionConfigPrintsNoSecret) {
  LoadOptions o;
  o.files = {sourceFile("config/production.example.json")};
  o.getenv = fakeEnv({{"WNO_ADMIN_KEY", "adminsecret"},
                      {"WNO_DATABASE_URL", "postgres://u:dbsecret@db/wno"},
                      {"WNO_CURSOR_SECRET", "cursorsecret"},
                      {"WNO_REDIS_URL", "redis://:redissecret@cache:6379/0"}});
  auto r = loadConfig(o);
  ASSERT_TRUE(r.ok()) << formatErrors(r.errors);
  const std::string printed = redactSecrets(r.effective).dump(2);
  for (const char* secret : {"adminsecret", "dbsecret", "cursorsecret", "redissecret"}) {
    EXPECT_THAT(printed, Not(HasSubstr(secret)));
  }
  EXPECT_THAT(printed, HasSubstr("postgres://u:***@db/wno"));
  EXPECT_THAT(printed, HasSubstr("0.0.0.0"));
}

}  // namespace
}  // namespace wno::config::testing
