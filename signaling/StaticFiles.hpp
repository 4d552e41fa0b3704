// Serves the browser client from the web root (GET and HEAD only).
#pragma once

#include <Poco/Net/HTTPRequestHandler.h>

#include <string>

namespace plenum::signaling {

class StaticFiles : public Poco::Net::HTTPRequestHandler {
 public:
  explicit StaticFiles(const std::string& root) : root_(root) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override;

 private:
  const std::string& root_;
};

// The file under `root` that `uriPath` names, or empty when it would
// escape the root or names nothing servable. "/" is index.html.
std::string ResolveStaticPath(const std::string& root, const std::string& uriPath);

}  // namespace plenum::signaling
