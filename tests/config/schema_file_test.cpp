// config/schema.json itself: embedded as is, written only in the supported
// subset, self-consistent, and documented in docs/config.md.
#include "config/schema_navigation.h"
#include "config/schema_validator.h"
#include "config_test_support.h"

#include <regex>

namespace wno::config::testing {
namespace {

using nlohmann::json;

// Calls visit(schemaNode, pointerPattern) for every subschema, the way
// docs/config.md names keys: "/<i>" for array items, "/<name>" for map values.
template <typename Visit>
void walkSchema(const json& root, const json& node, const std::string& at, Visit&& visit, int depth = 0) {
  ASSERT_LT(depth, 32) << "schema recursion at " << at;
  const json& schema = resolveRef(root, node);
  visit(node, schema, at);
  if (auto props = schema.find("properties"); props != schema.end()) {
    for (const auto& [key, child] : props->items()) walkSchema(root, child, at + "/" + key, visit, depth + 1);
  }
  if (auto extra = schema.find("additionalProperties"); extra != schema.end() && extra->is_object()) {
    walkSchema(root, *extra, at + "/<name>", visit, depth + 1);
  }
  if (auto items = schema.find("items"); items != schema.end() && items->is_object()) {
    walkSchema(root, *items, at + "/<i>", visit, depth + 1);
  }
}

TEST(SchemaFile, EmbeddedSchemaIsTheCurrentFile) {
  const json onDisk = json::parse(readText(sourceFile("config/schema.json")));
  EXPECT_EQ(configSchema(), onDisk) << "the build did not regenerate the embedded schema";
}

TEST(SchemaFile, UsesOnlySupportedKeywords) {
  const json& root = configSchema();
  walkSchema(root, root, "", [&](const json& raw, const json&, const std::string& at) {
    for (const auto& [keyword, unused] : raw.items()) {
      EXPECT_TRUE(SchemaValidator::knownKeywords().count(keyword)) << at << ": unsupported keyword " << keyword;
    }
  });
  // Bound to a local: items() on the temporary value() returns would dangle.
  const json definitions = root.value("definitions", json::object());
  for (const auto& [name, definition] : definitions.items()) {
    for (const auto& [keyword, unused] : definition.items()) {
      EXPECT_TRUE(SchemaValidator::knownKeywords().count(keyword)) << "#/definitions/" << name << ": " << keyword;
    }
  }
}

TEST(SchemaFile, EveryKeyHasADescriptionAndAType) {
  const json& root = configSchema();
  walkSchema(root, root, "", [&](const json&, const json& schema, const std::string& at) {
    if (at.empty() || at.ends_with("/<i>") || at.ends_with("/<name>")) return;
    EXPECT_TRUE(schema.contains("description") && !schema["description"].get<std::string>().empty())
        << at << " has no description";
  });
  walkSchema(root, root, "", [&](const json&, const json& schema, const std::string& at) {
    // Free-form values (a field's default) say so with an explicit type list.
    EXPECT_TRUE(schema.contains("type")) << at << " has no type";
  });
}

TEST(SchemaFile, PatternsCompileAndDefaultsSatisfyTheirOwnSchema) {
  const json& root = configSchema();
  SchemaValidator validator(root);
  walkSchema(root, root, "", [&](const json&, const json& schema, const std::string& at) {
    if (auto pattern = schema.find("pattern"); pattern != schema.end()) {
      EXPECT_NO_THROW(std::regex(pattern->get<std::string>(), std::regex::ECMAScript)) << at;
    }
    if (auto def = schema.find("default"); def != schema.end()) {
      json value = *def;
      std::vector<ConfigError> errors;
      validator.validateAt(value, schema, at, errors);
      EXPECT_TRUE(errors.empty()) << at << ": its default is invalid: " << formatErrors(errors);
    }
    if (auto allowed = schema.find("enum"); allowed != schema.end()) {
      json withoutEnum = schema;
      withoutEnum.erase("enum");
      for (json value : *allowed) {
        std::vector<ConfigError> errors;
        validator.validateAt(value, withoutEnum, at, errors);
        EXPECT_TRUE(errors.empty()) << at << ": enum value " << value.dump() << " contradicts the type";
      }
    }
  });
}

TEST(SchemaFile, DocsListEveryKey) {
  const std::string docs = readText(sourceFile("docs/config.md"));
  ASSERT_FALSE(docs.empty());
  const json& root = configSchema();
  walkSchema(root, root, "", [&](const json&, const json& schema, const std::string& at) {
    // Arrays of scalars are described by their own row; only object items get rows.
    if (at.empty() || (at.ends_with("/<i>") && schema.value("type", "") != "object")) return;
    EXPECT_NE(docs.find("`" + at + "`"), std::string::npos)
        << "docs/config.md does not document " << at << " (regenerate the reference, see 'Extending the schema')";
  });
}

}  // namespace
}  // namespace wno::config::testing
