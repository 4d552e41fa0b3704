#include "signaling/StaticFiles.hpp"

#include <Poco/File.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Path.h>
#include <Poco/URI.h>

#include <algorithm>
#include <map>
#include <vector>

namespace plenum::signaling {
namespace {

const std::map<std::string, std::string> kContentTypes = {{"html", "text/html; charset=utf-8"},
                                                          {"js", "text/javascript; charset=utf-8"},
                                                          {"mjs", "text/javascript; charset=utf-8"},
                                                          {"css", "text/css; charset=utf-8"},
                                                          {"svg", "image/svg+xml"},
                                                          {"png", "image/png"},
                                                          {"ico", "image/x-icon"},
                                                          {"json", "application/json"},
                                                          {"txt", "text/plain; charset=utf-8"}};

}  // namespace

std::string ResolveStaticPath(const std::string& root, const std::string& uriPath) {
  std::vector<std::string> segments;
  try {
    Poco::URI(uriPath).getPathSegments(segments);
  } catch (const Poco::Exception&) {
    return {};
  }
  if (segments.empty()) segments.push_back("index.html");
  Poco::Path path(root, Poco::Path::PATH_UNIX);
  path.makeDirectory();
  for (const std::string& segment : segments) {
    // getPathSegments has already dropped "." and resolved ".."; refuse
    // anything that still looks like a way out or a hidden file.
    if (segment.empty() || segment[0] == '.' || segment.find('/') != std::string::npos) return {};
    // A decoded NUL or other control character ("/app.js%00.html") would
    // name one file to the filesystem and another to the content type.
    if (std::any_of(segment.begin(), segment.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; })) return {};
    path.pushDirectory(segment);
  }
  path.makeFile();
  return path.toString();
}

void StaticFiles::handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
  using Poco::Net::HTTPResponse;
  const std::string file = ResolveStaticPath(root_, Poco::URI(request.getURI()).getPath());
  const bool readable = !file.empty() && Poco::File(file).exists() && Poco::File(file).isFile();
  if (request.getMethod() != "GET" && request.getMethod() != "HEAD") {
    response.setStatusAndReason(HTTPResponse::HTTP_METHOD_NOT_ALLOWED);
    response.send();
    return;
  }
  if (!readable) {
    response.setStatusAndReason(HTTPResponse::HTTP_NOT_FOUND);
    response.setContentType("text/plain");
    response.send() << "not found\n";
    return;
  }
  const std::string extension = Poco::Path(file).getExtension();
  auto type = kContentTypes.find(extension);
  response.set("Cache-Control", "no-cache");
  response.set("X-Content-Type-Options", "nosniff");
  response.sendFile(file, type == kContentTypes.end() ? "application/octet-stream" : type->second);
}

}  // namespace plenum::signaling
