// GET /ws: answers the WebSocket handshake (RFC 6455 section 4.2) and hands
// the socket to the hub, so that the HTTP thread is free again at once.
// The handshake is ours rather than Poco's WebSocket: that class keeps the
// socket inside its framing and reads frames with blocking calls.
#pragma once

#include <Poco/Net/HTTPRequestHandler.h>

namespace plenum::signaling {

class AddressRate;
class WebSocketHub;

class WebSocketUpgrade : public Poco::Net::HTTPRequestHandler {
 public:
  WebSocketUpgrade(WebSocketHub& hub, AddressRate& openings) : hub_(hub), openings_(openings) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override;

 private:
  WebSocketHub& hub_;
  AddressRate& openings_;
};

}  // namespace plenum::signaling
