#include "signaling/HlsFiles.hpp"

#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/URI.h>

#include <algorithm>
#include <cctype>
#include <vector>

#include "mcu/Conference.hpp"
#include "mcu/ControlTimeout.hpp"

namespace plenum::signaling {
namespace {

using Poco::Net::HTTPResponse;

constexpr const char* kPlaylist = "index.m3u8";

void SendText(Poco::Net::HTTPServerResponse& response, HTTPResponse::HTTPStatus status, const std::string& text) {
  response.setStatusAndReason(status);
  response.setContentType("text/plain; charset=utf-8");
  response.send() << text << "\n";
}

bool ReadOnly(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
  if (request.getMethod() == "GET" || request.getMethod() == "HEAD") return true;
  response.set("Allow", "GET, HEAD");
  SendText(response, HTTPResponse::HTTP_METHOD_NOT_ALLOWED, "method not allowed");
  return false;
}

std::vector<std::string> PathSegments(const std::string& uri) {
  std::vector<std::string> segments;
  try {
    Poco::URI(uri).getPathSegments(segments);
  } catch (const Poco::Exception&) {
    segments.clear();
  }
  return segments;
}

}  // namespace

bool IsHlsFileName(const std::string& name) {
  if (name == kPlaylist) return true;
  // b01234567-00042.ts
  if (name.size() != 18 || name[0] != 'b' || name[9] != '-' || name.compare(15, 3, ".ts") != 0) return false;
  const auto hex = [](char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) && !std::isupper(static_cast<unsigned char>(c));
  };
  const auto digit = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; };
  return std::all_of(name.begin() + 1, name.begin() + 9, hex) &&
         std::all_of(name.begin() + 10, name.begin() + 15, digit);
}

void HlsFiles::handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
  // Players on other origins (an intranet page embedding the stream) may
  // fetch it: it is public anyway.
  response.set("Access-Control-Allow-Origin", "*");
  if (!ReadOnly(request, response)) return;
  const std::vector<std::string> path = PathSegments(request.getURI());  // hls, room, file
  if (path.size() != 3 || !IsHlsFileName(path[2])) {
    SendText(response, HTTPResponse::HTTP_NOT_FOUND, "not found");
    return;
  }
  std::string directory;
  try {
    directory = conference_.HlsDirectory(path[1]);
  } catch (const mcu::ControlTimeout& error) {
    SendText(response, HTTPResponse::HTTP_SERVICE_UNAVAILABLE, error.what());
    return;
  }
  if (directory.empty()) {
    SendText(response, HTTPResponse::HTTP_NOT_FOUND, "room " + path[1] + " has no HLS broadcast");
    return;
  }
  const bool playlist = path[2] == kPlaylist;
  const std::string file = directory + "/" + path[2];
  // A playlist that is not written yet (the first segment is still being
  // made), or a segment that rolled off.
  if (!Poco::File(file).exists()) {
    SendText(response, HTTPResponse::HTTP_NOT_FOUND, playlist ? "the broadcast has no segment yet" : "not found");
    return;
  }
  response.set("Cache-Control", playlist ? "no-cache, no-store" : "public, max-age=3600, immutable");
  try {
    response.sendFile(file, playlist ? "application/vnd.apple.mpegurl" : "video/mp2t");
  } catch (const Poco::FileException&) {
    // Deleted between the check and the open (it rolled off just then).
    if (!response.sent()) SendText(response, HTTPResponse::HTTP_NOT_FOUND, "not found");
  }
}

void WatchPage::handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
  if (!ReadOnly(request, response)) return;
  const std::string file = webRoot_ + "/watch.html";
  if (!Poco::File(file).exists()) {
    SendText(response, HTTPResponse::HTTP_NOT_FOUND, "the watch page is not installed");
    return;
  }
  response.set("Cache-Control", "no-cache");
  response.set("X-Content-Type-Options", "nosniff");
  response.sendFile(file, "text/html; charset=utf-8");
}

}  // namespace plenum::signaling
