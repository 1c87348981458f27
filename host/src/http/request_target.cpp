#include "http/request_target.h"

namespace wno::host::http {
namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool percentDecode(std::string_view in, bool plusIsSpace, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      const int hi = hexValue(in[i + 1]);
      const int lo = hexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plusIsSpace) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return true;
}

}  // namespace

bool decodeRequestTarget(std::string_view target, RequestTarget& out) {
  out.query.clear();
  // An absolute-form target ("http://host/path") names the path after the authority.
  if (target.rfind("http://", 0) == 0 || target.rfind("https://", 0) == 0) {
    const size_t authority = target.find("//") + 2;
    const size_t slash = target.find_first_of("/?", authority);
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
  }
  const size_t fragment = target.find('#');
  if (fragment != std::string_view::npos) target = target.substr(0, fragment);
  const size_t question = target.find('?');
  if (!percentDecode(target.substr(0, question), false, out.path)) return false;
  if (question == std::string_view::npos) return true;
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    std::string key;
    std::string value;
    if (!percentDecode(pair.substr(0, eq), true, key)) return false;
    if (eq != std::string_view::npos && !percentDecode(pair.substr(eq + 1), true, value)) return false;
    out.query.emplace_back(std::move(key), std::move(value));
  }
  return true;
}

}  // namespace wno::host::http
