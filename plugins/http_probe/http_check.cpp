#include "http_check.h"

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPBasicCredentials.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/URI.h>

#include <memory>
#include <stdexcept>

namespace wno::http_probe {
namespace {

using Clock = std::chrono::steady_clock;

Poco::Timespan span(std::chrono::milliseconds ms) {
  return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(std::max<int64_t>(1, ms.count())) * 1000);
}

std::invalid_argument bad(const std::string& key, const std::string& what) {
  return std::invalid_argument(key + ": " + what);
}

}  // namespace

HttpCheckConfig httpCheckConfigFrom(const nlohmann::json& c) {
  if (!c.is_object()) throw std::invalid_argument("config must be a JSON object");
  HttpCheckConfig out;
  if (!c.contains("url") || !c["url"].is_string()) throw bad("url", "expected an http:// or https:// URL");
  out.url = c["url"].get<std::string>();
  if (c.contains("method")) {
    if (!c["method"].is_string() || (c["method"] != "GET" && c["method"] != "HEAD")) throw bad("method", "expected GET or HEAD");
    out.method = c["method"].get<std::string>();
  }
  if (c.contains("expect_status")) {
    const auto& s = c["expect_status"];
    auto add = [&](const nlohmann::json& v) {
      if (!v.is_number_integer() || v.get<int>() < 100 || v.get<int>() > 599) {
        throw bad("expect_status", "expected an HTTP status (100..599) or a list of them");
      }
      out.expectStatus.insert(v.get<int>());
    };
    if (s.is_array()) {
      if (s.empty()) throw bad("expect_status", "expected at least one status");
      for (const auto& v : s) add(v);
    } else {
      add(s);
    }
  }
  if (c.contains("degraded_above_ms")) {
    if (!c["degraded_above_ms"].is_number_integer() || c["degraded_above_ms"].get<int64_t>() < 1) {
      throw bad("degraded_above_ms", "expected a positive integer");
    }
    out.degradedAboveMs = c["degraded_above_ms"].get<int64_t>();
  }
  if (c.contains("expect_body")) {
    if (!c["expect_body"].is_string()) throw bad("expect_body", "expected a string");
    out.expectBody = c["expect_body"].get<std::string>();
  }
  if (c.contains("headers")) {
    if (!c["headers"].is_object()) throw bad("headers", "expected an object of header names to values");
    for (const auto& [name, value] : c["headers"].items()) {
      if (!value.is_string()) throw bad("headers/" + name, "expected a string");
      out.headers[name] = value.get<std::string>();
    }
  }
  if (c.contains("tls_verify")) {
    if (!c["tls_verify"].is_boolean()) throw bad("tls_verify", "expected a boolean");
    out.tlsVerify = c["tls_verify"].get<bool>();
  }
  if (c.contains("max_body_bytes")) {
    if (!c["max_body_bytes"].is_number_integer() || c["max_body_bytes"].get<int64_t>() < 0) {
      throw bad("max_body_bytes", "expected a non-negative integer");
    }
    out.maxBodyBytes = c["max_body_bytes"].get<size_t>();
  }
  return out;
}

HttpCheck::HttpCheck(HttpCheckConfig config) : config_(std::move(config)) {
  Poco::URI uri;
  try {
    uri = Poco::URI(config_.url);
  } catch (const Poco::Exception& e) {
    throw bad("url", "not a URL: " + e.displayText());
  }
  scheme_ = uri.getScheme();
  if (scheme_ != "http" && scheme_ != "https") throw bad("url", "expected an http:// or https:// URL, got \"" + config_.url + "\"");
  if (uri.getHost().empty()) throw bad("url", "no host in \"" + config_.url + "\"");
  tls_ = scheme_ == "https";
  host_ = uri.getHost();
  port_ = uri.getPort();
  pathAndQuery_ = uri.getPathAndQuery();
  if (pathAndQuery_.empty()) pathAndQuery_ = "/";
  if (const std::string info = uri.getUserInfo(); !info.empty()) {
    const auto colon = info.find(':');
    user_ = info.substr(0, colon);
    password_ = colon == std::string::npos ? "" : info.substr(colon + 1);
  }
  // Shown in /health: never the credentials.
  shownUrl_ = scheme_ + "://" + host_ + ":" + std::to_string(port_) + uri.getPath();
  if (tls_) Poco::Net::initializeSSL();
}

HttpCheck::~HttpCheck() {
  if (tls_) Poco::Net::uninitializeSSL();
}

HttpCheckResult HttpCheck::run(std::chrono::milliseconds timeout) {
  HttpCheckResult result;
  result.details = {{"url", shownUrl_}, {"method", config_.method}};
  const auto started = Clock::now();
  const auto deadline = started + timeout;
  auto left = [&] { return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()); };
  auto down = [&](const std::string& message) {
    result.health = 2;
    result.message = message;
    result.details["latency_ms"] = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    return result;
  };
  try {
    std::unique_ptr<Poco::Net::HTTPClientSession> session;
    if (tls_) {
      // A context per check: it is cheap next to the handshake, and no
      // state (a cached session, a failed verification) carries over.
      Poco::Net::Context::Ptr context = new Poco::Net::Context(
          Poco::Net::Context::TLS_CLIENT_USE, "", "", "",
          config_.tlsVerify ? Poco::Net::Context::VERIFY_RELAXED : Poco::Net::Context::VERIFY_NONE, 9, true);
      session = std::make_unique<Poco::Net::HTTPSClientSession>(host_, port_, context);
    } else {
      session = std::make_unique<Poco::Net::HTTPClientSession>(host_, port_);
    }
    session->setKeepAlive(false);
    session->setTimeout(span(left()), span(left()), span(left()));
    Poco::Net::HTTPRequest request(config_.method, pathAndQuery_, Poco::Net::HTTPMessage::HTTP_1_1);
    request.set("User-Agent", "wno-health-probe/0.1");
    for (const auto& [name, value] : config_.headers) request.set(name, value);
    if (!user_.empty()) Poco::Net::HTTPBasicCredentials(user_, password_).authenticate(request);
    session->sendRequest(request);
    if (left().count() <= 0) return down("timed out after " + std::to_string(timeout.count()) + " ms");
    // The socket exists now; tighten its receive timeout to what is left.
    session->socket().setReceiveTimeout(span(left()));
    Poco::Net::HTTPResponse response;
    std::istream& body = session->receiveResponse(response);
    const int status = static_cast<int>(response.getStatus());
    result.details["status_code"] = status;
    std::string text;
    if (config_.method != "HEAD" && config_.maxBodyBytes > 0) {
      text.resize(config_.maxBodyBytes);
      body.read(text.data(), static_cast<std::streamsize>(text.size()));
      text.resize(static_cast<size_t>(body.gcount()));
    }
    result.details["body_bytes_read"] = text.size();
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    result.details["latency_ms"] = ms;
    const bool statusOk = config_.expectStatus.empty() ? status >= 200 && status < 300 : config_.expectStatus.count(status) > 0;
    if (!statusOk) return down("unexpected status " + std::to_string(status) + " " + response.getReason());
    if (!config_.expectBody.empty() && text.find(config_.expectBody) == std::string::npos) {
      return down("status " + std::to_string(status) + " but the body lacks \"" + config_.expectBody + "\"");
    }
    const std::string took = std::to_string(static_cast<int>(ms + 0.5)) + " ms";
    if (ms > static_cast<double>(config_.degradedAboveMs)) {
      result.health = 1;
      result.message = "slow: " + std::to_string(status) + " in " + took + " (above " +
                       std::to_string(config_.degradedAboveMs) + " ms)";
    } else {
      result.health = 0;
      result.message = std::to_string(status) + " in " + took;
    }
    return result;
  } catch (const Poco::TimeoutException&) {
    return down("timed out after " + std::to_string(timeout.count()) + " ms");
  } catch (const Poco::Exception& e) {
    return down(e.displayText());
  } catch (const std::exception& e) {
    return down(e.what());
  }
}

}  // namespace wno::http_probe
