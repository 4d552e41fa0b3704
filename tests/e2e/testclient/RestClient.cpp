#include "testclient/RestClient.hpp"
#include "testclient/TimeoutScale.hpp"

#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <sstream>

namespace plenum::test {

Poco::JSON::Object::Ptr HttpResult::Json() const {
  try {
    Poco::JSON::Parser parser;
    return parser.parse(body).extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception&) {
    return nullptr;
  }
}

std::string HttpResult::Describe() const {
  constexpr std::size_t kBodyLimit = 600;
  return request + " -> " + std::to_string(status) + " " +
         (body.size() > kBodyLimit ? body.substr(0, kBodyLimit) + "..." : body);
}

RestClient::RestClient(std::string host, std::uint16_t port, std::chrono::milliseconds timeout)
    : host_(std::move(host)), port_(port), timeout_(timeout) {}

HttpResult RestClient::Request(const std::string& method, const std::string& path, const std::string& jsonBody) const {
  Poco::Net::HTTPClientSession session(host_, port_);
  session.setTimeout(Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(Scaled(timeout_).count()) * 1000));
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  if (!bearerToken_.empty()) request.set("Authorization", "Bearer " + bearerToken_);
  if (!jsonBody.empty() || method == "POST" || method == "PUT") {
    request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(jsonBody.size()));
  }
  session.sendRequest(request) << jsonBody;

  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  HttpResult result;
  result.request = method + " " + path;
  result.status = static_cast<int>(response.getStatus());
  result.contentType = response.getContentType();
  result.cacheControl = response.get("Cache-Control", "");
  std::ostringstream body;
  Poco::StreamCopier::copyStream(in, body);
  result.body = body.str();
  return result;
}

}  // namespace plenum::test
