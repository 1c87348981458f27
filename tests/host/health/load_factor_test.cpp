#include "health/load_factor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace wno::host {
namespace {

TEST(LoadFactor, CompositeIsTheWeightedMeanOfPresentSignals) {
  EXPECT_DOUBLE_EQ(LoadFactor::composite({}), 0.0);
  EXPECT_DOUBLE_EQ(LoadFactor::composite({{0.5, 1}}), 0.5);
  EXPECT_DOUBLE_EQ(LoadFactor::composite({{1.0, 3}, {0.0, 1}}), 0.75);
  // Readings are clamped to 0..1 and zero weights ignored.
  EXPECT_DOUBLE_EQ(LoadFactor::composite({{7.0, 1}, {-2.0, 1}, {0.9, 0}}), 0.5);
}

TEST(LoadFactor, SmoothsWithEwmaAndPublishes) {
  HostServices services;
  double cpu = 1.0;
  LoadFactorOptions options;
  options.smoothing = 0.5;
  LoadFactor load(options, {{"cpu", 1.0, [&] { return std::optional<double>(cpu); }}}, services);
  EXPECT_DOUBLE_EQ(load.sampleOnce().value, 1.0);  // the first sample seeds the average
  cpu = 0.0;
  EXPECT_DOUBLE_EQ(load.sampleOnce().value, 0.5);
  EXPECT_DOUBLE_EQ(load.sampleOnce().value, 0.25);
  EXPECT_DOUBLE_EQ(services.loadFactor(), 0.25);
  EXPECT_THAT(services.metrics().serialize(), ::testing::HasSubstr("wno_load_factor 0.25"));
  EXPECT_EQ(load.history().size(), 3u);
}

TEST(LoadFactor, MissingAndThrowingSignalsShareTheirWeight) {
  HostServices services;
  LoadFactorOptions options;
  options.smoothing = 1.0;
  LoadFactor load(options,
                  {{"a", 1.0, [] { return std::optional<double>(0.8); }},
                   {"b", 5.0, [] { return std::optional<double>(); }},
                   {"c", 5.0, []() -> std::optional<double> { throw std::runtime_error("broken"); }}},
                  services);
  auto sample = load.sampleOnce();
  EXPECT_DOUBLE_EQ(sample.value, 0.8);
  EXPECT_EQ(sample.signals.count("b"), 0u);
  EXPECT_EQ(load.toJson()["signals"]["b"]["value"], nullptr);
}

TEST(LoadFactor, FixedValuePinsTheLoadButSignalsAreStillShown) {
  HostServices services;
  LoadFactorOptions options;
  options.fixed = 0.9;
  LoadFactor load(options, {{"a", 1.0, [] { return std::optional<double>(0.1); }}}, services);
  EXPECT_DOUBLE_EQ(services.loadFactor(), 0.9);
  auto sample = load.sampleOnce();
  EXPECT_DOUBLE_EQ(sample.value, 0.9);
  EXPECT_DOUBLE_EQ(sample.raw, 0.1);
}

TEST(LoadFactor, HistoryIsBounded) {
  HostServices services;
  LoadFactorOptions options;
  options.historySize = 4;
  LoadFactor load(options, {}, services);
  for (int i = 0; i < 10; ++i) load.sampleOnce();
  EXPECT_EQ(load.history().size(), 4u);
}

}  // namespace
}  // namespace wno::host
