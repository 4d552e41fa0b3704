#include "signaling/WebSocketUpgrade.hpp"

#include <Poco/Base64Encoder.h>
#include <Poco/Buffer.h>
#include <Poco/DigestEngine.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/SHA1Engine.h>
#include <Poco/String.h>

#include <sstream>

#include "mcu/Log.hpp"
#include "signaling/AddressRate.hpp"
#include "signaling/ConnectionLimits.hpp"
#include "signaling/WebSocketHub.hpp"

namespace plenum::signaling {
namespace {

using Poco::Net::HTTPResponse;

// RFC 6455 section 1.3: the key and this GUID, SHA-1, base64.
std::string AcceptKey(const std::string& key) {
  Poco::SHA1Engine sha1;
  sha1.update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
  const Poco::DigestEngine::Digest& digest = sha1.digest();
  std::ostringstream out;
  Poco::Base64Encoder base64(out);
  base64.write(reinterpret_cast<const char*>(digest.data()), static_cast<std::streamsize>(digest.size()));
  base64.close();
  return out.str();
}

bool HasToken(const std::string& header, const std::string& token) {
  std::istringstream parts(header);
  std::string part;
  while (std::getline(parts, part, ',')) {
    if (Poco::icompare(Poco::trim(part), token) == 0) return true;
  }
  return false;
}

void Refuse(Poco::Net::HTTPServerResponse& response, HTTPResponse::HTTPStatus status, const std::string& message) {
  response.setStatusAndReason(status);
  response.setContentType("text/plain; charset=utf-8");
  response.setContentLength(static_cast<std::streamsize>(message.size() + 1));
  response.send() << message << '\n';
}

}  // namespace

void WebSocketUpgrade::handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
  const std::string key = request.get("Sec-WebSocket-Key", "");
  if (request.getMethod() != Poco::Net::HTTPRequest::HTTP_GET ||
      !HasToken(request.get("Connection", ""), "upgrade") ||
      Poco::icompare(request.get("Upgrade", ""), "websocket") != 0 || key.empty()) {
    Refuse(response, HTTPResponse::HTTP_BAD_REQUEST, "a WebSocket handshake is expected here");
    return;
  }
  if (request.get("Sec-WebSocket-Version", "") != "13") {
    response.set("Sec-WebSocket-Version", "13");
    Refuse(response, HTTPResponse::HTTP_UPGRADE_REQUIRED, "WebSocket version 13 is expected");
    return;
  }
  // Each WebSocket is a join to come: one address may open only so many a
  // second (joins-per-second-per-address).
  const std::string address = request.clientAddress().host().toString();
  if (!openings_.Take(address, AddressRate::Clock::now())) {
    response.set("Retry-After", "1");
    Refuse(response, HTTPResponse::HTTP_TOO_MANY_REQUESTS, "too many joins from your address; try again shortly");
    return;
  }

  response.setStatusAndReason(HTTPResponse::HTTP_SWITCHING_PROTOCOLS);
  response.set("Upgrade", "websocket");
  response.set("Connection", "Upgrade");
  response.set("Sec-WebSocket-Accept", AcceptKey(key));
  response.send().flush();

  // Take the socket from Poco's session, with whatever the client sent
  // right behind its request (a join may ride in the same packet).
  auto& session = static_cast<Poco::Net::HTTPServerRequestImpl&>(request).session();
  Poco::Buffer<char> early(0);
  session.drainBuffer(early);
  Poco::Net::StreamSocket socket = static_cast<Poco::Net::HTTPServerRequestImpl&>(request).detachSocket();
  hub_.Adopt(std::move(socket), std::string(early.begin(), early.size()), TakeCurrentConnectionSlot());
}

}  // namespace plenum::signaling
