#include "broadcast/BroadcastTarget.hpp"

#include <gst/gst.h>

#include <algorithm>
#include <memory>
#include <vector>

namespace plenum::broadcast {
namespace {

constexpr size_t kMaxUrlLength = 2048;

struct UriDeleter {
  void operator()(GstUri* uri) const { gst_uri_unref(uri); }
};
using UriPtr = std::unique_ptr<GstUri, UriDeleter>;

std::string HostAndPort(const GstUri* uri) {
  std::string host = gst_uri_get_host(uri);
  if (host.find(':') != std::string::npos) host = "[" + host + "]";  // IPv6
  const guint port = gst_uri_get_port(uri);
  return port == GST_URI_NO_PORT ? host : host + ":" + std::to_string(port);
}

// The URL's path segments, without empty ones.
std::vector<std::string> PathSegments(const GstUri* uri) {
  std::vector<std::string> segments;
  GList* list = gst_uri_get_path_segments(uri);
  for (GList* item = list; item; item = item->next) {
    if (item->data && *static_cast<const char*>(item->data))
      segments.emplace_back(static_cast<const char*>(item->data));
  }
  g_list_free_full(list, g_free);
  return segments;
}

BroadcastTarget Rtmp(const std::string& url, const GstUri* uri) {
  const std::string scheme = gst_uri_get_scheme(uri);
  if (scheme != "rtmp" && scheme != "rtmps")
    throw BadBroadcastRequest("an rtmp broadcast needs an rtmp:// or rtmps:// URL");
  const std::vector<std::string> path = PathSegments(uri);
  // rtmp2sink takes the last segment for the stream name and the rest for
  // the application, as every RTMP server expects.
  if (path.size() < 2)
    throw BadBroadcastRequest("an RTMP URL needs an application and a stream name: rtmp://host/app/stream");
  std::string shown = scheme + "://" + HostAndPort(uri);
  for (size_t i = 0; i + 1 < path.size(); ++i) shown += "/" + path[i];
  return {BroadcastKind::Rtmp, url, shown + "/***"};
}

BroadcastTarget Srt(const std::string& url, const GstUri* uri) {
  if (std::string(gst_uri_get_scheme(uri)) != "srt") throw BadBroadcastRequest("an srt broadcast needs an srt:// URL");
  if (gst_uri_get_port(uri) == GST_URI_NO_PORT || gst_uri_get_port(uri) == 0)
    throw BadBroadcastRequest("an SRT URL needs a port: srt://host:port");
  if (const char* mode = gst_uri_get_query_value(uri, "mode"); mode && std::string(mode) != "caller")
    throw BadBroadcastRequest("Plenum calls the SRT server: mode must be caller (or left out)");
  if (!PathSegments(uri).empty()) throw BadBroadcastRequest("an SRT URL has no path: srt://host:port?options");
  const bool hasQuery = gst_uri_get_query_table(uri) != nullptr;
  return {BroadcastKind::Srt, url, "srt://" + HostAndPort(uri) + (hasQuery ? "?***" : "")};
}

// What in a target's URL is secret: an RTMP URL's stream name and query,
// an SRT URL's query and its values.
std::vector<std::string> SecretsOf(const BroadcastTarget& target) {
  std::vector<std::string> secrets;
  if (target.url.empty()) return secrets;
  secrets.push_back(target.url);
  const size_t query = target.url.find('?');
  if (query != std::string::npos) {
    secrets.push_back(target.url.substr(query + 1));
    std::string rest = target.url.substr(query + 1);
    size_t start = 0;
    while (start < rest.size()) {
      size_t end = rest.find('&', start);
      if (end == std::string::npos) end = rest.size();
      const std::string pair = rest.substr(start, end - start);
      const size_t equals = pair.find('=');
      if (equals != std::string::npos && pair.size() - equals > 3) secrets.push_back(pair.substr(equals + 1));
      start = end + 1;
    }
  }
  if (target.kind == BroadcastKind::Rtmp) {
    const std::string path = target.url.substr(0, query);
    const size_t slash = path.rfind('/');
    if (slash != std::string::npos && path.size() - slash > 3) secrets.push_back(path.substr(slash + 1));
  }
  // Longest first, so that a part never leaves the rest of a whole behind.
  std::sort(secrets.begin(), secrets.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  return secrets;
}

}  // namespace

std::string RedactSecrets(const BroadcastTarget& target, std::string text) {
  for (const std::string& secret : SecretsOf(target)) {
    for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3))
      text.replace(at, secret.size(), "***");
  }
  return text;
}

const char* KindName(BroadcastKind kind) {
  switch (kind) {
    case BroadcastKind::Rtmp: return "rtmp";
    case BroadcastKind::Srt: return "srt";
    case BroadcastKind::Hls: return "hls";
  }
  return "unknown";
}

BroadcastTarget ParseBroadcastTarget(const std::string& kind, const std::string& url) {
  if (kind == "hls") {
    if (!url.empty()) throw BadBroadcastRequest("an hls broadcast is served by this server: it takes no url");
    return {BroadcastKind::Hls, "", ""};
  }
  if (kind != "rtmp" && kind != "srt")
    throw BadBroadcastRequest("unknown broadcast kind '" + kind.substr(0, 32) + "': use rtmp, srt or hls");
  if (url.empty()) throw BadBroadcastRequest("an " + kind + " broadcast needs a url");
  if (url.size() > kMaxUrlLength) throw BadBroadcastRequest("the url is longer than 2048 characters");
  if (std::any_of(url.begin(), url.end(), [](unsigned char c) { return c <= 0x20 || c == 0x7f; }))
    throw BadBroadcastRequest("the url has spaces or control characters");
  UriPtr uri(gst_uri_from_string(url.c_str()));
  if (!uri || !gst_uri_get_scheme(uri.get()) || !gst_uri_get_host(uri.get()) || !*gst_uri_get_host(uri.get()))
    throw BadBroadcastRequest("the url is not a URL with a host: scheme://host[:port]/...");
  return kind == "rtmp" ? Rtmp(url, uri.get()) : Srt(url, uri.get());
}

}  // namespace plenum::broadcast
