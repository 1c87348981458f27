// on_finish_many's items through parseFinishMany (which tries the scanner of
// jobs/finish_batch_scan.h first) against the document path alone: for
// every input below both give the same items, or refuse it with the same
// message. And the scanner itself reads the compact form hosts write and
// gives up on everything else.
#include "jobs/finish_batch_scan.h"
#include "jobs/job_batch.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace wno::jobs {
namespace {

// The document path: what every batch went through before the scanner, and
// what the scanner leaves to.
std::vector<FinishItem> throughDocument(const std::string& text, size_t count) {
  return parseFinishManyDocument(text, count);
}

// Items as comparable text, or the refusal's message.
std::vector<std::string> describe(const std::vector<FinishItem>& items) {
  std::vector<std::string> out;
  for (const auto& f : items) {
    out.push_back(std::to_string(static_cast<int>(f.kind)) + "|" + f.id + "|" + std::to_string(f.nowMs) + "|" +
                  (f.resultJson ? "some:" + *f.resultJson : "none") + "|" + f.error + "|" + std::to_string(f.retryAtMs));
  }
  return out;
}

template <typename Parse>
std::vector<std::string> outcome(Parse parse, const std::string& text, size_t count) {
  try {
    return describe(parse(text, count));
  } catch (const InvalidInput& e) {
    return {std::string("refused: ") + e.what()};
  }
}

std::string complete(const std::string& id, const std::string& result = "null") {
  return R"({"id":")" + id + R"(","now_ms":1700000000123,"outcome":"complete","result":)" + result + "}";
}
std::string fail(const std::string& id, const std::string& error, int64_t retryAt) {
  return R"({"id":")" + id + R"(","now_ms":5,"outcome":"fail","error":)" + error +
         ",\"retry_at_ms\":" + std::to_string(retryAt) + "}";
}
std::string release(const std::string& id) {
  return R"({"id":")" + id + R"(","now_ms":5,"outcome":"release","error":"released unstarted: host shutting down"})";
}

// The compact form, as the host writes it: read by the scanner.
const std::vector<std::pair<std::string, size_t>> kCompact = {
    {"[]", 0},
    {"[" + complete("a") + "," + complete("b") + "]", 2},
    {"[" + complete("r", R"({"a":[1,-2,{"c":null,"d":[[],{}]}],"b":"x","t":true})") + "]", 1},
    {"[" + complete("s", R"("text")") + "]", 1},
    {"[" + complete("n", "7") + "]", 1},
    {"[" + fail("f", R"("boom: it broke")", 1700000001000) + "," + fail("g", R"("")", -1) + "]", 2},
    {"[" + release("h") + "]", 1},
    {R"([{"id":"x","now_ms":1,"outcome":"complete"}])", 1},  // no result: none
    {R"([{"outcome":"complete","now_ms":1,"id":"y"}])", 1},  // any member order
    {R"([{"id":"z","now_ms":-3,"outcome":"complete","error":"unused","retry_at_ms":9}])", 1},
};

// Not the compact form, or not what the checks accept: left to the parser.
const std::vector<std::pair<std::string, size_t>> kOther = {
    {" [" + complete("a") + "]", 1},                                    // whitespace
    {"[" + complete("a", R"({"b":1,"a":2})") + "]", 1},                 // keys out of order
    {"[" + complete("a", R"({ "a": 1 })") + "]", 1},                    // whitespace in the result
    {"[" + complete("a", R"({"a":1.5})") + "]", 1},                     // a fraction
    {"[" + complete("a", R"({"a":-0})") + "]", 1},                      // -0 reads as 0
    {"[" + complete("a", R"({"a":"\n"})") + "]", 1},                    // an escape
    {"[" + complete("a", "{\"a\":\"\xc3\xa9\"}") + "]", 1},             // not ASCII
    {"[" + complete("a", R"({"a":1,"a":2})") + "]", 1},                 // a duplicate key
    {"[" + fail("f", R"("line\nbreak")", 5) + "]", 1},                  // an escaped error
    {R"([{"id":"a","id":"b","now_ms":1,"outcome":"complete"}])", 1},    // a duplicate member
    {R"([{"id":"a","now_ms":1,"outcome":"complete","extra":1}])", 1},   // a member it does not know
    {R"([{"id":"","now_ms":1,"outcome":"complete"}])", 1},              // refused: empty id
    {R"([{"id":"a","outcome":"complete"}])", 1},                        // refused: no now_ms
    {R"([{"id":"a","now_ms":1.5,"outcome":"complete"}])", 1},           // refused: not an integer
    {R"([{"id":"a","now_ms":1,"outcome":"done"}])", 1},                 // refused: unknown outcome
    {R"([{"id":"a","now_ms":1,"outcome":"fail","error":"e"}])", 1},     // refused: no retry_at_ms
    {R"([{"id":"a","now_ms":1,"outcome":"release"}])", 1},              // refused: no error
    {R"([7])", 1},                                                      // refused: not an object
    {"[" + complete("a") + "]", 2},                                     // refused: fewer than counted
    {"[" + complete("a") + "," + complete("b") + "]", 1},               // refused: more than counted
    {"[" + complete("a") + "] ", 1},                                    // trailing text
    {"[" + complete("a") + ",", 1},                                     // refused: truncated
    {"{}", 0},                                                          // refused: not an array
};

TEST(FinishBatchScan, ReadsTheCompactFormAsTheDocumentDoes) {
  for (const auto& [text, count] : kCompact) {
    auto scanned = scanCompactFinishes(text, count);
    ASSERT_TRUE(scanned.has_value()) << text;
    EXPECT_EQ(describe(*scanned), outcome(throughDocument, text, count)) << text;
  }
}

TEST(FinishBatchScan, LeavesEverythingElseToTheParser) {
  for (const auto& [text, count] : kOther) EXPECT_FALSE(scanCompactFinishes(text, count).has_value()) << text;
}

TEST(FinishBatchScan, ParseFinishManyGivesWhatTheDocumentPathGave) {
  for (const auto* inputs : {&kCompact, &kOther}) {
    for (const auto& [text, count] : *inputs) {
      EXPECT_EQ(outcome(parseFinishMany, text, count), outcome(throughDocument, text, count)) << text;
    }
  }
}

}  // namespace
}  // namespace wno::jobs
