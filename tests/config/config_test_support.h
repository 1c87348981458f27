// Shared by the config tests: a temp dir per test, loadConfig with an
// injected environment, and lookup of the error at one pointer.
#pragma once

#include "config/config_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace wno::config::testing {

using Env = std::map<std::string, std::string>;

inline GetEnv fakeEnv(Env env) {
  return [env = std::move(env)](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
}

inline std::string sourceFile(const std::string& relative) { return std::string(WNO_TEST_SOURCE_DIR) + "/" + relative; }

inline std::string readText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("wno-config-" + std::to_string(::getpid()) + "-" + info->test_suite_name() + "-" + info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string file(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return (dir_ / name).string();
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  static LoadResult load(std::vector<std::string> files, std::vector<std::string> overrides = {}, Env env = {}) {
    LoadOptions o;
    o.files = std::move(files);
    o.overrides = std::move(overrides);
    o.getenv = fakeEnv(std::move(env));
    return loadConfig(o);
  }
  // Loads one inline document.
  LoadResult loadText(const std::string& json, std::vector<std::string> overrides = {}, Env env = {}) {
    return load({file("config.json", json)}, std::move(overrides), std::move(env));
  }

  std::filesystem::path dir_;
};

// The messages reported at exactly `pointer`.
inline std::vector<std::string> errorsAt(const std::vector<ConfigError>& errors, const std::string& pointer) {
  std::vector<std::string> out;
  for (const auto& e : errors) {
    if (e.pointer == pointer) out.push_back(e.message);
  }
  return out;
}

// The single message at `pointer` ("" when there is none, "<n errors>" when several).
inline std::string errorAt(const std::vector<ConfigError>& errors, const std::string& pointer) {
  const auto all = errorsAt(errors, pointer);
  if (all.empty()) return "";
  if (all.size() > 1) return "<" + std::to_string(all.size()) + " errors>";
  return all.front();
}
inline std::string errorAt(const LoadResult& r, const std::string& pointer) { return errorAt(r.errors, pointer); }

}  // namespace wno::config::testing
