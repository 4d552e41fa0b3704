// One WebSocket at /ws: one participant in one room (PROTOCOL.md section 1).
//
// The handler thread owns the socket: it reads frames, hands parsed
// requests to the Conference, and writes whatever the control thread
// queued in the session's SocketChannel.
#pragma once

#include <Poco/Net/HTTPRequestHandler.h>

namespace plenum::mcu {
class Conference;
}

namespace plenum::signaling {

class WebSocketSession : public Poco::Net::HTTPRequestHandler {
 public:
  static constexpr int kMaxFrameBytes = 64 * 1024;
  // Consecutive bad requests after which the client is disconnected (1008).
  static constexpr int kMaxConsecutiveErrors = 10;
  // Every message costs the control thread work (an offer, a candidate
  // handed to webrtcbin); a browser sends a few dozen in a whole session.
  // Beyond a burst of kMessageBurst, kMessagesPerSecond are allowed; a
  // client that floods faster is disconnected (1008).
  static constexpr double kMessageBurst = 200;
  static constexpr double kMessagesPerSecond = 50;

  explicit WebSocketSession(mcu::Conference& conference) : conference_(conference) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override;

 private:
  mcu::Conference& conference_;
};

}  // namespace plenum::signaling
