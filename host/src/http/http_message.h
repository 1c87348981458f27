// The request and response a handler sees. Both are plain values owned by
// the connection that carries them: the event loop fills the request, a
// handler (on the loop or on a worker) fills the response, and the loop
// serializes it into one writev. The names of the accessors follow the
// ones handlers used with Poco (get, set, erase, getMethod), so routes did
// not change when the engine did.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wno::host::http {

// Header names compare case-insensitively (RFC 9110 5.1).
bool headerNameEquals(std::string_view a, std::string_view b);

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// The peer of a connection, as text once ("127.0.0.1", "::1").
struct ClientAddress {
  std::string ip;
  uint16_t port = 0;
  bool loopback = false;

  static ClientAddress from(const sockaddr_storage& address);
};

class HttpRequest {
 public:
  const std::string& getMethod() const { return method_; }
  const std::string& getURI() const { return target_; }
  // 10 for HTTP/1.0, 11 for HTTP/1.1.
  int version() const { return version_; }

  // The first header of that name, or `fallback` (a copy: never a reference
  // to a temporary).
  std::string get(std::string_view name, std::string_view fallback = {}) const;
  bool has(std::string_view name) const;
  const HeaderList& headers() const { return headers_; }

  const std::string& body() const { return body_; }
  // -1 when the request declared no Content-Length (chunked or none).
  int64_t declaredLength() const { return declaredLength_; }
  bool keepAlive() const { return keepAlive_; }
  const ClientAddress& clientAddress() const { return *client_; }

  // Empties the request for the next one on the same connection.
  void reset();

 private:
  friend class Connection;
  friend class RequestParser;

  std::string method_;
  std::string target_;
  int version_ = 11;
  HeaderList headers_;
  std::string body_;
  int64_t declaredLength_ = -1;
  bool keepAlive_ = true;
  const ClientAddress* client_ = nullptr;
};

class HttpResponse {
 public:
  int status() const { return status_; }
  void setStatus(int status) { status_ = status; }

  // Replaces every header of that name.
  void set(std::string_view name, std::string value);
  // Adds another header of that name.
  void add(std::string_view name, std::string value);
  void erase(std::string_view name);
  std::string get(std::string_view name, std::string_view fallback = {}) const;
  bool has(std::string_view name) const;
  const HeaderList& headers() const { return headers_; }

  void setContentType(std::string type) { set("Content-Type", std::move(type)); }
  // false: "Connection: close" and the connection ends after this response.
  void setKeepAlive(bool keepAlive) { keepAlive_ = keepAlive; }
  bool keepAlive() const { return keepAlive_; }

  std::string& body() { return body_; }
  const std::string& body() const { return body_; }
  // The body already carries chunked framing (a streamed response).
  void setChunked(bool chunked) { chunked_ = chunked; }
  bool chunked() const { return chunked_; }

  // The status line and headers, with Content-Length (or Transfer-Encoding)
  // and Connection, ready to be written before the body.
  void serializeHead(std::string& out, std::string_view date) const;

  // Empties the response for the next request on the same connection.
  void reset();

 private:

  int status_ = 200;
  HeaderList headers_;
  std::string body_;
  bool keepAlive_ = true;
  bool chunked_ = false;
};

// The reason phrase of a status code ("Not Found").
std::string_view reasonPhrase(int status);

}  // namespace wno::host::http
