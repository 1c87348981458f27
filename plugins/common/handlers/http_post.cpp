#include "http_post.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/Net/SSLException.h>

#include <algorithm>
#include <memory>

namespace wno::handlers {
namespace {

using Clock = std::chrono::steady_clock;

Poco::Timespan span(std::chrono::milliseconds ms) {
  return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(std::max<int64_t>(ms.count(), 1)) * 1000);
}

}  // namespace

HttpPoster::HttpPoster(const std::string& url, size_t maxResponseBytes) : url_(url), maxResponseBytes_(maxResponseBytes) {
  try {
    uri_ = Poco::URI(url);
  } catch (const Poco::Exception& e) {
    throw std::invalid_argument("\"" + url + "\" is not a URL: " + e.displayText());
  }
  if (uri_.getScheme() != "http" && uri_.getScheme() != "https") {
    throw std::invalid_argument("\"" + url + "\": expected an http:// or https:// URL");
  }
  if (uri_.getHost().empty()) throw std::invalid_argument("\"" + url + "\": the URL has no host");
  https_ = uri_.getScheme() == "https";
  if (https_) {
    // Reference counted by Poco; paired with uninitializeSSL in the destructor.
    Poco::Net::initializeSSL();
    // System CAs, peer and host name verified (extended verification is on by
    // default): a webhook or RPC secret must never go to an impostor.
    tls_ = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", Poco::Net::Context::VERIFY_RELAXED, 9, true);
  }
}

HttpPoster::~HttpPoster() {
  if (https_) {
    tls_ = nullptr;
    Poco::Net::uninitializeSSL();
  }
}

std::string HttpPoster::target() const { return uri_.getHost() + ":" + std::to_string(uri_.getPort()); }

HttpResponse HttpPoster::post(const std::string& body, std::chrono::milliseconds timeout,
                              const HttpHeaders& headers) const {
  const auto deadline = Clock::now() + timeout;
  auto remaining = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  };
  auto timedOut = [&] {
    return HttpError(WNO_ERR_TIMEOUT, "POST " + target() + " timed out after " + std::to_string(timeout.count()) + " ms");
  };
  try {
    std::unique_ptr<Poco::Net::HTTPClientSession> session;
    if (https_) {
      session = std::make_unique<Poco::Net::HTTPSClientSession>(uri_.getHost(), uri_.getPort(), tls_);
    } else {
      session = std::make_unique<Poco::Net::HTTPClientSession>(uri_.getHost(), uri_.getPort());
    }
    session->setKeepAlive(false);
    session->setTimeout(span(timeout), span(timeout), span(timeout));

    std::string path = uri_.getPathAndQuery();
    if (path.empty()) path = "/";
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, path, Poco::Net::HTTPMessage::HTTP_1_1);
    request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(body.size()));
    request.set("Accept", "application/json");
    request.set("User-Agent", "wno-job-handler/1.0");
    for (const auto& [name, value] : headers) request.set(name, value);
    session->sendRequest(request) << body;

    if (remaining().count() <= 0) throw timedOut();
    // The socket's timeout now covers only what is left of the call's budget.
    session->socket().setReceiveTimeout(span(remaining()));
    Poco::Net::HTTPResponse response;
    std::istream& in = session->receiveResponse(response);
    // Poco's stream buffers report socket errors by throwing; without this the
    // istream would swallow a timeout and look like a short body.
    in.exceptions(std::ios::badbit);
    HttpResponse out;
    out.status = static_cast<int>(response.getStatus());
    out.reason = response.getReason();
    out.retryAfter = response.get("Retry-After", "");
    char buffer[16384];
    while (in) {
      if (remaining().count() <= 0) throw timedOut();
      session->socket().setReceiveTimeout(span(remaining()));
      in.read(buffer, sizeof buffer);
      out.body.append(buffer, static_cast<size_t>(in.gcount()));
      if (out.body.size() > maxResponseBytes_) {
        throw HttpError(WNO_ERR_UNAVAILABLE, "POST " + target() + ": the answer exceeds " +
                                                 std::to_string(maxResponseBytes_) + " bytes");
      }
    }
    return out;
  } catch (const HttpError&) {
    throw;
  } catch (const Poco::TimeoutException&) {
    throw timedOut();
  } catch (const Poco::Net::ConnectionRefusedException&) {
    throw HttpError(WNO_ERR_UNAVAILABLE, "POST " + target() + ": connection refused");
  } catch (const Poco::Net::SSLException& e) {
    throw HttpError(WNO_ERR_UNAVAILABLE, "POST " + target() + ": TLS failed: " + e.displayText());
  } catch (const Poco::Exception& e) {
    throw HttpError(WNO_ERR_UNAVAILABLE, "POST " + target() + " failed: " + e.displayText());
  } catch (const std::exception& e) {
    throw HttpError(WNO_ERR_UNAVAILABLE, "POST " + target() + " failed: " + e.what());
  }
}

}  // namespace wno::handlers
