#include "jobs/enqueue_batch_reader.h"

#include "jobs/job_batch.h"

namespace wno::jobs {
namespace {

using nlohmann::json;

constexpr int kData = -2;  // member_: the record's data

std::string at(size_t index) { return "jobs[" + std::to_string(index) + "]: "; }

}  // namespace

std::vector<JobRecord> EnqueueBatchReader::finish(bool validJson) {
  requireBatchArray("jobs", validJson, topIsArray_, count_, elements_);
  if (firstError_) throw InvalidInput(*firstError_);
  return std::move(out_);
}

void EnqueueBatchReader::fail(const std::string& message) {
  if (!firstError_) firstError_ = message;
}

void EnqueueBatchReader::scalar(json value) {
  if (nested_ > 0) {
    if (nestedKind_ == Nested::Data) {
      addToData(std::move(value));
    } else if (nestedKind_ == Nested::Backoff && nested_ == 1) {
      backoff_[backoffKey_] = std::move(value);
    }
    return;
  }
  if (!topIsArray_ || depth_ == 0) return;  // the whole text is a scalar, or not an array
  if (depth_ == 1) {
    fail(at(elements_++) + "job must be a JSON object");
    return;
  }
  // A member of the record.
  if (member_ == kData) {
    record_.dataJson = value.dump();
  } else if (member_ >= 0) {
    record_.values[static_cast<size_t>(member_)] = std::move(value);
    record_.present.set(static_cast<size_t>(member_));
  }
}

void EnqueueBatchReader::open(bool isObject) {
  if (nested_ > 0) {
    if (nestedKind_ == Nested::Data) {
      if (isObject) dataBuilder_->start_object(static_cast<std::size_t>(-1));
      else dataBuilder_->start_array(static_cast<std::size_t>(-1));
    } else if (nestedKind_ == Nested::Backoff && nested_ == 1) {
      backoff_[backoffKey_] = true;  // a compound where a scalar belongs: its kind is what is checked
    }
    ++nested_;
    return;
  }
  if (depth_ == 0 && !sawTop_) {
    sawTop_ = true;
    topIsArray_ = !isObject;
    if (topIsArray_) {
      depth_ = 1;
    } else {  // read to the end (invalid JSON is the first refusal), then refused as not an array
      nested_ = 1;
      nestedKind_ = Nested::Skip;
    }
    return;
  }
  if (depth_ == 1) {
    const size_t index = elements_++;
    if (isObject) {
      depth_ = 2;
      record_.clear();
      member_ = -1;
      return;
    }
    fail(at(index) + "job must be a JSON object");
    nested_ = 1;
    nestedKind_ = Nested::Skip;
    return;
  }
  // A member's compound value.
  nested_ = 1;
  if (member_ == kData) {
    nestedKind_ = Nested::Data;
    data_ = nlohmann::ordered_json();
    dataBuilder_ = std::make_unique<nlohmann::detail::json_sax_dom_parser<nlohmann::ordered_json>>(data_, false);
    if (isObject) dataBuilder_->start_object(static_cast<std::size_t>(-1));
    else dataBuilder_->start_array(static_cast<std::size_t>(-1));
  } else if (member_ == EnqueueMembers::kBackoff && isObject) {
    nestedKind_ = Nested::Backoff;
    backoff_ = json::object();
  } else {
    nestedKind_ = Nested::Skip;
    if (member_ >= 0) {
      record_.values[static_cast<size_t>(member_)] = true;  // as above: only its kind is checked
      record_.present.set(static_cast<size_t>(member_));
    }
  }
}

void EnqueueBatchReader::close(char bracket) {
  if (nested_ > 0) {
    if (nestedKind_ == Nested::Data) {
      if (bracket == '}') dataBuilder_->end_object();
      else dataBuilder_->end_array();
    }
    if (--nested_ > 0 || depth_ != 2) return;
    // The member's value is complete.
    if (nestedKind_ == Nested::Data) {
      record_.dataJson = data_.dump();
      dataBuilder_.reset();
    } else if (nestedKind_ == Nested::Backoff) {
      record_.values[static_cast<size_t>(EnqueueMembers::kBackoff)] = std::move(backoff_);
      record_.present.set(static_cast<size_t>(EnqueueMembers::kBackoff));
    }
    return;
  }
  if (depth_ == 2) {
    endRecord();
    depth_ = 1;
  } else if (depth_ == 1) {
    depth_ = 0;
  }
}

void EnqueueBatchReader::endRecord() {
  if (firstError_) return;  // the batch is refused anyway: no more records built
  try {
    out_.push_back(parseEnqueueMembers(record_));
  } catch (const InvalidInput& e) {
    fail(at(elements_ - 1) + e.what());
  }
}

void EnqueueBatchReader::addToData(json value) {
  switch (value.type()) {
    case json::value_t::null: dataBuilder_->null(); break;
    case json::value_t::boolean: dataBuilder_->boolean(value.get<bool>()); break;
    case json::value_t::number_integer: dataBuilder_->number_integer(value.get<int64_t>()); break;
    case json::value_t::number_unsigned: dataBuilder_->number_unsigned(value.get<uint64_t>()); break;
    case json::value_t::number_float: dataBuilder_->number_float(value.get<double>(), ""); break;
    case json::value_t::string: dataBuilder_->string(value.get_ref<std::string&>()); break;
    default: break;  // scalars only reach here
  }
}

bool EnqueueBatchReader::null() {
  scalar(json());
  return true;
}
bool EnqueueBatchReader::boolean(bool value) {
  scalar(json(value));
  return true;
}
bool EnqueueBatchReader::number_integer(number_integer_t value) {
  scalar(json(value));
  return true;
}
bool EnqueueBatchReader::number_unsigned(number_unsigned_t value) {
  scalar(json(value));
  return true;
}
bool EnqueueBatchReader::number_float(number_float_t value, const string_t&) {
  scalar(json(value));
  return true;
}
bool EnqueueBatchReader::string(string_t& value) {
  scalar(json(std::move(value)));
  return true;
}
bool EnqueueBatchReader::binary(binary_t&) { return true; }  // JSON text has none

bool EnqueueBatchReader::start_object(std::size_t) {
  open(true);
  return true;
}
bool EnqueueBatchReader::end_object() {
  close('}');
  return true;
}
bool EnqueueBatchReader::start_array(std::size_t) {
  open(false);
  return true;
}
bool EnqueueBatchReader::end_array() {
  close(']');
  return true;
}

bool EnqueueBatchReader::key(string_t& name) {
  if (nested_ > 0) {
    if (nestedKind_ == Nested::Data) {
      dataBuilder_->key(name);
    } else if (nestedKind_ == Nested::Backoff && nested_ == 1) {
      backoffKey_ = std::move(name);
    }
    return true;
  }
  if (depth_ == 2) member_ = name == "data" ? kData : EnqueueMembers::indexOf(name);
  return true;
}

bool EnqueueBatchReader::parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
  return false;
}

}  // namespace wno::jobs
