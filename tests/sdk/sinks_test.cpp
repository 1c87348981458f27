#include <wno/sdk/sinks.hpp>

#include <gtest/gtest.h>

namespace {

wno_status write(const wno_sink& sink, std::string_view item) { return sink.write(sink.ctx, item.data(), item.size()); }

TEST(Sinks, SinkIntoKeepsTheLastItem) {
  std::string value = "before";
  const wno_sink sink = wno::sdk::sinkInto(value);
  EXPECT_EQ(write(sink, "first"), WNO_OK);
  EXPECT_EQ(write(sink, "second"), WNO_OK);
  EXPECT_EQ(value, "second");
}

TEST(Sinks, SinkAppendingKeepsEveryItemInOrder) {
  std::vector<std::string> items;
  const wno_sink sink = wno::sdk::sinkAppending(items);
  EXPECT_EQ(write(sink, "a"), WNO_OK);
  EXPECT_EQ(write(sink, std::string_view("b\0c", 3)), WNO_OK);  // bytes, not C strings
  EXPECT_EQ(items, (std::vector<std::string>{"a", std::string("b\0c", 3)}));
}

}  // namespace
