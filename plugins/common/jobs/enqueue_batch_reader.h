// Reads on_enqueue_many's array of records straight into JobRecords, as
// nlohmann's parser meets them (SAX), instead of through a document: the
// document (a node per member of thousands of records) cost 5.5 us a
// record, most of a bulk enqueue's time in the host. Each record is checked
// exactly as parseEnqueue checks one (EnqueueMembers), and errors come in
// the document's order of precedence: invalid JSON, then not an array, then
// the wrong count, then the first bad record.
// THREADS: one reader per parse.
#pragma once

#include "jobs/job_record.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace wno::jobs {

class EnqueueBatchReader : public nlohmann::json_sax<nlohmann::json> {
 public:
  explicit EnqueueBatchReader(size_t count) : count_(count) { out_.reserve(count); }

  // The records, or InvalidInput as parseEnqueueMany documents.
  std::vector<JobRecord> finish(bool validJson);

  bool null() override;
  bool boolean(bool value) override;
  bool number_integer(number_integer_t value) override;
  bool number_unsigned(number_unsigned_t value) override;
  bool number_float(number_float_t value, const string_t& raw) override;
  bool string(string_t& value) override;
  bool binary(binary_t& value) override;
  bool start_object(std::size_t elements) override;
  bool key(string_t& name) override;
  bool end_object() override;
  bool start_array(std::size_t elements) override;
  bool end_array() override;
  bool parse_error(std::size_t position, const std::string& token, const nlohmann::detail::exception& e) override;

 private:
  // A scalar at the current position; a compound value opens with `open`.
  void scalar(nlohmann::json value);
  void open(bool isObject);
  void close(char bracket);
  void endRecord();
  void addToData(nlohmann::json value);
  void fail(const std::string& message);

  size_t count_;
  std::vector<JobRecord> out_;
  std::optional<std::string> firstError_;
  bool sawTop_ = false;
  bool topIsArray_ = false;
  size_t elements_ = 0;   // of the top array
  int depth_ = 0;         // 1: in the top array, 2: in a record
  EnqueueMembers record_;
  int member_ = -1;       // index in EnqueueMembers of the member being read; -2: data; -1: another
  // Reading a compound member value below the record: its depth relative
  // to the record's (0: not in one), and what it is.
  int nested_ = 0;
  enum class Nested { Skip, Data, Backoff } nestedKind_ = Nested::Skip;
  // A compound data member: built as a document (a small one, usually {})
  // by nlohmann's own builder, so that it is written out exactly as the
  // whole-batch document wrote it (duplicate keys collapsed, say).
  nlohmann::ordered_json data_;
  std::unique_ptr<nlohmann::detail::json_sax_dom_parser<nlohmann::ordered_json>> dataBuilder_;
  nlohmann::json backoff_;
  std::string backoffKey_;
};

}  // namespace wno::jobs
