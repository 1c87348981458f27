// The readers of on_enqueue_many's records (jobs/enqueue_batch_scan.h for
// the compact form hosts write, jobs/enqueue_batch_reader.h for the rest)
// against what they replaced: the whole batch parsed as a document and each
// record checked by parseEnqueueValue. For every input below both give the
// same records (data written out the same way), or refuse it with the same
// message.
#include "jobs/enqueue_batch_scan.h"
#include "jobs/job_batch.h"
#include "jobs/job_record.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace wno::jobs {
namespace {

using nlohmann::ordered_json;

// The document path, as parseEnqueueMany was before the reader.
std::vector<JobRecord> throughDocument(const std::string& text, size_t count) {
  const ordered_json all = ordered_json::parse(text, nullptr, false);
  if (all.is_discarded()) throw InvalidInput("jobs is not valid JSON");
  if (!all.is_array()) throw InvalidInput("jobs must be a JSON array");
  if (all.size() != count) {
    throw InvalidInput("jobs: count is " + std::to_string(count) + " but the array has " +
                       std::to_string(all.size()) + " elements");
  }
  std::vector<JobRecord> out;
  for (size_t i = 0; i < all.size(); ++i) {
    try {
      out.push_back(parseEnqueueValue(all[i]));
    } catch (const InvalidInput& e) {
      throw InvalidInput("jobs[" + std::to_string(i) + "]: " + e.what());
    }
  }
  return out;
}

// Records as their JSON text, or the refusal's message.
std::vector<std::string> outcome(std::vector<JobRecord> (*parse)(const std::string&, size_t), const std::string& text,
                                 size_t count) {
  try {
    std::vector<std::string> out;
    for (const auto& r : parse(text, count)) out.push_back(toJson(r));
    return out;
  } catch (const InvalidInput& e) {
    return {std::string("refused: ") + e.what()};
  }
}

std::vector<JobRecord> throughReader(const std::string& text, size_t count) { return parseEnqueueMany(text, count); }

void expectSame(const std::string& text, size_t count) {
  const auto expected = outcome(throughDocument, text, count);
  EXPECT_EQ(outcome(throughReader, text, count), expected) << text;
}

// A record as the host writes it, with `extra` members spliced in first
// (a later duplicate wins in both paths).
std::string record(const std::string& id, const std::string& extra = "") {
  return "{" + extra + (extra.empty() ? "" : ",") + "\"id\":\"" + id +
         "\",\"type\":\"t\",\"queue\":\"q\",\"priority\":1,\"data\":{\"n\":1},\"state\":\"waiting\","
         "\"attempts_made\":0,\"max_attempts\":3,\"backoff\":{\"type\":\"exponential\",\"delay_ms\":100,"
         "\"jitter\":0.25},\"timeout_ms\":500,\"run_at_ms\":1700000000000,\"created_at_ms\":1700000000000,"
         "\"started_at_ms\":null,\"finished_at_ms\":null,\"lease_owner\":null,\"lease_expires_at_ms\":null,"
         "\"last_error\":null,\"result\":null,\"cancel_requested\":false}";
}

// The host's record with a member added last (a record's last member of a name wins).
std::string withMember(const std::string& member, const std::string& id = "d") {
  std::string r = record(id);
  return r.substr(0, r.size() - 1) + "," + member + "}";
}

std::string withData(const std::string& data) { return withMember("\"data\":" + data); }

TEST(EnqueueBatchReader, ReadsRecordsAsTheDocumentPathDoes) {
  expectSame("[" + record("a") + "," + record("b") + "]", 2);
  expectSame("[]", 0);
  expectSame(" [ " + record("a") + " ] ", 1);
  // Only the required members.
  expectSame(R"([{"id":"m","type":"t","queue":"q","priority":0,"max_attempts":1,"run_at_ms":0,"created_at_ms":0}])", 1);
}

TEST(EnqueueBatchReader, WritesDataOutAsTheDocumentPathDoes) {
  for (const std::string data :
       {R"({"b":1,"a":[1,2,{"c":null,"d":[[],{}]}],"e":"x"})", R"([])", R"({})", R"(null)", R"(5)", R"(-0.0)",
        R"(1.5e300)", R"(0.1)", R"(18446744073709551615)", R"(-9223372036854775808)", R"("text")", R"(true)",
        R"({"s":"\u00e9\n\t\u0001\"\\\/","emoji":"\ud83d\ude00"})", R"([[[["deep"]]],{"k":{"k":{"k":1}}}])",
        R"({"dup":1,"dup":2})", R"( { "spaced" : [ 1 , 2 ] } )"}) {
    expectSame("[" + withData(data) + "]", 1);
  }
  // No data at all: the record's default.
  expectSame(R"([{"id":"m","type":"t","queue":"q","priority":0,"max_attempts":1,"run_at_ms":0,"created_at_ms":0}])", 1);
}

TEST(EnqueueBatchReader, ChecksEachMemberAsTheDocumentPathDoes) {
  for (const std::string extra :
       {R"("id":{})", R"("id":"")", R"("priority":[1])", R"("priority":9)", R"("priority":1.5)",
        R"("max_attempts":0)", R"("run_at_ms":-1)", R"("run_at_ms":18446744073709551615)", R"("result":{"a":1})",
        R"("state":[])", R"("state":"active")", R"("backoff":[])", R"("backoff":{"type":{}})",
        R"("backoff":{"type":"sometimes"})", R"("backoff":{"delay_ms":[1]})", R"("backoff":{"jitter":2})",
        R"("backoff":null)", R"("backoff":{"unknown":{"x":[1]}})", R"("cancel_requested":{})",
        R"("cancel_requested":true)", R"("lease_owner":"w1")", R"("started_at_ms":[])",
        R"("unknown":{"nested":[{"a":1}]})", R"("attempts_made":-2)", R"("timeout_ms":"5")"}) {
    // Spliced first, the member is overridden by the record's own; spliced
    // last, it overrides it.
    expectSame("[" + record("x", extra) + "]", 1);
    expectSame("[" + withMember(extra, "x") + "]", 1);
  }
  // Missing members, one at a time.
  for (const std::string member : {"id", "type", "queue", "priority", "max_attempts", "run_at_ms", "created_at_ms"}) {
    ordered_json r = ordered_json::parse(record("m"));
    r.erase(member);
    expectSame("[" + r.dump() + "]", 1);
  }
}

TEST(EnqueueBatchReader, RefusesBatchesWithTheDocumentPathsPrecedence) {
  const std::string bad = withMember(R"("priority":7)", "bad");
  EXPECT_EQ(outcome(throughReader, "[" + record("a") + "," + bad + "]", 2),
            std::vector<std::string>{"refused: jobs[1]: priority: expected an integer from 0 to 3, got 7"});
  expectSame("not json", 1);
  expectSame("[" + record("a") + ",", 2);                             // truncated
  expectSame("[" + bad + ",", 2);                                     // a bad record, then invalid JSON
  expectSame("{\"jobs\":[]}", 0);                                     // an object
  expectSame("42", 1);                                                // a scalar
  expectSame("[" + record("a") + "]", 2);                             // fewer than counted
  expectSame("[" + bad + "," + record("b") + "]", 3);                 // a bad record and the wrong count
  expectSame("[" + record("a") + ",7]", 2);                           // an element that is not an object
  expectSame("[" + record("a") + ",[" + record("b") + "]]", 2);       // nor is an array
  expectSame("[" + record("a") + "," + bad + "," + withMember(R"("id":"")", "c") + "]", 3);  // the first bad one
  expectSame("[" + record("a") + "] trailing", 1);
}

// The scanner takes the compact form and agrees with the document path
// there; everything else it leaves to the parser (tested above through
// parseEnqueueMany, which tries the scanner first).
TEST(EnqueueBatchScan, ReadsTheCompactFormAndLeavesEverythingElse) {
  const std::vector<std::string> compact = {
      "[" + record("a") + "," + record("b") + "]",
      "[]",
      "[" + withData(R"({"b":1,"a":[1,-2,{"c":null,"d":[[],{}]}],"e":"x","t":true})") + "]",
      "[" + withData(R"("text")") + "]",
      "[" + withData("null") + "]",
      "[" + record("dup", R"("queue":"first")") + "]",  // a later member wins, as in a document
      // Fractions and exponents where the checks read a number (jitter).
      "[" + record("j", R"("backoff":{"type":"fixed","delay_ms":5,"jitter":1E-1})") + "]",
      "[" + record("k", R"("backoff":{"jitter":0.0,"delay_ms":0})") + "]",
  };
  for (const auto& text : compact) {
    const size_t n = text == "[]" ? 0 : (text.find("},{\"id\"") != std::string::npos ? 2 : 1);
    auto scanned = scanCompactBatch(text, n);
    ASSERT_TRUE(scanned.has_value()) << text;
    std::vector<std::string> got;
    for (const auto& r : *scanned) got.push_back(toJson(r));
    EXPECT_EQ(got, outcome(throughDocument, text, n)) << text;
  }
  const std::vector<std::string> other = {
      " [" + record("a") + "]",                                   // whitespace
      "[" + withData(R"({ "a": 1 })") + "]",                      // whitespace in data
      "[" + withData(R"({"a":1.5})") + "]",                       // a fraction
      "[" + withData(R"({"a":1e3})") + "]",                       // an exponent
      "[" + withData(R"({"a":-0})") + "]",                        // -0 reads as 0
      "[" + withData("0.5") + "]",                                // a fraction as the data itself
      "[" + withData(R"({"a":12345678901234567890})") + "]",      // past 18 digits
      "[" + withData(R"({"a":"\n"})") + "]",                      // an escape
      "[" + withData("{\"a\":\"\xc3\xa9\"}") + "]",               // not ASCII
      "[" + withData(R"({"a":1,"a":2})") + "]",                   // a duplicate key
      "[" + record("x", R"("colour":"red")") + "]",               // a member the checks do not know
      "[" + withMember(R"("priority":7)") + "]",                  // a record the checks refuse
      "[" + withMember(R"("result":{"a":1})") + "]",              // a compound where a scalar belongs
      "[" + record("a") + "] ",                                   // trailing text
      "[" + record("a") + "," + record("b") + "]",                // counted as 1 below
      "[" + record("a") + ",",                                    // truncated
  };
  for (const auto& text : other) EXPECT_FALSE(scanCompactBatch(text, 1).has_value()) << text;
  EXPECT_FALSE(scanCompactBatch("[" + record("a") + "]", 2).has_value()) << "fewer than counted";
}

}  // namespace
}  // namespace wno::jobs
