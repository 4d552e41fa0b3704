#pragma once

#include <Poco/JSON/Object.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace plenum::test {

struct HttpResult {
  int status = 0;
  std::string contentType;
  std::string cacheControl;
  std::string body;

  // The body as a JSON object, or null if it is not one.
  Poco::JSON::Object::Ptr Json() const;
  // "POST /api/v1/rooms -> 201 {...}" for assertion messages.
  std::string Describe() const;

  std::string request;  // "METHOD path", filled by RestClient
};

// Blocking HTTP/1.1 requests to one server, one connection per request.
class RestClient {
 public:
  RestClient(std::string host, std::uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(10));

  // Sent as "Authorization: Bearer TOKEN" when not empty.
  void SetBearerToken(std::string token) { bearerToken_ = std::move(token); }

  HttpResult Get(const std::string& path) const { return Request("GET", path); }
  HttpResult Post(const std::string& path, const std::string& jsonBody) const {
    return Request("POST", path, jsonBody);
  }
  HttpResult Delete(const std::string& path) const { return Request("DELETE", path); }
  // Throws Poco::Exception when the server cannot be reached.
  HttpResult Request(const std::string& method, const std::string& path, const std::string& jsonBody = {}) const;

 private:
  std::string host_;
  std::uint16_t port_;
  std::chrono::milliseconds timeout_;
  std::string bearerToken_;
};

}  // namespace plenum::test
