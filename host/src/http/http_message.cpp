#include "http/http_message.h"

#include <arpa/inet.h>

#include <cstring>

namespace wno::host::http {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

const std::pair<std::string, std::string>* find(const HeaderList& headers, std::string_view name) {
  for (const auto& header : headers) {
    if (headerNameEquals(header.first, name)) return &header;
  }
  return nullptr;
}

void appendNumber(std::string& out, uint64_t value) {
  char digits[24];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  while (n > 0) out.push_back(digits[--n]);
}

}  // namespace

bool headerNameEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

ClientAddress ClientAddress::from(const sockaddr_storage& address) {
  ClientAddress client;
  char text[INET6_ADDRSTRLEN] = {0};
  if (address.ss_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(address);
    ::inet_ntop(AF_INET, &v4.sin_addr, text, sizeof text);
    client.port = ntohs(v4.sin_port);
    client.loopback = (ntohl(v4.sin_addr.s_addr) >> 24) == 127;
  } else if (address.ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(address);
    ::inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof text);
    client.port = ntohs(v6.sin6_port);
    const bool v4Mapped = IN6_IS_ADDR_V4MAPPED(&v6.sin6_addr);
    client.loopback = IN6_IS_ADDR_LOOPBACK(&v6.sin6_addr) || (v4Mapped && v6.sin6_addr.s6_addr[12] == 127);
  }
  client.ip = text;
  return client;
}

std::string HttpRequest::get(std::string_view name, std::string_view fallback) const {
  const auto* header = find(headers_, name);
  return header ? header->second : std::string(fallback);
}

bool HttpRequest::has(std::string_view name) const { return find(headers_, name) != nullptr; }

void HttpRequest::reset() {
  method_.clear();
  target_.clear();
  version_ = 11;
  headers_.clear();
  body_.clear();
  declaredLength_ = -1;
  keepAlive_ = true;
}

void HttpResponse::set(std::string_view name, std::string value) {
  bool replaced = false;
  for (auto it = headers_.begin(); it != headers_.end();) {
    if (!headerNameEquals(it->first, name)) {
      ++it;
    } else if (!replaced) {
      it->second = std::move(value);
      replaced = true;
      ++it;
    } else {
      it = headers_.erase(it);
    }
  }
  if (!replaced) headers_.emplace_back(std::string(name), std::move(value));
}

void HttpResponse::add(std::string_view name, std::string value) { headers_.emplace_back(std::string(name), std::move(value)); }

void HttpResponse::erase(std::string_view name) {
  for (auto it = headers_.begin(); it != headers_.end();) {
    it = headerNameEquals(it->first, name) ? headers_.erase(it) : it + 1;
  }
}

std::string HttpResponse::get(std::string_view name, std::string_view fallback) const {
  const auto* header = find(headers_, name);
  return header ? header->second : std::string(fallback);
}

bool HttpResponse::has(std::string_view name) const { return find(headers_, name) != nullptr; }

void HttpResponse::reset() {
  status_ = 200;
  headers_.clear();
  body_.clear();
  keepAlive_ = true;
  chunked_ = false;
}

void HttpResponse::serializeHead(std::string& out, std::string_view date) const {
  out.append("HTTP/1.1 ");
  appendNumber(out, static_cast<uint64_t>(status_));
  out.push_back(' ');
  out.append(reasonPhrase(status_));
  out.append("\r\nDate: ");
  out.append(date);
  out.append("\r\nServer: wno\r\n");
  for (const auto& [name, value] : headers_) {
    out.append(name);
    out.append(": ");
    out.append(value);
    out.append("\r\n");
  }
  // 1xx, 204 and 304 carry no body and no length (RFC 9110 8.6).
  const bool bodyless = status_ < 200 || status_ == 204 || status_ == 304;
  if (chunked_) {
    out.append("Transfer-Encoding: chunked\r\n");
  } else if (!bodyless) {
    out.append("Content-Length: ");
    appendNumber(out, body_.size());
    out.append("\r\n");
  }
  out.append(keepAlive_ ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n");
}

std::string_view reasonPhrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 422: return "Unprocessable Content";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return status < 200 ? "Informational" : status < 300 ? "Success" : status < 400 ? "Redirection"
                  : status < 500 ? "Client Error" : "Server Error";
  }
}

}  // namespace wno::host::http
