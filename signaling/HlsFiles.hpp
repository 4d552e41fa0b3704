// What a room's HLS broadcast serves over HTTP, with no API key:
//   /hls/{room}/index.m3u8     the live playlist (never cached)
//   /hls/{room}/{segment}.ts   its MPEG-TS segments (immutable: a name is
//                              never reused, it carries the broadcast's id)
//   /watch/{room}              the page that plays it (web/watch.html)
// A room without an HLS broadcast answers 404. GET and HEAD only.
#pragma once

#include <Poco/Net/HTTPRequestHandler.h>

#include <string>

namespace plenum::mcu {
class Conference;
}

namespace plenum::signaling {

class HlsFiles : public Poco::Net::HTTPRequestHandler {
 public:
  explicit HlsFiles(mcu::Conference& conference) : conference_(conference) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override;

 private:
  mcu::Conference& conference_;
};

class WatchPage : public Poco::Net::HTTPRequestHandler {
 public:
  explicit WatchPage(const std::string& webRoot) : webRoot_(webRoot) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override;

 private:
  const std::string& webRoot_;
};

// Whether `name` is a file an HLS broadcast writes: the playlist or a
// segment ("b" + 8 hex digits + "-" + 5 digits + ".ts").
bool IsHlsFileName(const std::string& name);

}  // namespace plenum::signaling
