#include "signaling/RestApi.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <optional>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "mcu/Conference.hpp"
#include "mcu/Log.hpp"
#include "mcu/SecretCompare.hpp"
#include "mcu/ServerConfig.hpp"
#include "mcu/SessionLog.hpp"
#include "signaling/ProcessMetrics.hpp"
#include "signaling/RestCodec.hpp"
#include "signaling/ServerMetrics.hpp"

namespace plenum::signaling {
namespace {

using Poco::Net::HTTPResponse;
using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

constexpr std::streamsize kMaxBodyBytes = 64 * 1024;

HTTPResponse::HTTPStatus StatusOf(mcu::ErrorCode code) {
  switch (code) {
    case mcu::ErrorCode::BadRequest: return HTTPResponse::HTTP_BAD_REQUEST;
    case mcu::ErrorCode::Unauthorized: return HTTPResponse::HTTP_UNAUTHORIZED;
    case mcu::ErrorCode::NotFound: return HTTPResponse::HTTP_NOT_FOUND;
    case mcu::ErrorCode::Conflict: return HTTPResponse::HTTP_CONFLICT;
    default: return HTTPResponse::HTTP_INTERNAL_SERVER_ERROR;
  }
}

void SendJson(HTTPServerResponse& response, HTTPResponse::HTTPStatus status, const std::string& body) {
  response.setStatusAndReason(status);
  response.setContentType("application/json");
  response.setContentLength(static_cast<std::streamsize>(body.size()));
  response.send() << body;
}

void SendJson(HTTPServerResponse& response, HTTPResponse::HTTPStatus status, const Poco::JSON::Object& body) {
  std::ostringstream out;
  body.stringify(out);
  SendJson(response, status, out.str());
}

// Every error body goes through here, so plenum_errors_total counts it.
void SendError(mcu::ServerCounters& errors, HTTPServerResponse& response, HTTPResponse::HTTPStatus status,
               mcu::ErrorCode code, const std::string& message) {
  errors.ErrorSent(code);
  SendJson(response, status, ErrorBody(code, message));
}

// A body sent without a Content-Length (chunked): 411. The API's bodies are
// a few bytes of JSON that every client sends with a length, and Poco's
// chunked reader takes a malformed chunk for the end of the body, so what
// it reads may not be what the client sent.
struct LengthRequired : std::runtime_error {
  LengthRequired() : std::runtime_error("send the body with a Content-Length, not chunked") {}
};

std::string ReadBody(HTTPServerRequest& request) {
  if (request.getChunkedTransferEncoding()) throw LengthRequired();
  // A Content-Length that is not a plain decimal number (Poco takes "-5")
  // would have the body read to the end of the connection.
  if (request.has("Content-Length")) {
    const std::string& length = request.get("Content-Length");
    if (length.empty() || length.size() > 18 ||
        length.find_first_not_of("0123456789") != std::string::npos) {
      throw mcu::ProtocolError(mcu::ErrorCode::BadRequest, "Content-Length must be a decimal number");
    }
  }
  if (request.getContentLength() > kMaxBodyBytes) {
    throw mcu::ProtocolError(mcu::ErrorCode::BadRequest, "the body is limited to 64 KiB");
  }
  std::string body;
  std::vector<char> chunk(4096);
  std::istream& in = request.stream();
  while (in.read(chunk.data(), static_cast<std::streamsize>(chunk.size())) || in.gcount() > 0) {
    body.append(chunk.data(), static_cast<size_t>(in.gcount()));
    if (static_cast<std::streamsize>(body.size()) > kMaxBodyBytes) {
      throw mcu::ProtocolError(mcu::ErrorCode::BadRequest, "the body is limited to 64 KiB");
    }
  }
  // A connection that ended before Content-Length bytes: what was read is
  // not the body the client meant, so nothing is done with it.
  if (in.bad()) throw mcu::ProtocolError(mcu::ErrorCode::BadRequest, "the body could not be read whole");
  if (request.hasContentLength() && static_cast<std::streamsize>(body.size()) != request.getContentLength()) {
    throw mcu::ProtocolError(mcu::ErrorCode::BadRequest, "the body is shorter than its Content-Length");
  }
  return body;
}

// Why a request's Authorization header does not carry the API key, or
// null when it does (or the server has no key). The key itself is compared
// in constant time; the scheme is not secret.
const char* ApiKeyRefusal(const std::string& authorization, const std::string& apiKey) {
  if (apiKey.empty()) return nullptr;
  if (authorization.empty()) return "no Authorization header";
  static const std::string kScheme = "Bearer ";
  if (authorization.compare(0, kScheme.size(), kScheme) != 0) return "not a Bearer credential";
  if (!mcu::SecretsEqual(std::string_view(authorization).substr(kScheme.size()), apiKey)) return "wrong API key";
  return nullptr;
}

std::vector<std::string> PathSegments(const std::string& uri) {
  std::vector<std::string> segments;
  Poco::URI(uri).getPathSegments(segments);
  return segments;
}

}  // namespace

void RestApi::handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) {
  mcu::ServerCounters& errors = conference_.Counters();
  if (const char* refusal = ApiKeyRefusal(request.get("Authorization", ""), config_.apiKey)) {
    // One line per refusal, in the shape of the join and failure lines
    // (mcu/SessionLog.hpp): who asked for what, and why not. The path is
    // the request line's up to its query; the credential is never shown.
    const std::string& uri = request.getURI();
    PLENUM_LOG_WARNING("%s", mcu::EventLine("failure", {{"step", "api"},
                                                        {"reason", "unauthorized"},
                                                        {"address", request.clientAddress().host().toString()},
                                                        {"method", request.getMethod()},
                                                        {"path", uri.substr(0, uri.find('?'))},
                                                        {"message", refusal}})
                                 .c_str());
    response.set("WWW-Authenticate", "Bearer");
    SendError(errors, response, HTTPResponse::HTTP_UNAUTHORIZED, mcu::ErrorCode::Unauthorized,
              "an API key is required");
    return;
  }
  const std::string& method = request.getMethod();
  try {
    const std::vector<std::string> path = PathSegments(request.getURI());  // api, v1, ...
    const bool rooms = path.size() >= 3 && path[2] == "rooms";
    const bool recordings = path.size() >= 3 && path[2] == "recordings";
    if (rooms && path.size() == 3 && method == "GET") {
      Poco::JSON::Array list;
      for (const auto& room : conference_.ListRooms()) list.add(RoomToJson(room));
      Poco::JSON::Object body;
      body.set("rooms", list);
      SendJson(response, HTTPResponse::HTTP_OK, body);
    } else if (rooms && path.size() == 3 && method == "POST") {
      const mcu::RoomSettings settings = ParseRoomSettings(ReadBody(request), config_.maxParticipants);
      SendJson(response, HTTPResponse::HTTP_CREATED, RoomToJson(conference_.CreateRoom(settings)));
    } else if (rooms && path.size() == 4 && method == "GET") {
      SendJson(response, HTTPResponse::HTTP_OK, RoomToJson(conference_.GetRoom(path[3])));
    } else if (rooms && path.size() == 4 && method == "DELETE") {
      conference_.DeleteRoom(path[3]);
      response.setStatusAndReason(HTTPResponse::HTTP_NO_CONTENT);
      response.send();
    } else if (path.size() == 3 && path[2] == "archive-key" && method == "GET") {
      const mcu::ArchiveKeyInfo& key = conference_.ArchiveKey();
      Poco::JSON::Object body;
      body.set("algorithm", key.algorithm);
      body.set("publicKey", key.publicKeyPem);
      body.set("fingerprint", key.fingerprint);
      SendJson(response, HTTPResponse::HTTP_OK, body);
    } else if (recordings && path.size() == 3 && method == "GET") {
      Poco::JSON::Array list;
      for (const auto& recording : conference_.ListRecordings()) list.add(RecordingToJson(recording, false));
      Poco::JSON::Object body;
      body.set("recordings", list);
      SendJson(response, HTTPResponse::HTTP_OK, body);
    } else if (recordings && path.size() == 4 && method == "GET") {
      SendJson(response, HTTPResponse::HTTP_OK, RecordingToJson(conference_.GetRecording(path[3]), true));
    } else if (recordings && path.size() == 5 && path[4] == "hold" && (method == "POST" || method == "DELETE")) {
      SendJson(response, HTTPResponse::HTTP_OK,
               RecordingToJson(conference_.SetRecordingHold(path[3], method == "POST"), false));
    } else if (recordings && path.size() <= 4) {
      SendError(errors, response, HTTPResponse::HTTP_METHOD_NOT_ALLOWED, mcu::ErrorCode::BadRequest,
                "method " + method + " is not allowed here");
    } else if (recordings) {
      SendError(errors, response, HTTPResponse::HTTP_NOT_FOUND, mcu::ErrorCode::NotFound, "no such endpoint");
    } else if (rooms && path.size() == 5 && path[4] == "recordings" && method == "POST") {
      ParseBodyObject(ReadBody(request));  // no options yet; anything but an object is refused
      const mcu::RecordingInfo recording = conference_.StartRecording(path[3]);
      SendJson(response, HTTPResponse::HTTP_CREATED, RecordingToJson(recording, false));
    } else if (rooms && path.size() == 6 && path[4] == "recordings" && method == "DELETE") {
      SendJson(response, HTTPResponse::HTTP_OK, RecordingToJson(conference_.StopRecording(path[3], path[5]), false));
    } else if (rooms && (path.size() == 5 || path.size() == 6) && path[4] == "recordings") {
      SendError(errors, response, HTTPResponse::HTTP_METHOD_NOT_ALLOWED, mcu::ErrorCode::BadRequest,
                "method " + method + " is not allowed here");
    } else if (rooms && path.size() == 5 && path[4] == "broadcasts" && method == "POST") {
      const mcu::BroadcastRequest broadcast = ParseBroadcastRequest(ReadBody(request));
      SendJson(response, HTTPResponse::HTTP_CREATED, BroadcastToJson(conference_.StartBroadcast(path[3], broadcast)));
    } else if (rooms && path.size() == 5 && path[4] == "broadcasts" && method == "GET") {
      Poco::JSON::Array list;
      for (const auto& broadcast : conference_.ListBroadcasts(path[3])) list.add(BroadcastToJson(broadcast));
      Poco::JSON::Object body;
      body.set("broadcasts", list);
      SendJson(response, HTTPResponse::HTTP_OK, body);
    } else if (rooms && path.size() == 6 && path[4] == "broadcasts" && method == "DELETE") {
      conference_.StopBroadcast(path[3], path[5]);
      response.setStatusAndReason(HTTPResponse::HTTP_NO_CONTENT);
      response.send();
    } else if (rooms && (path.size() == 5 || path.size() == 6) && path[4] == "broadcasts") {
      SendError(errors, response, HTTPResponse::HTTP_METHOD_NOT_ALLOWED, mcu::ErrorCode::BadRequest,
                "method " + method + " is not allowed here");
    } else if (rooms && path.size() == 6 && path[4] == "participants" && method == "GET") {
      SendJson(response, HTTPResponse::HTTP_OK, ParticipantReportToJson(conference_.GetParticipant(path[3], path[5])));
    } else if (rooms && path.size() == 6 && path[4] == "participants") {
      SendError(errors, response, HTTPResponse::HTTP_METHOD_NOT_ALLOWED, mcu::ErrorCode::BadRequest,
                "method " + method + " is not allowed here");
    } else if (rooms && path.size() >= 5) {
      SendError(errors, response, HTTPResponse::HTTP_NOT_FOUND, mcu::ErrorCode::NotFound, "no such endpoint");
    } else if (rooms) {
      SendError(errors, response, HTTPResponse::HTTP_METHOD_NOT_ALLOWED, mcu::ErrorCode::BadRequest,
                "method " + method + " is not allowed here");
    } else {
      SendError(errors, response, HTTPResponse::HTTP_NOT_FOUND, mcu::ErrorCode::NotFound, "no such endpoint");
    }
  } catch (const mcu::ProtocolError& error) {
    SendError(errors, response, StatusOf(error.code()), error.code(), error.what());
  } catch (const LengthRequired& error) {
    SendError(errors, response, HTTPResponse::HTTP_LENGTH_REQUIRED, mcu::ErrorCode::BadRequest, error.what());
  } catch (const mcu::ControlTimeout& error) {
    SendError(errors, response, HTTPResponse::HTTP_SERVICE_UNAVAILABLE, mcu::ErrorCode::Internal, error.what());
  } catch (const std::exception& error) {
    PLENUM_LOG_ERROR("fail rest request [uri:%s error:%s]", request.getURI().c_str(), error.what());
    SendError(errors, response, HTTPResponse::HTTP_INTERNAL_SERVER_ERROR, mcu::ErrorCode::Internal, "internal error");
  }
}

void HealthCheck::handleRequest(HTTPServerRequest&, HTTPServerResponse& response) {
  response.setContentType("text/plain");
  const auto stalled = conference_.ControlStalled();
  if (stalled.count() > 0) {
    response.setStatus(Poco::Net::HTTPResponse::HTTP_SERVICE_UNAVAILABLE);
    response.send() << "control thread not answering for " << stalled.count() << " ms\n";
    return;
  }
  response.send() << "ok\n";
}

void Metrics::handleRequest(HTTPServerRequest&, HTTPServerResponse& response) {
  try {
    // One short task on the control thread (Stats); the counters are
    // atomics and /proc is read here, on the pool thread. A stuck control
    // thread costs the scrape its room gauges, not the rest: the process
    // and media families are what tells why it is stuck.
    std::optional<mcu::ServerStats> stats;
    const auto stalled = conference_.ControlStalled();
    if (stalled.count() == 0) {
      try {
        stats = conference_.Stats();
      } catch (const mcu::ControlTimeout&) {
      }
    }
    std::string text = ServerMetricsText(stats ? &*stats : nullptr, conference_.Counters(), stalled);
    common::PrometheusText process;
    WriteProcessMetrics(process);
    text += process.Take();
    text += conference_.MediaMetricsText();
    response.setContentType("text/plain; version=0.0.4; charset=utf-8");
    response.setContentLength(static_cast<std::streamsize>(text.size()));
    response.send() << text;
  } catch (const std::exception& error) {
    response.setStatusAndReason(HTTPResponse::HTTP_SERVICE_UNAVAILABLE);
    response.send() << error.what() << "\n";
  }
}

}  // namespace plenum::signaling
